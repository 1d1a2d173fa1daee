"""The plan's rules for values, shared by the services, the import and the forms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from kanmin.core.errors import Invalid
from kanmin.core.fiscal_year import FiscalYear
from kanmin.plan.models import Plan, ValueKind


def parse_value(raw: Any, *, field: str = "value") -> Decimal:
    """A KPI value from what a person typed: half- or full-width digits, commas, ▲ for minus."""
    from kanmin.core.jp_text import NumberFormatError, normalize_number

    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = str(raw or "").strip().rstrip("%％")
    try:
        return Decimal(normalize_number(text))
    except (NumberFormatError, InvalidOperation):
        raise Invalid(
            fields={field: [_("“%(value)s” is not a number.") % {"value": raw}]},
            code="not_a_number",
        ) from None


def fiscal_year_bounds(plan: Plan, kind: str) -> tuple[int, int]:
    """The fiscal years a value may be given for: targets up to the horizon, actuals up to now."""
    current = FiscalYear.of(timezone.localdate()).year
    last = current + plan.horizon_years if kind == ValueKind.TARGET else current
    return plan.first_fiscal_year, last


# KPI units as the plan writes them (Japanese counters), with their names in the UI's
# languages: the msgid is English, the Japanese translation is the counter itself.
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
