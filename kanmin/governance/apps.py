from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "kanmin.governance"
    label = "governance"
    verbose_name = _("ICT governance")

    def ready(self) -> None:
        # The register's staff pages on the staff home page (nothing of it is public).
        from kanmin.core import staff_actions
        from kanmin.governance import metrics  # noqa: F401  (registers the plan's KPIs)

        staff_actions.register(
            "governance.systems",
            group="governance",
            title=_("Information systems register"),
            text=_(
                "Every information system: owner department, vendor, core businesses, hosting, "
                "network segment, contracts, costs, compliance. Export to Excel and import back."
            ),
            url="governance:system_list",
            permission="governance.view_informationsystem",
            order=10,
        )
        staff_actions.register(
            "governance.systems_import",
            group="governance",
            title=_("Import the systems register"),
            text=_("The exported Excel workbook, edited: all rows or none."),
            url="governance:systems_import",
            permission="governance.change_informationsystem",
            order=11,
        )
        # Vulnerabilities (vulnerability_views.py)
        staff_actions.register(
            "governance.vulnerabilities",
            group="governance",
            title=_("Vulnerabilities"),
            text=_(
                "Open, overdue and fixed vulnerabilities of the systems, with their due dates; "
                "record one, mark one fixed."
            ),
            url="governance:vulnerability_list",
            permission="governance.view_vulnerability",
            order=20,
        )
        staff_actions.register(
            "governance.vulnerabilities_import",
            group="governance",
            title=_("Import a scanner’s CSV"),
            text=_("A vulnerability scanner's findings: all rows or none."),
            url="governance:vulnerabilities_import",
            permission="governance.add_vulnerability",
            order=21,
        )
        # Audits, incidents, trainings (audit_views.py, incident_views.py, training_views.py)
        staff_actions.register(
            "governance.audits",
            group="governance",
            title=_("Audits and self-checks"),
            text=_(
                "Audits and self-checks by year, their findings and follow-up; findings past "
                "their due date stand out."
            ),
            url="governance:audit_list",
            permission="governance.view_audit",
            order=30,
        )
        staff_actions.register(
            "governance.incidents",
            group="governance",
            title=_("Incidents"),
            text=_("Incidents handled by the CSIRT, open ones first, each with its timeline."),
            url="governance:incident_list",
            permission="governance.view_incident",
            order=40,
        )
        staff_actions.register(
            "governance.trainings",
            group="governance",
            title=_("Trainings and exercises"),
            text=_(
                "Security trainings, incident-response exercises and courses for citizens, per "
                "fiscal year, with who of the staff attended."
            ),
            url="governance:training_list",
            permission="governance.view_trainingsession",
            order=50,
        )
        staff_actions.register(
            "governance.spec_lists",
            group="governance",
            title=_("Specifications’ lists of businesses"),
            text=_(
                "The versions of the lists of businesses of the Regional Information Platform "
                "and the Intermediate Standard Layout: the denominators of the Ⅴ-4 KPIs."
            ),
            url="governance:spec_lists",
            permission="governance.view_informationsystem",
            order=12,
        )
        staff_actions.register(
            "governance.dashboard",
            group="governance",
            title=_("ICT governance dashboard"),
            text=_(
                "The plan's KPIs of the year with their definition versions, cost per year, the "
                "20 core businesses' migration timeline, open vulnerabilities by severity and age."
            ),
            url="governance_dashboard:dashboard",
            permission="governance.see_all_systems",
            order=5,
        )
