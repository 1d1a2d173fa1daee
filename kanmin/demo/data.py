"""The demo tenant: 都城市 (Miyakonojo, Miyazaki), with a department structure for the demo.

The department list is illustrative (the plan names 情報政策課 as its secretariat); it is not
the city's official organization chart.
"""

MUNICIPALITY = {
    "lg_code": "452025",
    "name_ja": "都城市",
    "name_kana": "みやこのじょうし",
    "name_en": "Miyakonojo City",
}

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
]
