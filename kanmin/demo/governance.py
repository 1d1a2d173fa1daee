"""The demo's ICT governance register of 都城市: about 60 information systems, the 20 基幹業務
with their migration to 標準準拠 systems, vulnerabilities from April 2025, two audits, trainings
for staff and パソコン教室 for residents, so that every KPI of Ⅴ-3..Ⅴ-6, Ⅵ-1..Ⅵ-3 and Ⅳ-7
shows a number for fiscal 2025 and the year under way.

Generated from a fixed seed: every build is the same. Names follow a typical Japanese city;
vendors, costs, dates and identifiers are fictional (デモ用の架空の値), not the city's.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kanmin.core.models import Department, Municipality
from kanmin.governance import services, spec_services
from kanmin.governance.models import (
    Audit,
    Business,
    Hosting,
    InformationSystem,
    OtherBusiness,
    StandardizationStatus,
    TrainingSession,
    Vulnerability,
)
from kanmin.governance.spec_models import Spec, SpecList

SEED = 20250401
FICTION = "デモ用の架空の値です（Fictional values for the Kanmin demo）。"
VENDORS = (
    "架空電算株式会社",
    "みやこ情報システム株式会社",
    "南九州ソフト株式会社",
    "霧島データサービス株式会社",
    "大淀クラウド株式会社",
)
B = Business

# The 20 業務 grouped as the packages that carry them: (code, name, department, 業務,
# migrated on (None: not yet), planned, 特定移行支援).
CORE_PACKAGES: tuple[tuple[str, str, str, tuple[str, ...], dt.date | None, dt.date, bool], ...] = (
    (
        "K01",
        "住民記録システム",
        "shimin",
        (B.RESIDENT_REGISTER, B.SEAL_REGISTRATION),
        dt.date(2025, 10, 14),
        dt.date(2025, 10, 1),
        False,
    ),
    (
        "K02",
        "戸籍システム",
        "shimin",
        (B.FAMILY_REGISTER, B.FAMILY_REGISTER_ANNEX),
        dt.date(2025, 11, 25),
        dt.date(2025, 11, 1),
        False,
    ),
    (
        "K03",
        "選挙システム",
        "somu",
        (B.ELECTORAL_ROLL,),
        dt.date(2025, 9, 1),
        dt.date(2025, 9, 1),
        False,
    ),
    (
        "K04",
        "税務システム",
        "somu",
        (
            B.FIXED_ASSET_TAX,
            B.INDIVIDUAL_RESIDENT_TAX,
            B.CORPORATE_RESIDENT_TAX,
            B.LIGHT_VEHICLE_TAX,
        ),
        dt.date(2026, 1, 13),
        dt.date(2026, 1, 1),
        False,
    ),
    (
        "K05",
        "国民健康保険システム",
        "shimin",
        (B.NATIONAL_HEALTH_INSURANCE,),
        dt.date(2026, 1, 13),
        dt.date(2026, 1, 1),
        False,
    ),
    (
        "K06",
        "国民年金システム",
        "shimin",
        (B.NATIONAL_PENSION,),
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 1),
        False,
    ),
    (
        "K07",
        "後期高齢者医療システム",
        "shimin",
        (B.LATE_ELDERLY_MEDICAL,),
        dt.date(2026, 2, 2),
        dt.date(2026, 2, 1),
        False,
    ),
    (
        "K08",
        "介護保険システム",
        "fukushi-kanri",
        (B.LONG_TERM_CARE,),
        None,
        dt.date(2026, 12, 1),
        False,
    ),
    (
        "K09",
        "障害者福祉システム",
        "fukushi-kanri",
        (B.DISABILITY_WELFARE,),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 1),
        False,
    ),
    (
        "K10",
        "生活保護システム",
        "fukushi-kanri",
        (B.PUBLIC_ASSISTANCE,),
        dt.date(2026, 6, 1),
        dt.date(2026, 3, 1),
        False,
    ),
    (
        "K11",
        "子ども・子育て支援システム",
        "kodomo",
        (B.CHILD_ALLOWANCE, B.CHILD_REARING_ALLOWANCE, B.CHILD_CARE_SUPPORT),
        None,
        dt.date(2027, 10, 1),
        True,
    ),
    (
        "K12",
        "就学事務システム",
        "kyoiku",
        (B.SCHOOL_ENROLMENT,),
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 1),
        False,
    ),
    ("K13", "健康管理システム", "kenko", (B.HEALTH_MANAGEMENT,), None, dt.date(2027, 4, 1), True),
)

# Other systems: (name, department, hosting, segment, classification, 地プラ, 中間標準 in scope).
OTHER_SYSTEMS: tuple[tuple[str, str, str, str, str, bool, bool], ...] = (
    ("財務会計システム", "somu", "on_premises", "lgwan", "2", True, True),
    ("人事給与システム", "somu", "on_premises", "lgwan", "3", True, True),
    ("庶務事務システム", "somu", "other_cloud", "lgwan", "2", False, False),
    ("文書管理システム", "somu", "on_premises", "lgwan", "2", True, True),
    ("電子決裁システム", "somu", "on_premises", "lgwan", "2", False, False),
    ("グループウェア", "jouhou-seisaku", "other_cloud", "lgwan", "2", False, False),
    ("庁内メールシステム", "jouhou-seisaku", "on_premises", "lgwan", "2", False, False),
    ("インターネットメール", "jouhou-seisaku", "shared", "internet", "2", False, False),
    ("自治体情報セキュリティクラウド", "jouhou-seisaku", "shared", "internet", "2", False, False),
    ("資産管理システム", "jouhou-seisaku", "on_premises", "lgwan", "2", False, False),
    ("統合認証基盤", "jouhou-seisaku", "on_premises", "my_number", "3", False, False),
    ("宛名管理システム", "jouhou-seisaku", "government_cloud", "my_number", "3", True, True),
    ("団体内統合宛名システム", "jouhou-seisaku", "on_premises", "my_number", "3", True, True),
    ("中間サーバー", "jouhou-seisaku", "shared", "my_number", "3", False, False),
    ("電子申請システム", "digital-tokatsu", "other_cloud", "internet", "2", False, False),
    ("公式ウェブサイトCMS", "digital-tokatsu", "other_cloud", "internet", "1", False, False),
    ("オープンデータカタログ", "digital-tokatsu", "other_cloud", "internet", "1", False, False),
    ("コンビニ交付システム", "shimin", "on_premises", "my_number", "3", True, True),
    ("窓口受付システム", "shimin", "other_cloud", "lgwan", "2", False, False),
    ("住居表示システム", "shimin", "on_premises", "lgwan", "2", False, True),
    ("収納管理システム", "somu", "government_cloud", "my_number", "3", True, True),
    ("滞納整理システム", "somu", "on_premises", "my_number", "3", True, True),
    ("税務GIS", "somu", "on_premises", "lgwan", "2", False, False),
    ("統合型GIS", "doboku", "shared", "lgwan", "2", False, False),
    ("道路台帳システム", "doboku", "on_premises", "lgwan", "2", False, True),
    ("建築確認システム", "doboku", "on_premises", "lgwan", "2", False, True),
    ("公営住宅管理システム", "doboku", "on_premises", "lgwan", "3", True, True),
    ("上下水道料金システム", "jogesuido", "on_premises", "lgwan", "3", False, True),
    ("下水道台帳システム", "jogesuido", "on_premises", "lgwan", "2", False, False),
    ("消防指令システム", "shobo", "on_premises", "lgwan", "3", False, False),
    ("防災情報システム", "kiki-kanri", "other_cloud", "internet", "1", True, False),
    ("被災者台帳システム", "kiki-kanri", "shared", "lgwan", "3", True, True),
    ("避難行動要支援者システム", "fukushi-kanri", "on_premises", "lgwan", "3", True, True),
    ("保育所入所管理システム", "kodomo", "on_premises", "my_number", "3", True, True),
    ("放課後児童クラブ管理", "kodomo", "other_cloud", "lgwan", "3", False, False),
    ("予防接種管理システム", "kenko", "on_premises", "my_number", "3", True, True),
    ("ワクチン接種記録システム", "kenko", "shared", "lgwan", "3", False, False),
    ("校務支援システム", "kyoiku", "shared", "lgwan", "3", False, False),
    ("学習系ネットワーク管理", "kyoiku", "other_cloud", "internet", "2", False, False),
    ("図書館システム", "kyoiku", "other_cloud", "internet", "2", False, False),
    ("公共施設予約システム", "shoko-kanko", "shared", "internet", "2", False, False),
    ("農地台帳システム", "nosei", "on_premises", "lgwan", "2", True, True),
    ("ごみ収集管理システム", "kankyo-shinrin", "other_cloud", "lgwan", "2", False, False),
    ("議会会議録検索システム", "somu", "other_cloud", "internet", "1", False, False),
)

# Old on-premises systems replaced by the 標準準拠 packages (retired on migration) and
# those consolidated into another system in fiscal 2025.
OLD_SYSTEMS = ("旧住民情報システム", "旧税務システム", "旧福祉総合システム")
CONSOLIDATED = (
    ("旧財務会計（公営企業）", "jogesuido", "財務会計システム", dt.date(2025, 7, 1)),
    ("旧出退勤管理システム", "somu", "庶務事務システム", dt.date(2025, 10, 1)),
    ("旧施設予約（体育施設）", "kyoiku", "公共施設予約システム", dt.date(2026, 3, 31)),
)

SEVERITY_WEIGHTS = (("critical", 1), ("high", 4), ("medium", 8), ("low", 5))
# How long a fix takes, as a share of the severity's due period (some miss it).
VULN_START, VULN_END = dt.date(2025, 4, 1), dt.date(2026, 11, 30)


def _system(
    municipality: Municipality,
    actor: Any,
    departments: dict[str, Department],
    code: str,
    name: str,
    department: str,
    rng: random.Random,
    **fields: Any,
) -> InformationSystem:
    fields.setdefault("vendor", rng.choice(VENDORS))
    fields.setdefault("contract_start", dt.date(rng.choice((2018, 2019, 2020, 2021)), 4, 1))
    fields.setdefault(
        "contract_end", dt.date(fields["contract_start"].year + rng.choice((5, 6, 7)), 3, 31)
    )
    fields.setdefault("note", FICTION)
    return services.system_create(
        municipality=municipality,
        actor=actor,
        code=code,
        name=name,
        department=departments.get(department),
        **fields,
    )


def governance_build(
    *, municipality: Municipality, actor: Any = None, departments: dict[str, Department]
) -> int:
    """Build the register once (a municipality that has systems already is left alone).
    Returns the number of systems added."""
    if InformationSystem.all_tenants.filter(municipality=municipality).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
    systems: list[InformationSystem] = []
    by_name: dict[str, InformationSystem] = {}
    old = [
        _system(
            municipality,
            actor,
            departments,
            f"O{i:02d}",
            name,
            "jouhou-seisaku",
            rng,
            hosting=Hosting.ON_PREMISES,
            network_segment="my_number",
            classification="3",
            applic_compliant=True,
            middle_layout_compliant=True,
            contract_start=dt.date(2015, 4, 1),
            contract_end=dt.date(2026, 3, 31),
        )
        for i, name in enumerate(OLD_SYSTEMS, start=1)
    ]
    systems += old
    for code, name, dept, businesses, migrated, planned, special in CORE_PACKAGES:
        start = migrated or planned
        system = _system(
            municipality,
            actor,
            departments,
            code,
            name,
            dept,
            rng,
            hosting=Hosting.GOVERNMENT_CLOUD,
            network_segment="my_number",
            classification="3",
            standard_compliant=True,
            middle_layout_in_scope=False,
            contract_start=start - dt.timedelta(days=60),
            contract_end=dt.date(2031, 3, 31),
            businesses=list(businesses),
        )
        systems.append(system)
        for business in businesses:
            services.standardization_set(
                municipality=municipality,
                actor=actor,
                business=business,
                status=(
                    StandardizationStatus.Status.MIGRATED
                    if migrated
                    else StandardizationStatus.Status.MIGRATING
                    if planned.year < 2027
                    else StandardizationStatus.Status.PLANNED
                ),
                planned_on=planned,
                migrated_on=migrated,
                target_system=system,
                special_support=special,
                note=FICTION,
            )
    # The old packages are retired when the last of their businesses has migrated.
    for system, retired in zip(old, (dt.date(2025, 12, 1), dt.date(2026, 2, 2), None), strict=True):
        if retired:
            services.system_update(
                municipality=municipality, actor=actor, system=system, retired_on=retired
            )
    for i, (name, dept, hosting, segment, cls, applic, in_scope) in enumerate(
        OTHER_SYSTEMS, start=1
    ):
        system = _system(
            municipality,
            actor,
            departments,
            f"S{i:02d}",
            name,
            dept,
            rng,
            hosting=hosting,
            network_segment=segment,
            classification=cls,
            applic_compliant=applic,
            middle_layout_in_scope=in_scope,
            middle_layout_compliant=in_scope and rng.random() < 0.55,
        )
        systems.append(system)
        by_name[name] = system
    for i, (name, dept, into, day) in enumerate(CONSOLIDATED, start=1):
        systems.append(
            _system(
                municipality,
                actor,
                departments,
                f"C{i:02d}",
                name,
                dept,
                rng,
                network_segment="lgwan",
                classification="2",
                contract_start=dt.date(2016, 4, 1),
                consolidated_on=day,
                consolidated_into=by_name[into],
            )
        )
    _costs(municipality, actor, systems, rng)
    _vulnerabilities(municipality, actor, systems, rng)
    _audits(municipality, actor, systems, rng)
    _trainings(municipality, actor)
    spec_lists_build(municipality=municipality, actor=actor)
    return len(systems)


# The specifications' lists of 業務 (Ⅴ-4 denominators). The 業務 follow the 地域情報
# プラットフォーム標準仕様 (about 26 internal business areas) and the 中間標準レイアウト仕様; the
# version names and dates are the demo's (check them against APPLIC's and J-LIS's lists).
OB = OtherBusiness
MIDDLE_LAYOUT_V1: tuple[str | tuple[str, str], ...] = (
    B.RESIDENT_REGISTER,
    OB.NON_RESIDENT_REGISTER,
    B.SEAL_REGISTRATION,
    B.ELECTORAL_ROLL,
    B.FIXED_ASSET_TAX,
    B.INDIVIDUAL_RESIDENT_TAX,
    B.CORPORATE_RESIDENT_TAX,
    B.LIGHT_VEHICLE_TAX,
    OB.TAX_COLLECTION,
    B.NATIONAL_HEALTH_INSURANCE,
    B.NATIONAL_PENSION,
    B.LATE_ELDERLY_MEDICAL,
    B.LONG_TERM_CARE,
    B.DISABILITY_WELFARE,
    B.PUBLIC_ASSISTANCE,
    B.CHILD_ALLOWANCE,
    B.CHILD_REARING_ALLOWANCE,
    OB.INFANT_MEDICAL,
    OB.SINGLE_PARENT_MEDICAL,
    OB.NURSERY,
    (B.SCHOOL_ENROLMENT, "就学（学齢簿）"),
    B.HEALTH_MANAGEMENT,
    OB.ADDRESS_BOOK,
)
APPLIC_LIST: tuple[str | tuple[str, str], ...] = (
    *MIDDLE_LAYOUT_V1,
    B.CHILD_CARE_SUPPORT,
    OB.INTEGRATED_ADDRESS,
    B.FAMILY_REGISTER,
)
SPEC_LISTS: tuple[tuple[str, str, dt.date, tuple[str | tuple[str, str], ...]], ...] = (
    (Spec.APPLIC, "V2.6", dt.date(2019, 4, 1), APPLIC_LIST),
    (Spec.MIDDLE_LAYOUT, "V1.4", dt.date(2016, 4, 1), MIDDLE_LAYOUT_V1),
    # A new version from fiscal 2026: the layout adds 子ども・子育て支援.
    (Spec.MIDDLE_LAYOUT, "V2.0", dt.date(2026, 4, 1), (*MIDDLE_LAYOUT_V1, B.CHILD_CARE_SUPPORT)),
)

# The 業務 of each system (by name) for the Ⅴ-4 KPIs: (業務 covered or None to keep them,
# 業務 whose 調達仕様書 named the 中間標準レイアウト, 業務 migrated through it). The 標準準拠
# packages of 2025-26 required the layout for the migration from the old packages.
BUSINESS_FLAGS: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...], tuple[str, ...]]] = {
    "旧住民情報システム": (
        (
            B.RESIDENT_REGISTER,
            B.SEAL_REGISTRATION,
            OB.NON_RESIDENT_REGISTER,
            B.ELECTORAL_ROLL,
            B.NATIONAL_PENSION,
        ),
        (B.RESIDENT_REGISTER, B.SEAL_REGISTRATION),
        (),
    ),
    "旧税務システム": (
        (
            B.FIXED_ASSET_TAX,
            B.INDIVIDUAL_RESIDENT_TAX,
            B.CORPORATE_RESIDENT_TAX,
            B.LIGHT_VEHICLE_TAX,
        ),
        (
            B.FIXED_ASSET_TAX,
            B.INDIVIDUAL_RESIDENT_TAX,
            B.CORPORATE_RESIDENT_TAX,
            B.LIGHT_VEHICLE_TAX,
        ),
        (B.FIXED_ASSET_TAX, B.INDIVIDUAL_RESIDENT_TAX),
    ),
    "旧福祉総合システム": (
        (
            B.LONG_TERM_CARE,
            B.CHILD_ALLOWANCE,
            B.CHILD_REARING_ALLOWANCE,
            B.CHILD_CARE_SUPPORT,
            OB.INFANT_MEDICAL,
            OB.SINGLE_PARENT_MEDICAL,
            B.HEALTH_MANAGEMENT,
        ),
        (B.LONG_TERM_CARE, B.CHILD_ALLOWANCE, OB.INFANT_MEDICAL),
        (B.LONG_TERM_CARE,),
    ),
    "住民記録システム": (
        None,
        (B.RESIDENT_REGISTER, B.SEAL_REGISTRATION),
        (B.RESIDENT_REGISTER, B.SEAL_REGISTRATION),
    ),
    "選挙システム": (None, (B.ELECTORAL_ROLL,), ()),
    "税務システム": (
        None,
        (
            B.FIXED_ASSET_TAX,
            B.INDIVIDUAL_RESIDENT_TAX,
            B.CORPORATE_RESIDENT_TAX,
            B.LIGHT_VEHICLE_TAX,
        ),
        (
            B.FIXED_ASSET_TAX,
            B.INDIVIDUAL_RESIDENT_TAX,
            B.CORPORATE_RESIDENT_TAX,
            B.LIGHT_VEHICLE_TAX,
        ),
    ),
    "国民健康保険システム": (
        None,
        (B.NATIONAL_HEALTH_INSURANCE,),
        (B.NATIONAL_HEALTH_INSURANCE,),
    ),
    "国民年金システム": (None, (B.NATIONAL_PENSION,), ()),
    "介護保険システム": (None, (B.LONG_TERM_CARE,), (B.LONG_TERM_CARE,)),
    "障害者福祉システム": (None, (B.DISABILITY_WELFARE,), ()),
    "子ども・子育て支援システム": (
        None,
        (B.CHILD_ALLOWANCE, B.CHILD_REARING_ALLOWANCE, B.CHILD_CARE_SUPPORT),
        (),
    ),
    "就学事務システム": (None, (B.SCHOOL_ENROLMENT,), (B.SCHOOL_ENROLMENT,)),
    "宛名管理システム": ((OB.ADDRESS_BOOK,), (OB.ADDRESS_BOOK,), ()),
    "団体内統合宛名システム": ((OB.INTEGRATED_ADDRESS,), (), ()),
    "収納管理システム": ((OB.TAX_COLLECTION,), (OB.TAX_COLLECTION,), (OB.TAX_COLLECTION,)),
    "滞納整理システム": ((OB.TAX_COLLECTION,), (), ()),
    "保育所入所管理システム": ((OB.NURSERY,), (), ()),
    "予防接種管理システム": ((B.HEALTH_MANAGEMENT,), (), ()),
}


def spec_lists_build(*, municipality: Municipality, actor: Any = None) -> int:
    """The specifications' lists of 業務 and the systems' 業務 with their 中間標準レイアウト
    flags (Ⅴ-4), once: a municipality that has a list already is left alone. Returns the
    number of lists added."""
    if SpecList.all_tenants.filter(municipality=municipality).exists():
        return 0
    for spec, version, valid_from, businesses in SPEC_LISTS:
        spec_services.spec_list_create(
            municipality=municipality,
            actor=actor,
            spec=spec,
            version=version,
            valid_from=valid_from,
            businesses=list(businesses),
            note=FICTION,
        )
    systems = {
        s.name: s
        for s in InformationSystem.all_tenants.filter(
            municipality=municipality, name__in=list(BUSINESS_FLAGS)
        )
    }
    for name, (covered, procurement, migration) in BUSINESS_FLAGS.items():
        system = systems.get(name)
        if system is None:
            continue
        changes: dict[str, Any] = {
            "layout_in_procurement": list(procurement),
            "layout_in_migration": list(migration),
        }
        if covered is not None:
            changes["businesses"] = list(covered)
        services.system_update(municipality=municipality, actor=actor, system=system, **changes)
    return len(SPEC_LISTS)


def _costs(
    municipality: Municipality, actor: Any, systems: list[InformationSystem], rng: random.Random
) -> None:
    for system in systems:
        base = rng.randrange(80, 2400) * 10_000
        if system.standard_compliant:
            base *= 3
        first = max(2022, system.contract_start.year if system.contract_start else 2022)
        ends = [d for d in (system.retired_on, system.consolidated_on) if d]
        last = min([2026, *[d.year if d.month >= 4 else d.year - 1 for d in ends]])
        for year in range(first, last + 1):
            amount = int(base * (1 + 0.03 * (year - 2022)) * rng.uniform(0.95, 1.05))
            services.system_cost_set(
                municipality=municipality,
                actor=actor,
                system=system,
                fiscal_year=year,
                amount_yen=amount // 1000 * 1000,
            )


def _vulnerabilities(
    municipality: Municipality, actor: Any, systems: list[InformationSystem], rng: random.Random
) -> None:
    """About two a week across the systems, from April 2025; most fixed, some late or open."""
    from kanmin.governance.models import SEVERITY_DAYS

    exposed = [s for s in systems if s.network_segment != "my_number" or rng.random() < 0.3]
    severities = [s for s, w in SEVERITY_WEIGHTS for _ in range(w)]
    day = VULN_START
    n = 0
    while day <= VULN_END:
        for _ in range(rng.choice((1, 2, 2, 3))):
            n += 1
            system = rng.choice(exposed)
            severity = rng.choice(severities)
            period = SEVERITY_DAYS[severity]
            fixed: dt.date | None = day + dt.timedelta(days=int(period * rng.uniform(0.1, 1.4)))
            if fixed is not None and (fixed > VULN_END or rng.random() < 0.06):
                fixed = None
            services.vulnerability_record(
                municipality=municipality,
                actor=actor,
                system=system,
                identifier=f"CVE-{day.year}-{rng.randrange(10000, 59999)}",
                title="デモ用の架空の脆弱性",
                severity=severity,
                found_on=day,
                fixed_on=fixed,
                source=Vulnerability.Source.SCANNER if n % 3 else Vulnerability.Source.MANUAL,
            )
        day += dt.timedelta(days=rng.choice((2, 3, 4)))


def _audits(
    municipality: Municipality, actor: Any, systems: list[InformationSystem], rng: random.Random
) -> None:
    external = services.audit_record(
        municipality=municipality,
        actor=actor,
        kind=Audit.Kind.AUDIT,
        title="令和7年度 情報セキュリティ外部監査",
        planned_on=dt.date(2025, 11, 1),
        conducted_on=dt.date(2025, 11, 18),
        auditor="架空監査法人",
        scope="マイナンバー利用事務系の基幹業務システムと庁内ネットワーク",
        systems=[s for s in systems if s.network_segment == "my_number"][:8],
    )
    self_check = services.audit_record(
        municipality=municipality,
        actor=actor,
        kind=Audit.Kind.SELF_CHECK,
        title="令和7年度 情報セキュリティ自己点検",
        planned_on=dt.date(2026, 2, 1),
        conducted_on=dt.date(2026, 2, 16),
        auditor="情報政策課",
        scope="全課（情報セキュリティポリシー遵守状況）",
    )
    services.audit_record(
        municipality=municipality,
        actor=actor,
        kind=Audit.Kind.AUDIT,
        title="令和8年度 情報セキュリティ外部監査",
        planned_on=dt.date(2027, 1, 20),
        auditor="架空監査法人",
    )
    for audit, texts in (
        (
            external,
            (
                "管理者アカウントの棚卸しが年1回実施されていない",
                "USBメモリの持出し記録に不備がある",
                "バックアップの復元テストの記録がない",
            ),
        ),
        (
            self_check,
            ("離席時の画面ロックが徹底されていない課がある", "パスワードの付箋貼付けが見られた"),
        ),
    ):
        conducted: dt.date = audit.conducted_on or VULN_START
        for i, text in enumerate(texts):
            closed = conducted + dt.timedelta(days=30 + 20 * i) if i < 2 else None
            finding = services.audit_finding_add(
                municipality=municipality,
                actor=actor,
                audit=audit,
                system=rng.choice(list(audit.systems.all()) or [None]),
                text=text,
                severity=("high", "medium", "low")[i % 3],
                follow_up="是正計画を作成し対応",
                due_on=conducted + dt.timedelta(days=90),
            )
            if closed is not None:
                services.audit_finding_close(
                    municipality=municipality, actor=actor, finding=finding, closed_on=closed
                )


def _trainings(municipality: Municipality, actor: Any) -> None:
    staff, citizen = TrainingSession.Audience.STAFF, TrainingSession.Audience.CITIZEN
    sessions = (
        ("新規採用職員 情報セキュリティ研修", "training", staff, dt.date(2025, 4, 8), 62, 64),
        (
            "全職員 情報セキュリティ研修（e-ラーニング）",
            "training",
            staff,
            dt.date(2025, 7, 1),
            1480,
            1725,
        ),
        ("管理職 情報セキュリティ研修", "training", staff, dt.date(2025, 9, 12), 118, 125),
        ("標的型攻撃メール訓練", "exercise", staff, dt.date(2025, 10, 20), 1610, 1725),
        ("CSIRT インシデント対応訓練", "exercise", staff, dt.date(2026, 1, 28), 24, 25),
        ("データ利活用研修", "training", staff, dt.date(2026, 2, 5), 45, None),
        ("新規採用職員 情報セキュリティ研修", "training", staff, dt.date(2026, 4, 7), 58, 60),
        (
            "全職員 情報セキュリティ研修（e-ラーニング）",
            "training",
            staff,
            dt.date(2026, 7, 1),
            1520,
            1730,
        ),
        ("標的型攻撃メール訓練", "exercise", staff, dt.date(2026, 10, 19), 1650, 1730),
        ("オープンデータ活用研修", "training", staff, dt.date(2026, 11, 10), 38, None),
        ("シニア向けスマホ教室（春）", "training", citizen, dt.date(2025, 5, 17), 28, None),
        ("はじめてのパソコン教室", "training", citizen, dt.date(2025, 8, 23), 19, None),
        ("こどもプログラミング教室", "training", citizen, dt.date(2025, 11, 15), 32, None),
        ("マイナポータル活用講座", "training", citizen, dt.date(2026, 2, 21), 24, None),
        ("シニア向けスマホ教室（春）", "training", citizen, dt.date(2026, 5, 16), 30, None),
    )
    for title, kind, audience, held, attended, required in sessions:
        if audience == citizen:
            topic = TrainingSession.Topic.OTHER
        elif "データ" in title:
            topic = TrainingSession.Topic.DATA_USE
        else:
            topic = TrainingSession.Topic.SECURITY
        services.training_record(
            municipality=municipality,
            actor=actor,
            title=title,
            kind=kind,
            audience=audience,
            topic=topic,
            held_on=held,
            attendees_count=attended,
            required_count=required,
            note=FICTION,
        )


def link_plan_kpis(*, municipality: Municipality, actor: Any = None) -> None:
    """Link the plan's Ⅴ/Ⅵ/Ⅳ-7 KPIs to the register's metrics (once: a KPI that already names
    a metric, or one staff unlinked and changed, is left alone)."""
    from kanmin.core.errors import NotFound
    from kanmin.governance.metrics import PLAN_METRICS
    from kanmin.plan import selectors as plan_selectors
    from kanmin.plan import services as plan_services

    try:
        plan = plan_selectors.plan_get(municipality=municipality)
    except NotFound:
        return
    for (number, name), metric in PLAN_METRICS.items():
        try:
            measure = plan_selectors.measure_get(plan=plan, number=number)
        except NotFound:
            continue
        kpi = measure.kpis.filter(name_ja=name).first()
        if kpi is None or kpi.metric:
            continue
        plan_services.kpi_update(municipality=municipality, actor=actor, kpi=kpi, metric=metric)
