"""KPI units as plans write them (Japanese counters), with their names in the UI's languages:
the msgid is English, the Japanese translation is the counter itself. Shared by the plan and
the apps whose figures it shows (governance)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

UNITS: dict[str, Any] = {
    "件": pgettext_lazy("KPI unit", "items"),
    "%": pgettext_lazy("KPI unit", "%"),
    "％": pgettext_lazy("KPI unit", "%"),
    "回": pgettext_lazy("KPI unit", "times"),
    "分": pgettext_lazy("KPI unit", "minutes"),
    "時間": pgettext_lazy("KPI unit", "hours"),
    "日": pgettext_lazy("KPI unit", "days"),
    "人": pgettext_lazy("KPI unit", "people"),
    "名": pgettext_lazy("KPI unit", "persons"),
    "世帯": pgettext_lazy("KPI unit", "households"),
    "システム": pgettext_lazy("KPI unit", "systems"),
    "種類": pgettext_lazy("KPI unit", "kinds"),
    "業務": pgettext_lazy("KPI unit", "tasks"),
    "サービス": pgettext_lazy("KPI unit", "services"),
    "校": pgettext_lazy("KPI unit", "schools"),
    "箇所": pgettext_lazy("KPI unit", "places"),
    "台": pgettext_lazy("KPI unit", "devices"),
    "円": pgettext_lazy("KPI unit", "yen"),
    "千円": pgettext_lazy("KPI unit", "thousand yen"),
    "団体": pgettext_lazy("KPI unit", "organizations"),
    "社": pgettext_lazy("KPI unit", "companies"),
}


def unit_name(unit: str) -> tuple[str, bool]:
    """A KPI unit in the current language, and whether it was translated (an unknown unit is
    returned as written, usually Japanese)."""
    known = UNITS.get(unit.strip())
    if known is not None:
        return str(known), True
    return unit, False
