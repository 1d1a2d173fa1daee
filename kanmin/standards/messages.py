"""Message tables: one English template per code, with named placeholders; the Japanese is in
the project's one gettext catalog (``kanmin/locale/ja/LC_MESSAGES/django.po``), read through
:mod:`kanmin.core.i18n` so that the file tools need no Django settings.

Every template says what is wrong and how to fix it. Placeholders that a check does not
supply render as empty text. Codes are stable: the JSON report and the catalog use them.
"""

from __future__ import annotations

import string
from typing import Any, Literal

from kanmin.core.i18n import gettext_noop, translate

__all__ = [
    "MESSAGES",
    "WEB_MESSAGES",
    "Audience",
    "encoding_label",
    "render",
    "schema_label",
]

# code: template (an English msgid)
MESSAGES: dict[str, str] = {
    # --- reading (exit status 2) ---------------------------------------------------------
    "file_not_found": gettext_noop("File '{path}' was not found. Check the path."),
    "empty_file": gettext_noop(
        "The file is empty (0 bytes). Save it again with a header row and data."
    ),
    "blank_file": gettext_noop(
        "The file holds only blanks and line breaks. Put the header on line 1 and data below."
    ),
    "binary_file": gettext_noop(
        "This file is not text (CSV); it looks like {kind}. Open it in a spreadsheet "
        "program and save it as CSV (UTF-8)."
    ),
    "nul_bytes": gettext_noop(
        "Row {row} contains NUL bytes (0x00): the file is damaged or saved as "
        "UTF-16. Save it again as CSV (UTF-8)."
    ),
    "unknown_encoding": gettext_noop(
        "The encoding is neither UTF-8 nor Shift_JIS (CP932) (near row {row}). Save "
        "the file as CSV (UTF-8)."
    ),
    "mixed_encoding": gettext_noop(
        "The encoding changes at row {row} (it was {encoding} before). Files were "
        "probably concatenated; save each as UTF-8 before joining them."
    ),
    "line_too_long": gettext_noop(
        "Row {row} is longer than {limit} bytes: the file has no line breaks or a "
        'quote (") is never closed.'
    ),
    "unclosed_quote": gettext_noop(
        'The quote (") opened on row {row} is never closed. Write a quote inside a cell as "".'
    ),
    "xlsx_invalid": gettext_noop(
        "The file cannot be read as an Excel workbook ({reason}). Open and save it again in Excel."
    ),
    "xlsx_too_large": gettext_noop(
        "The workbook expands to more than {size} bytes (limit {limit}); reading "
        "stopped because it may be a zip bomb. Split the sheets or hand in CSV."
    ),
    "xlsx_entity": gettext_noop(
        "Part '{part}' of the workbook declares XML entities (DOCTYPE/ENTITY). Excel "
        "never writes these, so reading stopped for safety."
    ),
    "xls_legacy": gettext_noop(
        "This is an old-format (.xls) workbook. Save it as .xlsx or CSV (UTF-8) in Excel."
    ),
    "no_sheet": gettext_noop("There is no sheet '{sheet}'. Sheets: {sheets}"),
    "schema_unknown": gettext_noop("There is no schema '{slug}'. Known schemas: {known}"),
    "schema_invalid": gettext_noop("The schema descriptor (Table Schema) is not valid: {reason}"),
    "schema_file_unreadable": gettext_noop("Cannot read schema file '{path}': {reason}"),
    # --- file level ------------------------------------------------------------------------
    "schema_not_detected": gettext_noop(
        "The dataset could not be recognised from the header (closest: {best}). Name "
        "it with --schema."
    ),
    "provisional_schema": gettext_noop(
        "Schema '{schema}' is provisional (confidence: {confidence}); header "
        "differences are reported as warnings."
    ),
    "legacy_layout": gettext_noop(
        "This file uses the older 推奨データセット layout ({legacy}). {repair} converts it "
        "to the current column names."
    ),
    "encoding_cp932": gettext_noop(
        "The file is Shift_JIS (CP932). Publish open data as UTF-8 ({repair} converts it)."
    ),
    "utf16": gettext_noop("The file is UTF-16. Save it as UTF-8."),
    "no_data_rows": gettext_noop("The file has a header row but no data rows."),
    "file_name": gettext_noop("File name '{name}' differs from the standard name ({expected})."),
    "errors_truncated": gettext_noop("Only the first {shown} of {total} errors are listed."),
    # --- header --------------------------------------------------------------------------
    "blank_header": gettext_noop(
        "The header of column {index} is empty. Name the column or delete it."
    ),
    "duplicate_header": gettext_noop(
        "Column name '{column}' appears more than once. Rename one of them."
    ),
    "missing_column": gettext_noop(
        "Column '{column}' is missing. Add it to the header row (leave its cells "
        "blank if there is no value)."
    ),
    "misspelled_column": gettext_noop(
        "Column name '{value}' is not in the standard. Did you mean '{suggestion}'? Rename it."
    ),
    "extra_column": gettext_noop(
        "Column '{column}' is not part of the standard. Put your own columns after "
        "the standard ones."
    ),
    "column_order": gettext_noop(
        "The columns are not in the standard order: column {index} should be "
        "'{expected}' but is '{column}'. Reorder the columns."
    ),
    # --- rows and cells ------------------------------------------------------------------
    "ragged_row": gettext_noop(
        "This row has {found} cells but the header has {expected}. There are too "
        'many or too few commas; quote (") values that contain commas.'
    ),
    "blank_row": gettext_noop("This row is blank. Remove blank rows inside the table."),
    "required": gettext_noop("'{column}' is required but empty. Enter a value."),
    "type_integer": gettext_noop(
        "'{value}' is not an integer. Use half-width digits only (no thousands "
        "separators or units). {hint}"
    ),
    "type_number": gettext_noop(
        "'{value}' is not a number. Use half-width digits and a decimal point only "
        "(no units). {hint}"
    ),
    "date_format": gettext_noop(
        "Date '{value}' is not in YYYY-MM-DD form. Write it as '{suggestion}'."
    ),
    "type_date": gettext_noop(
        "'{value}' is not a date. {reason}Write it as YYYY-MM-DD (e.g. 2024-04-01)."
    ),
    "time_format": gettext_noop(
        "Time '{value}' is not hh:mm (24-hour, two-digit hour). Write it as '{suggestion}'."
    ),
    "type_time": gettext_noop("'{value}' is not a time. Write it as hh:mm (e.g. 08:30, 17:15)."),
    "type_datetime": gettext_noop(
        "'{value}' is not a date-time. Write it as YYYY-MM-DDThh:mm:ss (e.g. 2024-04-01T09:00:00)."
    ),
    "type_boolean": gettext_noop("'{value}' is not a boolean. Use one of {expected}."),
    "pattern": gettext_noop(
        "'{value}' does not follow the form of '{column}' ({expected}). {hint}"
    ),
    "enum": gettext_noop("'{value}' is not an allowed value of '{column}'. Use one of: {expected}"),
    "minimum": gettext_noop("'{value}' is below the minimum {expected}. Check the value."),
    "maximum": gettext_noop("'{value}' is above the maximum {expected}. Check the value."),
    "length": gettext_noop("The length of '{value}' does not meet the rule ({expected})."),
    "latitude_range": gettext_noop(
        "Latitude '{value}' is outside Japan (20 to 46 N). Write decimal degrees (e.g. 31.719)."
    ),
    "longitude_range": gettext_noop(
        "Longitude '{value}' is outside Japan (122 to 154 E). Write decimal degrees (e.g. 131.061)."
    ),
    "outside_area": gettext_noop(
        "'{value}' lies outside the box around this local government ({column}: "
        "{low} to {high}). Check that the place is right and that no digit or the "
        "latitude/longitude order is wrong."
    ),
    "latlon_swapped": gettext_noop(
        "Latitude '{value}' and longitude '{other}' are swapped. Exchange the "
        "latitude (20-46) and longitude (122-154) cells."
    ),
    "lg_code": gettext_noop("{detail}"),
    "lg_code_name_mismatch": gettext_noop(
        "The local government name '{other}' does not match {what} of code '{value}' "
        "({expected}). Write the name starting with the prefecture, e.g. "
        "'{example}', and check the code."
    ),
    "corporate_number": gettext_noop(
        "The check digit (first digit) of corporate number '{value}' is wrong (it "
        "should be {expected}). Look the number up on the NTA corporate number site."
    ),
    "phone": gettext_noop(
        "Phone number '{value}' is not written as area-exchange-number (e.g. 0986-23-2111). {hint}"
    ),
    "postal_code": gettext_noop("Postal code '{value}' is not NNN-NNNN (e.g. 885-8555). {hint}"),
    "url": gettext_noop(
        "'{value}' is not a URL. Write a full URL starting with http:// or https://."
    ),
    "email": gettext_noop("'{value}' is not an e-mail address (e.g. info@example.lg.jp)."),
    "duplicate_id": gettext_noop(
        "'{column}' value '{value}' is also used {first}. IDs must be unique."
    ),
    "multi_value_separator": gettext_noop(
        "Separate several values with a half-width semicolon ';' ('{found}' is "
        "used). e.g. {suggestion}"
    ),
    "private_use": gettext_noop(
        "'{char}' is a private-use (外字) character that other computers cannot show. "
        "Replace it with a standard character."
    ),
    "platform_dependent": gettext_noop(
        "'{char}' is a platform-dependent character. {hint}{repair_note}"
    ),
    "halfwidth_katakana": gettext_noop(
        "Half-width katakana '{char}'. Write it in full width as '{suggestion}' "
        "({repair} fixes it)."
    ),
    "compatibility_ideograph": gettext_noop(
        "'{char}' is a CJK compatibility ideograph; search and sorting may treat it "
        "as a different character. Keep it only if the glyph is intended (names)."
    ),
    "variation_selector": gettext_noop(
        "A variation selector ({char}) is present; it is shown only where fonts support it."
    ),
    "outside_jis_x0213": gettext_noop(
        "'{char}' is outside JIS X 0213 and may not display everywhere. Use the "
        "common form (e.g. 髙→高) where possible."
    ),
    "control_character": gettext_noop("The cell contains a control character ({char}). Remove it."),
    "whitespace": gettext_noop(
        "The value has leading or trailing spaces ('{value}'). Remove them ({repair} fixes it)."
    ),
    "formula_injection": gettext_noop(
        "'{value}' starts with '{char}', so a spreadsheet may run it as a formula. "
        "Remove the leading symbol or rephrase the value."
    ),
    "excel_error_value": gettext_noop(
        "'{value}' is an Excel error value. Fix the formula in the source and save values."
    ),
    # --- GeoJSON (RFC 7946): reading (exit status 2) -------------------------------------
    "geojson_empty": gettext_noop(
        "The file is empty. Export the GeoJSON again from your GIS software."
    ),
    "geojson_too_large": gettext_noop(
        "The file is too large to check (the limit is {limit} bytes). Split the "
        "features into several files."
    ),
    "geojson_binary": gettext_noop(
        "This file is not text (GeoJSON); it looks like {what}. Choose the right "
        "file, or export it as GeoJSON from your GIS software."
    ),
    "geojson_not_json": gettext_noop(
        "This file is not JSON; it looks like {what} (it does not start with '{{' or "
        "'['). Choose the right file, or export it as GeoJSON from your GIS software."
    ),
    "geojson_encoding": gettext_noop(
        "The file is not UTF-8 (it looks like {what}). GeoJSON must be saved as "
        "UTF-8 (RFC 7946); save it again as UTF-8."
    ),
    "json_syntax": gettext_noop(
        "The file is not valid JSON (line {line}, character {col}). {reason}Export "
        "it again from your GIS software, or fix that place."
    ),
    "json_constant": gettext_noop(
        "Line {line}, character {col} holds '{value}': NaN and Infinity are not "
        "allowed in JSON. Write a number or null."
    ),
    "json_too_deep": gettext_noop(
        "Arrays or objects are nested too deeply to read. Check that the file is not "
        "damaged and export it again from your GIS software."
    ),
    "json_number_too_long": gettext_noop(
        "A number has too many digits to read. Write coordinates in decimal degrees (e.g. 131.061)."
    ),
    "not_geojson": gettext_noop(
        "This is not GeoJSON ({detail}). The top level must be an object with "
        '"type": "FeatureCollection" and "features" (a single "Feature" or a single '
        "geometry also works)."
    ),
    # --- GeoJSON: the document and its features ------------------------------------------
    "geojson_bom": gettext_noop(
        "The file starts with a byte order mark (BOM). GeoJSON must not have one "
        "(RFC 7946); save it as UTF-8 without BOM."
    ),
    "no_features": gettext_noop("The FeatureCollection holds no features."),
    "features_missing": gettext_noop(
        'The FeatureCollection has no "features" array. Put the features in "features": [ … ].'
    ),
    "crs_member": gettext_noop(
        '{where} has a "crs" member. RFC 7946 removed it: coordinates are always '
        "WGS84 longitude and latitude. If they are WGS84 (about the same as "
        'JGD2011), delete "crs"; if they are plane rectangular coordinates or '
        "similar, convert them to WGS84."
    ),
    "feature_not_object": gettext_noop(
        '{where} is not an object ({{ … }}). Each item of "features" must be an '
        'object with "type": "Feature".'
    ),
    "feature_type": gettext_noop(
        '{where}: "type" is not "Feature". Write "type": "Feature" in each item of "features".'
    ),
    "feature_id": gettext_noop(
        '{where}: "id" is neither a string nor a number. Use a string (e.g. "SH0001") or a number.'
    ),
    "geometry_missing": gettext_noop(
        '{where} has no "geometry". Write the geometry, or "geometry": null when the '
        "feature has no place."
    ),
    "properties_missing": gettext_noop(
        '{where} has no "properties". Write them as "properties": {{"name": "…"}}, '
        'or "properties": null when there are none.'
    ),
    "properties_type": gettext_noop(
        '{where}: "properties" is neither an object nor null. Write them as '
        '"properties": {{"name": "…"}}.'
    ),
    "geometry_not_object": gettext_noop(
        "{where}: '{column}' is not a geometry object. Write it as {{\"type\": "
        '"Point", "coordinates": [longitude, latitude]}}, or null when there is no '
        "place."
    ),
    "geometry_type": gettext_noop(
        "{where}: '{column}' is not a geometry type. Use one of Point, MultiPoint, "
        "LineString, MultiLineString, Polygon, MultiPolygon, GeometryCollection "
        "(upper and lower case matter). {hint}"
    ),
    "coordinates_missing": gettext_noop(
        '{where}: the {type} has no "coordinates". Write them as "coordinates": {example}.'
    ),
    "geometries_missing": gettext_noop(
        '{where}: the GeometryCollection has no "geometries" array. Put its '
        'geometries in "geometries": [ … ].'
    ),
    "coordinates_nesting": gettext_noop(
        "{where}: at '{column}' the brackets [ ] do not nest the way a {type} needs. "
        "A {type} is written as {example}."
    ),
    "position_invalid": gettext_noop(
        "{where}: position '{value}' is not [longitude, latitude]. A position is 2 "
        "numbers (3 with the height), e.g. [131.061, 31.719], without quotes. {more}"
    ),
    "position_range": gettext_noop(
        "{where}: position '{value}' is outside longitude -180 to 180 / latitude -90 "
        "to 90. Write decimal degrees, longitude first (e.g. [131.061, 31.719]); "
        "convert plane coordinates to longitude and latitude. {more}"
    ),
    "position_outside_japan": gettext_noop(
        "{where}: position '{value}' is outside Japan (122 to 154 E, 20 to 46 N). "
        "Check the place, the digits and the signs. {more}"
    ),
    "coordinates_swapped": gettext_noop(
        "{where}: position '{value}' has latitude and longitude swapped. GeoJSON "
        "puts the longitude first: write '{suggestion}'. {more}"
    ),
    "position_outside_area": gettext_noop(
        "{where}: position '{value}' lies outside the box around this local "
        "government ({west} to {east} E, {south} to {north} N). Check the place and "
        "the digits. {more}"
    ),
    "line_too_short": gettext_noop(
        "{where}: the line (LineString) has {count} position(s); a line needs at least 2. {more}"
    ),
    "ring_too_short": gettext_noop(
        "{where}: a polygon ring has {count} position(s). A ring is closed by "
        "repeating its first position at the end, so it needs at least 4 (a triangle "
        "too). {more}"
    ),
    "ring_not_closed": gettext_noop(
        "{where}: a polygon ring is not closed (it ends at '{value}'). Repeat its "
        "first position '{first}' at the end. {more}"
    ),
    "nested_geometry_collection": gettext_noop(
        "{where}: at '{column}' a GeometryCollection holds another one; RFC 7946 "
        "says not to nest them. Merge them, e.g. into a MultiPolygon."
    ),
    "geometry_too_deep": gettext_noop(
        "{where}: at '{column}' GeometryCollections are nested more than {limit} "
        "deep. Remove the nesting."
    ),
}

# Who reads a message. The command line names its own commands and options (kanmin repair,
# --schema) and the engine's identifiers (aed, cp932); a web page names the button that does
# the same thing and says a data set's or an encoding's human name instead.
Audience = Literal["cli", "web"]

# The tool that fixes a finding, by audience, as it stands in "({repair} converts it)"; the
# web names its button, whose label is the catalog's msgid "Make a corrected copy" (修正版を作成).
REPAIR_TOOL: dict[str, str] = {
    "cli": gettext_noop("kanmin repair"),
    "web": gettext_noop("'Make a corrected copy'"),
}
_REPAIR_NOTE = gettext_noop(" ({tool} fixes it.)")
_NO_SCHEMA = gettext_noop("none")
_OLDER_LAYOUT = gettext_noop("{title} (older layout)")

# Web wording where the command line's names an option or an engine grade.
WEB_MESSAGES: dict[str, str] = {
    "schema_not_detected": gettext_noop(
        "The standard data set could not be recognised from the header (closest: "
        "{best}). Choose the standard data set on the dataset's edit page."
    ),
    "provisional_schema": gettext_noop(
        "The columns of '{schema}' are provisional: they could not all be confirmed "
        "in the official documents, so header differences are reported as warnings."
    ),
    "encoding_cp932": gettext_noop(
        "The file is Shift_JIS. Publish open data as UTF-8 ({repair} converts it)."
    ),
    "unknown_encoding": gettext_noop(
        "The encoding is neither UTF-8 nor Shift_JIS (near row {row}). Save the file "
        "as CSV (UTF-8)."
    ),
}

# Parameters that hold an engine identifier, and how the web names them.
_SCHEMA_PARAMS = ("schema", "legacy", "best")
_ENCODING_PARAMS = ("encoding",)

_ENCODING_NAMES: dict[str, str] = {
    "utf-8": "UTF-8",
    "utf-8-sig": gettext_noop("UTF-8 (with BOM)"),
    "cp932": "Shift_JIS",
    "shift_jis": "Shift_JIS",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
}


def encoding_label(encoding: str | None, lang: str = "ja") -> str:
    """An encoding's name for people: ``cp932`` → Shift_JIS, ``utf-8-sig`` → UTF-8（BOM付き）."""
    if not encoding:
        return ""
    name = _ENCODING_NAMES.get(encoding.lower().replace("_", "-"))
    if name is None:
        name = _ENCODING_NAMES.get(encoding.lower())
    if name is None:
        return encoding.upper()
    return translate(name, lang)


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
    if lang == "en":
        current = schemas.get(slug.rsplit("/", 1)[-1])
        title = current.title if current is not None else schema.japanese_name
    else:
        title = schema.japanese_name
    return translate(_OLDER_LAYOUT, lang).format(title=title)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


_FORMATTER = string.Formatter()


def render(code: str, lang: str, params: dict[str, Any], audience: Audience = "cli") -> str:
    """The message for ``code`` in ``lang`` ("ja" or "en") with ``params`` filled in, worded
    for ``audience``: the command line ("cli") or a web page ("web")."""
    lang = "en" if lang == "en" else "ja"
    template = MESSAGES.get(code, "{code}")
    if audience == "web" and code in WEB_MESSAGES:
        template = WEB_MESSAGES[code]
    values = _Blank(params)
    # Parts that a check words itself arrive in both languages (they are kept with each
    # finding, so a page shows a stored finding in its viewer's language).
    suffix = "_" + lang
    for key in ("hint", "reason", "detail", "expected", "what", "where", "more", "first"):
        if key + suffix in params:
            values[key] = params[key + suffix]
    values.setdefault("code", code)
    tool = translate(REPAIR_TOOL[audience], lang)
    values["repair"] = tool
    if params.get("repairable"):
        values["repair_note"] = translate(_REPAIR_NOTE, lang).format(tool=tool)
    if audience == "web":
        for key in _SCHEMA_PARAMS:
            if values.get(key):
                slug = str(values[key])
                if key == "legacy":  # the message already says it is the older layout
                    slug = slug.rsplit("/", 1)[-1]
                unknown = slug.startswith("-")
                values[key] = translate(_NO_SCHEMA, lang) if unknown else schema_label(slug, lang)
        for key in _ENCODING_PARAMS:
            if values.get(key):
                values[key] = encoding_label(str(values[key]), lang)
    return _FORMATTER.vformat(translate(template, lang), (), values).strip()
