"""The roles a user can hold in a municipality, each a Django group of permissions.

The groups are created and kept in step by migrations (``accounts.0002_roles`` and, for apps
added later, their own data migrations calling ``sync_role_permissions``), never by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    slug: str
    label: Any
    staff: bool
    permissions: tuple[str, ...]


PLATFORM_ADMIN = "platform_admin"
MUNICIPALITY_ADMIN = "municipality_admin"
PLAN_MANAGER = "plan_manager"
DATA_STEWARD = "data_steward"
DEPARTMENT_STAFF = "department_staff"
DISASTER_OPERATOR = "disaster_operator"
SUPPORT_REGISTER_OFFICER = "support_register_officer"
PROCEDURES_MANAGER = "procedures_manager"
COUNTER_CLERK = "counter_clerk"
ICT_GOVERNANCE = "ict_governance"
AUDITOR = "auditor"
CITIZEN = "citizen"

# The open-data catalog: every staff member sees drafts; stewards and admins manage it.
_CATALOG_VIEW = (
    "catalog.view_organization",
    "catalog.view_group",
    "catalog.view_dataset",
    "catalog.view_resource",
)
# Cross-dataset analysis (EBPM): every staff member queries the tables and keeps named views.
_CATALOG_ANALYSE = (
    "catalog.view_savedview",
    "catalog.add_savedview",
    "catalog.change_savedview",
    "catalog.delete_savedview",
)
_CATALOG_MANAGE = (
    *_CATALOG_VIEW,
    *_CATALOG_ANALYSE,
    "catalog.add_organization",
    "catalog.change_organization",
    "catalog.delete_organization",
    "catalog.add_group",
    "catalog.change_group",
    "catalog.delete_group",
    "catalog.add_dataset",
    "catalog.change_dataset",
    "catalog.delete_dataset",
    "catalog.publish_dataset",
    "catalog.add_resource",
    "catalog.change_resource",
    "catalog.delete_resource",
    # Harvesting other catalogs (issue 18).
    "catalog.view_harvestsource",
    "catalog.add_harvestsource",
    "catalog.change_harvestsource",
    "catalog.delete_harvestsource",
    "catalog.view_harvestrun",
)
_STAFF_BASE = ("core.view_municipality", "core.view_department", *_CATALOG_VIEW, *_CATALOG_ANALYSE)
# The plan: every staff member reads it; departments report; the plan manager runs it.
_PLAN_REPORT = ("plan.add_kpivalue", "plan.add_measurereview", "plan.change_measurereview")
_PLAN_MANAGE = (
    "plan.add_plan",
    "plan.change_plan",
    "plan.add_measure",
    "plan.change_measure",
    "plan.add_kpi",
    "plan.change_kpi",
    "plan.add_review",
    "plan.change_review",
    *_PLAN_REPORT,
)

# Administration: the municipality's departments, and who holds which role there.
_DEPARTMENTS_MANAGE = ("core.add_department", "core.change_department", "core.delete_department")
_MEMBERS_MANAGE = (
    "accounts.view_user",
    "accounts.add_membership",
    "accounts.change_membership",
    "accounts.delete_membership",
    "accounts.view_membership",
)

# Disaster information: the disaster operator runs stations, devices, observations and imports.
_DISASTER_MANAGE = (
    "disaster.view_station",
    "disaster.add_station",
    "disaster.change_station",
    "disaster.view_referencelevels",
    "disaster.add_referencelevels",
    "disaster.view_device",
    "disaster.add_device",
    "disaster.change_device",
    "disaster.view_observation",
    "disaster.add_observation",
    "disaster.view_importjob",
    "disaster.add_importjob",
    "disaster.view_intakerefusal",
    # 警戒レベル rules, official information, alerts, evacuation decisions (engineer "rules")
    "disaster.view_ruleset",
    "disaster.add_ruleset",
    "disaster.view_officialinfo",
    "disaster.add_officialinfo",
    "disaster.change_officialinfo",
    "disaster.view_alert",
    "disaster.change_alert",
    "disaster.view_decision",
    "disaster.add_decision",
    "disaster.add_decisionannotation",
    # Shelters, their openings and evacuee counts (engineer "shelters")
    "disaster.view_shelter",
    "disaster.add_shelter",
    "disaster.change_shelter",
    "disaster.view_shelteropening",
    "disaster.add_shelteropening",
    "disaster.change_shelteropening",
    "disaster.view_sheltercount",
    "disaster.add_sheltercount",
)

# Online procedures: every staff member reads the procedure catalog; department staff process
# their department's applications, notices and consultations (the services keep them to their
# department); the procedures manager keeps the catalog and builds forms; counter clerks issue,
# call and complete tickets.
_PROCEDURES_VIEW = ("procedures.view_procedure", "procedures.view_form")
_PROCEDURES_PROCESS = (
    *_PROCEDURES_VIEW,
    "procedures.view_submission",
    "procedures.change_submission",
    "procedures.view_attachment",
    "procedures.view_submissionevent",
    "procedures.add_submissionevent",
    "procedures.view_notice",
    "procedures.add_notice",
    "procedures.view_consultation",
    "procedures.change_consultation",
    "procedures.add_consultationmessage",
)
_PROCEDURES_MANAGE = (
    *_PROCEDURES_VIEW,
    "procedures.add_procedure",
    "procedures.change_procedure",
    "procedures.delete_procedure",
    "procedures.add_form",
    "procedures.change_form",
    "procedures.add_formversion",
    "procedures.view_formversion",
    *("procedures.view_bprchange", "procedures.add_bprchange"),  # counter: BPR changes
)
_COUNTER = (
    "procedures.view_procedure",
    "procedures.view_countervisit",
    "procedures.add_countervisit",
    "procedures.change_countervisit",
    "procedures.view_visitperiod",
)

# ICT governance (issue 19): the register of information systems is sensitive. The information
# policy division (情報政策課, the ict_governance role) keeps all of it; auditors read all of it and
# record audits; department staff read their own department's systems only (the selectors keep
# them to it: ``governance.see_all_systems`` is what lifts that limit). Nothing of it is public.
_GOVERNANCE_READ = (
    "governance.view_informationsystem",
    "governance.view_systembusiness",
    "governance.view_systemcost",
    "governance.view_standardizationstatus",
    "governance.view_vulnerability",
    "governance.view_audit",
    "governance.view_auditfinding",
)
_GOVERNANCE_OVERSEE = (
    *_GOVERNANCE_READ,
    "governance.see_all_systems",
    "governance.view_incident",
    "governance.view_incidentevent",
    "governance.view_trainingsession",
    "governance.view_trainingattendance",
)
_GOVERNANCE_AUDIT = (
    *_GOVERNANCE_OVERSEE,
    "governance.add_audit",
    "governance.change_audit",
    "governance.add_auditfinding",
    "governance.change_auditfinding",
)
_GOVERNANCE_MANAGE = (
    *_GOVERNANCE_AUDIT,
    "governance.add_informationsystem",
    "governance.change_informationsystem",
    "governance.delete_informationsystem",
    "governance.add_systemcost",
    "governance.change_systemcost",
    "governance.delete_systemcost",
    "governance.add_standardizationstatus",
    "governance.change_standardizationstatus",
    "governance.add_vulnerability",
    "governance.change_vulnerability",
    "governance.delete_audit",
    "governance.delete_auditfinding",
    "governance.add_incident",
    "governance.change_incident",
    "governance.add_incidentevent",
    "governance.add_trainingsession",
    "governance.change_trainingsession",
    "governance.delete_trainingsession",
    "governance.add_trainingattendance",
    "governance.delete_trainingattendance",
)

ROLES: tuple[Role, ...] = (
    Role(
        PLATFORM_ADMIN,
        _("Platform administrator"),
        True,
        (
            "core.add_municipality",
            "core.change_municipality",
            "core.view_municipality",
            *_DEPARTMENTS_MANAGE,
            "core.view_department",
            *_MEMBERS_MANAGE,
            "audit.view_auditevent",
            "audit.verify_chain",
            "audit.review_auditevent",
            *_PLAN_MANAGE,
            *_CATALOG_MANAGE,
            *_DISASTER_MANAGE,
            *_PROCEDURES_PROCESS,
            *_PROCEDURES_MANAGE,
            *_COUNTER,
            *_GOVERNANCE_MANAGE,
        ),
    ),
    Role(
        MUNICIPALITY_ADMIN,
        _("Municipality administrator"),
        True,
        (
            *_STAFF_BASE,
            "core.change_municipality",
            *_DEPARTMENTS_MANAGE,
            *_MEMBERS_MANAGE,
            "audit.view_auditevent",
            *_PLAN_MANAGE,
            *_CATALOG_MANAGE,
            *_DISASTER_MANAGE,
            *_PROCEDURES_PROCESS,
            *_PROCEDURES_MANAGE,
            *_COUNTER,
            *_GOVERNANCE_MANAGE,
        ),
    ),
    Role(PLAN_MANAGER, _("Plan manager (情報政策課)"), True, (*_STAFF_BASE, *_PLAN_MANAGE)),
    Role(DATA_STEWARD, _("Data steward"), True, (*_STAFF_BASE, *_PLAN_REPORT, *_CATALOG_MANAGE)),
    Role(
        DEPARTMENT_STAFF,
        _("Department staff"),
        True,
        (*_STAFF_BASE, *_PLAN_REPORT, *_PROCEDURES_PROCESS, *_GOVERNANCE_READ),
    ),
    Role(DISASTER_OPERATOR, _("Disaster operator"), True, (*_STAFF_BASE, *_DISASTER_MANAGE)),
    Role(SUPPORT_REGISTER_OFFICER, _("Support-register officer"), True, _STAFF_BASE),
    Role(
        PROCEDURES_MANAGER,
        _("Procedures manager"),
        True,
        (*_STAFF_BASE, *_PROCEDURES_PROCESS, *_PROCEDURES_MANAGE, *_COUNTER),
    ),
    Role(COUNTER_CLERK, _("Counter clerk (窓口)"), True, (*_STAFF_BASE, *_COUNTER)),
    Role(
        ICT_GOVERNANCE,
        _("ICT governance (情報政策課)"),
        True,
        (*_STAFF_BASE, *_GOVERNANCE_MANAGE),
    ),
    Role(
        AUDITOR,
        _("Auditor"),
        True,
        (
            *_STAFF_BASE,
            "audit.view_auditevent",
            "audit.verify_chain",
            # The municipality's audit log page and its CSV export (security events included).
            "audit.review_auditevent",
            *_GOVERNANCE_AUDIT,
        ),
    ),
    Role(CITIZEN, _("Citizen"), False, ()),
)

BY_SLUG = {role.slug: role for role in ROLES}
ROLE_CHOICES = [(role.slug, role.label) for role in ROLES]


def group_name(slug: str) -> str:
    return f"kanmin:{slug}"


def sync_role_permissions(apps: Any, schema_editor: Any = None) -> None:
    """Create each role's group and give it exactly its declared permissions.

    Written for migrations (historical models through ``apps``); creates missing permission
    rows itself, since Django adds permissions only after all migrations have run.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=group_name(role.slug))
        perms = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            action, _sep, model_name = codename.partition("_")
            if action not in {"add", "change", "delete", "view"}:
                model_name = _custom_permission_model(dotted)
            try:
                apps.get_model(app_label, model_name)
            except LookupError:
                continue  # the app that owns it is not migrated yet; its migration adds it
            content_type, _ = content_type_model.objects.get_or_create(
                app_label=app_label, model=model_name
            )
            perm, _ = permission_model.objects.get_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": codename.replace("_", " ").capitalize()},
            )
            perms.append(perm)
        group.permissions.set(perms)


# Custom permissions (not add/change/delete/view) and the model that declares them.
CUSTOM_PERMISSION_MODELS = {
    "audit.verify_chain": "auditevent",
    "audit.review_auditevent": "auditevent",
    "catalog.publish_dataset": "dataset",
    "governance.see_all_systems": "informationsystem",
}


def _custom_permission_model(dotted: str) -> str:
    return CUSTOM_PERMISSION_MODELS[dotted]
