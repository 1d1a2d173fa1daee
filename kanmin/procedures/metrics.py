"""KPI providers of the online procedures for the plan, per fiscal year (年度, 1 April to
31 March, Japan time)."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils.translation import gettext_lazy as _

from kanmin.core.metrics import metric
from kanmin.procedures.models import Consultation, ConsultationMessage, Notice
from kanmin.procedures.notice_selectors import fiscal_year_bounds

# --- notices: electronic notices sent, consultations answered ---


@metric("procedures.notices_sent", unit="件", description=_("Electronic notices sent"))
def notices_sent(*, municipality: Any, fiscal_year: Any) -> int:
    """Notices sent to residents' inboxes within the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    return int(
        Notice.all_tenants.filter(
            municipality=municipality, sent_at__gte=start, sent_at__lt=end
        ).count()
    )


@metric(
    "procedures.consultations_answered",
    unit="件",
    description=_("Consultations answered online by a department"),
)
def consultations_answered(*, municipality: Any, fiscal_year: Any) -> int:
    """Consultations whose first answer from staff was written within the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    firsts = (
        ConsultationMessage.all_tenants.filter(municipality=municipality, by_staff=True)
        .values("consultation_id")
        .order_by()
        .annotate(first=Min("created_at"))
        .filter(first__gte=start, first__lt=end)
    )
    return int(
        Consultation.all_tenants.filter(
            municipality=municipality, pk__in=firsts.values("consultation_id")
        ).count()
    )
