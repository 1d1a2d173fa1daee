"""The demo tenant: 都城市 (Miyakonojo, Miyazaki), with a department structure for the demo.

The department list is illustrative (the plan names 情報政策課 as its secretariat); it is not
the city's official organization chart.
"""

from pathlib import Path

MUNICIPALITY = {
    "lg_code": "452025",
    "name_ja": "都城市",
    "name_kana": "みやこのじょうし",
    "name_en": "Miyakonojo City",
}
# A generous box around the city (south, west, north, east): coordinates in uploaded files
# outside it are warned about. Approximate; staff set their own in the admin.
MUNICIPALITY_AREA = (31.50, 130.85, 32.00, 131.30)

# (code, Japanese, English, parent code)
DEPARTMENTS = [
    ("sogo-seisaku", "総合政策部", "General Policy Department", None),
    ("jouhou-seisaku", "情報政策課", "Information Policy Division", "sogo-seisaku"),
    ("digital-tokatsu", "デジタル統括課", "Digital Integration Division", "sogo-seisaku"),
    ("somu", "総務部", "General Affairs Department", None),
    ("kiki-kanri", "危機管理課", "Crisis Management Division", "somu"),
    ("shimin-seikatsu", "市民生活部", "Civic Life Department", None),
    ("shimin", "市民課", "Citizens Division", "shimin-seikatsu"),
    ("fukushi", "福祉部", "Welfare Department", None),
    ("fukushi-kanri", "福祉課", "Welfare Division", "fukushi"),
    ("kodomo", "こども部", "Children Department", None),
    ("kenko", "健康部", "Health Department", None),
    ("kankyo-shinrin", "環境森林部", "Environment and Forestry Department", None),
    ("nosei", "農政部", "Agriculture Department", None),
    ("shoko-kanko", "商工観光部", "Commerce, Industry and Tourism Department", None),
    ("doboku", "土木部", "Civil Engineering Department", None),
    ("jogesuido", "上下水道局", "Waterworks and Sewerage Bureau", None),
    ("shobo", "消防局", "Fire Department", None),
    ("kyoiku", "教育委員会", "Board of Education", None),
]

# (username, role, department code or None)
USERS = [
    ("admin", "platform_admin", None),
    ("city-admin", "municipality_admin", None),
    ("plan-manager", "plan_manager", "jouhou-seisaku"),
    ("steward", "data_steward", "jouhou-seisaku"),
    ("staff", "department_staff", "shimin"),
    ("disaster", "disaster_operator", "kiki-kanri"),
    ("support-officer", "support_register_officer", "fukushi-kanri"),
    ("auditor", "auditor", None),
    ("counter", "counter_clerk", "shimin"),  # counter: the 市民課 counter clerk
]

# The plan: the seed's structure, encoded in kanmin/plan/data/miyakonojo_plan.json.
PLAN_FILE = Path(__file__).resolve().parent.parent / "plan" / "data" / "miyakonojo_plan.json"
# The plan cites 令和2年 and 令和4年度 as its near future; the demo starts its figures in FY2020.
PLAN_FIRST_FISCAL_YEAR = 2020

# Which departments answer for which measures (illustrative).
PLAN_DEPARTMENTS = {
    "Ⅰ-1": ["jouhou-seisaku", "shimin"],
    "Ⅰ-2": ["digital-tokatsu"],
    "Ⅰ-3": ["shimin"],
    "Ⅱ-1": ["jouhou-seisaku"],
    "Ⅱ-2": ["jouhou-seisaku"],
    "Ⅲ-1": ["shimin"],
    "Ⅳ-1": ["digital-tokatsu"],
    "Ⅴ-1": ["digital-tokatsu"],
    "Ⅵ-1": ["jouhou-seisaku", "kiki-kanri"],
}

# KPIs that Kanmin counts from its own data (Ⅱ-1, Ⅱ-2): the catalog's metrics.
PLAN_METRICS: dict[tuple[str, str], str] = {
    ("Ⅱ-1", "オープンデータ公開件数"): "catalog.datasets_published",
    ("Ⅱ-2", "推奨データセットへの対応件数"): "catalog.standard_datasets_conforming",
}

# Illustrative figures (made up for the demo, not the city's): (measure, KPI) -> values.
PLAN_FIGURES = {
    # On the scale of the demo's procedure catalog (32 procedures, 14 of them online), whose
    # count is this KPI's figure from fiscal 2026 on (demo/procedures.py links it): the past
    # years lead up to it instead of falling from hundreds to 14.
    ("Ⅰ-1", "電子申請可能な手続数"): {
        "target": {2022: 5, 2023: 8, 2024: 11, 2025: 13, 2026: 16},
        "actual": {2022: 4, 2023: 7, 2024: 10, 2025: 12},
    },
    ("Ⅰ-3", "窓口滞在時間の削減"): {
        "target": {2023: 30, 2024: 25, 2025: 20, 2026: 18},
        "actual": {2023: 34, 2024: 27, 2025: 19},
    },
}
