"""The register's dashboard for the information policy division and auditors: the plan's KPIs
of the year, cost per fiscal year, the 20 業務 migration timeline, open vulnerabilities by
severity and age. Charts are drawn with matplotlib as the plan's are (no pyplot, SVG, glyphs
as paths, IPAexGothic) and put in the page as inline SVG with a table of the same figures."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core import charts
from kanmin.core.fiscal_year import FiscalYear
from kanmin.governance import kpis
from kanmin.governance.models import (
    BUSINESS_NAMES_JA,
    Business,
    Severity,
    StandardizationStatus,
    SystemCost,
    Vulnerability,
)

# Only those who see the whole register (the information policy division, auditors).
DASHBOARD_PERM = "governance.see_all_systems"
COLOUR = "#0b6bcb"
SEVERITY_COLOURS: dict[str, str] = {
    Severity.CRITICAL: "#7a0d7a",
    Severity.HIGH: "#c8102e",
    Severity.MEDIUM: "#8a6d00",
    Severity.LOW: "#4d5358",
}
AGE_BUCKETS: tuple[tuple[str, int], ...] = (("0–30", 30), ("31–90", 90), ("91–180", 180))
OLDER = "181+"


def _svg(figure: Any, alt: str) -> SafeString:
    """The chart as an image of SVG in a data: URL: inline SVG would draw black, its style
    attributes being inline styles the Content-Security-Policy refuses."""
    data = base64.b64encode(charts.render(figure)).decode("ascii")
    return format_html('<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}">', data, alt)


def cost_per_year(municipality: Any) -> list[tuple[int, int]]:
    rows = (
        SystemCost.all_tenants.filter(municipality=municipality)
        .values("fiscal_year")
        .order_by("fiscal_year")
        .annotate(total=Sum("amount_yen"))
    )
    return [(r["fiscal_year"], int(r["total"])) for r in rows]


def cost_chart(rows: list[tuple[int, int]]) -> SafeString:
    figure, axes, family = charts.figure(7.0, 3.0)
    axes.bar([str(y) for y, _t in rows], [t / 1_000_000 for _y, t in rows], color=COLOUR)
    axes.set_xlabel(_("Fiscal year"), fontfamily=family)
    axes.set_ylabel(_("million yen"), fontfamily=family)
    axes.grid(axis="y", color="#d0d4d9")
    return _svg(
        figure,
        _(
            "Bar chart of the cost of all systems per fiscal year, in million yen; "
            "the table gives the figures."
        ),
    )


def migration_rows(municipality: Any) -> list[dict[str, Any]]:
    statuses = {
        s.business: s for s in StandardizationStatus.all_tenants.filter(municipality=municipality)
    }
    rows = []
    for code in Business.values:
        status = statuses.get(code)
        rows.append(
            {
                "business": BUSINESS_NAMES_JA[code],
                # The page's language (the chart's axis): English on an English page.
                "label": str(Business(code).label),
                "status": status.get_status_display() if status else _("Not recorded"),
                "planned_on": status.planned_on if status else None,
                "migrated_on": status.migrated_on if status else None,
                "special_support": bool(status and status.special_support),
            }
        )
    return rows


def migration_chart(rows: list[dict[str, Any]]) -> SafeString:
    figure, axes, family = charts.figure(7.0, 5.5)
    labels = [r["label"] for r in rows]
    positions = list(range(len(rows)))
    planned = [(i, r["planned_on"]) for i, r in enumerate(rows) if r["planned_on"]]
    migrated = [(i, r["migrated_on"]) for i, r in enumerate(rows) if r["migrated_on"]]
    if planned:
        axes.scatter(
            [d for _i, d in planned],
            [i for i, _d in planned],
            marker="o",
            facecolors="none",
            edgecolors="#1a1a1a",
            label=_("Planned"),
            zorder=3,
        )
    if migrated:
        axes.scatter(
            [d for _i, d in migrated],
            [i for i, _d in migrated],
            marker="o",
            color=COLOUR,
            label=_("Migrated"),
            zorder=4,
        )
    axes.axvline(dt.date(2026, 3, 31), color="#c8102e", linestyle="--", linewidth=1)
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontfamily=family, fontsize=8)
    axes.invert_yaxis()
    axes.grid(axis="x", color="#d0d4d9")
    if planned or migrated:
        axes.legend(prop={"family": family}, frameon=False, loc="lower right")
    return _svg(
        figure,
        _(
            "Timeline of the 20 core businesses: planned and actual migration dates; "
            "the table gives them."
        ),
    )


def open_vulnerabilities(municipality: Any, today: dt.date) -> dict[str, dict[str, int]]:
    """Open vulnerabilities on ``today``, by severity and by age bucket (days since found)."""
    table: dict[str, dict[str, int]] = defaultdict(Counter)
    for severity, found_on in Vulnerability.all_tenants.filter(
        municipality=municipality, fixed_on__isnull=True, found_on__lte=today
    ).values_list("severity", "found_on"):
        age = (today - found_on).days
        bucket = next((label for label, days in AGE_BUCKETS if age <= days), OLDER)
        table[severity][bucket] += 1
    return {s: dict(table.get(s, {})) for s in Severity.values}


def vulnerability_chart(table: dict[str, dict[str, int]]) -> SafeString:
    figure, axes, family = charts.figure(7.0, 3.0)
    buckets = [label for label, _d in AGE_BUCKETS] + [OLDER]
    bottoms = [0] * len(buckets)
    for severity in Severity.values:
        values = [table[severity].get(b, 0) for b in buckets]
        axes.bar(
            buckets,
            values,
            bottom=bottoms,
            color=SEVERITY_COLOURS[severity],
            label=str(Severity(severity).label),
        )
        bottoms = [a + b for a, b in zip(bottoms, values, strict=True)]
    axes.set_xlabel(_("Days open"), fontfamily=family)
    axes.set_ylabel(_("Open vulnerabilities"), fontfamily=family)
    axes.legend(prop={"family": family}, frameon=False)
    return _svg(
        figure,
        _("Bar chart of open vulnerabilities by severity and age; the table gives the counts."),
    )


@operator_page(DASHBOARD_PERM)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    today = timezone.localdate()
    try:
        fiscal_year = FiscalYear(int(request.GET.get("fy", "")))
    except ValueError:
        fiscal_year = FiscalYear.of(today)
    costs = cost_per_year(municipality)
    migration = migration_rows(municipality)
    vulnerabilities = open_vulnerabilities(municipality, today)
    buckets = [label for label, _d in AGE_BUCKETS] + [OLDER]
    return render(
        request,
        "governance/dashboard.html",
        {
            "municipality": municipality,
            "fiscal_year": fiscal_year,
            "previous_year": fiscal_year.previous(),
            "next_year": fiscal_year.next(),
            "figures": kpis.kpi_figures(municipality=municipality, fiscal_year=fiscal_year),
            "costs": costs,
            "cost_chart": cost_chart(costs),
            "migration": migration,
            "migration_chart": migration_chart(migration),
            "buckets": buckets,
            "vulnerability_rows": [
                (Severity(s).label, [vulnerabilities[s].get(b, 0) for b in buckets])
                for s in Severity.values
            ],
            "vulnerability_chart": vulnerability_chart(vulnerabilities),
        },
    )
