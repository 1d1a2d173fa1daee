from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: Any, **kwargs: Any) -> None:
    from django.apps import apps

    from kanmin.accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class AccountsConfig(AppConfig):
    name = "kanmin.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # After every migrate (and flush), the role groups match accounts/roles.py exactly.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="kanmin.accounts.roles")
        # Sign-ins, failed sign-ins and lock-outs go to the audit log (kanmin.accounts.signals).
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from kanmin.accounts import signals

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="kanmin.accounts.in")
        user_login_failed.connect(
            signals.on_user_login_failed, dispatch_uid="kanmin.accounts.failed"
        )
        from kanmin.core import staff_actions

        # What every member of staff can do with their own account, on the staff home page.
        staff_actions.register(
            "accounts.two_step",
            group="account",
            title=_("Two-step sign-in"),
            text=_("Protect your account with a code from an authenticator app."),
            url="accounts:home",
            order=10,
        )
