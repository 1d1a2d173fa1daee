from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kanmin.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from kanmin.audit import services
        from kanmin.core import auditing

        auditing.register(services.record)
        from kanmin.core import staff_actions

        staff_actions.register(
            "audit.log",
            group="audit",
            title=_("Audit log"),
            text=_(
                "Changes and security events (sign-ins, API tokens, downloads of non-public "
                "files): filter, read and export as CSV."
            ),
            url="audit:log",
            permission="audit.review_auditevent",
        )
