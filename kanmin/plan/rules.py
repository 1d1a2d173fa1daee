"""The plan's rules for values, shared by the services, the import and the forms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

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
