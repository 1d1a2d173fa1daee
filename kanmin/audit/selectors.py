"""Reads of the audit log: the activity histories that pages show, and the municipality's log
as its auditors review it (changes and security events, filtered by kind and date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kanmin.audit.models import AuditEvent


def event_list(
    *,
    municipality_code: str,
    targets: list[tuple[str, str]] | None = None,
    extra: dict[str, str] | None = None,
    limit: int = 50,
) -> QuerySet[AuditEvent]:
    """The newest entries of one municipality about the given objects (``(object_type,
    object_id)`` pairs) or carrying the given values in their ``extra`` part: what was done to
    them, not who read them (downloads and exports are for the auditors' log only)."""
    match = Q(pk__in=[])
    for object_type, object_id in targets or []:
        match |= Q(object_type=object_type, object_id=object_id)
    for key, value in (extra or {}).items():
        match |= Q(**{f"changes__extra__{key}": value})
    return (
        AuditEvent.objects.filter(match, municipality_code=municipality_code)
        .exclude(action__in=READ_ACTIONS)
        .order_by("-seq")[:limit]
    )


@dataclass(frozen=True)
class Kind:
    """A kind of entry an auditor filters by: a group of actions."""

    slug: str
    label: Any
    actions: tuple[str, ...]


# Security events (reads and sign-ins as well as changes that matter to security); every other
# action is a change to the municipality's data ("change").
SECURITY_KINDS: tuple[Kind, ...] = (
    Kind("sign_in", pgettext_lazy("audit log", "Sign-in"), ("accounts.sign_in",)),
    Kind(
        "sign_in_failed", pgettext_lazy("audit log", "Failed sign-in"), ("accounts.sign_in.failed",)
    ),
    Kind("lockout", _("Lock-out after failed sign-ins"), ("accounts.lockout",)),
    Kind(
        "two_step",
        _("Two-step sign-in turned on or off"),
        ("accounts.totp.enable", "accounts.totp.disable"),
    ),
    Kind(
        "password", pgettext_lazy("audit log", "Password changed"), ("accounts.user.set_password",)
    ),
    Kind(
        "api_token",
        _("API token created, used or revoked"),
        ("accounts.api_token.create", "accounts.api_token.use", "accounts.api_token.revoke"),
    ),
    Kind("download", _("Download of a non-public file"), ("catalog.resource.download",)),
    Kind(
        "table_read",
        _("Rows of a non-public table read"),
        ("catalog.datastore.read", "catalog.analysis.read"),
    ),
    Kind(
        "export",
        _("Export of non-public data"),
        ("catalog.dataset.export", "plan.review.export", "audit.export"),
    ),
    Kind("retention", _("Old entries removed (retention)"), ("audit.prune",)),
)
# Reads recorded for auditors; they are not part of an object's activity history.
READ_ACTIONS = tuple(
    action
    for kind in SECURITY_KINDS
    if kind.slug in ("download", "table_read", "export")
    for action in kind.actions
)
CHANGE = Kind("change", pgettext_lazy("audit log", "Change to data"), ())
KINDS: tuple[Kind, ...] = (*SECURITY_KINDS, CHANGE)
BY_SLUG = {kind.slug: kind for kind in KINDS}
_KIND_OF_ACTION = {action: kind for kind in SECURITY_KINDS for action in kind.actions}

# What each security action is called on the page and in the export.
ACTION_LABELS: dict[str, Any] = {
    "accounts.sign_in": pgettext_lazy("audit log", "Signed in"),
    "accounts.sign_in.failed": _("Sign-in refused"),
    "accounts.lockout": _("Locked out after repeated failures"),
    "accounts.totp.enable": _("Two-step sign-in turned on"),
    "accounts.totp.disable": _("Two-step sign-in turned off"),
    "accounts.user.set_password": pgettext_lazy("audit log", "Password changed"),
    "accounts.api_token.create": _("API token created"),
    "accounts.api_token.use": _("API token used (first use of the day)"),
    "accounts.api_token.revoke": _("API token revoked"),
    "catalog.resource.download": _("Non-public file downloaded"),
    "catalog.datastore.read": _("Rows of a non-public table read (API or preview)"),
    "catalog.analysis.read": _("Non-public table queried on the analysis page"),
    "catalog.dataset.export": _("Non-public dataset exported"),
    "plan.review.export": _("Report of an open review exported"),
    "audit.export": _("Audit log exported as CSV"),
    "audit.prune": _("Old entries removed under the retention setting"),
}
FAILURE_REASONS: dict[str, Any] = {
    "password": _("wrong user name or password"),
    "totp": _("wrong one-time code"),
    "locked_out": _("refused during a lock-out"),
}


def kind_of(action: str) -> Kind:
    return _KIND_OF_ACTION.get(action, CHANGE)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def log_list(
    *,
    municipality: Any,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """A municipality's entries, newest first: its own, plus the log's retention entries
    (which concern every municipality and name none). ``since`` and ``until`` are local
    dates, both included."""
    own = Q(municipality_code=municipality.lg_code) | Q(
        municipality_code="", action__in=BY_SLUG["retention"].actions
    )
    queryset = AuditEvent.objects.filter(own)
    if kind == CHANGE.slug:
        queryset = queryset.exclude(action__in=list(_KIND_OF_ACTION))
    elif kind in BY_SLUG:
        queryset = queryset.filter(action__in=BY_SLUG[kind].actions)
    if since is not None:
        queryset = queryset.filter(created_at__gte=_day_start(since))
    if until is not None:
        queryset = queryset.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return queryset.order_by("-seq")


def describe(event: AuditEvent) -> str:
    """The details of an entry in a line: where a sign-in came from, which file, which
    fields changed. Never a masked or personal value."""
    changes = event.changes or {}
    extra = changes.get("extra") or {}
    parts: list[str] = []
    if event.action == "audit.prune":
        return str(
            _("Entries before %(cutoff)s removed (kept for %(days)s days).")
            % {"cutoff": str(extra.get("cutoff", ""))[:10], "days": extra.get("retention_days")}
        )
    if "username" in extra and event.action != "accounts.sign_in":
        parts.append(str(_("user name typed: %(name)s") % {"name": extra["username"]}))
    if "reason" in extra:
        parts.append(str(FAILURE_REASONS.get(extra["reason"], extra["reason"])))
    if "minutes" in extra:
        parts.append(str(_("locked for %(n)s minutes") % {"n": extra["minutes"]}))
    if "dataset" in extra:
        parts.append(str(_("dataset: %(name)s") % {"name": extra["dataset"]}))
    if "filename" in extra:
        parts.append(str(_("file: %(name)s") % {"name": extra["filename"]}))
    if "format" in extra:
        parts.append(str(_("format: %(name)s") % {"name": extra["format"]}))
    if "rows" in extra:
        parts.append(str(_("%(n)s entries") % {"n": extra["rows"]}))
    if extra.get("ip_address"):
        parts.append(str(_("address: %(ip)s") % {"ip": extra["ip_address"]}))
    if not parts and kind_of(event.action) is CHANGE:
        fields = sorted({*(changes.get("before") or {}), *(changes.get("after") or {})})
        if fields:
            parts.append(str(_("fields: %(names)s") % {"names": ", ".join(fields)}))
    return "; ".join(parts)
