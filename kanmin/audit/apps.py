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
