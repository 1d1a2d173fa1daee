"""KPI providers for the plan (Ⅱ-1, Ⅱ-2): how much open data the municipality publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.models import Dataset, DatasetState
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
