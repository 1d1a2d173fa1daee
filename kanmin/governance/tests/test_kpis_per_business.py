"""The Ⅴ-4 KPIs per 業務 (地域情報プラットフォーム準拠製品の導入率, 中間標準レイアウト仕様の
調達仕様書への記載率 and …によるデータ移行の実施率) on a small hand-made register: the
expected numerators and denominators are worked out here from the rows the test makes, the
list counted is the version valid on 31 March, and a frozen figure keeps its list."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kanmin.audit.models import AuditEvent
from kanmin.core.errors import Invalid, PermissionDenied
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import kpi_services, kpis, services, spec_services
from kanmin.governance.kpi_models import KpiFigure
from kanmin.governance.models import InformationSystem, SystemBusiness
from kanmin.governance.spec_models import Spec, SpecList
from kanmin.governance.tests.factories import system

pytestmark = pytest.mark.django_db

FY = FiscalYear(2025)  # 2025-04-01 .. 2026-03-31
LATER = dt.date(2027, 1, 1)  # FY2025 and FY2026 are closed
KEYS = ("applic_business_rate", "layout_procurement_rate", "layout_migration_rate")

APPLIC = ["resident_register", "seal_registration", "fixed_asset_tax", "tax_collection"]
LAYOUT = ["resident_register", "fixed_asset_tax", "long_term_care"]

# The register: code -> (in operation on 2026-03-31, 地プラ準拠, {業務: (調達仕様書, 移行)}).
SYSTEMS: dict[str, tuple[bool, bool, dict[str, tuple[bool, bool]]]] = {
    "JUKI": (True, True, {"resident_register": (True, True), "seal_registration": (False, False)}),
    "ZEI": (True, False, {"fixed_asset_tax": (True, False)}),
    "KAIGO": (True, True, {"long_term_care": (False, True)}),
    # Retired on 2025-10-01: none of its 業務 counts on 31 March.
    "OLD": (False, True, {"tax_collection": (True, True), "fixed_asset_tax": (False, True)}),
    # 保育 is in neither list: covered, flagged, never counted.
    "HOIKU": (True, True, {"nursery": (True, True)}),
}


def _make_register(m: Any) -> None:
    for code, (in_operation, applic, links) in SYSTEMS.items():
        system(
            m,
            code,
            applic_compliant=applic,
            retired_on=None if in_operation else dt.date(2025, 10, 1),
            businesses=list(links),
            layout_in_procurement=[b for b, (proc, _mig) in links.items() if proc],
            layout_in_migration=[b for b, (_proc, mig) in links.items() if mig],
        )


def _lists(m: Any) -> None:
    spec_services.spec_list_create(
        municipality=m,
        actor=None,
        spec=Spec.APPLIC,
        version="V2.6",
        valid_from=dt.date(2019, 4, 1),
        businesses=APPLIC,
    )
    spec_services.spec_list_create(
        municipality=m,
        actor=None,
        spec=Spec.MIDDLE_LAYOUT,
        version="V1.4",
        valid_from=dt.date(2016, 4, 1),
        businesses=LAYOUT,
    )


def _expected(listed: list[str], counts: Any) -> tuple[Decimal | None, int, int]:
    """The rate, numerator and denominator over ``listed``: a 業務 counts when a system in
    operation on 31 March covers it and ``counts(system's 地プラ, (調達, 移行))`` holds."""
    covered = {
        business
        for in_operation, applic, links in SYSTEMS.values()
        if in_operation
        for business, flags in links.items()
        if business in listed and counts(applic, flags)
    }
    rate = (Decimal(100) * len(covered) / len(listed)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return rate, len(covered), len(listed)


def _nd(figure: kpis.Figure) -> tuple[Any, Any, Any]:
    return figure.value, figure.numerator, figure.denominator


def _figure(m: Any, key: str, fy: FiscalYear = FY) -> kpis.Figure:
    return kpis.kpi_figure(key, municipality=m, fiscal_year=fy, today=LATER)


@pytest.fixture
def register(miyakonojo: Any, miyazaki: Any) -> Any:
    _make_register(miyakonojo)
    _lists(miyakonojo)
    # Another municipality's register and lists never count.
    system(
        miyazaki,
        "X",
        applic_compliant=True,
        businesses=["seal_registration", "long_term_care"],
        layout_in_procurement=["long_term_care"],
        layout_in_migration=["long_term_care"],
    )
    return miyakonojo


def test_each_kpi_counts_the_listed_businesses_covered_on_31_march(register: Any) -> None:
    m = register
    applic = _expected(APPLIC, lambda applic, flags: applic)
    procurement = _expected(LAYOUT, lambda applic, flags: flags[0])
    migration = _expected(LAYOUT, lambda applic, flags: flags[1])
    assert _nd(_figure(m, "applic_business_rate")) == applic
    assert _nd(_figure(m, "layout_procurement_rate")) == procurement
    assert _nd(_figure(m, "layout_migration_rate")) == migration
    # The worked example the expectations above must agree with (JUKI covers 住民基本台帳 and
    # 印鑑登録 with a 地プラ product; OLD, retired, no longer counts 収滞納管理).
    assert applic[1:] == (2, 4)
    assert procurement[1:] == (2, 3) and migration[1:] == (2, 3)
    figure = _figure(m, "layout_migration_rate")
    assert figure.spec_list == "中間標準レイアウト仕様 V1.4 (2016-04-01)"
    assert figure.definition_version == "V4-layout-migration-rate/2026-1"


def test_the_per_system_definitions_are_unchanged(register: Any) -> None:
    """platform_rate still counts systems in operation (4: JUKI, ZEI, KAIGO, HOIKU)."""
    in_operation = [s for s in SYSTEMS.values() if s[0]]
    compliant = [s for s in in_operation if s[1]]
    _value, numerator, denominator = _nd(_figure(register, "platform_rate"))
    assert (numerator, denominator) == (len(compliant), len(in_operation))
    assert _figure(register, "platform_rate").spec_list is None


def test_no_list_no_rate(miyakonojo: Any) -> None:
    _make_register(miyakonojo)
    for key in KEYS:
        figure = _figure(miyakonojo, key)
        assert figure.value is None and figure.denominator == 0 and figure.spec_list is None


def test_the_list_valid_on_31_march_is_counted(register: Any) -> None:
    """A version valid from 1 April 2026 counts from fiscal 2026, not in fiscal 2025; one
    valid from 31 March 2026 already counts in fiscal 2025."""
    m = register
    spec_services.spec_list_create(
        municipality=m,
        actor=None,
        spec=Spec.MIDDLE_LAYOUT,
        version="V2.0",
        valid_from=dt.date(2026, 4, 1),
        businesses=[*LAYOUT, "seal_registration"],
    )
    assert _figure(m, "layout_procurement_rate").denominator == len(LAYOUT)
    fy2026 = _figure(m, "layout_procurement_rate", FiscalYear(2026))
    assert fy2026.denominator == len(LAYOUT) + 1
    assert "V2.0" in fy2026.spec_list
    spec_services.spec_list_create(
        municipality=m,
        actor=None,
        spec=Spec.APPLIC,
        version="V2.7",
        valid_from=dt.date(2026, 3, 31),
        businesses=APPLIC[:2],
    )
    assert _figure(m, "applic_business_rate").denominator == 2


def test_a_new_list_version_does_not_change_a_frozen_figure(register: Any) -> None:
    m = register
    kpi_services.kpi_figures_freeze(municipality=m, fiscal_year=FY, today=LATER)
    before = {key: _nd(_figure(m, key)) for key in KEYS}
    row = KpiFigure.all_tenants.select_related("spec_list").get(
        municipality=m, fiscal_year=2025, kpi="layout_procurement_rate"
    )
    assert row.spec_list.version == "V1.4"
    assert row.definition_version == "V4-layout-procurement-rate/2026-1"
    # The specification gets a new list valid for fiscal 2025 too, and the register changes.
    spec_services.spec_list_create(
        municipality=m,
        actor=None,
        spec=Spec.MIDDLE_LAYOUT,
        version="V1.5",
        valid_from=dt.date(2025, 4, 1),
        businesses=LAYOUT[:1],
    )
    SystemBusiness.all_tenants.filter(municipality=m).update(
        layout_in_procurement=True, layout_in_migration=True
    )
    after = {key: _nd(_figure(m, key)) for key in KEYS}
    assert after == before
    frozen = _figure(m, "layout_procurement_rate")
    assert frozen.frozen and "V1.4" in frozen.spec_list
    live = kpis.kpi_compute(
        kpis.definition_get("layout_procurement_rate"), municipality=m, fiscal_year=FY, today=LATER
    )
    assert _nd(live) == (Decimal("100.0"), 1, 1) and "V1.5" in live.spec_list
    # The list a frozen figure counted cannot be deleted.
    from django.db.models.deletion import RestrictedError

    with pytest.raises(RestrictedError):
        SpecList.all_tenants.get(municipality=m, version="V1.4").delete()


def test_the_command_prints_the_kpis_with_their_list(register: Any) -> None:
    out = StringIO()
    call_command(
        "governance_kpis",
        municipality="452025",
        fiscal_year="令和7年度",
        format="json",
        stdout=out,
    )
    by_key = {k["kpi"]: k for k in json.loads(out.getvalue())["kpis"]}
    procurement = by_key["layout_procurement_rate"]
    expected = _expected(LAYOUT, lambda applic, flags: flags[0])
    assert procurement["numerator"] == expected[1]
    assert procurement["denominator"] == expected[2]
    assert procurement["measure"] == "Ⅴ-4"
    assert procurement["name"] == "中間標準レイアウト仕様の調達仕様書への記載率"
    assert procurement["definition_version"] == "V4-layout-procurement-rate/2026-1"
    assert procurement["denominator_list"] == "中間標準レイアウト仕様 V1.4 (2016-04-01)"
    assert by_key["applic_business_rate"]["denominator"] == len(APPLIC)
    assert by_key["layout_migration_rate"]["definition_version"] == (
        "V4-layout-migration-rate/2026-1"
    )
    assert by_key["platform_rate"]["denominator_list"] is None


def test_a_layout_flag_needs_the_business_covered(miyakonojo: Any, policy: Any) -> None:
    created = system(miyakonojo, "A", businesses=["resident_register"])
    with pytest.raises(Invalid) as caught:
        services.system_update(
            municipality=miyakonojo,
            actor=policy,
            system=created,
            layout_in_procurement=["fixed_asset_tax"],
        )
    assert "固定資産税" in str(caught.value.fields["layout_in_procurement"][0])
    services.system_update(
        municipality=miyakonojo,
        actor=policy,
        system=created,
        businesses=["resident_register", "address_book"],
        layout_in_migration=["address_book"],
    )
    links = {b.business: b for b in SystemBusiness.all_tenants.filter(system=created)}
    assert links["address_book"].layout_in_migration is True
    assert links["resident_register"].layout_in_migration is False
    entry = AuditEvent.objects.filter(action="governance.system.update").latest("id")
    assert "address_book" in str(entry.changes)
    # Dropping a 業務 drops its flags; the others are kept when not given.
    services.system_update(
        municipality=miyakonojo, actor=policy, system=created, businesses=["resident_register"]
    )
    assert list(
        SystemBusiness.all_tenants.filter(system=created).values_list("business", flat=True)
    ) == ["resident_register"]


def test_a_list_is_checked_and_recorded(miyakonojo: Any, policy: Any, auditor: Any) -> None:
    with pytest.raises(Invalid) as caught:
        spec_services.spec_list_create(
            municipality=miyakonojo,
            actor=policy,
            spec=Spec.APPLIC,
            version="",
            valid_from=dt.date(2019, 4, 1),
            businesses=["住民基本台帳", "存在しない業務", "住民基本台帳"],
        )
    assert set(caught.value.fields) == {"version", "businesses"}
    created = spec_services.spec_list_create(
        municipality=miyakonojo,
        actor=policy,
        spec=Spec.APPLIC,
        version="V2.6",
        valid_from=dt.date(2019, 4, 1),
        businesses=["住民基本台帳", ("school_enrolment", "就学（学齢簿）"), "tax_collection"],
    )
    assert [(b.business, b.name) for b in created.businesses.all()] == [
        ("resident_register", "住民基本台帳"),
        ("school_enrolment", "就学（学齢簿）"),
        ("tax_collection", "収滞納管理"),
    ]
    assert AuditEvent.objects.filter(action="governance.spec_list.create").count() == 1
    with pytest.raises(Invalid) as again:
        spec_services.spec_list_create(
            municipality=miyakonojo,
            actor=policy,
            spec=Spec.APPLIC,
            version="V2.6",
            valid_from=dt.date(2019, 4, 1),
            businesses=["住民基本台帳"],
        )
    assert set(again.value.fields) == {"version", "valid_from"}
    with pytest.raises(PermissionDenied):
        spec_services.spec_list_create(
            municipality=miyakonojo,
            actor=auditor,
            spec=Spec.APPLIC,
            version="V2.7",
            valid_from=dt.date(2024, 4, 1),
            businesses=["住民基本台帳"],
        )


def _unmarked_japanese(html: str) -> list[str]:
    """Text in Japanese script outside any element marked ``lang="ja"`` (in the body)."""
    from html.parser import HTMLParser

    from kanmin.core.language import has_japanese

    found: list[str] = []

    class Walk(HTMLParser):
        stack: list[tuple[str, bool]] = []
        in_body = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "body":
                self.in_body = True
            if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
                return
            lang = dict(attrs).get("lang")
            inherited = self.stack[-1][1] if self.stack else False
            self.stack.append((tag, (lang or "").startswith("ja") if lang else inherited))

        def handle_endtag(self, tag: str) -> None:
            while self.stack:
                if self.stack.pop()[0] == tag:
                    break

        def handle_data(self, data: str) -> None:
            marked = self.stack[-1][1] if self.stack else False
            if self.in_body and not marked and has_japanese(data):
                found.append(data.strip())

    Walk().feed(html)
    return found


def _client(user: Any = None, language: str = "ja") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def test_staff_see_the_lists_and_others_do_not(
    register: Any, policy: Any, make_user: Any, miyazaki: Any
) -> None:
    url = "/m/452025/governance/spec-lists/"
    page = _client(policy).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "中間標準レイアウト仕様" in body and "V1.4" in body and "収滞納管理" in body
    english = _client(policy, "en").get(url).content.decode()
    assert "Valid from 2016-04-01: 3 businesses" in english
    assert _unmarked_japanese(english) == []
    assert _client().get(url).status_code == 302
    steward = make_user("steward", "data_steward", register)
    assert _client(steward).get(url).status_code == 403
    other = make_user("miyazaki-joho", "ict_governance", miyazaki)
    assert _client(other).get(url).status_code == 404


def test_the_edit_page_sets_the_layout_flags(register: Any, policy: Any) -> None:
    url = "/m/452025/governance/systems/ZEI/edit/"
    form = _client(policy).get(url)
    assert form.status_code == 200
    assert 'name="layout_in_procurement"' in form.content.decode()
    data = {
        "name": "システム ZEI",
        "hosting": "on_premises",
        "network_segment": "my_number",
        "classification": "3",
        "middle_layout_in_scope": "on",
        "businesses": ["fixed_asset_tax", "tax_collection"],
        "layout_in_procurement": ["fixed_asset_tax", "tax_collection"],
        "layout_in_migration": ["long_term_care"],  # not covered: refused
    }
    refused = _client(policy).post(url, data)
    assert refused.status_code == 422
    data["layout_in_migration"] = ["tax_collection"]
    assert _client(policy).post(url, data).status_code == 302
    zei = InformationSystem.all_tenants.get(municipality=register, code="ZEI")
    flags = {
        b.business: (b.layout_in_procurement, b.layout_in_migration) for b in zei.businesses.all()
    }
    assert flags == {"fixed_asset_tax": (True, False), "tax_collection": (True, True)}
    detail = _client(policy).get("/m/452025/governance/systems/ZEI/").content.decode()
    assert "収滞納管理" in detail


def test_the_dashboard_shows_the_list_counted(register: Any, policy: Any) -> None:
    body = _client(policy).get("/m/452025/governance/dashboard/?fy=2025").content.decode()
    assert "V4-applic-business-rate/2026-1" in body
    assert "地域情報プラットフォーム標準仕様 V2.6 (2019-04-01)" in body
    assert "中間標準レイアウト仕様の調達仕様書への記載率" in body


def test_a_new_list_version_from_the_page(register: Any, policy: Any, auditor: Any) -> None:
    """Staff who keep the register add a version, starting from an old one; auditors only
    read; a version already taken is refused on the form."""
    current = SpecList.all_tenants.get(municipality=register, spec=Spec.MIDDLE_LAYOUT)
    url = "/m/452025/governance/spec-lists/new/"
    assert _client(auditor).get(url).status_code == 403
    start = _client(policy).get(f"{url}?from={current.pk}").content.decode()
    assert 'value="long_term_care" id="id_businesses_' in start
    assert start.count("checked") == len(LAYOUT)
    data = {
        "spec": Spec.MIDDLE_LAYOUT,
        "version": "V1.4",
        "valid_from": "2026-04-01",
        "businesses": [*LAYOUT, "tax_collection"],
    }
    taken = _client(policy, "en").post(url, data)
    assert taken.status_code == 422
    assert "exists already" in taken.content.decode()
    data["version"] = "V2.0"
    assert _client(policy).post(url, data).status_code == 302
    new = SpecList.all_tenants.get(municipality=register, version="V2.0")
    assert sorted(new.businesses.values_list("business", flat=True)) == sorted(
        [*LAYOUT, "tax_collection"]
    )
    assert _figure(register, "layout_procurement_rate", FiscalYear(2026)).denominator == 4
    assert _figure(register, "layout_procurement_rate").denominator == len(LAYOUT)
