from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _open_review_url(municipality: Any, user: Any) -> str:
    """The open annual review's page, where departments report on their measures."""
    from kanmin.core.tenancy import tenant_reverse
    from kanmin.plan.models import Review, ReviewStatus

    review = (
        Review.all_tenants.filter(municipality=municipality, status=ReviewStatus.OPEN)
        .order_by("-fiscal_year")
        .first()
    )
    if review is None:
        return ""
    return tenant_reverse("plan:review_detail", municipality, {"fiscal_year": review.fiscal_year})


def _if_plan(name: str, *, exists: bool = True) -> Any:
    """The page ``name``, listed only while the municipality has a plan (or, with
    ``exists=False``, only while it has none)."""

    def url(municipality: Any, user: Any) -> str:
        from kanmin.core.tenancy import tenant_reverse
        from kanmin.plan.models import Plan

        if Plan.all_tenants.filter(municipality=municipality).exists() != exists:
            return ""
        return tenant_reverse(name, municipality)

    return url


class PlanConfig(AppConfig):
    name = "kanmin.plan"
    label = "plan"
    verbose_name = _("Data utilization plan")

    def ready(self) -> None:
        from kanmin.core import staff_actions

        # What the plan's staff can do, listed on the staff home page.
        staff_actions.register(
            "plan.report",
            group="plan",
            title=_("Report on my measures"),
            text=_("The open annual review: progress, notes and KPI figures of each measure."),
            url=_open_review_url,
            permission="plan.add_kpivalue",
            order=10,
        )
        staff_actions.register(
            "plan.figures",
            group="plan",
            title=_("Enter KPI figures"),
            text=_("Many figures at once, with an Excel sheet."),
            url=_if_plan("plan:figures_upload"),
            permission="plan.add_kpivalue",
            order=20,
        )
        staff_actions.register(
            "plan.reviews",
            group="plan",
            title=_("Annual reviews"),
            text=_("Open or follow the review of a fiscal year; KPIs behind target."),
            url=_if_plan("plan:staff_dashboard"),
            permission="plan.add_kpivalue",
            order=30,
        )
        staff_actions.register(
            "plan.start",
            group="plan",
            title=_("Set up the plan"),
            text=_("Start from another municipality's plan, as a template."),
            url=_if_plan("plan:start", exists=False),
            permission="plan.add_plan",
            order=5,
        )
