"""The demo's open-data catalog: 都城市's publishing units, categories and data sets.

Built through the catalog's services only, as a data steward would: each data set is created
as a draft, its files are uploaded, and it is published, except one draft whose CP932 file
still has 和暦 dates and full-width digits, so that the demo shows what validation finds.
Running it twice changes nothing: what already exists (by name) is left as it is.

All rows are fictional (see catalog_rows.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kanmin.accounts.models import User
from kanmin.catalog import selectors as catalog_selectors
from kanmin.catalog import services as catalog_services
from kanmin.catalog.datastore import services as datastore_services  # datastore (issue 17)
from kanmin.catalog.models import (
    Dataset,
    Group,
    Organization,
    Resource,
    ValidationStatus,
)
from kanmin.core.errors import NotFound
from kanmin.core.jp_text import replace_platform_dependent
from kanmin.core.models import Department, Municipality
from kanmin.demo import catalog_rows as rows
from kanmin.plan import selectors as plan_selectors

CONTACT_EMAIL = "opendata@city.miyakonojo.example"
SPATIAL = "宮崎県都城市"
# The public catalog's address in the demo's story (a reserved .example host).
PORTAL = "https://opendata.city.miyakonojo.example/m/452025/catalog/dataset/"
STANDARD_URL = "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"
FICTION_JA = (
    "> このデータはKanminのデモ用に生成した**架空のデータ**です。"
    "実在の施設・人物・数値とは関係ありません。"
)
FICTION_EN = (
    "> This data was generated for the Kanmin demo and is **fictional**; it describes no "
    "real facility, person or figure."
)

Maker = Callable[[Municipality], bytes]
PLAN_KPI = "plan-kpi"


@dataclass(frozen=True)
class OrgSpec:
    name: str
    title_ja: str
    title_en: str
    department: str  # core.Department code of the demo (data.DEPARTMENTS)
    description: str = ""


@dataclass(frozen=True)
class GroupSpec:
    name: str
    title_ja: str
    title_en: str
    description: str = ""


@dataclass(frozen=True)
class FileSpec:
    filename: str
    make: Maker
    name: str
    description: str = ""
    format: str = ""


@dataclass(frozen=True)
class LinkSpec:
    url: str
    name: str
    description: str = ""
    format: str = "HTML"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    organization: str
    title_ja: str
    title_en: str
    notes_ja: str
    notes_en: str
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    resources: tuple[FileSpec | LinkSpec, ...]
    category: str  # 分類 of the オープンデータ一覧 (open_data_list)
    standard: str = ""
    license_id: str = "cc-by-4.0"
    update_frequency: str = "annual"
    temporal: tuple[dt.date | None, dt.date | None] = (None, None)
    publish: bool = True


@dataclass
class CatalogSummary:
    """What one run created (all zero on a second run)."""

    organizations: int = 0
    groups: int = 0
    datasets: int = 0
    resources: int = 0
    published: int = 0
    names: list[str] = field(default_factory=list)


ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        "jouhou-seisaku",
        "総合政策部 情報政策課",
        "Information Policy Division",
        "jouhou-seisaku",
        "官民データ活用推進計画の事務局。オープンデータの窓口です。",
    ),
    OrgSpec("kiki-kanri", "総務部 危機管理課", "Crisis Management Division", "kiki-kanri"),
    OrgSpec("somu", "総務部", "General Affairs Department", "somu"),
    OrgSpec("shimin", "市民生活部 市民課", "Citizens Division", "shimin"),
    OrgSpec("kenko", "健康部", "Health Department", "kenko"),
    OrgSpec("fukushi", "福祉部", "Welfare Department", "fukushi"),
    OrgSpec("kodomo", "こども部", "Children Department", "kodomo"),
    OrgSpec(
        "shoko-kanko", "商工観光部", "Commerce, Industry and Tourism Department", "shoko-kanko"
    ),
    OrgSpec(
        "bunkazai",
        "教育委員会 文化財課",
        "Cultural Properties Division (Board of Education)",
        "kyoiku",
    ),
    OrgSpec(
        "kankyo-shinrin", "環境森林部", "Environment and Forestry Department", "kankyo-shinrin"
    ),
    OrgSpec("doboku", "土木部", "Civil Engineering Department", "doboku"),
)

GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("bosai", "防災", "Disaster prevention", "避難場所、避難所、AEDなど"),
    GroupSpec("kosodate", "子育て", "Child-rearing", "保育所、こども園、子育て支援"),
    GroupSpec("kanko", "観光", "Tourism", "観光施設、イベント、観光統計"),
    GroupSpec("kenko-fukushi", "健康・福祉", "Health and welfare", "医療機関、介護サービス"),
    GroupSpec(
        "gyosei-tokei", "行政・統計", "Administration and statistics", "人口、計画、公共施設"
    ),
    GroupSpec("bunka", "文化", "Culture", "文化財、文化施設"),
    GroupSpec("kurashi", "くらし・環境", "Living and environment", "ごみ、公衆トイレ"),
)


def _standard(slug: str, make: Callable[[], list[rows.Row]], title: str) -> FileSpec:
    return FileSpec(
        rows.standard_file_name(slug),
        lambda _m: rows.standard_csv(slug, make()),
        rows.standard_file_name(slug),
        f"自治体標準オープンデータセット「{title}」の形式（CSV、UTF-8 BOM付き）。",
        "CSV",
    )


def _notes(body: str, standard_title: str = "") -> str:
    parts = [body.strip()]
    if standard_title:
        parts.append(
            f"- 形式: [自治体標準オープンデータセット]({STANDARD_URL})「{standard_title}」\n"
            "- 文字コード: UTF-8（BOM付き）\n"
            "- 座標: 世界測地系（緯度・経度、10進数）"
        )
    parts.append(FICTION_JA)
    return "\n\n".join(parts)


def _notes_en(body: str) -> str:
    return f"{body.strip()}\n\n{FICTION_EN}"


def _snapshot() -> tuple[dt.date, dt.date]:
    return (rows.AS_OF, rows.AS_OF)


def _kpi_definitions(municipality: Municipality) -> bytes:
    plan = plan_selectors.plan_get(municipality=municipality)
    figures = plan_selectors.plan_figures(plan=plan)
    columns = ("施策番号", "施策名", "KPI名", "KPI名（英語）", "単位", "望ましい方向", "算出方法")
    direction = {"higher": "大きいほど良い", "lower": "小さいほど良い"}
    out = [
        dict(
            zip(
                columns,
                (
                    m["number"],
                    m["title"],
                    k["name"],
                    k["name_en"],
                    k["unit"],
                    direction.get(k["direction"], k["direction"]),
                    k["formula"],
                ),
                strict=True,
            )
        )
        for m in figures["measures"]
        for k in m["kpis"]
    ]
    return rows.table_csv(columns, out)


def _kpi_values(municipality: Municipality) -> bytes:
    plan = plan_selectors.plan_get(municipality=municipality)
    figures = plan_selectors.plan_figures(plan=plan)
    columns = ("施策番号", "KPI名", "種別", "年度", "値", "単位")
    out = []
    for m in figures["measures"]:
        for k in m["kpis"]:
            for kind, key in (("目標値", "targets"), ("実績値", "actuals")):
                for year, value in sorted(k[key].items(), key=lambda item: int(item[0])):
                    out.append(
                        dict(
                            zip(
                                columns,
                                (m["number"], k["name"], kind, year, value, k["unit"]),
                                strict=True,
                            )
                        )
                    )
    return rows.table_csv(columns, out)


DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        name="aed",
        organization="kenko",
        title_ja="AED設置箇所一覧",
        title_en="AED locations",
        notes_ja=_notes(
            "市の施設に設置しているAED（自動体外式除細動器）の場所と利用できる時間の一覧です。",
            "AED設置箇所一覧",
        ),
        notes_en=_notes_en("Where the city's AEDs (defibrillators) are and when they can be used."),
        groups=("bosai", "kenko-fukushi"),
        tags=("AED", "救命", "防災", "標準データセット"),
        resources=(_standard("aed", rows.aed_rows, "AED設置箇所一覧"),),
        category="社会保障・衛生",
        standard="aed",
        update_frequency="quarterly",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="evacuation-space",
        organization="kiki-kanri",
        title_ja="指定緊急避難場所一覧",
        title_en="Designated emergency evacuation sites",
        notes_ja=_notes(
            "災害対策基本法に基づき市が指定した緊急避難場所と、対応する災害の種別です。"
            "災害種別の列は、対応する場合に `1` を記載しています。",
            "指定緊急避難場所一覧",
        ),
        notes_en=_notes_en(
            "Emergency evacuation sites designated by the city, with the hazards each one is "
            "designated for (1 = designated)."
        ),
        groups=("bosai",),
        tags=("避難場所", "防災", "災害", "標準データセット"),
        resources=(
            _standard("evacuation_space", rows.evacuation_space_rows, "指定緊急避難場所一覧"),
        ),
        category="司法・安全・環境",
        standard="evacuation_space",
        update_frequency="irregular",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="designated-shelters",
        organization="kiki-kanri",
        title_ja="指定避難所一覧（GeoJSON）",
        title_en="Designated shelters (GeoJSON)",
        notes_ja=_notes(
            "災害時に避難生活を送る指定避難所の位置です。地図アプリでそのまま表示できる "
            "GeoJSON（座標は経度・緯度の順）で提供します。"
            "指定避難所は自治体標準オープンデータセットの項目ではないため、独自の形式です。"
        ),
        notes_en=_notes_en(
            "Designated shelters as GeoJSON points (longitude, latitude), ready for web maps."
        ),
        groups=("bosai",),
        tags=("避難所", "防災", "GeoJSON", "地図"),
        resources=(
            FileSpec(
                "452025_shelter.geojson",
                lambda _m: rows.shelters_geojson(),
                "指定避難所（GeoJSON）",
                "Point 形式。プロパティに名称、所在地、想定収容人数、福祉避難所の別を含みます。",
                "GeoJSON",
            ),
        ),
        category="司法・安全・環境",
        update_frequency="irregular",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="public-facility",
        organization="somu",
        title_ja="公共施設一覧",
        title_en="Public facilities",
        notes_ja=_notes(
            "市役所、総合支所、地区市民センター、学校、体育館、公園など市の公共施設の一覧です。",
            "公共施設一覧",
        ),
        notes_en=_notes_en(
            "The city's public facilities: offices, community centers, schools, gyms, parks."
        ),
        groups=("gyosei-tokei",),
        tags=("公共施設", "施設", "標準データセット"),
        resources=(_standard("public_facility", rows.public_facility_rows, "公共施設一覧"),),
        category="行財政",
        standard="public_facility",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="public-wireless-lan",
        organization="jouhou-seisaku",
        title_ja="公衆無線LANアクセスポイント一覧",
        title_en="Public Wi-Fi access points",
        notes_ja=_notes(
            "市の施設で無料で使える公衆無線LAN（Miyakonojo_Free_Wi-Fi）の設置場所です。",
            "公衆無線LANアクセスポイント一覧",
        ),
        notes_en=_notes_en("Where the city's free Wi-Fi (Miyakonojo_Free_Wi-Fi) is available."),
        groups=("gyosei-tokei", "kanko"),
        tags=("Wi-Fi", "公衆無線LAN", "標準データセット"),
        resources=(
            _standard(
                "public_wireless_lan",
                rows.public_wireless_lan_rows,
                "公衆無線LANアクセスポイント一覧",
            ),
        ),
        category="情報通信・科学技術",
        standard="public_wireless_lan",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="public-toilet",
        organization="doboku",
        title_ja="公衆トイレ一覧",
        title_en="Public toilets",
        notes_ja=_notes(
            "市が管理する公園の公衆トイレと、バリアフリー設備の有無です。", "公衆トイレ一覧"
        ),
        notes_en=_notes_en("Public toilets in the city's parks, with their accessible equipment."),
        groups=("kurashi", "kanko"),
        tags=("トイレ", "バリアフリー", "公園", "標準データセット"),
        resources=(_standard("public_toilet", rows.public_toilet_rows, "公衆トイレ一覧"),),
        category="住宅・土地・建設",
        standard="public_toilet",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="hospital",
        organization="kenko",
        title_ja="医療機関一覧",
        title_en="Medical institutions",
        notes_ja=_notes(
            "市内の病院・診療所・歯科診療所の診療科目と診療時間です。"
            "診療科目が複数ある場合は `;` で区切っています。",
            "医療機関一覧",
        ),
        notes_en=_notes_en("Hospitals and clinics with their departments and consulting hours."),
        groups=("kenko-fukushi",),
        tags=("医療機関", "病院", "診療所", "標準データセット"),
        resources=(_standard("hospital", rows.hospital_rows, "医療機関一覧"),),
        category="社会保障・衛生",
        standard="hospital",
        update_frequency="quarterly",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="care-service",
        organization="fukushi",
        title_ja="介護サービス事業所一覧",
        title_en="Long-term care service providers",
        notes_ja=_notes(
            "市内の介護サービス事業所（通所介護、訪問介護、居宅介護支援など）の一覧です。",
            "介護サービス事業所一覧",
        ),
        notes_en=_notes_en("Long-term care providers in the city (day care, home help, etc.)."),
        groups=("kenko-fukushi",),
        tags=("介護", "福祉", "高齢者", "標準データセット"),
        resources=(_standard("care_service", rows.care_service_rows, "介護サービス事業所一覧"),),
        category="社会保障・衛生",
        standard="care_service",
        update_frequency="quarterly",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="preschool",
        organization="kodomo",
        title_ja="子育て施設一覧",
        title_en="Childcare facilities",
        notes_ja=_notes(
            "保育所、認定こども園、幼稚園、小規模保育事業所の定員、受入年齢、開所時間です。",
            "子育て施設一覧",
        ),
        notes_en=_notes_en(
            "Nursery schools, kodomo-en and kindergartens: capacity, ages and hours."
        ),
        groups=("kosodate",),
        tags=("保育所", "こども園", "幼稚園", "子育て", "標準データセット"),
        resources=(_standard("preschool", rows.preschool_rows, "子育て施設一覧"),),
        category="社会保障・衛生",
        standard="preschool",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="population",
        organization="shimin",
        title_ja="地域・年齢別人口",
        title_en="Population by district and age",
        notes_ja=_notes(
            "住民基本台帳に基づく地区別・男女別・5歳階級別の人口と世帯数（各年度末）です。"
            "地域コードは全国地方公共団体コードに地区番号2桁を付けたものです。",
            "地域・年齢別人口",
        ),
        notes_en=_notes_en(
            "Population by district, sex and five-year age group at each fiscal year end."
        ),
        groups=("gyosei-tokei",),
        tags=("人口", "統計", "世帯", "標準データセット"),
        resources=(_standard("population", rows.population_rows, "地域・年齢別人口"),),
        category="人口・世帯",
        standard="population",
        temporal=(rows.POPULATION_DATES[0], rows.POPULATION_DATES[-1]),
    ),
    DatasetSpec(
        name="cultural-property",
        organization="bunkazai",
        title_ja="文化財一覧",
        title_en="Cultural properties",
        notes_ja=_notes(
            "国・県・市が指定または登録した市内の文化財です。"
            "無形民俗文化財は位置を持たないため、緯度・経度を空欄にしています。",
            "文化財一覧",
        ),
        notes_en=_notes_en("Designated and registered cultural properties in the city."),
        groups=("bunka", "kanko"),
        tags=("文化財", "史跡", "民俗芸能", "標準データセット"),
        resources=(_standard("cultural_property", rows.cultural_property_rows, "文化財一覧"),),
        category="教育・文化・スポーツ・生活",
        standard="cultural_property",
        update_frequency="irregular",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="tourism",
        organization="shoko-kanko",
        title_ja="観光施設一覧",
        title_en="Tourist attractions",
        notes_ja=_notes("市内の観光施設の営業時間、料金、アクセスです。", "観光施設一覧"),
        notes_en=_notes_en("Tourist attractions with opening hours, fees and access."),
        groups=("kanko",),
        tags=("観光", "施設", "標準データセット"),
        resources=(_standard("tourism", rows.tourism_rows, "観光施設一覧"),),
        category="運輸・観光",
        standard="tourism",
        temporal=_snapshot(),
    ),
    DatasetSpec(
        name="event",
        organization="shoko-kanko",
        title_ja="イベント一覧（令和7年度・作成中）",
        title_en="Events FY2025 (draft)",
        notes_ja=_notes(
            "イベント担当の表計算ソフトから書き出したままのファイルです（Shift_JIS）。"
            "公開前に検証し、和暦の日付と全角数字を直す必要があります。",
            "イベント一覧",
        ),
        notes_en=_notes_en(
            "As exported from the events desk's spreadsheet (Shift_JIS): dates in the Japanese "
            "era and full-width digits still need fixing before it is published."
        ),
        groups=("kanko",),
        tags=("イベント", "観光", "標準データセット"),
        resources=(
            FileSpec(
                rows.standard_file_name("event"),
                lambda _m: rows.standard_csv(
                    "event", rows.event_rows(defects=True), encoding="cp932"
                ),
                rows.standard_file_name("event"),
                "担当課から受け取ったファイル（修正前）。",
                "CSV",
            ),
        ),
        category="運輸・観光",
        standard="event",
        update_frequency="monthly",
        temporal=(dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        publish=False,
    ),
    DatasetSpec(
        name="waste-monthly",
        organization="kankyo-shinrin",
        title_ja="月別ごみ排出量",
        title_en="Monthly household waste",
        notes_ja=_notes(
            "家庭から出されたごみの月別の量（トン）を、燃やせるごみ・燃やせないごみ・資源物・"
            "粗大ごみの区分ごとに集計しました。ごみの出し方は市の公式サイトをご覧ください。"
        ),
        notes_en=_notes_en("Household waste per month and category, in tonnes."),
        groups=("kurashi",),
        tags=("ごみ", "環境", "統計"),
        resources=(
            FileSpec(
                "452025_waste_monthly.csv",
                lambda _m: rows.table_csv(rows.WASTE_COLUMNS, rows.waste_rows()),
                "月別ごみ排出量（令和2年度～令和6年度）",
                "年月はYYYY-MM、量はトン（小数点以下1桁）。",
                "CSV",
            ),
            LinkSpec(
                rows.CITY_URL,
                "都城市公式サイト（ごみの出し方）",
                "ごみの分け方・出し方の案内は市の公式サイトに掲載しています。",
            ),
        ),
        category="司法・安全・環境",
        update_frequency="monthly",
        temporal=(dt.date(2020, 4, 1), dt.date(2025, 3, 31)),
    ),
    DatasetSpec(
        name="tourist-visitors",
        organization="shoko-kanko",
        title_ja="年度別観光入込客数",
        title_en="Tourist visits per fiscal year",
        notes_ja=_notes(
            "観光入込客数（延べ人数）と、そのうちの宿泊客・日帰り客の数を年度ごとに集計しました。"
            "令和2年度・3年度は感染症の影響で大きく減少しています。"
        ),
        notes_en=_notes_en("Tourist visits per fiscal year, split into overnight and day visits."),
        groups=("kanko", "gyosei-tokei"),
        tags=("観光", "統計", "Excel"),
        resources=(
            FileSpec(
                "452025_tourist_visitors.xlsx",
                lambda _m: rows.visitors_xlsx(),
                "年度別観光入込客数（平成27年度～令和6年度）",
                "1行目が見出し、1年度1行の表です。",
                "XLSX",
            ),
        ),
        category="運輸・観光",
        license_id="gov-jp-2.0",
        temporal=(dt.date(2015, 4, 1), dt.date(2025, 3, 31)),
    ),
    DatasetSpec(
        name=PLAN_KPI,
        organization="jouhou-seisaku",
        title_ja="官民データ活用推進計画 KPI（目標値・実績値）",
        title_en="Data utilization plan: KPI targets and actuals",
        notes_ja=_notes(
            "官民データ活用推進計画の施策ごとのKPI（重要業績評価指標）と、年度ごとの目標値・"
            "実績値です。計画の進み具合を誰でも確かめられるよう、CC0で公開します"
            "（施策Ⅱ-1 オープンデータの推進）。"
        ),
        notes_en=_notes_en(
            "The plan's KPIs per measure with their targets and actuals per fiscal year (CC0)."
        ),
        groups=("gyosei-tokei",),
        tags=("計画", "KPI", "DX", "オープンデータ"),
        resources=(
            FileSpec(
                "452025_plan_kpi.csv", _kpi_definitions, "KPI一覧", "施策とKPIの定義。", "CSV"
            ),
            FileSpec(
                "452025_plan_kpi_values.csv",
                _kpi_values,
                "KPIの目標値・実績値",
                "1行が1つのKPI・種別・年度の値です。",
                "CSV",
            ),
        ),
        category="行財政",
        license_id="cc-zero",
        temporal=(dt.date(2020, 4, 1), dt.date(2027, 3, 31)),
    ),
)

OPEN_DATA_LIST = "open-data-list"

_FREQUENCY_JA = {
    "monthly": "毎月",
    "quarterly": "四半期ごと",
    "annual": "毎年",
    "irregular": "随時",
    "": "",
}
_LICENSE_JA = {"cc-by-4.0": "CC BY 4.0", "gov-jp-2.0": "政府標準利用規約 2.0", "cc-zero": "CC0"}


def open_data_list_rows(specs: Sequence[DatasetSpec]) -> list[rows.Row]:
    """The オープンデータ一覧 of the published data sets (itself included)."""
    out = []
    for n, spec in enumerate(s for s in specs if s.publish):
        formats = sorted({r.format for r in spec.resources if isinstance(r, FileSpec)})
        if spec.name == OPEN_DATA_LIST:
            formats = ["CSV"]  # this very list, whose file is being written
        out.append(
            {
                "全国地方公共団体コード": rows.LG_CODE,
                "ID": f"OD{n + 1:04d}",
                "地方公共団体名": rows.GOVERNMENT,
                "データ名称": spec.title_ja,
                # Ⅱ and the like are 機種依存文字: the list spells them out (II).
                "データ概要": replace_platform_dependent(spec.notes_ja.split("\n", 1)[0]),
                "データ形式": ";".join(formats),
                "分類": spec.category,
                "更新頻度": _FREQUENCY_JA.get(spec.update_frequency, ""),
                "URL": PORTAL + spec.name + "/",
                "API対応有無": "有",
                "ライセンス": _LICENSE_JA.get(spec.license_id, spec.license_id),
                "登録日": rows.AS_OF.isoformat(),
                "最終更新日": rows.AS_OF.isoformat(),
            }
        )
    return out


def _with_open_data_list(specs: tuple[DatasetSpec, ...]) -> tuple[DatasetSpec, ...]:
    listing = DatasetSpec(
        name=OPEN_DATA_LIST,
        organization="jouhou-seisaku",
        title_ja="オープンデータ一覧",
        title_en="List of open data",
        notes_ja=_notes("都城市が公開しているオープンデータの一覧です。", "オープンデータ一覧"),
        notes_en=_notes_en("The open data sets the city publishes."),
        groups=("gyosei-tokei",),
        tags=("オープンデータ", "標準データセット"),
        resources=(),
        category="行財政",
        standard="open_data_list",
        update_frequency="monthly",
        temporal=_snapshot(),
    )
    everything = (*specs, listing)
    resource = _standard(
        "open_data_list", lambda: open_data_list_rows(everything), "オープンデータ一覧"
    )
    return (*specs, replace(listing, resources=(resource,)))


def all_datasets(*, with_plan: bool = True) -> tuple[DatasetSpec, ...]:
    """The demo's data sets in the order they are built, the オープンデータ一覧 last."""
    specs = tuple(s for s in DATASETS if with_plan or s.name != PLAN_KPI)
    return _with_open_data_list(specs)


# --------------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------------


def _publisher(municipality: Municipality, actor: Any) -> Any:
    """The steward publishes; ``actor`` (when given) wins, None (the system) if no steward."""
    if actor is not None:
        return actor
    return User.objects.filter(username="steward", memberships__municipality=municipality).first()


def _organizations(
    *,
    municipality: Municipality,
    actor: Any,
    departments: dict[str, Department],
    summary: CatalogSummary,
) -> dict[str, Organization]:
    result: dict[str, Organization] = {}
    for spec in ORGANIZATIONS:
        try:
            org = catalog_selectors.organization_get(
                municipality=municipality, id_or_name=spec.name
            )
        except NotFound:
            org = catalog_services.organization_create(
                municipality=municipality,
                actor=actor,
                name=spec.name,
                title_ja=spec.title_ja,
                title_en=spec.title_en,
                description=spec.description,
                department=departments.get(spec.department),
            )
            summary.organizations += 1
        result[spec.name] = org
    return result


def _groups(*, municipality: Municipality, actor: Any, summary: CatalogSummary) -> dict[str, Group]:
    result: dict[str, Group] = {}
    for spec in GROUPS:
        try:
            group = catalog_selectors.group_get(municipality=municipality, id_or_name=spec.name)
        except NotFound:
            group = catalog_services.group_create(
                municipality=municipality,
                actor=actor,
                name=spec.name,
                title_ja=spec.title_ja,
                title_en=spec.title_en,
                description=spec.description,
            )
            summary.groups += 1
        result[spec.name] = group
    return result


def _dataset(
    spec: DatasetSpec,
    *,
    municipality: Municipality,
    actor: Any,
    organizations: dict[str, Organization],
    groups: dict[str, Group],
    summary: CatalogSummary,
) -> Dataset | None:
    try:
        catalog_selectors.dataset_for_edit(municipality=municipality, id_or_name=spec.name)
        return None
    except NotFound:
        pass
    dataset = catalog_services.dataset_create(
        municipality=municipality,
        actor=actor,
        organization=organizations[spec.organization],
        name=spec.name,
        title_ja=spec.title_ja,
        title_en=spec.title_en,
        notes_ja=spec.notes_ja,
        notes_en=spec.notes_en,
        license_id=spec.license_id,
        update_frequency=spec.update_frequency,
        contact_name=f"都城市 {organizations[spec.organization].title_ja}",
        contact_email=CONTACT_EMAIL,
        spatial=SPATIAL,
        temporal_start=spec.temporal[0],
        temporal_end=spec.temporal[1],
        standard_dataset=spec.standard,
        tags=list(spec.tags),
        groups=[groups[g] for g in spec.groups],
    )
    summary.datasets += 1
    summary.names.append(spec.name)
    for position, resource in enumerate(spec.resources):
        if isinstance(resource, FileSpec):
            upload = SimpleUploadedFile(resource.filename, resource.make(municipality))
            created = catalog_services.resource_create(
                municipality=municipality,
                actor=actor,
                dataset=dataset,
                upload=upload,
                name=resource.name,
                description=resource.description,
                format=resource.format,
                position=position,
            )
            _check_now(created, actor=actor)
        else:
            catalog_services.resource_create(
                municipality=municipality,
                actor=actor,
                dataset=dataset,
                url=resource.url,
                name=resource.name,
                description=resource.description,
                format=resource.format,
                position=position,
            )
        summary.resources += 1
    if spec.publish:
        dataset = catalog_services.dataset_publish(
            municipality=municipality, actor=actor, dataset=dataset
        )
        summary.published += 1
    return dataset


def _check_now(resource: Resource, *, actor: Any) -> None:
    """Run the upload's queued check right away, so that the demo shows its findings even
    before a task worker runs (the worker later finds it done and skips it)."""
    validation = catalog_selectors.validation_latest(resource=resource)
    if validation is not None and validation.status == ValidationStatus.QUEUED:
        catalog_services.validation_run(actor=actor, validation_id=str(validation.pk))
    # datastore (issue 17): the table is loaded now too, so previews and datastore_search
    # answer before a task worker runs (the worker later reloads the same file).
    if resource.is_tabular:
        datastore_services.datastore_load_run(actor=actor, resource_id=str(resource.pk))


def catalog_build(
    *,
    municipality: Municipality,
    actor: Any = None,
    departments: dict[str, Department] | None = None,
) -> CatalogSummary:
    """Create what is missing of the demo catalog. ``actor`` None: the demo's steward user."""
    publisher = _publisher(municipality, actor)
    summary = CatalogSummary()
    departments = departments or {}
    organizations = _organizations(
        municipality=municipality, actor=publisher, departments=departments, summary=summary
    )
    groups = _groups(municipality=municipality, actor=publisher, summary=summary)
    with_plan = plan_selectors.plan_exists(municipality=municipality)
    for spec in all_datasets(with_plan=with_plan):
        _dataset(
            spec,
            municipality=municipality,
            actor=publisher,
            organizations=organizations,
            groups=groups,
            summary=summary,
        )
    # datastore (issue 17): a table the DataStore does not hold yet (a demo built before it
    # existed, a load that failed) is loaded now; those it holds are left as they are.
    datastore_services.datastore_load_all(
        municipality=municipality, actor=publisher, only_missing=True
    )
    return summary


__all__ = [
    "DATASETS",
    "GROUPS",
    "ORGANIZATIONS",
    "CatalogSummary",
    "DatasetSpec",
    "all_datasets",
    "catalog_build",
    "open_data_list_rows",
]
