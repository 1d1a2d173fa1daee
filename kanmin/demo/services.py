"""Build the demo through the apps' services; running it twice changes nothing."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import User
from kanmin.catalog import selectors as catalog_selectors
from kanmin.catalog import services as catalog_services
from kanmin.core import selectors as core_selectors
from kanmin.core import services as core_services
from kanmin.core.errors import NotFound
from kanmin.core.models import Department, Municipality
from kanmin.demo import data
from kanmin.demo.catalog import CONTACT_EMAIL, catalog_build
from kanmin.demo.counter import counter_build  # counter
from kanmin.demo.disaster import disaster_build, record_demo_decisions, shelters_build
from kanmin.demo.governance import (  # governance (issue 19)
    governance_build,
    link_plan_kpis,
    spec_lists_build,
)
from kanmin.demo.notices import resident_build  # notices
from kanmin.demo.procedures import procedures_build  # procedure catalog (proccat)
from kanmin.demo.procedures_apply import apply_forms_build  # apply (issue 16)
from kanmin.plan import selectors as plan_selectors
from kanmin.plan import services as plan_services


@dataclass(frozen=True)
class DemoLogin:
    usernames: list[str]
    password: str
    municipality: Municipality


def demo_password() -> str:
    """One password for the demo users, generated once and kept in the data folder."""
    path = Path(settings.DATA_DIR) / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


@transaction.atomic
def demo_build(*, actor: Any = None, password: str | None = None) -> DemoLogin:
    """Create the demo municipality, departments and users; ``actor`` None is the system."""
    password = password or demo_password()
    try:
        municipality = core_selectors.municipality_get(lg_code=data.MUNICIPALITY["lg_code"])
    except NotFound:
        municipality = core_services.municipality_create(
            actor=actor, area=data.MUNICIPALITY_AREA, **data.MUNICIPALITY
        )
    existing = set(
        core_selectors.department_list(municipality=municipality).values_list("code", flat=True)
    )
    by_code: dict[str, Department] = {
        d.code: d for d in core_selectors.department_list(municipality=municipality)
    }
    for order, (code, name_ja, name_en, parent) in enumerate(data.DEPARTMENTS):
        if code in existing:
            continue
        by_code[code] = core_services.department_create(
            municipality=municipality,
            actor=actor,
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            parent=by_code[parent] if parent else None,
            sort_order=order * 10,
        )
    usernames = []
    for username, role, department in data.USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts_services.user_create(
                actor=actor,
                municipality=municipality,
                username=username,
                password=password,
                check_password=False,
            )
        elif not user.check_password(password):
            accounts_services.user_set_password(
                actor=actor, user=user, password=password, check_password=False
            )
        accounts_services.membership_grant(
            municipality=None if role == "platform_admin" else municipality,
            actor=actor,
            user=user,
            role=role,
            department=by_code.get(department) if department else None,
        )
        usernames.append(username)
    _demo_plan(actor=actor, municipality=municipality, departments=by_code)
    catalog_build(municipality=municipality, actor=actor, departments=by_code)
    disaster_build(municipality=municipality, actor=actor)
    record_demo_decisions(municipality=municipality, actor=actor)
    shelters_build(municipality=municipality, actor=actor)
    # --- procedure catalog (proccat): before the registered datasets, so that the catalog's
    # dataset is published by its unit with its category.
    procedures_build(municipality=municipality, actor=actor)
    _demo_registered_datasets(actor=actor, municipality=municipality)
    # counter: a generated month of counter visits (March 2026) and a BPR change.
    counter_build(municipality=municipality, actor=actor, departments=by_code)
    # apply: the residents' application forms (issue 16).
    apply_forms_build(municipality=municipality, actor=actor)
    # governance: the ICT register and the plan's Ⅴ/Ⅵ KPIs computed from it (issue 19).
    governance_build(municipality=municipality, actor=actor, departments=by_code)
    spec_lists_build(municipality=municipality, actor=actor)  # a register built before Ⅴ-4
    link_plan_kpis(municipality=municipality, actor=actor)
    # notices: the demo resident with notices and a consultation
    usernames.append(
        resident_build(
            municipality=municipality, actor=actor, password=password, departments=by_code
        )
    )
    return DemoLogin(usernames, password, municipality)


# Who publishes each app's table in the demo, and its category (what staff would choose:
# the sync's own publishing unit is only a holding place).
REGISTERED_PUBLISHERS = dict.fromkeys(
    (
        "disaster.evacuation_orders",
        "disaster.evacuation_spaces",
        "disaster.designated_shelters",
        "disaster.shelter_openings",
    ),
    ("kiki-kanri", "bosai"),
)
# --- procedure catalog (proccat): the 手続一覧, kept by the plan's secretariat.
REGISTERED_PUBLISHERS["procedures.procedures"] = ("jouhou-seisaku", "gyosei-tokei")


def _demo_registered_datasets(*, actor: Any, municipality: Municipality) -> None:
    """The tables the apps offer (the evacuation orders …) as datasets of the catalog."""
    organizations = {}
    for provider, (org_name, _group) in REGISTERED_PUBLISHERS.items():
        try:
            organizations[provider] = catalog_selectors.organization_get(
                municipality=municipality, id_or_name=org_name
            )
        except NotFound:
            continue
    report = catalog_services.registered_datasets_sync(
        municipality=municipality, actor=actor, organizations=organizations
    )
    for name in report.created:
        dataset = catalog_selectors.dataset_for_edit(municipality=municipality, id_or_name=name)
        _org, group = REGISTERED_PUBLISHERS.get(dataset.provider, ("", ""))
        groups = [
            g for g in catalog_selectors.group_list(municipality=municipality) if g.name == group
        ]
        catalog_services.dataset_patch(
            municipality=municipality,
            actor=actor,
            dataset=dataset,
            groups=groups,
            contact_name=dataset.organization.title_ja,
            contact_email=CONTACT_EMAIL,
        )


def _demo_plan(
    *, actor: Any, municipality: Municipality, departments: dict[str, Department]
) -> None:
    """Load the city's plan from its data file, with illustrative figures for a few KPIs."""
    try:
        plan_selectors.plan_get(municipality=municipality)
        return
    except NotFound:
        pass
    source = json.loads(data.PLAN_FILE.read_text(encoding="utf-8"))
    source.setdefault("first_fiscal_year", data.PLAN_FIRST_FISCAL_YEAR)
    plan = plan_services.plan_load(municipality=municipality, actor=actor, data=source)
    for number, codes in data.PLAN_DEPARTMENTS.items():
        measure = plan_selectors.measure_get(plan=plan, number=number)
        plan_services.measure_update(
            municipality=municipality,
            actor=actor,
            measure=measure,
            departments=[departments[c] for c in codes],
        )
    for (number, kpi_name), metric_name in data.PLAN_METRICS.items():
        measure = plan_selectors.measure_get(plan=plan, number=number)
        plan_services.kpi_update(
            municipality=municipality,
            actor=actor,
            kpi=measure.kpis.get(name_ja=kpi_name),
            metric=metric_name,
        )
    for (number, kpi_name), series in data.PLAN_FIGURES.items():
        measure = plan_selectors.measure_get(plan=plan, number=number)
        kpi = measure.kpis.get(name_ja=kpi_name)
        for kind in ("target", "actual"):
            for year, value in series[kind].items():
                plan_services.kpi_value_record(
                    municipality=municipality,
                    actor=actor,
                    kpi=kpi,
                    kind=kind,
                    fiscal_year=year,
                    value=value,
                    comment="デモ用の数値（架空）",
                )
