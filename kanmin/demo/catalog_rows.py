"""Rows of the demo catalog's files: fictional, generated from fixed seeds, never copied.

Every generator is deterministic (``random.Random`` seeded with a string), so that two runs of
the demo produce byte-identical files. Place names (地区 and 町) are the city's real ones;
facilities, coordinates, telephone numbers and figures are made up for the demo. Coordinates
stay inside the city (lat 31.60–31.90, lon 130.90–131.25).

Rows of a standard data set are dicts keyed by the schema's column names; :func:`standard_csv`
writes them in the schema's column order, UTF-8 with BOM, CRLF (reference/standard-datasets).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from kanmin.standards import get_schema

LG_CODE = "452025"
PREFECTURE = "宮崎県"
CITY = "都城市"
GOVERNMENT = PREFECTURE + CITY
CITY_URL = "https://www.city.miyakonojo.miyazaki.jp/"
# The demo keeps every point inside this box (south, west, north, east).
CITY_BOX = (31.60, 130.90, 31.90, 131.25)
# The date the facility lists describe (a fictional snapshot).
AS_OF = dt.date(2025, 4, 1)

Row = dict[str, Any]


def _rng(name: str) -> random.Random:
    return random.Random(f"kanmin-demo-catalog:{name}")  # noqa: S311 - demo data, not secrets


# --------------------------------------------------------------------------------------------
# Districts (地区) and the places in them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """One of the city's 15 地区; ``towns`` are 町 used for the fictional addresses."""

    code: str
    name: str
    kana: str
    roman: str
    towns: tuple[str, ...]
    lat: float
    lon: float
    postal: str  # first digits of the fictional postal codes, e.g. "885-00"
    exchange: str  # fictional telephone exchange, e.g. "0986-2"
    population: int  # fictional size (persons) in FY2020
    branch: bool = False  # a former town with a 総合支所
    rural: bool = False


# code, 地区, kana, romaji, 町 (;-separated), lat, lon, postal head, telephone exchange,
# fictional population, flags (b: former town with a 総合支所, r: rural)
_DISTRICT_TABLE = """
01 中央   チュウオウ  Chuo 姫城町;本町;中町;上町;栄町;早鈴町 31.7215 131.0630 885-00 0986-2 14200 -
02 妻ケ丘 ツマガオカ  Tsumagaoka  妻ケ丘町     31.7320 131.0550 885-00 0986-2  17100 -
03 小松原 コマツバラ  Komatsubara 小松原町     31.7160 131.0480 885-00 0986-2  15300 -
04 祝吉   イワイヨシ  Iwaiyoshi   祝吉町       31.7230 131.0800 885-00 0986-2  15600 -
05 五十市 イソイチ    Isoichi     五十町       31.7000 131.0380 885-00 0986-3  13700 -
06 横市   ヨコイチ    Yokoichi    横市町       31.7380 131.0300 885-00 0986-3  12100 -
07 沖水   オキミズ    Okimizu     高木町       31.6950 131.0660 885-00 0986-3  14600 -
08 志和池 シワチ      Shiwachi    蓑原町       31.7900 131.0420 885-01 0986-3   8100 r
09 庄内   ショウナイ  Shonai      庄内町       31.7750 131.0160 885-01 0986-3   9600 r
10 西岳   ニシダケ    Nishidake   御池町       31.7950 130.9650 885-01 0986-3   2600 r
11 中郷   ナカゴウ    Nakago      安久町       31.6800 131.0480 885-00 0986-3   7600 r
12 山之口 ヤマノクチ  Yamanokuchi 山之口町花木 31.7180 131.1450 889-19 0986-57  5900 br
13 高城   タカジョウ  Takajo      高城町穂満坊 31.7920 131.1060 885-12 0986-58 10600 br
14 山田   ヤマダ      Yamada      山田町山田   31.8010 130.9860 889-46 0986-64  6600 br
15 高崎   タカザキ    Takazaki    高崎町大牟田 31.8650 131.0020 889-45 0986-62  8600 br
"""


def _districts() -> tuple[District, ...]:
    result = []
    for line in _DISTRICT_TABLE.strip().splitlines():
        code, name, kana, roman, towns, lat, lon, postal, exchange, people, flags = line.split()
        result.append(
            District(
                code=code,
                name=name,
                kana=kana,
                roman=roman,
                towns=tuple(towns.split(";")),
                lat=float(lat),
                lon=float(lon),
                postal=postal,
                exchange=exchange,
                population=int(people),
                branch="b" in flags,
                rural="r" in flags,
            )
        )
    return tuple(result)


DISTRICTS: tuple[District, ...] = _districts()


@dataclass(frozen=True)
class Place:
    """A fictional facility with its address and position (shared by several data sets)."""

    id: str
    name: str
    kana: str
    roman: str
    kind: str  # office, center, elementary, junior_high, gym, park, library, hall, health
    district: District
    town: str
    number: str  # 番地以下
    lat: float
    lon: float
    postal: str
    phone: str

    @property
    def address(self) -> str:
        return f"{GOVERNMENT}{self.town}{self.number}"


def _point(rng: random.Random, d: District, spread: float = 0.008) -> tuple[float, float]:
    south, west, north, east = CITY_BOX
    lat = min(max(d.lat + rng.uniform(-spread, spread), south + 0.01), north - 0.01)
    lon = min(max(d.lon + rng.uniform(-spread, spread), west + 0.01), east - 0.01)
    return round(lat, 6), round(lon, 6)


def _number(rng: random.Random, d: District) -> str:
    if d.code == "01":
        return f"{rng.randint(1, 12)}街区{rng.randint(1, 30)}号"
    if d.rural:
        return str(rng.randint(100, 4999))
    return f"{rng.randint(1, 40)}-{rng.randint(1, 25)}"


def _phone(rng: random.Random, d: District) -> str:
    head = d.exchange
    if head.count("-") == 1 and len(head) == 6:  # "0986-2": a two-digit exchange follows
        return f"{head}{rng.randint(0, 9)}-{rng.randint(1000, 9999)}"
    return f"{head}-{rng.randint(1000, 9999)}"


def _postal(d: District, town: str) -> str:
    """One fictional postal code per 町, as in real life."""
    return f"{d.postal}{int(d.code) * 6 + d.towns.index(town):02d}"


def _place(
    rng: random.Random, d: District, kind: str, index: int, name: str, kana: str, roman: str
) -> Place:
    lat, lon = _point(rng, d)
    town = rng.choice(d.towns)
    return Place(
        id=f"{kind[:3].upper()}{d.code}{index:02d}",
        name=name,
        kana=kana,
        roman=roman,
        kind=kind,
        district=d,
        town=town,
        number=_number(rng, d),
        lat=lat,
        lon=lon,
        postal=_postal(d, town),
        phone=_phone(rng, d),
    )


_SCHOOL_SUFFIXES = (
    ("", "", ""),
    ("東", "ヒガシ", "East "),
    ("西", "ニシ", "West "),
    ("南", "ミナミ", "South "),
)


@cache
def places() -> tuple[Place, ...]:
    """The city's fictional public facilities: offices, schools, gyms and parks."""
    rng = _rng("places")
    result: list[Place] = []
    central = DISTRICTS[0]
    for i, (name, kana, roman, kind) in enumerate(
        (
            (
                "都城市役所本庁舎",
                "ミヤコノジョウシヤクショホンチョウシャ",
                "Miyakonojo City Hall",
                "office",
            ),
            (
                "都城市立図書館",
                "ミヤコノジョウシリツトショカン",
                "Miyakonojo City Library",
                "library",
            ),
            (
                "都城市総合文化ホール",
                "ミヤコノジョウシソウゴウブンカホール",
                "Miyakonojo Culture Hall",
                "hall",
            ),
            (
                "都城市保健センター",
                "ミヤコノジョウシホケンセンター",
                "Miyakonojo Health Center",
                "health",
            ),
            (
                "都城市総合体育館",
                "ミヤコノジョウシソウゴウタイイクカン",
                "Miyakonojo General Gymnasium",
                "gym",
            ),
        )
    ):
        result.append(_place(rng, central, kind, 90 + i, name, kana, roman))
    for d in DISTRICTS:
        if d.branch:
            result.append(
                _place(
                    rng,
                    d,
                    "office",
                    1,
                    f"都城市{d.name}総合支所",
                    f"ミヤコノジョウシ{d.kana}ソウゴウシショ",
                    f"{d.roman} Branch Office",
                )
            )
        else:
            result.append(
                _place(
                    rng,
                    d,
                    "center",
                    1,
                    f"{d.name}地区市民センター",
                    f"{d.kana}チクシミンセンター",
                    f"{d.roman} Community Center",
                )
            )
        schools = 1 if d.population < 7000 else 2 if d.population < 14000 else 3
        for n in range(schools):
            suffix, suffix_kana, suffix_en = _SCHOOL_SUFFIXES[n]
            result.append(
                _place(
                    rng,
                    d,
                    "elementary",
                    n + 1,
                    f"{d.name}{suffix}小学校",
                    f"{d.kana}{suffix_kana}ショウガッコウ",
                    f"{d.roman} {suffix_en}Elementary School",
                )
            )
        result.append(
            _place(
                rng,
                d,
                "junior_high",
                1,
                f"{d.name}中学校",
                f"{d.kana}チュウガッコウ",
                f"{d.roman} Junior High School",
            )
        )
        result.append(
            _place(
                rng,
                d,
                "gym",
                1,
                f"{d.name}地区体育館",
                f"{d.kana}チクタイイクカン",
                f"{d.roman} District Gymnasium",
            )
        )
        result.append(
            _place(
                rng,
                d,
                "park",
                1,
                f"{d.name}ふれあい公園",
                f"{d.kana}フレアイコウエン",
                f"{d.roman} Fureai Park",
            )
        )
        if not d.rural:
            result.append(
                _place(
                    rng,
                    d,
                    "park",
                    2,
                    f"{d.name}児童公園",
                    f"{d.kana}ジドウコウエン",
                    f"{d.roman} Children's Park",
                )
            )
    return tuple(result)


def _location(p: Place) -> Row:
    """The standard location block (所在地_…, 緯度, 経度)."""
    return {
        "所在地_全国地方公共団体コード": LG_CODE,
        "所在地_連結表記": p.address,
        "所在地_都道府県": PREFECTURE,
        "所在地_市区町村": CITY,
        "所在地_町字": p.town,
        "所在地_番地以下": p.number,
        "緯度": f"{p.lat:.6f}",
        "経度": f"{p.lon:.6f}",
    }


def _head(row_id: str) -> Row:
    return {"全国地方公共団体コード": LG_CODE, "ID": row_id, "地方公共団体名": GOVERNMENT}


_OFFICE_HOURS = {"利用可能曜日": "月火水木金", "開始時間": "08:30", "終了時間": "17:15"}


# --------------------------------------------------------------------------------------------
# Standard data sets (自治体標準オープンデータセット)
# --------------------------------------------------------------------------------------------


def aed_rows() -> list[Row]:
    rng = _rng("aed")
    positions = {
        "office": ("1階 正面玄関ロビー", "1階 市民ホール"),
        "center": ("1階 事務室前",),
        "elementary": ("1階 職員室前", "体育館入口", "保健室前"),
        "junior_high": ("1階 職員室前", "体育館入口"),
        "gym": ("1階 受付", "アリーナ入口"),
        "park": ("管理棟 入口",),
        "library": ("1階 カウンター横",),
        "hall": ("1階 エントランス",),
        "health": ("1階 受付",),
    }
    rows = []
    for n, p in enumerate((p for p in places() if p.kind != "park"), 1):
        school = p.kind in {"elementary", "junior_high"}
        floor = 1 if p.kind != "office" or rng.random() < 0.7 else 2
        hours = (
            {"利用可能曜日": "月火水木金", "開始時間": "08:00", "終了時間": "17:00"}
            if school
            else {"利用可能曜日": "月火水木金土日", "開始時間": "09:00", "終了時間": "21:00"}
            if p.kind in {"gym", "park", "hall"}
            else _OFFICE_HOURS
        )
        rows.append(
            {
                **_head(f"AED{n:04d}"),
                "名称": p.name,
                "名称_カナ": p.kana,
                "名称_英字": p.roman,
                **_location(p),
                "高度の種別": "階数",
                "高度の値": str(floor),
                "設置位置": rng.choice(positions[p.kind]),
                "電話番号": p.phone,
                "郵便番号": p.postal,
                "団体名": GOVERNMENT,
                **hours,
                "利用可能日時特記事項": "年末年始（12月29日～1月3日）を除く"
                if not school
                else "学校休業日は体育館の開放時間内",
                "小児対応設備の有無": "有" if school or rng.random() < 0.5 else "無",
            }
        )
    return rows


def evacuation_space_rows() -> list[Row]:
    rng = _rng("evacuation_space")
    rows = []
    kinds = {"elementary", "junior_high", "park", "gym"}
    for n, p in enumerate((p for p in places() if p.kind in kinds), 1):
        open_ground = p.kind == "park"
        capacity = rng.randrange(300, 2500, 50) if open_ground else rng.randrange(200, 900, 10)
        flags: Row = {
            "災害種別_洪水": "" if open_ground and rng.random() < 0.5 else "1",
            "災害種別_崖崩れ、土石流及び地滑り": "1" if rng.random() < 0.8 else "",
            "災害種別_地震": "1",
            "災害種別_大規模な火事": "1" if open_ground or rng.random() < 0.6 else "",
            "災害種別_内水氾濫": "1" if rng.random() < 0.7 else "",
            "災害種別_火山現象": "1" if p.district.code in {"10", "14", "15"} else "",
        }
        rows.append(
            {
                **_head(f"ES{n:04d}"),
                "名称": p.name,
                "名称_カナ": p.kana,
                "名称_英字": p.roman,
                **_location(p),
                "標高": f"{rng.uniform(140, 260):.1f}",
                "電話番号": p.phone,
                "郵便番号": p.postal,
                "市区町村コード": LG_CODE,
                **flags,
                "指定避難所との重複": "" if open_ground else "1",
                "想定収容人数": str(capacity),
                "対象となる町会・自治会": ";".join(
                    f"{p.town.removesuffix('町')}{k}自治公民館"
                    for k in rng.sample(("第一", "第二", "第三", "東", "西", "南", "北"), 2)
                ),
                "備考": "グラウンド" if not open_ground and p.kind != "gym" else "",
            }
        )
    return rows


def shelter_places() -> list[Place]:
    """指定避難所 (indoor shelters): schools' gymnasiums, centers and district gyms."""
    kinds = {"center", "office", "elementary", "junior_high", "gym"}
    return [p for p in places() if p.kind in kinds]


_FACILITY_TYPE = {
    "office": "庁舎",
    "center": "地区市民センター",
    "elementary": "小学校",
    "junior_high": "中学校",
    "gym": "体育施設",
    "park": "公園",
    "library": "図書館",
    "hall": "文化施設",
    "health": "保健施設",
}


def public_facility_rows() -> list[Row]:
    rng = _rng("public_facility")
    rows = []
    for n, p in enumerate(places(), 1):
        school = p.kind in {"elementary", "junior_high"}
        if p.kind == "park":
            hours: Row = {"利用可能日時特記事項": "終日開放"}
        elif school:
            hours = {"利用可能日時特記事項": "学校施設のため一般の利用はできません"}
        else:
            hours = dict(_OFFICE_HOURS)
            if p.kind in {"gym", "library", "hall"}:
                hours = {"利用可能曜日": "火水木金土日", "開始時間": "09:00", "終了時間": "21:00"}
            hours["利用可能日時特記事項"] = "年末年始（12月29日～1月3日）は休み"
        rows.append(
            {
                **_head(f"PF{n:04d}"),
                "名称": p.name,
                "名称_カナ": p.kana,
                "名称_英字": p.roman,
                **_location(p),
                "電話番号": "" if p.kind == "park" else p.phone,
                "郵便番号": p.postal,
                "団体名": GOVERNMENT,
                **hours,
                "説明": f"{p.district.name}地区の{_FACILITY_TYPE[p.kind]}です。",
                "バリアフリー情報": rng.choice(
                    (
                        "多目的トイレ、スロープあり",
                        "車椅子使用者用駐車場あり",
                        "エレベーターあり",
                        "",
                    )
                ),
            }
        )
    return rows


def public_wireless_lan_rows() -> list[Row]:
    rows = []
    kinds = {"office", "center", "library", "hall", "health", "gym"}
    for n, p in enumerate((p for p in places() if p.kind in kinds), 1):
        rows.append(
            {
                "全国地方公共団体コード": LG_CODE,
                "ID": f"WL{n:04d}",
                "地方公共団体名": GOVERNMENT,
                "名称": p.name,
                "名称_カナ": p.kana,
                "名称_英語": p.roman,
                **_location(p),
                "設置者": GOVERNMENT,
                "電話番号": p.phone,
                "郵便番号": p.postal,
                "SSID": "Miyakonojo_Free_Wi-Fi",
                "提供エリア": "1階ロビー" if p.kind != "gym" else "1階ロビー;アリーナ観覧席",
                "備考": "利用は1回60分、1日4回まで",
            }
        )
    return rows


def public_toilet_rows() -> list[Row]:
    rng = _rng("public_toilet")
    sites = [p for p in places() if p.kind == "park"]
    rows = []
    for n, p in enumerate(sites, 1):
        urinal, m_jp, m_west = rng.randint(2, 4), rng.randint(0, 1), rng.randint(1, 2)
        f_jp, f_west = rng.randint(0, 1), rng.randint(2, 4)
        shared = rng.randint(0, 1)
        barrier_free = rng.randint(1, 2) if p.district.code in {"01", "02", "03"} else 1
        rows.append(
            {
                **_head(f"PT{n:04d}"),
                "名称": f"{p.name}公衆トイレ",
                "名称_カナ": f"{p.kana}コウシュウトイレ",
                "名称_英語": f"{p.roman} Public Toilet",
                **_location(p),
                "設置位置": rng.choice(("駐車場横", "管理棟内", "遊具広場の北側", "正面入口付近")),
                "男性トイレ総数": str(urinal + m_jp + m_west),
                "男性トイレ数（小便器）": str(urinal),
                "男性トイレ数（和式）": str(m_jp),
                "男性トイレ数（洋式）": str(m_west),
                "女性トイレ総数": str(f_jp + f_west),
                "女性トイレ数（和式）": str(f_jp),
                "女性トイレ数（洋式）": str(f_west),
                "男女共用トイレ総数": str(shared),
                "男女共用トイレ数（和式）": "0",
                "男女共用トイレ数（洋式）": str(shared),
                "バリアフリートイレ数": str(barrier_free),
                "車椅子使用者用トイレ有無": "有",
                "乳幼児用設備設置トイレ有無": "有" if rng.random() < 0.6 else "無",
                "オストメイト設置トイレ有無": "有" if rng.random() < 0.4 else "無",
                "利用開始時間": "00:00",
                "利用終了時間": "24:00",
                "利用可能時間特記事項": "24時間利用可",
            }
        )
    return rows


_SURNAMES = (
    ("坂元", "サカモト", "Sakamoto"),
    ("川畑", "カワバタ", "Kawabata"),
    ("黒木", "クロギ", "Kurogi"),
    ("中原", "ナカハラ", "Nakahara"),
    ("今村", "イマムラ", "Imamura"),
    ("福永", "フクナガ", "Fukunaga"),
    ("有村", "アリムラ", "Arimura"),
    ("上村", "カミムラ", "Kamimura"),
    ("日高", "ヒダカ", "Hidaka"),
    ("甲斐", "カイ", "Kai"),
    ("長友", "ナガトモ", "Nagatomo"),
    ("岩切", "イワキリ", "Iwakiri"),
    ("松元", "マツモト", "Matsumoto"),
    ("永田", "ナガタ", "Nagata"),
    ("吉留", "ヨシドメ", "Yoshidome"),
    ("久保", "クボ", "Kubo"),
    ("前田", "マエダ", "Maeda"),
    ("池田", "イケダ", "Ikeda"),
)


def _private_place(rng: random.Random, d: District) -> tuple[str, str, Row]:
    """A fictional private address: (phone, postal, location block)."""
    p = _place(rng, d, "private", 0, "", "", "")
    return p.phone, p.postal, _location(p)


_CLINICS = (
    ("内科クリニック", "ナイカクリニック", "Internal Medicine Clinic", "診療所", "内科;消化器内科"),
    (
        "整形外科医院",
        "セイケイゲカイイン",
        "Orthopedic Clinic",
        "診療所",
        "整形外科;リハビリテーション科",
    ),
    ("小児科", "ショウニカ", "Pediatric Clinic", "診療所", "小児科"),
    ("歯科医院", "シカイイン", "Dental Clinic", "歯科診療所", "歯科;小児歯科"),
    ("眼科", "ガンカ", "Eye Clinic", "診療所", "眼科"),
    ("耳鼻咽喉科", "ジビインコウカ", "ENT Clinic", "診療所", "耳鼻いんこう科"),
    ("皮膚科クリニック", "ヒフカクリニック", "Dermatology Clinic", "診療所", "皮膚科"),
)


def hospital_rows() -> list[Row]:
    rng = _rng("hospital")
    rows: list[Row] = []
    hospitals = (
        ("都城中央病院", "ミヤコノジョウチュウオウビョウイン", "Miyakonojo Central Hospital", 240),
        ("都城南部病院", "ミヤコノジョウナンブビョウイン", "Miyakonojo South Hospital", 120),
        ("高城記念病院", "タカジョウキネンビョウイン", "Takajo Memorial Hospital", 60),
    )
    for i, (name, kana, roman, beds) in enumerate(hospitals):
        d = DISTRICTS[(0, 6, 12)[i]]
        phone, postal, location = _private_place(rng, d)
        rows.append(
            {
                "名称": name,
                "名称_カナ": kana,
                "名称_英字": roman,
                "医療機関の種類": "病院",
                "location": location,
                "電話番号": phone,
                "FAX番号": phone[:-4] + f"{rng.randint(1000, 9999)}",
                "郵便番号": postal,
                "診療曜日": "月火水木金",
                "診療開始時間": "08:30",
                "診療終了時間": "17:00",
                "診療日時特記事項": "土曜日は午前のみ（08:30～12:00）",
                "時間外における対応": "救急外来で24時間対応",
                "診療科目": "内科;外科;整形外科;小児科;放射線科",
                "病床数": str(beds),
                "災害拠点分類": "地域災害拠点病院" if i == 0 else "",
            }
        )
    for n in range(27):
        d = DISTRICTS[n % len(DISTRICTS)]
        surname, s_kana, s_roman = _SURNAMES[n % len(_SURNAMES)]
        kind, k_kana, k_roman, category, subjects = _CLINICS[rng.randrange(len(_CLINICS))]
        phone, postal, location = _private_place(rng, d)
        saturday = rng.random() < 0.7
        rows.append(
            {
                "名称": f"{surname}{kind}",
                "名称_カナ": f"{s_kana}{k_kana}",
                "名称_英字": f"{s_roman} {k_roman}",
                "医療機関の種類": category,
                "location": location,
                "電話番号": phone,
                "FAX番号": "",
                "郵便番号": postal,
                "診療曜日": "月火水金土" if saturday else "月火水木金",
                "診療開始時間": "09:00",
                "診療終了時間": rng.choice(("17:30", "18:00", "18:30")),
                "診療日時特記事項": "土曜日は12:30まで" if saturday else "",
                "時間外における対応": "",
                "診療科目": subjects,
                "病床数": "0" if rng.random() < 0.8 else str(rng.choice((9, 12, 19))),
                "災害拠点分類": "",
            }
        )
    result = []
    for n, row in enumerate(rows, 1):
        location = row.pop("location")
        result.append({**_head(f"HP{n:04d}"), **row, **location, "状況": "診療中"})
    return result


_CARE_SERVICES = (
    ("デイサービスセンター", "デイサービスセンター", "Day Service Center", "通所介護", 30),
    ("ヘルパーステーション", "ヘルパーステーション", "Helper Station", "訪問介護", 0),
    ("ケアプランセンター", "ケアプランセンター", "Care Plan Center", "居宅介護支援", 0),
    ("グループホーム", "グループホーム", "Group Home", "認知症対応型共同生活介護", 18),
    ("ショートステイ", "ショートステイ", "Short Stay", "短期入所生活介護", 20),
    ("特別養護老人ホーム", "トクベツヨウゴロウジンホーム", "Nursing Home", "介護老人福祉施設", 60),
)
_NICE_WORDS = (
    ("さくら", "サクラ", "Sakura"),
    ("ひまわり", "ヒマワリ", "Himawari"),
    ("あおぞら", "アオゾラ", "Aozora"),
    ("ひだまり", "ヒダマリ", "Hidamari"),
    ("やすらぎ", "ヤスラギ", "Yasuragi"),
    ("すみれ", "スミレ", "Sumire"),
    ("なごみ", "ナゴミ", "Nagomi"),
    ("いこい", "イコイ", "Ikoi"),
)


def care_service_rows() -> list[Row]:
    rng = _rng("care_service")
    rows = []
    for n in range(32):
        d = DISTRICTS[(n * 7) % len(DISTRICTS)]
        kind, k_kana, k_roman, service, capacity = _CARE_SERVICES[n % len(_CARE_SERVICES)]
        word, w_kana, w_roman = _NICE_WORDS[(n // len(_CARE_SERVICES)) % len(_NICE_WORDS)]
        phone, postal, location = _private_place(rng, d)
        rows.append(
            {
                **_head(f"CS{n + 1:04d}"),
                "介護サービス事業所名称": f"{kind}{word}{d.name}",
                "介護サービス事業所名称_カナ": f"{k_kana}{w_kana}{d.kana}",
                "介護サービス事業所名称_英字": f"{k_roman} {w_roman} {d.roman}",
                "実施サービス": service,
                **location,
                "電話番号": phone,
                "FAX番号": phone[:-4] + f"{rng.randint(1000, 9999)}",
                "郵便番号": postal,
                "法人の名称": rng.choice(
                    ("社会福祉法人みやこ福祉会", "医療法人きりしま会", "株式会社ケアサポート南九州")
                ),
                "事業所番号": f"457{rng.randint(0, 9999999):07d}",
                "利用可能曜日": "月火水木金土" if capacity else "月火水木金",
                "利用可能曜日特記事項": "年末年始は休み" if capacity else "",
                "定員": str(capacity) if capacity else "",
            }
        )
    return rows


_PRESCHOOLS = (
    ("保育園", "ホイクエン", "Nursery School", "保育所", "0歳6か月～5歳", (60, 120)),
    ("こども園", "コドモエン", "Kodomo-en", "認定こども園", "0歳～5歳", (90, 180)),
    ("幼稚園", "ヨウチエン", "Kindergarten", "幼稚園", "3歳～5歳", (70, 140)),
    (
        "ちびっこ保育室",
        "チビッコホイクシツ",
        "Small Nursery",
        "小規模保育事業",
        "0歳～2歳",
        (12, 19),
    ),
)


def preschool_rows() -> list[Row]:
    rng = _rng("preschool")
    rows = []
    n = 0
    for d in DISTRICTS:
        count = 1 if d.population < 7000 else 2 if d.population < 13000 else 3
        for k in range(count):
            n += 1
            kind, k_kana, k_roman, category, ages, (low, high) = _PRESCHOOLS[(n + k) % 4]
            word, w_kana, w_roman = _NICE_WORDS[n % len(_NICE_WORDS)]
            name, kana = f"{d.name}{word}{kind}", f"{d.kana}{w_kana}{k_kana}"
            phone, postal, location = _private_place(rng, d)
            nursery = category != "幼稚園"
            licensed = dt.date(rng.randint(1965, 2020), rng.randint(1, 12), 1)
            rows.append(
                {
                    **_head(f"PS{n:04d}"),
                    "名称": name,
                    "名称_カナ": kana,
                    "名称_英字": f"{d.roman} {w_roman} {k_roman}",
                    "種別": category,
                    **location,
                    "駐車場情報": f"送迎用駐車場{rng.randint(4, 15)}台",
                    "電話番号": phone,
                    "FAX番号": phone[:-4] + f"{rng.randint(1000, 9999)}",
                    "郵便番号": postal,
                    "団体名": rng.choice(("社会福祉法人", "学校法人", "社会福祉法人"))
                    + f"{word}会",
                    "認可等年月日": licensed.isoformat(),
                    "収容定員": str(rng.randrange(low, high + 1, 1 if high < 30 else 10)),
                    "受入年齢": ages,
                    "利用可能曜日": "月火水木金土" if nursery else "月火水木金",
                    "開始時間": "07:00" if nursery else "08:30",
                    "終了時間": "19:00" if nursery else "14:00",
                    "利用可能日時特記事項": "日曜・祝日・年末年始は休み",
                    "一時預かりの有無": "有" if rng.random() < 0.5 else "無",
                    "病児保育の有無": "有" if rng.random() < 0.15 else "無",
                    "授乳室": "有" if nursery else "無",
                    "おむつ替えコーナー": "有" if nursery else "無",
                }
            )
    return rows


# Age bands of the population standard, with a fictional share of the population and the
# share of men in the band (women live longer).
_AGE_BANDS = (
    ("0-4", 0.036, 0.51),
    ("5-9", 0.041, 0.51),
    ("10-14", 0.044, 0.51),
    ("15-19", 0.043, 0.51),
    ("20-24", 0.034, 0.50),
    ("25-29", 0.037, 0.50),
    ("30-34", 0.044, 0.50),
    ("35-39", 0.050, 0.50),
    ("40-44", 0.056, 0.50),
    ("45-49", 0.064, 0.49),
    ("50-54", 0.062, 0.49),
    ("55-59", 0.060, 0.49),
    ("60-64", 0.064, 0.48),
    ("65-69", 0.074, 0.47),
    ("70-74", 0.080, 0.46),
    ("75-79", 0.061, 0.44),
    ("80-84", 0.051, 0.40),
    ("85歳以上", 0.059, 0.32),
)
POPULATION_DATES = tuple(dt.date(year, 3, 31) for year in range(2021, 2026))


def population_rows() -> list[Row]:
    """Population by 地区, sex and five-year age band at the end of each fiscal year."""
    rng = _rng("population")
    rows = []
    for y, day in enumerate(POPULATION_DATES):
        for d in DISTRICTS:
            # Older, shrinking rural districts; younger, steadier town districts.
            shrink = (0.988 if d.rural else 0.996) ** (y + 1)
            size = d.population * shrink
            row: Row = {
                "全国地方公共団体コード": LG_CODE,
                "地域コード": f"{LG_CODE}{d.code}",
                "地方公共団体名": GOVERNMENT,
                "調査年月日": day.isoformat(),
                "地域名": f"{d.name}地区",
            }
            men = women = 0
            for k, (band, share, male) in enumerate(_AGE_BANDS):
                tilt = 1.0 + (0.25 if d.rural else -0.08) * (k - 8) / 9
                count = round(size * share * max(tilt, 0.5) * rng.uniform(0.96, 1.04))
                m = round(count * male * rng.uniform(0.98, 1.02))
                f = count - m
                label = band if band.endswith("以上") else f"{band}歳"
                row[f"{label}の男性"] = str(m)
                row[f"{label}の女性"] = str(f)
                men += m
                women += f
            row["総人口"] = str(men + women)
            row["男性"] = str(men)
            row["女性"] = str(women)
            row["世帯数"] = str(round((men + women) / rng.uniform(2.05, 2.35)))
            rows.append(row)
    return rows


_CULTURAL = (
    ("田の神像", "タノカンゾウ", "Ta-no-Kansa Stone Statue", "有形民俗文化財", "基", "彫刻"),
    ("棒踊り", "ボウオドリ", "Bo-odori Stick Dance", "無形民俗文化財", "", "芸能"),
    ("神社の大クス", "ジンジャノオオクス", "Great Camphor Tree", "天然記念物", "本", "樹木"),
    ("古墳群", "コフングン", "Burial Mounds", "史跡", "基", "古墳"),
    ("城跡", "ジョウアト", "Castle Ruins", "史跡", "", "城跡"),
    ("観音堂", "カンノンドウ", "Kannon Hall", "有形文化財", "棟", "建造物"),
)


def cultural_property_rows() -> list[Row]:
    rng = _rng("cultural_property")
    rows = []
    n = 0
    for d in DISTRICTS:
        picks = rng.sample(range(len(_CULTURAL)), 2 if d.rural else 1)
        for k in picks:
            n += 1
            what, kana, roman, category, unit, kind = _CULTURAL[k]
            level = rng.choices(("市指定", "県指定", "国登録"), weights=(8, 2, 1))[0]
            location = _private_place(rng, d)[2]
            designated = dt.date(rng.randint(1958, 2015), rng.randint(1, 12), rng.randint(1, 28))
            intangible = category == "無形民俗文化財"
            if intangible:
                location = {
                    **location,
                    "緯度": "",
                    "経度": "",
                    "所在地_番地以下": "",
                    "所在地_連結表記": f"{GOVERNMENT}{location['所在地_町字']}",
                }
            rows.append(
                {
                    **_head(f"CP{n:04d}"),
                    "名称": f"{d.name}{what}",
                    "名称_カナ": f"{d.kana}{kana}",
                    "名称_英語": f"{d.roman} {roman}",
                    "文化財分類": f"{level}{category}" if level != "国登録" else "国登録有形文化財",
                    "種類": kind,
                    "場所名称": "" if intangible else f"{d.name}地区",
                    **location,
                    "員数（数）": "" if not unit else str(rng.randint(1, 5)),
                    "員数（単位）": unit,
                    "所有者等": f"{d.name}{'保存会' if intangible else '自治公民館'}",
                    "文化財指定日": designated.isoformat(),
                    "概要": f"{d.name}地区に伝わる{what}。",
                    "概要_英語": f"{roman} of the {d.roman} district, cared for by its people.",
                    "説明": "地域の人々によって守り継がれてきた文化財です（デモ用の架空の記述）。",
                }
            )
    return rows


_SPOTS = (
    ("高城観光交流センター", "タカジョウカンコウコウリュウセンター", "Takajo Tourist Center", "13"),
    ("山田ほたるの里公園", "ヤマダホタルノサトコウエン", "Yamada Firefly Park", "14"),
    (
        "高崎星空キャンプ場",
        "タカザキホシゾラキャンプジョウ",
        "Takazaki Starry Sky Campground",
        "15",
    ),
    ("庄内川せせらぎ広場", "ショウナイガワセセラギヒロバ", "Shonai River Square", "09"),
    ("山之口あじさい公園", "ヤマノクチアジサイコウエン", "Yamanokuchi Hydrangea Park", "12"),
    (
        "都城まちなか観光案内所",
        "ミヤコノジョウマチナカカンコウアンナイジョ",
        "Downtown Tourist Info",
        "01",
    ),
    ("西岳高原展望台", "ニシダケコウゲンテンボウダイ", "Nishidake Highland Lookout", "10"),
    ("横市川ふれあい散策路", "ヨコイチガワフレアイサンサクロ", "Yokoichi Riverside Walk", "06"),
    ("沖水川サイクリングロード", "オキミズガワサイクリングロード", "Okimizu Cycling Road", "07"),
    (
        "五十市焼酎蔵見学館",
        "イソイチショウチュウグラケンガクカン",
        "Isoichi Shochu Brewery Hall",
        "05",
    ),
    ("妻ケ丘ローズガーデン", "ツマガオカローズガーデン", "Tsumagaoka Rose Garden", "02"),
    (
        "祝吉ふるさと資料館",
        "イワイヨシフルサトシリョウカン",
        "Iwaiyoshi Local History Museum",
        "04",
    ),
    ("小松原歴史の小径", "コマツバラレキシノコミチ", "Komatsubara History Trail", "03"),
    ("志和池そば道場", "シワチソバドウジョウ", "Shiwachi Soba Dojo", "08"),
    ("中郷みかん農園", "ナカゴウミカンノウエン", "Nakago Mikan Orchard", "11"),
)


def tourism_rows() -> list[Row]:
    rng = _rng("tourism")
    by_code = {d.code: d for d in DISTRICTS}
    rows = []
    for n, (name, kana, roman, code) in enumerate(_SPOTS, 1):
        d = by_code[code]
        phone, postal, location = _private_place(rng, d)
        indoor = name.endswith(("センター", "案内所", "見学館", "資料館", "道場"))
        paid = name.endswith(("キャンプ場", "見学館", "道場", "農園"))
        rows.append(
            {
                **_head(f"TR{n:04d}"),
                "名称": name,
                "名称_カナ": kana,
                "名称_英語": roman,
                **location,
                "郵便番号": postal,
                **(
                    {"利用可能曜日": "火水木金土日", "開始時間": "09:00", "終了時間": "17:00"}
                    if indoor
                    else {"利用可能日時特記事項": "終日開放"}
                ),
                "料金(基本)": f"大人{rng.choice((200, 300, 500, 1000))}円" if paid else "無料",
                "説明": f"{d.name}地区の観光スポット。四季を通じて楽しめます。",
                "説明_英語": f"A sightseeing spot in the {d.roman} district.",
                "アクセス方法": f"都城駅から車で約{rng.randint(5, 40)}分",
                "駐車場情報": f"無料駐車場{rng.randint(10, 80)}台",
                "連絡先名称": "都城市 商工観光部 観光課",
                "連絡先電話番号": phone,
            }
        )
    return rows


def _wareki(day: dt.date) -> str:
    return f"令和{day.year - 2018}年{day.month}月{day.day}日"


_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

_EVENTS = (
    (
        "都城おどり夏まつり",
        "ミヤコノジョウオドリナツマツリ",
        "Miyakonojo Summer Dance Festival",
        "01",
    ),
    ("オープンデータ活用講座", "オープンデータカツヨウコウザ", "Open Data Workshop", "01"),
    ("親子プログラミング教室", "オヤコプログラミングキョウシツ", "Family Coding Class", "02"),
    (
        "高城観音池さくらまつり",
        "タカジョウカンノンイケサクラマツリ",
        "Takajo Cherry Festival",
        "13",
    ),
    ("山田ほたる観賞会", "ヤマダホタルカンショウカイ", "Yamada Firefly Evening", "14"),
    ("高崎星空観察会", "タカザキホシゾラカンサツカイ", "Takazaki Stargazing", "15"),
    ("山之口文楽公演", "ヤマノクチブンラクコウエン", "Yamanokuchi Bunraku", "12"),
    ("市民防災訓練", "シミンボウサイクンレン", "Citizens' Disaster Drill", "05"),
    ("まちなかマルシェ", "マチナカマルシェ", "Downtown Marche", "01"),
    ("スマホ相談会", "スマホソウダンカイ", "Smartphone Help Desk", "04"),
    ("庄内地区運動会", "ショウナイチクウンドウカイ", "Shonai Sports Day", "09"),
    ("焼酎の日フェア", "ショウチュウノヒフェア", "Shochu Day Fair", "01"),
)


def event_rows(*, defects: bool) -> list[Row]:
    """Events of FY2025. With ``defects`` some dates are written in 和暦 and some capacities
    in full-width digits, as an events desk's spreadsheet often has them."""
    rng = _rng("event")
    by_code = {d.code: d for d in DISTRICTS}
    rows = []
    for n, (name, kana, roman, code) in enumerate(_EVENTS, 1):
        d = by_code[code]
        start = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randint(0, 330))
        end = start + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        location = _private_place(rng, d)[2]
        capacity = str(rng.choice((30, 50, 100, 200, 500)))
        start_text, end_text = start.isoformat(), end.isoformat()
        if defects and n % 4 == 1:
            start_text, end_text = _wareki(start), _wareki(end)
        if defects and n % 5 == 2:
            capacity = capacity.translate(_FULLWIDTH_DIGITS)
        rows.append(
            {
                **_head(f"EV{n:04d}"),
                "イベント名": name,
                "イベント名_カナ": kana,
                "イベント名_英語": roman,
                "開始日": start_text,
                "終了日": end_text,
                "開始時間": rng.choice(("09:00", "10:00", "13:30", "18:30")),
                "終了時間": rng.choice(("12:00", "16:00", "20:30")),
                "概要": f"{d.name}地区で開催する{name}です（デモ用の架空のイベント）。",
                "料金(基本)": "無料",
                "主催者": GOVERNMENT,
                "対象者": "どなたでも",
                "場所名称": f"{d.name}地区市民センター" if not d.branch else f"{d.name}総合支所",
                **location,
                "定員": capacity,
                "連絡先名称": "都城市 商工観光部",
                "連絡先電話番号": "0986-23-0000",
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Other files: monthly waste, shelters (GeoJSON), visitors per fiscal year (Excel)
# --------------------------------------------------------------------------------------------

WASTE_COLUMNS = (
    "年月",
    "燃やせるごみ(t)",
    "燃やせないごみ(t)",
    "資源物(t)",
    "粗大ごみ(t)",
    "合計(t)",
)
_WASTE_SEASON = (1.05, 1.03, 0.98, 1.02, 1.04, 0.96, 0.99, 0.97, 1.12, 1.00, 0.90, 1.04)


def waste_rows() -> list[Row]:
    """Monthly household waste, FY2020–FY2024 (April to March), in tonnes."""
    rng = _rng("waste")
    rows = []
    for fy in range(2020, 2025):
        trend = 0.99 ** (fy - 2020)
        for i, season in enumerate(_WASTE_SEASON):
            month = (i + 3) % 12 + 1
            year = fy if month >= 4 else fy + 1
            base = season * trend
            values = [
                round(2850 * base * rng.uniform(0.97, 1.03), 1),
                round(148 * base * rng.uniform(0.9, 1.1), 1),
                round(415 * base * rng.uniform(0.95, 1.05), 1),
                round(82 * base * rng.uniform(0.8, 1.2), 1),
            ]
            rows.append(
                dict(
                    zip(
                        WASTE_COLUMNS,
                        [f"{year}-{month:02d}", *values, round(sum(values), 1)],
                        strict=True,
                    )
                )
            )
    return rows


def shelters_geojson() -> bytes:
    """指定避難所 as GeoJSON points (RFC 7946: longitude first)."""
    rng = _rng("shelters")
    features = []
    for n, p in enumerate(shelter_places(), 1):
        features.append(
            {
                "type": "Feature",
                "id": f"SH{n:04d}",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "ID": f"SH{n:04d}",
                    "名称": p.name
                    if p.kind not in {"elementary", "junior_high"}
                    else p.name + " 体育館",
                    "名称_カナ": p.kana,
                    "所在地_連結表記": p.address,
                    "地区": p.district.name,
                    "想定収容人数": rng.randrange(80, 600, 10),
                    "福祉避難所": p.kind == "center" and rng.random() < 0.3,
                    "電話番号": p.phone,
                },
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": f"{LG_CODE}_shelter",
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


VISITOR_COLUMNS = (
    "年度",
    "年度（和暦）",
    "観光入込客数(人)",
    "うち宿泊客数(人)",
    "うち日帰り客数(人)",
)


def _fiscal_wareki(fy: int) -> str:
    if fy >= 2019:
        return "令和元年度" if fy == 2019 else f"令和{fy - 2018}年度"
    return f"平成{fy - 1988}年度"


def visitor_rows() -> list[Row]:
    """Tourist visits per fiscal year, FY2015–FY2024 (a dip in FY2020–21)."""
    rng = _rng("visitors")
    factor = {2020: 0.52, 2021: 0.61, 2022: 0.84, 2023: 0.97, 2024: 1.03}
    rows = []
    for fy in range(2015, 2025):
        total = round(
            3_150_000 * (1.015 ** (fy - 2015)) * factor.get(fy, 1.0) * rng.uniform(0.98, 1.02)
        )
        stay = round(total * rng.uniform(0.11, 0.14))
        rows.append(
            dict(
                zip(
                    VISITOR_COLUMNS,
                    [fy, _fiscal_wareki(fy), total, stay, total - stay],
                    strict=True,
                )
            )
        )
    return rows


def visitors_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "観光入込客数"
    sheet.append(list(VISITOR_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in visitor_rows():
        sheet.append([row[c] for c in VISITOR_COLUMNS])
    for column, width in zip("ABCDE", (8, 14, 18, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    # A fixed timestamp keeps the file the same from run to run.
    fixed = dt.datetime(2025, 4, 1, 9, 0, 0)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = GOVERNMENT
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def table_csv(columns: Sequence[str], rows: Iterable[Row], *, encoding: str = "utf-8-sig") -> bytes:
    """A CSV file (CRLF) with the given columns; values missing from a row are left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"columns not in the file: {sorted(unknown)}")
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in columns])
    return buffer.getvalue().encode(encoding)


def standard_csv(slug: str, rows: Iterable[Row], *, encoding: str = "utf-8-sig") -> bytes:
    """A standard data set's file: every column of the schema, in the schema's order."""
    return table_csv(get_schema(slug).field_names, rows, encoding=encoding)


def standard_file_name(slug: str) -> str:
    return f"{LG_CODE}_{slug}.csv"
