"""KPI providers for the plan (Ⅱ-1, Ⅱ-2): how much open data the municipality publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.models import DailyCount, Dataset, DatasetState, HitKind
from kanmin.core.metrics import metric


def _published_by_year_end(municipality: Any, fiscal_year: Any) -> Any:
    """Datasets published now that existed by the end of the fiscal year (年度末)."""
    end = dt.datetime.combine(fiscal_year.end, dt.time.max, tzinfo=timezone.get_current_timezone())
    return Dataset.all_tenants.filter(
        municipality=municipality, state=DatasetState.PUBLISHED, created__lte=end
    )


@metric("catalog.datasets_published", unit="件", description=_("Open datasets published"))
def datasets_published(*, municipality: Any, fiscal_year: Any) -> int:
    return int(_published_by_year_end(municipality, fiscal_year).count())


@metric(
    "catalog.standard_datasets_published",
    unit="件",
    description=_("Standard data sets published as open data"),
)
def standard_datasets_published(*, municipality: Any, fiscal_year: Any) -> int:
    queryset = _published_by_year_end(municipality, fiscal_year).exclude(standard_dataset="")
    return int(queryset.values("standard_dataset").distinct().count())


def _hits_in_year(municipality: Any, fiscal_year: Any, kind: str) -> int:
    total = DailyCount.all_tenants.filter(
        municipality=municipality,
        kind=kind,
        day__gte=fiscal_year.start,
        day__lte=fiscal_year.end,
    ).aggregate(total=Sum("count"))["total"]
    return int(total or 0)


@metric("catalog.downloads", unit="回", description=_("Open data downloads in the fiscal year"))
def downloads(*, municipality: Any, fiscal_year: Any) -> int:
    return _hits_in_year(municipality, fiscal_year, HitKind.DOWNLOAD)


@metric(
    "catalog.page_views",
    unit="回",
    description=_("Views of open data pages in the fiscal year"),
)
def page_views(*, municipality: Any, fiscal_year: Any) -> int:
    return _hits_in_year(municipality, fiscal_year, HitKind.VIEW)


@metric(
    "catalog.standard_datasets_conforming",
    unit="件",
    description=_("Standard data sets published with a file that passes the standard's check"),
)
def standard_datasets_conforming(*, municipality: Any, fiscal_year: Any) -> int:
    """Standard data sets (by kind) whose files include one whose latest check found no error."""
    published = _published_by_year_end(municipality, fiscal_year).exclude(standard_dataset="")
    kinds: set[str] = set()
    for dataset in published.prefetch_related("resources__validations"):
        for resource in dataset.resources.all():
            latest = max(resource.validations.all(), key=lambda v: v.created, default=None)
            if latest is not None and latest.valid:
                kinds.add(dataset.standard_dataset)
                break
    return len(kinds)
