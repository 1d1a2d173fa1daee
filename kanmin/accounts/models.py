from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.accounts.roles import ROLE_CHOICES
from kanmin.core.fields import EncryptedTextField
from kanmin.core.models import Municipality, optional_link


class User(AbstractUser):
    """A person who signs in: staff of one or more municipalities, or a citizen."""

    phone = EncryptedTextField(_("phone number"), blank=True)
    # The id the CKAN API shows (CKAN's user ids are UUIDs): stable, and says nothing of
    # how many users there are, as the integer key would.
    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Membership(models.Model):
    """A role held by a user in a municipality; platform administrators hold theirs everywhere."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("municipality"),
        help_text=_("Empty only for platform administrators."),
    )
    role = models.CharField(_("role"), max_length=40, choices=ROLE_CHOICES)
    department = optional_link("core.Department", _("department"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "role"], name="accounts_membership_unique_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role="platform_admin", municipality__isnull=True)
                | (~models.Q(role="platform_admin") & models.Q(municipality__isnull=False)),
                name="accounts_membership_scope",
            ),
        ]

    def __str__(self) -> str:
        where = self.municipality.lg_code if self.municipality is not None else "*"
        return f"{self.user} · {self.role} · {where}"


class ApiTokenManager(models.Manager["ApiToken"]):
    def get_by_secret(self, secret: str) -> ApiToken:
        """The token with this secret, if it is neither revoked nor expired."""
        return (
            self.select_related("user", "municipality")
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()))
            .get(digest=ApiToken.digest_of(secret), revoked_at__isnull=True)
        )


class ApiToken(models.Model):
    """A token for the APIs, acting as its user within one municipality. Only a digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: the token does not expire.")
    )

    objects = ApiTokenManager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return "kanmin_" + secrets.token_urlsafe(32)

    def set_secret(self, secret: str) -> None:
        self.digest = self.digest_of(secret)
        self.prefix = secret[7:15]

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def as_dict(self) -> dict[str, Any]:
        expires = self.expires_at.isoformat() if self.expires_at is not None else None
        return {"name": self.name, "prefix": self.prefix, "expires_at": expires}
