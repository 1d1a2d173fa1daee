"""Message tables: one Japanese and one English template per code, with named placeholders.

Every template says what is wrong and how to fix it. Placeholders that a check does not
supply render as empty text. Codes are stable: the JSON report and the catalog use them.
"""

from __future__ import annotations

import string
from typing import Any, Literal

__all__ = [
    "MESSAGES",
    "RULE_NAMES",
    "WEB_MESSAGES",
    "Audience",
    "encoding_label",
    "render",
    "schema_label",
]

# code: (Japanese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # --- reading (exit status 2) ---------------------------------------------------------
    "file_not_found": (
        "ファイル「{path}」が見つかりません。パスを確認してください。",
        "File '{path}' was not found. Check the path.",
    ),
    "empty_file": (
        "ファイルが空です（0バイト）。見出し行とデータを入れて保存し直してください。",
        "The file is empty (0 bytes). Save it again with a header row and data.",
    ),
    "blank_file": (
        "ファイルに空白と改行しかありません。1行目に見出し、2行目からデータを入れてください。",
        "The file holds only blanks and line breaks. Put the header on line 1 and data below.",
    ),
    "binary_file": (
        "このファイルは文字のファイル（CSV）ではなく、{kind}のようです。"
        "表計算ソフトで開き、CSV（UTF-8）として保存し直してください。",
        "This file is not text (CSV); it looks like {kind}. Open it in a spreadsheet program "
        "and save it as CSV (UTF-8).",
    ),
    "nul_bytes": (
        "{row}行目にNUL文字（0x00）があります。ファイルが壊れているか、"
        "UTF-16などで保存されています。"
        "CSV（UTF-8）として保存し直してください。",
        "Row {row} contains NUL bytes (0x00): the file is damaged or saved as UTF-16. Save it "
        "again as CSV (UTF-8).",
    ),
    "unknown_encoding": (
        "文字コードを判定できません（UTF-8でもShift_JIS（CP932）でもありません。{row}行目付近）。"
        "CSV（UTF-8）として保存し直してください。",
        "The encoding is neither UTF-8 nor Shift_JIS (CP932) (near row {row}). Save the file "
        "as CSV (UTF-8).",
    ),
    "mixed_encoding": (
        "{row}行目から文字コードが変わっています（それまでは{encoding}）。複数のファイルを"
        "つなげた可能性があります。すべてUTF-8で保存し直してから結合してください。",
        "The encoding changes at row {row} (it was {encoding} before). Files were probably "
        "concatenated; save each as UTF-8 before joining them.",
    ),
    "line_too_long": (
        "{row}行目が長すぎます（{limit}バイト超）。改行のない巨大なファイルか、"
        '引用符（"）が閉じられていません。',
        'Row {row} is longer than {limit} bytes: the file has no line breaks or a quote (") '
        "is never closed.",
    ),
    "unclosed_quote": (
        '{row}行目で始まる引用符（"）が閉じられていません。セル内の " は "" と2つ重ねてください。',
        'The quote (") opened on row {row} is never closed. Write a quote inside a cell as "".',
    ),
    "xlsx_invalid": (
        "Excelファイルとして読めません（{reason}）。Excelで開いて保存し直してください。",
        "The file cannot be read as an Excel workbook ({reason}). Open and save it again in Excel.",
    ),
    "xlsx_too_large": (
        "Excelファイルを展開すると{size}バイトを超えます（上限{limit}）。圧縮爆弾の疑いがあるため"
        "読み込みを中止しました。シートを分けるかCSVで提出してください。",
        "The workbook expands to more than {size} bytes (limit {limit}); reading stopped because "
        "it may be a zip bomb. Split the sheets or hand in CSV.",
    ),
    "xlsx_entity": (
        "Excelファイルの部品「{part}」にXMLの実体宣言（DOCTYPE/ENTITY）があります。正規のExcelは"
        "これを使わないため、安全のため読み込みを中止しました。",
        "Part '{part}' of the workbook declares XML entities (DOCTYPE/ENTITY). Excel never writes "
        "these, so reading stopped for safety.",
    ),
    "xls_legacy": (
        "古い形式（.xls）のExcelファイルです。Excelで開き「.xlsx」またはCSV（UTF-8）"
        "で保存し直してください。",
        "This is an old-format (.xls) workbook. Save it as .xlsx or CSV (UTF-8) in Excel.",
    ),
    "no_sheet": (
        "シート「{sheet}」がありません。あるシート: {sheets}",
        "There is no sheet '{sheet}'. Sheets: {sheets}",
    ),
    "schema_unknown": (
        "スキーマ「{slug}」はありません。使えるもの: {known}",
        "There is no schema '{slug}'. Known schemas: {known}",
    ),
    "schema_invalid": (
        "スキーマの記述（Table Schema）が正しくありません: {reason}",
        "The schema descriptor (Table Schema) is not valid: {reason}",
    ),
    "schema_file_unreadable": (
        "スキーマファイル「{path}」を読めません: {reason}",
        "Cannot read schema file '{path}': {reason}",
    ),
    # --- file level ------------------------------------------------------------------------
    "schema_not_detected": (
        "見出し行からデータセットを判別できません（最も近いもの: {best}）。"
        "--schema でデータセット名を指定してください。",
        "The dataset could not be recognised from the header (closest: {best}). Name it with "
        "--schema.",
    ),
    "provisional_schema": (
        "スキーマ「{schema}」は暫定です（確度: {confidence}）"
        "。列名・列順の違いは警告として扱います。",
        "Schema '{schema}' is provisional (confidence: {confidence}); header differences are "
        "reported as warnings.",
    ),
    "legacy_layout": (
        "このファイルは旧「推奨データセット」の列構成です（{legacy}）。"
        "{repair}現行の列名に変換できます。",
        "This file uses the older 推奨データセット layout ({legacy}). {repair} converts it "
        "to the current column names.",
    ),
    "encoding_cp932": (
        "文字コードがShift_JIS（CP932）です。オープンデータはUTF-8で公開してください"
        "（{repair}変換できます）。",
        "The file is Shift_JIS (CP932). Publish open data as UTF-8 ({repair} converts it).",
    ),
    "utf16": (
        "文字コードがUTF-16です。UTF-8で保存し直してください。",
        "The file is UTF-16. Save it as UTF-8.",
    ),
    "no_data_rows": (
        "見出し行だけで、データの行がありません。",
        "The file has a header row but no data rows.",
    ),
    "file_name": (
        "ファイル名「{name}」は標準の名前（{expected}）と違います。",
        "File name '{name}' differs from the standard name ({expected}).",
    ),
    "errors_truncated": (
        "エラーが多いため、最初の{shown}件だけを表示しています（全{total}件）。",
        "Only the first {shown} of {total} errors are listed.",
    ),
    # --- header --------------------------------------------------------------------------
    "blank_header": (
        "{index}列目の見出しが空です。列名を入れるか、不要な列を削除してください。",
        "The header of column {index} is empty. Name the column or delete it.",
    ),
    "duplicate_header": (
        "列名「{column}」が2回以上あります。どちらかの名前を直してください。",
        "Column name '{column}' appears more than once. Rename one of them.",
    ),
    "missing_column": (
        "必要な列「{column}」がありません。見出し行に追加してください（値が無ければ空欄で構いません）"
        "。",
        "Column '{column}' is missing. Add it to the header row (leave its cells blank if "
        "there is no value).",
    ),
    "misspelled_column": (
        "列名「{value}」は標準にありません。「{suggestion}」の誤りではありませんか？"
        "列名を「{suggestion}」に直してください。",
        "Column name '{value}' is not in the standard. Did you mean '{suggestion}'? Rename it.",
    ),
    "extra_column": (
        "列「{column}」は標準にない列です。独自の列は標準の列の後ろに置いてください。",
        "Column '{column}' is not part of the standard. Put your own columns after the "
        "standard ones.",
    ),
    "column_order": (
        "列の順番が標準と違います。{index}列目は「{expected}」のはずが「{column}」です。"
        "標準の順番に並べ替えてください。",
        "The columns are not in the standard order: column {index} should be '{expected}' but "
        "is '{column}'. Reorder the columns.",
    ),
    # --- rows and cells ------------------------------------------------------------------
    "ragged_row": (
        "この行のセルの数が{found}個で、見出しの{expected}個と合いません。"
        '区切りのカンマが多すぎるか足りません。セル内のカンマは値を " で囲んでください。',
        "This row has {found} cells but the header has {expected}. There are too many or too "
        'few commas; quote (") values that contain commas.',
    ),
    "blank_row": (
        "空の行です。表の途中に空行を入れないでください（削除してください）。",
        "This row is blank. Remove blank rows inside the table.",
    ),
    "required": (
        "必須項目「{column}」が空欄です。値を入力してください。",
        "'{column}' is required but empty. Enter a value.",
    ),
    "type_integer": (
        "「{value}」は整数ではありません。半角数字だけで書いてください（桁区切りのカンマや単位は不要）"
        "。{hint}",
        "'{value}' is not an integer. Use half-width digits only (no thousands separators or "
        "units). {hint}",
    ),
    "type_number": (
        "「{value}」は数値ではありません。半角の数字と小数点だけで書いてください（単位は不要）"
        "。{hint}",
        "'{value}' is not a number. Use half-width digits and a decimal point only (no units). "
        "{hint}",
    ),
    "date_format": (
        "日付「{value}」はYYYY-MM-DD形式ではありません。「{suggestion}」と書いてください。",
        "Date '{value}' is not in YYYY-MM-DD form. Write it as '{suggestion}'.",
    ),
    "type_date": (
        "「{value}」は日付として読めません。{reason}YYYY-MM-DD形式（例: 2024-04-01）"
        "で書いてください。",
        "'{value}' is not a date. {reason}Write it as YYYY-MM-DD (e.g. 2024-04-01).",
    ),
    "time_format": (
        "時刻「{value}」はhh:mm形式（24時間、時は2桁）ではありません。"
        "「{suggestion}」と書いてください。",
        "Time '{value}' is not hh:mm (24-hour, two-digit hour). Write it as '{suggestion}'.",
    ),
    "type_time": (
        "「{value}」は時刻として読めません。hh:mm形式（例: 08:30、17:15）で書いてください。",
        "'{value}' is not a time. Write it as hh:mm (e.g. 08:30, 17:15).",
    ),
    "type_datetime": (
        "「{value}」は日時として読めません。YYYY-MM-DDThh:mm:ss形式（例: 2024-04-01T09:00:00）"
        "で書いてください。",
        "'{value}' is not a date-time. Write it as YYYY-MM-DDThh:mm:ss (e.g. 2024-04-01T09:00:00).",
    ),
    "type_boolean": (
        "「{value}」は真偽値ではありません。{expected} のいずれかで書いてください。",
        "'{value}' is not a boolean. Use one of {expected}.",
    ),
    "pattern": (
        "「{value}」は「{column}」の書き方（{expected}）に合いません。{hint}",
        "'{value}' does not follow the form of '{column}' ({expected}). {hint}",
    ),
    "enum": (
        "「{value}」は「{column}」に使える値ではありません。次のいずれかにしてください: {expected}",
        "'{value}' is not an allowed value of '{column}'. Use one of: {expected}",
    ),
    "minimum": (
        "「{value}」は最小値{expected}より小さい値です。値を確認してください。",
        "'{value}' is below the minimum {expected}. Check the value.",
    ),
    "maximum": (
        "「{value}」は最大値{expected}より大きい値です。値を確認してください。",
        "'{value}' is above the maximum {expected}. Check the value.",
    ),
    "length": (
        "「{value}」の文字数が決まり（{expected}）に合いません。",
        "The length of '{value}' does not meet the rule ({expected}).",
    ),
    "latitude_range": (
        "緯度「{value}」は日本の範囲（北緯20〜46度）の外です。"
        "10進数の度（例: 31.719）で書いてください。",
        "Latitude '{value}' is outside Japan (20 to 46 N). Write decimal degrees (e.g. 31.719).",
    ),
    "longitude_range": (
        "経度「{value}」は日本の範囲（東経122〜154度）の外です。"
        "10進数の度（例: 131.061）で書いてください。",
        "Longitude '{value}' is outside Japan (122 to 154 E). Write decimal degrees "
        "(e.g. 131.061).",
    ),
    "outside_area": (
        "「{value}」は、この団体の区域を囲む範囲（{column}：{low}〜{high}）の外です。"
        "位置が正しいか、桁や緯度・経度の取り違えがないか確認してください。",
        "'{value}' lies outside the box around this local government ({column}: {low} to "
        "{high}). Check that the place is right and that no digit or the latitude/longitude "
        "order is wrong.",
    ),
    "latlon_swapped": (
        "緯度「{value}」と経度「{other}」が入れ替わっています。"
        "緯度（20〜46）と経度（122〜154）の列を入れ替えてください。",
        "Latitude '{value}' and longitude '{other}' are swapped. Exchange the latitude "
        "(20-46) and longitude (122-154) cells.",
    ),
    "lg_code": (
        "{detail}",
        "{detail}",
    ),
    "lg_code_name_mismatch": (
        "地方公共団体名「{other}」が、コード「{value}」の{what}（{expected}）と合いません。"
        "地方公共団体名は都道府県名から書きます（例：「{example}」）。コードも確認してください。",
        "The local government name '{other}' does not match {what} of code '{value}' "
        "({expected}). Write the name starting with the prefecture, e.g. '{example}', "
        "and check the code.",
    ),
    "corporate_number": (
        "法人番号「{value}」の検査数字（1桁目）が合いません（正しくは{expected}）。"
        "国税庁法人番号公表サイトで番号を確認してください。",
        "The check digit (first digit) of corporate number '{value}' is wrong (it should be "
        "{expected}). Look the number up on the NTA corporate number site.",
    ),
    "phone": (
        "電話番号「{value}」は「市外局番-市内局番-番号」の形（例: 0986-23-2111）"
        "ではありません。{hint}",
        "Phone number '{value}' is not written as area-exchange-number (e.g. 0986-23-2111). {hint}",
    ),
    "postal_code": (
        "郵便番号「{value}」はNNN-NNNN形式（例: 885-8555）ではありません。{hint}",
        "Postal code '{value}' is not NNN-NNNN (e.g. 885-8555). {hint}",
    ),
    "url": (
        "「{value}」はURLではありません。"
        "http:// または https:// から始まる完全なURLを書いてください。",
        "'{value}' is not a URL. Write a full URL starting with http:// or https://.",
    ),
    "email": (
        "「{value}」はメールアドレスの形ではありません（例: info@example.lg.jp）。",
        "'{value}' is not an e-mail address (e.g. info@example.lg.jp).",
    ),
    "duplicate_id": (
        "「{column}」の値「{value}」は{first}でも使われています。"
        "IDは重複しないようにしてください。",
        "'{column}' value '{value}' is also used {first_en}. IDs must be unique.",
    ),
    "multi_value_separator": (
        "複数の値は半角セミコロン「;」で区切ってください（「{found}」が使われています）"
        "。例: {suggestion}",
        "Separate several values with a half-width semicolon ';' ('{found}' is used). "
        "e.g. {suggestion}",
    ),
    "private_use": (
        "「{char}」は外字（私用領域の文字）で、他のコンピューターでは表示できません。"
        "通常の文字に置き換えてください。",
        "'{char}' is a private-use (外字) character that other computers cannot show. Replace "
        "it with a standard character.",
    ),
    "platform_dependent": (
        "「{char}」は機種依存文字です。{hint}{repair_note}",
        "'{char}' is a platform-dependent character. {hint}{repair_note}",
    ),
    "halfwidth_katakana": (
        "半角カタカナ「{char}」があります。"
        "全角で「{suggestion}」と書いてください（{repair}直せます）。",
        "Half-width katakana '{char}'. Write it in full width as '{suggestion}' ({repair} "
        "fixes it).",
    ),
    "compatibility_ideograph": (
        "「{char}」はCJK互換漢字です。検索や並べ替えで別の字として扱われることがあります。"
        "人名・地名で意図した字形であればそのままで構いません。",
        "'{char}' is a CJK compatibility ideograph; search and sorting may treat it as a "
        "different character. Keep it only if the glyph is intended (names).",
    ),
    "variation_selector": (
        "異体字セレクタ（{char}）が含まれています。対応するフォントが無いと表示されません。",
        "A variation selector ({char}) is present; it is shown only where fonts support it.",
    ),
    "outside_jis_x0213": (
        "「{char}」はJIS X 0213にない文字です。表示できない環境があります。"
        "可能なら通常の字体（例: 髙→高）を使ってください。",
        "'{char}' is outside JIS X 0213 and may not display everywhere. Use the common form "
        "(e.g. 髙→高) where possible.",
    ),
    "control_character": (
        "制御文字（{char}）が含まれています。削除してください。",
        "The cell contains a control character ({char}). Remove it.",
    ),
    "whitespace": (
        "値の前後に空白があります（「{value}」）。"
        "前後の空白を削除してください（{repair}直せます）。",
        "The value has leading or trailing spaces ('{value}'). Remove them ({repair} fixes it).",
    ),
    "formula_injection": (
        "「{value}」は「{char}」で始まるため、表計算ソフトで数式として実行されるおそれがあります。"
        "先頭の記号を削除するか、別の書き方にしてください。",
        "'{value}' starts with '{char}', so a spreadsheet may run it as a formula. Remove the "
        "leading symbol or rephrase the value.",
    ),
    "excel_error_value": (
        "「{value}」はExcelのエラー値です。元の表の数式を直してから値として保存してください。",
        "'{value}' is an Excel error value. Fix the formula in the source and save values.",
    ),
    # --- GeoJSON (RFC 7946): reading (exit status 2) -------------------------------------
    "geojson_empty": (
        "ファイルが空です（中身がありません）。GISソフトでGeoJSONを書き出し直してください。",
        "The file is empty. Export the GeoJSON again from your GIS software.",
    ),
    "geojson_too_large": (
        "ファイルが大きすぎるため確認できません（上限{limit}バイト）。"
        "地物をいくつかのファイルに分けてください。",
        "The file is too large to check (the limit is {limit} bytes). Split the features "
        "into several files.",
    ),
    "geojson_binary": (
        "このファイルは文字のファイル（GeoJSON）ではなく、{what}のようです。"
        "正しいファイルを選ぶか、GISソフトでGeoJSON形式に書き出し直してください。",
        "This file is not text (GeoJSON); it looks like {what}. Choose the right file, or "
        "export it as GeoJSON from your GIS software.",
    ),
    "geojson_not_json": (
        "このファイルはJSONではなく、{what}のようです（先頭が「{{」でも「[」でもありません）。"
        "正しいファイルを選ぶか、GISソフトでGeoJSON形式に書き出し直してください。",
        "This file is not JSON; it looks like {what} (it does not start with '{{' or '['). "
        "Choose the right file, or export it as GeoJSON from your GIS software.",
    ),
    "geojson_encoding": (
        "文字コードがUTF-8ではありません（{what}のようです）。"
        "GeoJSONはUTF-8で保存する決まりです（RFC 7946）。UTF-8で保存し直してください。",
        "The file is not UTF-8 (it looks like {what}). GeoJSON must be saved as UTF-8 "
        "(RFC 7946); save it again as UTF-8.",
    ),
    "json_syntax": (
        "JSONの書き方に誤りがあるため読み込めません（{line}行目の{col}文字目）。{reason}"
        "GISソフトで書き出し直すか、その位置を直してください。",
        "The file is not valid JSON (line {line}, character {col}). {reason}Export it again "
        "from your GIS software, or fix that place.",
    ),
    "json_constant": (
        "{line}行目の{col}文字目に「{value}」があります。NaN や Infinity はJSONでは使えません。"
        "数値か null に直してください。",
        "Line {line}, character {col} holds '{value}': NaN and Infinity are not allowed in "
        "JSON. Write a number or null.",
    ),
    "json_too_deep": (
        "配列やオブジェクトの入れ子が深すぎるため読み込めません。"
        "ファイルが壊れていないか確認し、GISソフトで書き出し直してください。",
        "Arrays or objects are nested too deeply to read. Check that the file is not damaged "
        "and export it again from your GIS software.",
    ),
    "json_number_too_long": (
        "桁数が多すぎる数値があるため読み込めません。"
        "座標は10進数の度（例: 131.061）で書いてください。",
        "A number has too many digits to read. Write coordinates in decimal degrees "
        "(e.g. 131.061).",
    ),
    "not_geojson": (
        "GeoJSONではありません（{detail}）。"
        'ファイルの最上位は "type": "FeatureCollection" と "features" を持つオブジェクトにして'
        'ください（1つの "Feature" や1つのジオメトリだけでも構いません）。',
        "This is not GeoJSON ({detail}). The top level must be an object with "
        '"type": "FeatureCollection" and "features" (a single "Feature" or a single geometry '
        "also works).",
    ),
    # --- GeoJSON: the document and its features ------------------------------------------
    "geojson_bom": (
        "ファイルの先頭にBOM（バイト順マーク）があります。GeoJSONにはBOMを付けない決まりです"
        "（RFC 7946）。BOMなしのUTF-8で保存してください。",
        "The file starts with a byte order mark (BOM). GeoJSON must not have one (RFC 7946); "
        "save it as UTF-8 without BOM.",
    ),
    "no_features": (
        "地物（features）が1つもありません。",
        "The FeatureCollection holds no features.",
    ),
    "features_missing": (
        'FeatureCollection に地物の配列 "features" がありません（または配列ではありません）。'
        '"features": [ … ] の中に地物を書いてください。',
        'The FeatureCollection has no "features" array. Put the features in "features": [ … ].',
    ),
    "crs_member": (
        '{where}に "crs"（座標参照系）の指定があります。RFC 7946 では crs は廃止され、座標は'
        "世界測地系（WGS84）の経度・緯度と決まっています。座標がWGS84（日本測地系2011とほぼ同じ）"
        "なら crs を削除してください。平面直角座標系などの場合はWGS84に変換してください。",
        '{where} has a "crs" member. RFC 7946 removed it: coordinates are always WGS84 '
        "longitude and latitude. If they are WGS84 (about the same as JGD2011), delete "
        '"crs"; if they are plane rectangular coordinates or similar, convert them to WGS84.',
    ),
    "feature_not_object": (
        "{where}がオブジェクト（{{ … }}）ではありません。"
        '"features" の要素は "type": "Feature" を持つオブジェクトにしてください。',
        '{where} is not an object ({{ … }}). Each item of "features" must be an object with '
        '"type": "Feature".',
    ),
    "feature_type": (
        '{where}の "type" が "Feature" ではありません。'
        '"features" の要素には "type": "Feature" を書いてください。',
        '{where}: "type" is not "Feature". Write "type": "Feature" in each item of "features".',
    ),
    "feature_id": (
        '{where}の "id" が文字列でも数値でもありません。'
        '文字列（例: "SH0001"）か数値にしてください。',
        '{where}: "id" is neither a string nor a number. Use a string (e.g. "SH0001") or a number.',
    ),
    "geometry_missing": (
        '{where}に "geometry" がありません。位置があればジオメトリを、'
        '位置がなければ "geometry": null と書いてください。',
        '{where} has no "geometry". Write the geometry, or "geometry": null when the feature '
        "has no place.",
    ),
    "properties_missing": (
        '{where}に "properties" がありません。属性があれば "properties": {{"名称": "…"}} '
        'のように、なければ "properties": null と書いてください。',
        '{where} has no "properties". Write them as "properties": {{"name": "…"}}, or '
        '"properties": null when there are none.',
    ),
    "properties_type": (
        '{where}の "properties" がオブジェクトでも null でもありません。'
        '属性は "properties": {{"名称": "…"}} のように書いてください。',
        '{where}: "properties" is neither an object nor null. Write them as '
        '"properties": {{"name": "…"}}.',
    ),
    "geometry_not_object": (
        "{where}の「{column}」がジオメトリのオブジェクトではありません。"
        '{{"type": "Point", "coordinates": [経度, 緯度]}} のように書き、'
        "位置がなければ null にしてください。",
        "{where}: '{column}' is not a geometry object. Write it as "
        '{{"type": "Point", "coordinates": [longitude, latitude]}}, or null when there is no '
        "place.",
    ),
    "geometry_type": (
        "{where}の「{column}」はジオメトリの種類ではありません。Point、MultiPoint、LineString、"
        "MultiLineString、Polygon、MultiPolygon、GeometryCollection のいずれかにしてください"
        "（大文字と小文字も区別します）。{hint}",
        "{where}: '{column}' is not a geometry type. Use one of Point, MultiPoint, LineString, "
        "MultiLineString, Polygon, MultiPolygon, GeometryCollection (upper and lower case "
        "matter). {hint}",
    ),
    "coordinates_missing": (
        '{where}の {type} に座標 "coordinates" がありません。'
        '"coordinates": {example} のように書いてください。',
        '{where}: the {type} has no "coordinates". Write them as "coordinates": {example}.',
    ),
    "geometries_missing": (
        '{where}の GeometryCollection に "geometries" の配列がありません。'
        '中のジオメトリを "geometries": [ … ] に書いてください。',
        '{where}: the GeometryCollection has no "geometries" array. Put its geometries in '
        '"geometries": [ … ].',
    ),
    "coordinates_nesting": (
        "{where}の「{column}」で、座標の括弧 [ ] の重なり方が {type} の形と合いません。"
        "{type} の座標は {example} のように書きます。",
        "{where}: at '{column}' the brackets [ ] do not nest the way a {type} needs. "
        "A {type} is written as {example}.",
    ),
    "position_invalid": (
        "{where}の座標「{value}」は [経度, 緯度] の形ではありません。"
        "座標は2つ（高さも書くなら3つ）の数値です（例: [131.061, 31.719]）。"
        "数値を引用符で囲まないでください。{more}",
        "{where}: position '{value}' is not [longitude, latitude]. A position is 2 numbers "
        "(3 with the height), e.g. [131.061, 31.719], without quotes. {more}",
    ),
    "position_range": (
        "{where}の座標「{value}」は経度（-180〜180）・緯度（-90〜90）の範囲の外です。"
        "10進数の度で、[経度, 緯度] の順に書いてください（例: [131.061, 31.719]）。"
        "平面直角座標などの場合は経度・緯度に変換してください。{more}",
        "{where}: position '{value}' is outside longitude -180 to 180 / latitude -90 to 90. "
        "Write decimal degrees, longitude first (e.g. [131.061, 31.719]); convert plane "
        "coordinates to longitude and latitude. {more}",
    ),
    "position_outside_japan": (
        "{where}の座標「{value}」は日本の範囲（東経122〜154度、北緯20〜46度）の外です。"
        "位置が正しいか、桁や符号の誤りがないか確認してください。{more}",
        "{where}: position '{value}' is outside Japan (122 to 154 E, 20 to 46 N). Check the "
        "place, the digits and the signs. {more}",
    ),
    "coordinates_swapped": (
        "{where}の座標「{value}」は経度と緯度が逆です。GeoJSONでは [経度, 緯度] の順に書きます。"
        "「{suggestion}」のように2つの数値を入れ替えてください。{more}",
        "{where}: position '{value}' has latitude and longitude swapped. GeoJSON puts the "
        "longitude first: write '{suggestion}'. {more}",
    ),
    "position_outside_area": (
        "{where}の座標「{value}」は、この団体の区域を囲む範囲（東経{west}〜{east}度、"
        "北緯{south}〜{north}度）の外です。位置が正しいか、桁の誤りがないか確認してください。"
        "{more}",
        "{where}: position '{value}' lies outside the box around this local government "
        "({west} to {east} E, {south} to {north} N). Check the place and the digits. {more}",
    ),
    "line_too_short": (
        "{where}の線（LineString）は点が{count}個しかありません。線には2点以上が必要です。{more}",
        "{where}: the line (LineString) has {count} position(s); a line needs at least 2. {more}",
    ),
    "ring_too_short": (
        "{where}の多角形（Polygon）の輪は点が{count}個しかありません。輪は最初と最後に"
        "同じ点を書いて閉じるため、4点以上が必要です（三角形でも4点）。{more}",
        "{where}: a polygon ring has {count} position(s). A ring is closed by repeating its "
        "first position at the end, so it needs at least 4 (a triangle too). {more}",
    ),
    "ring_not_closed": (
        "{where}の多角形（Polygon）の輪が閉じていません（最後の点が「{value}」）。"
        "最後に最初の点「{first}」をもう一度書いてください。{more}",
        "{where}: a polygon ring is not closed (it ends at '{value}'). Repeat its first "
        "position '{first}' at the end. {more}",
    ),
    "nested_geometry_collection": (
        "{where}の「{column}」で GeometryCollection の中に GeometryCollection があります。"
        "入れ子にしない決まりです（RFC 7946）。MultiPolygon などにまとめてください。",
        "{where}: at '{column}' a GeometryCollection holds another one; RFC 7946 says not to "
        "nest them. Merge them, e.g. into a MultiPolygon.",
    ),
    "geometry_too_deep": (
        "{where}の「{column}」で GeometryCollection の入れ子が{limit}段を超えています。"
        "入れ子をなくしてください。",
        "{where}: at '{column}' GeometryCollections are nested more than {limit} deep. "
        "Remove the nesting.",
    ),
}

RULE_NAMES: dict[str, tuple[str, str]] = {
    "required": ("必須", "required"),
    "pattern": ("書式", "pattern"),
    "enum": ("選択肢", "enumeration"),
}

# Who reads a message. The command line names its own commands and options (kanmin repair,
# --schema) and the engine's identifiers (aed, cp932); a web page names the button that does
# the same thing and says a data set's or an encoding's human name instead.
Audience = Literal["cli", "web"]

# The tool that fixes a finding, by (audience, language); the web names its button, whose
# label is the catalog's msgid "Make a corrected copy" (修正版を作成).
REPAIR_TOOL: dict[tuple[str, str], str] = {
    ("cli", "ja"): "kanmin repair で",
    ("cli", "en"): "kanmin repair",
    ("web", "ja"): "「修正版を作成」で",
    ("web", "en"): "'Make a corrected copy'",
}

# Web wording where the command line's names an option or an engine grade.
WEB_MESSAGES: dict[str, tuple[str, str]] = {
    "schema_not_detected": (
        "見出し行から標準データセットを判別できません（最も近いもの: {best}）。"
        "データセットの編集画面で、従う標準データセットを選んでください。",
        "The standard data set could not be recognised from the header (closest: {best}). "
        "Choose the standard data set on the dataset's edit page.",
    ),
    "provisional_schema": (
        "「{schema}」の列の定義は、公式の資料で確かめきれていない暫定のものです。"
        "そのため、列名・列順の違いは警告として扱います。",
        "The columns of '{schema}' are provisional: they could not all be confirmed in the "
        "official documents, so header differences are reported as warnings.",
    ),
    "encoding_cp932": (
        "文字コードがShift_JISです。オープンデータはUTF-8で公開してください"
        "（{repair}UTF-8に変換できます）。",
        "The file is Shift_JIS. Publish open data as UTF-8 ({repair} converts it).",
    ),
    "unknown_encoding": (
        "文字コードを判定できません（UTF-8でもShift_JISでもありません。{row}行目付近）。"
        "CSV（UTF-8）として保存し直してください。",
        "The encoding is neither UTF-8 nor Shift_JIS (near row {row}). Save the file "
        "as CSV (UTF-8).",
    ),
}

# Parameters that hold an engine identifier, and how the web names them.
_SCHEMA_PARAMS = ("schema", "legacy", "best")
_ENCODING_PARAMS = ("encoding",)

_ENCODING_NAMES: dict[str, tuple[str, str]] = {
    "utf-8": ("UTF-8", "UTF-8"),
    "utf-8-sig": ("UTF-8（BOM付き）", "UTF-8 (with BOM)"),
    "cp932": ("Shift_JIS", "Shift_JIS"),
    "shift_jis": ("Shift_JIS", "Shift_JIS"),
    "utf-16": ("UTF-16", "UTF-16"),
    "utf-16-le": ("UTF-16", "UTF-16"),
    "utf-16-be": ("UTF-16", "UTF-16"),
}


def encoding_label(encoding: str | None, lang: str = "ja") -> str:
    """An encoding's name for people: ``cp932`` → Shift_JIS, ``utf-8-sig`` → UTF-8（BOM付き）."""
    if not encoding:
        return ""
    names = _ENCODING_NAMES.get(encoding.lower().replace("_", "-"))
    if names is None:
        names = _ENCODING_NAMES.get(encoding.lower())
    if names is None:
        return encoding.upper()
    return names[1] if lang == "en" else names[0]


def schema_label(slug: str | None, lang: str = "ja") -> str:
    """A standard data set's name for people: ``aed`` → AED設置箇所一覧 (English: AED
    locations); the older layout says so (``legacy/aed`` → AED設置箇所一覧（旧形式）)."""
    if not slug:
        return ""
    from kanmin.standards.schemas import all_schemas

    schemas = all_schemas()
    schema = schemas.get(slug)
    if schema is None:
        return slug
    if not schema.legacy:
        return schema.title if lang == "en" else schema.japanese_name
    current = schemas.get(slug.rsplit("/", 1)[-1])
    if lang == "en":
        title = current.title if current is not None else schema.japanese_name
        return f"{title} (older layout)"
    return f"{schema.japanese_name}（旧形式）"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


_FORMATTER = string.Formatter()


def render(code: str, lang: str, params: dict[str, Any], audience: Audience = "cli") -> str:
    """The message for ``code`` in ``lang`` ("ja" or "en") with ``params`` filled in, worded
    for ``audience``: the command line ("cli") or a web page ("web")."""
    en_lang = lang == "en"
    lang = "en" if en_lang else "ja"
    ja, en = MESSAGES.get(code, ("{code}", "{code}"))
    if audience == "web" and code in WEB_MESSAGES:
        ja, en = WEB_MESSAGES[code]
    template = en if en_lang else ja
    values = _Blank(params)
    suffix = "_en" if en_lang else "_ja"
    for key in ("hint", "reason", "detail", "expected", "what", "where", "more"):
        if key + suffix in params:
            values[key] = params[key + suffix]
    values.setdefault("code", code)
    tool = REPAIR_TOOL[(audience, lang)]
    values["repair"] = tool
    if params.get("repairable"):
        values["repair_note"] = f" ({tool} fixes it.)" if en_lang else f"（{tool}直せます）"
    if audience == "web":
        for key in _SCHEMA_PARAMS:
            if values.get(key):
                slug = str(values[key])
                unknown = "なし" if lang == "ja" else "none"
                if key == "legacy":  # the message already says it is the older layout
                    slug = slug.rsplit("/", 1)[-1]
                values[key] = unknown if slug.startswith("-") else schema_label(slug, lang)
        for key in _ENCODING_PARAMS:
            if values.get(key):
                values[key] = encoding_label(str(values[key]), lang)
    return _FORMATTER.vformat(template, (), values).strip()
