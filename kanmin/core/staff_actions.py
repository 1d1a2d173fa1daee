"""What a signed-in member of staff can do, listed in one place: the staff home page.

``core`` imports no other app, so each app tells core what its staff can do, from its own
``AppConfig.ready()``, in one line per action::

    from kanmin.core import staff_actions

    staff_actions.register(
        "catalog.dataset_new",              # a unique key: <app>.<action>
        group="catalog",                    # the group it is listed under (see GROUPS)
        title=_("Publish a new dataset"),
        text=_("Start from a national standard data set or from a blank form."),
        url="catalog:dataset_new",          # a URL name (reversed in the municipality)
        permission="catalog.add_dataset",   # shown only to those who hold it there
    )

``url`` is either a URL name (reversed inside the municipality with ``tenant_reverse``, or
without it for URLs outside a municipality such as ``accounts:totp_setup``; a ``#fragment``
is kept), or a function ``(municipality, user) -> str`` that returns the address, or ``""``
to leave the action out (e.g. "the review" only while one is open). ``permission`` is checked
with :func:`kanmin.core.permissions.allowed` on the municipality; the default,
``core.view_municipality``, is held by every staff role.

A new group (e.g. for an app added later) is one line too:
``staff_actions.group("disaster", _("Disaster information"), order=40)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse

ANY_STAFF = "core.view_municipality"

UrlSpec = str | Callable[[Any, Any], str]


@dataclass(frozen=True)
class Group:
    key: str
    title: Any
    order: int


@dataclass(frozen=True)
class StaffAction:
    key: str
    group: str
    title: Any
    text: Any
    url: UrlSpec
    permission: str
    order: int

    def href(self, municipality: Any, user: Any) -> str:
        if callable(self.url):
            return str(self.url(municipality, user) or "")
        name, _sep, fragment = self.url.partition("#")
        try:
            address = tenant_reverse(name, municipality)
        except NoReverseMatch:
            address = reverse(name)
        return f"{address}#{fragment}" if fragment else address


@dataclass(frozen=True)
class Entry:
    """An action as one user sees it in one municipality."""

    action: StaffAction
    url: str

    @property
    def key(self) -> str:
        return self.action.key

    @property
    def title(self) -> Any:
        return self.action.title

    @property
    def text(self) -> Any:
        return self.action.text


_groups: dict[str, Group] = {}
_actions: dict[str, StaffAction] = {}


def group(key: str, title: Any, *, order: int = 100) -> None:
    """Declare a group of actions (registering it again replaces it)."""
    _groups[key] = Group(key, title, order)


def register(
    key: str,
    *,
    group: str,
    title: Any,
    url: UrlSpec,
    permission: str = ANY_STAFF,
    text: Any = "",
    order: int = 100,
) -> None:
    """Add an action to the staff home page (registering a key again replaces it)."""
    _actions[key] = StaffAction(key, group, title, text, url, permission, order)


def unregister(key: str) -> None:
    _actions.pop(key, None)


def all_actions() -> list[StaffAction]:
    return sorted(_actions.values(), key=lambda a: (a.group, a.order, a.key))


def is_staff(user: Any, municipality: Any) -> bool:
    """Whether the user holds a staff role in the municipality (or everywhere)."""
    return bool(
        municipality is not None
        and getattr(user, "is_authenticated", False)
        and allowed(user, ANY_STAFF, municipality)
    )


def for_user(user: Any, municipality: Any) -> list[tuple[Group, list[Entry]]]:
    """The actions ``user`` may take in ``municipality``, grouped, groups and actions in order."""
    if not is_staff(user, municipality):
        return []
    by_group: dict[str, list[Entry]] = {}
    for action in all_actions():
        if not allowed(user, action.permission, municipality):
            continue
        try:
            url = action.href(municipality, user)
        except NoReverseMatch:
            continue  # the app that serves it is not installed in this deployment
        if url:
            by_group.setdefault(action.group, []).append(Entry(action, url))
    groups = [_groups.get(key) or Group(key, key, 1000) for key in by_group]
    groups.sort(key=lambda g: (g.order, g.key))
    return [(g, sorted(by_group[g.key], key=lambda e: (e.action.order, e.key))) for g in groups]


def allows(user: Any, municipality: Any, key: str) -> bool:
    """Whether ``user`` sees the action ``key`` in ``municipality`` (for a page's own links)."""
    action = _actions.get(key)
    return bool(
        action is not None
        and is_staff(user, municipality)
        and allowed(user, action.permission, municipality)
    )


# The groups of the platform's parts; an app added later may declare its own.
group("catalog", _("Open data"), order=10)
group("plan", _("Data utilization plan"), order=20)
group("services", _("Online services"), order=30)
group("disaster", _("Disaster information"), order=40)
group("governance", _("ICT governance"), order=50)
group("audit", _("Audit"), order=60)
group("administration", _("Administration"), order=70)
group("account", _("My account"), order=80)
