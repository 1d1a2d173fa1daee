from django.urls import URLPattern, path

from kanmin.governance import (
    audit_views,
    incident_views,
    spec_views,
    training_views,
    views,
    vulnerability_views,
)

app_name = "governance"

# Inside a municipality (under /m/<code>/, or at the root in single-tenant mode). Staff only.
tenant_urlpatterns: list[URLPattern] = [
    path("governance/systems/", views.system_list, name="system_list"),
    path("governance/systems/new/", views.system_new, name="system_new"),
    path("governance/systems/import/", views.systems_import, name="systems_import"),
    path(
        "governance/systems/information_systems.xlsx",
        views.systems_export,
        name="systems_export",
    ),
    path("governance/spec-lists/", spec_views.spec_lists, name="spec_lists"),
    path("governance/spec-lists/new/", spec_views.spec_list_new, name="spec_list_new"),
    path("governance/systems/<str:code>/", views.system_detail, name="system_detail"),
    path("governance/systems/<str:code>/edit/", views.system_edit, name="system_edit"),
    path("governance/systems/<str:code>/costs/", views.system_cost, name="system_cost"),
    # Vulnerabilities (vulnerability_views.py)
    path(
        "governance/vulnerabilities/",
        vulnerability_views.vulnerability_list,
        name="vulnerability_list",
    ),
    path(
        "governance/vulnerabilities/new/",
        vulnerability_views.vulnerability_new,
        name="vulnerability_new",
    ),
    path(
        "governance/vulnerabilities/import/",
        vulnerability_views.vulnerabilities_import,
        name="vulnerabilities_import",
    ),
    path(
        "governance/vulnerabilities/<int:pk>/",
        vulnerability_views.vulnerability_detail,
        name="vulnerability_detail",
    ),
    path(
        "governance/vulnerabilities/<int:pk>/fix/",
        vulnerability_views.vulnerability_fix,
        name="vulnerability_fix",
    ),
    # end of vulnerabilities
    # Audits and self-checks (audit_views.py)
    path("governance/audits/", audit_views.audit_list, name="audit_list"),
    path("governance/audits/new/", audit_views.audit_new, name="audit_new"),
    path("governance/audits/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
    path("governance/audits/<int:pk>/edit/", audit_views.audit_edit, name="audit_edit"),
    path(
        "governance/audits/<int:pk>/findings/",
        audit_views.audit_finding_add,
        name="audit_finding_add",
    ),
    path(
        "governance/audits/<int:pk>/findings/<int:finding_pk>/close/",
        audit_views.audit_finding_close,
        name="audit_finding_close",
    ),
    path(
        "governance/audits/<int:pk>/findings/<int:finding_pk>/reopen/",
        audit_views.audit_finding_reopen,
        name="audit_finding_reopen",
    ),
    # Incidents (incident_views.py)
    path("governance/incidents/", incident_views.incident_list, name="incident_list"),
    path("governance/incidents/new/", incident_views.incident_new, name="incident_new"),
    path("governance/incidents/<int:pk>/", incident_views.incident_detail, name="incident_detail"),
    path(
        "governance/incidents/<int:pk>/events/",
        incident_views.incident_event_add,
        name="incident_event_add",
    ),
    path(
        "governance/incidents/<int:pk>/close/",
        incident_views.incident_close,
        name="incident_close",
    ),
    # Trainings and exercises (training_views.py)
    path("governance/trainings/", training_views.training_list, name="training_list"),
    path("governance/trainings/new/", training_views.training_new, name="training_new"),
    path("governance/trainings/<int:pk>/", training_views.training_detail, name="training_detail"),
    path("governance/trainings/<int:pk>/edit/", training_views.training_edit, name="training_edit"),
    path(
        "governance/trainings/<int:pk>/attendance/",
        training_views.training_attendance,
        name="training_attendance",
    ),
]
