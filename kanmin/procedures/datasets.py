"""Open data this app offers through ``kanmin.core.datasets``.

The catalog of procedures (手続一覧): every published procedure with its department, legal
basis, fee, documents, channels, whether it can be completed online and its ぴったりサービス
identifier. Served at ``/m/<code>/procedures/procedures.csv|json`` (and, like every registered
table, at ``/m/<code>/datasets/procedures.csv|json``), and kept as a dataset of the
municipality's catalog, brought up to date after each staff action on the catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Max

from kanmin.core.datasets import Provider
from kanmin.procedures import catalog, selectors
from kanmin.procedures.models import Procedure

# --- procedure catalog ---


def _procedure_rows(municipality: Any) -> Iterator[list[Any]]:
    for procedure in selectors.procedure_list(municipality, published_only=True):
        yield catalog.row_of(procedure, municipality.lg_code)


def _procedures_last_modified(municipality: Any) -> dt.datetime | None:
    """When a procedure was last added or changed (a deletion is not seen)."""
    latest: dt.datetime | None = Procedure.all_tenants.filter(municipality=municipality).aggregate(
        latest=Max("updated_at")
    )["latest"]
    return latest


procedures = Provider(
    name="procedures.procedures",
    slug="procedures",
    title_ja="行政手続一覧",
    title_en="Administrative procedures",
    description_ja=(
        "市の行政手続（申請・届出等）の一覧。担当課、根拠法令、手数料、必要書類、手続の方法"
        "（オンライン・窓口・郵送）、オンラインで完結できるか、電子申請のURL、"
        "ぴったりサービスの手続ID。複数の値は「;」で区切る。オンライン完結は1（可）・0（不可）。"
    ),
    description_en=(
        "The municipality's administrative procedures (applications and notifications): "
        "department, legal basis, fee, documents needed, channels (online, counter, post), "
        "whether it can be completed online, the online application address and the "
        "ぴったりサービス identifier. Several values in a cell are separated by ';'; "
        "'can be completed online' is 1 (yes) or 0 (no)."
    ),
    columns=catalog.COLUMNS,
    rows=_procedure_rows,
    keywords=("行政手続", "電子申請", "オンライン申請", "手続一覧"),
    frequency="irregular",
    last_modified=_procedures_last_modified,
    changed_by=(
        "procedures.procedure.create",
        "procedures.procedure.update",
        "procedures.procedure.delete",
        "procedures.procedure.import",
    ),
)
