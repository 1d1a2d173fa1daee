"""The previews of a resource's DataStore table (issue 17): a paged, sortable, filterable
table and a chart, each driven by GET parameters only, so that they work without JavaScript
and every state has a link.

Rows come from :func:`selectors.datastore_search` and a chart's figures from
:func:`selectors.datastore_search_sql`: the same reads, with the same visibility rules, as the
CKAN API's ``datastore_search`` and ``datastore_search_sql``, which the pages link to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from kanmin.catalog import selectors
from kanmin.catalog.charts import POINTS_MAX, Chart, figures
from kanmin.catalog.datastore.names import NUMBER_TYPES, quote
from kanmin.catalog.forms import PREVIEW_ROWS, ChartForm, TablePreviewForm
from kanmin.catalog.models import DatastoreStatus, Resource
from kanmin.core.errors import Invalid, KanminError
from kanmin.core.tenancy import tenant_reverse

# x columns whose values have an order of their own: charts keep it rather than ranking.
ORDERED_TYPES = frozenset({"int", "numeric", "date", "timestamp", "time"})


def error_messages(exc: KanminError) -> list[str]:
    if isinstance(exc, Invalid) and exc.fields:
        return [str(m) for messages in exc.fields.values() for m in messages]
    return [str(exc.message)]


def load_state(table: Any) -> dict[str, Any]:
    """What the page says about the table's load: ``ready`` (rows can be read), ``waiting``
    (queued or loading, no earlier version), ``failed``; ``reloading`` when a new version is
    being loaded while the earlier one is shown."""
    busy = table.status in (DatastoreStatus.QUEUED, DatastoreStatus.LOADING)
    if table.active:
        state = "ready"
    elif busy:
        state = "waiting"
    else:
        state = "failed"
    return {
        "state": state,
        "reloading": table.active and busy,
        "status": table.get_status_display(),
        "loading": table.status == DatastoreStatus.LOADING,
        "rows_done": table.rows_done,
        "error": table.error,
        "table": table,
    }


def api_url(request: HttpRequest, action: str, params: dict[str, Any]) -> str:
    """An absolute link to a CKAN action called with GET (as a developer would call it)."""
    query = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
        for k, v in params.items()
    }
    path = reverse("ckan:action_v3", kwargs={"action": action})
    return request.build_absolute_uri(path) + "?" + urlencode(query)


def result_columns(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The columns of a DataStore result (``_id`` left out), those of a number type marked
    ``numeric`` so that the table aligns them right."""
    return [
        {"id": f["id"], "numeric": f["type"] in NUMBER_TYPES} for f in fields if f["id"] != "_id"
    ]


def result_row(record: dict[str, Any], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A record as a row of the pages' tables (``catalog/_result_rows.html``): each value as
    text, marked ``numeric`` as its column is."""
    values = [record.get(c["id"]) for c in columns]
    return [
        {"text": "" if value is None else str(value), "numeric": c["numeric"]}
        for c, value in zip(columns, values, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


# Filters a preview takes at most (each a column, a condition and a value).
FILTERS_MAX = 10
# A filter's condition: the column's value is the one given, or at least it, or at most it,
# or holds it (each of its words, folded as the search box folds them; CKAN's q per column).
FILTER_OPS = ("eq", "gte", "lte", "contains")


@dataclass(frozen=True)
class Filter:
    column: str
    value: str
    op: str = "eq"


@dataclass
class TableState:
    q: str = ""
    filters: tuple[Filter, ...] = ()  # rows must match every one
    rows: int = PREVIEW_ROWS[0]
    sort: str = ""
    dir: str = "asc"
    page: int = 1

    def query(self, **changes: Any) -> list[tuple[str, Any]]:
        """The GET parameters of this state (defaults left out), with ``changes``; each
        filter as a ``column``, an ``op`` and a ``value`` parameter, in order."""
        values = {**self.__dict__, **changes}
        defaults = TableState().__dict__
        pairs: list[tuple[str, Any]] = []
        for key, value in values.items():
            if key == "filters":
                for f in value:
                    pairs += [("column", f.column), ("op", f.op), ("value", f.value)]
            elif value not in ("", None) and value != defaults[key]:
                pairs.append((key, value))
        return pairs

    @property
    def narrowed(self) -> bool:
        """Whether a search or a filter leaves rows out."""
        return bool(self.q or self.filters)


@dataclass
class TablePreview:
    form: TablePreviewForm
    state: TableState
    errors: list[str]
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    total: int = 0
    pages: int = 1
    first: int = 0
    last: int = 0
    prev_url: str = ""
    next_url: str = ""
    api_url: str = ""
    csv_url: str = ""
    download_url: str = ""
    download_capped: bool = False
    download_max: int = selectors.DATASTORE_DOWNLOAD_ROWS_MAX
    filters: list[dict[str, str]] = field(default_factory=list)
    ops: tuple[tuple[str, str], ...] = ()
    rows_choices: tuple[int, ...] = PREVIEW_ROWS


def _read_filters(params: QueryDict, columns: list[str]) -> tuple[tuple[Filter, ...], list[str]]:
    """The ``column``/``op``/``value`` triples of the GET parameters (the n-th of each go
    together; ``op`` missing is ``eq``); a message for each that cannot be used. A column
    left without a value (the form's empty row) is no filter."""
    names = params.getlist("column")
    ops = params.getlist("op")
    wanted = params.getlist("value")
    filters: list[Filter] = []
    errors: list[str] = []
    if ops and len(ops) != len(names):
        # The n-th of each go together: with a condition missing, which is whose is unknown.
        return (), [_("Each filter needs its column, its condition and its value.")]
    for i in range(max(len(names), len(wanted))):
        column = (names[i] if i < len(names) else "").strip()
        op = (ops[i] if i < len(ops) else "").strip() or "eq"
        value = (wanted[i] if i < len(wanted) else "").strip()
        if not value:
            continue
        if not column:
            errors.append(
                _("Choose the column whose value must be “%(value)s”.") % {"value": value}
            )
        elif column not in columns:
            errors.append(
                f"{_('Column')}: "
                + _("Select a valid choice. %(value)s is not one of the available choices.")
                % {"value": column}
            )
        elif op not in FILTER_OPS:
            errors.append(
                f"{_('Condition')}: "
                + _("Select a valid choice. %(value)s is not one of the available choices.")
                % {"value": op}
            )
        elif len(value) > 200:
            errors.append(
                _("The value for “%(column)s” is longer than 200 characters.") % {"column": column}
            )
        elif Filter(column, value, op) not in filters:
            filters.append(Filter(column, value, op))
    if len(filters) > FILTERS_MAX:
        errors.append(
            _("At most %(n)s filters can be used at once; the first %(n)s are.")
            % {"n": FILTERS_MAX}
        )
        filters = filters[:FILTERS_MAX]
    return tuple(filters), errors


def _read_state(form: TablePreviewForm, columns: list[str]) -> tuple[TableState, list[str]]:
    """The valid parts of the form as a state; a message for each invalid part (whose
    default is used instead)."""
    form.is_valid()
    errors = [
        f"{form.fields[name].label}: {' '.join(str(m) for m in messages)}"
        for name, messages in form.errors.items()
    ]
    params = form.data if isinstance(form.data, QueryDict) else QueryDict()
    filters, filter_errors = _read_filters(params, columns)
    data = form.cleaned_data
    state = TableState(
        q=(data.get("q") or "").strip(),
        filters=filters,
        rows=data.get("rows") or PREVIEW_ROWS[0],
        sort=data.get("sort") or "",
        dir=data.get("dir") or "asc",
        page=data.get("page") or 1,
    )
    return state, errors + filter_errors


def ckan_filters(filters: tuple[Filter, ...]) -> dict[str, Any]:
    """The preview's filters as CKAN's ``filters``: a column's value, or the list of values
    of which a row must hold one (two "is exactly" on one column), or its range
    (``{"gte": …, "lte": …}``, with ``eq`` when one exact value goes with it). ``Invalid``
    when a column has several exact values and a range, which one filter cannot say."""
    exact: dict[str, list[str]] = {}
    ranges: dict[str, dict[str, str]] = {}
    filters = tuple(f for f in filters if f.op != "contains")  # they go to q: ckan_q
    for f in filters:
        if f.op == "eq":
            exact.setdefault(f.column, []).append(f.value)
        else:
            ranges.setdefault(f.column, {})[f.op] = f.value
    result: dict[str, Any] = {}
    for column in dict.fromkeys([f.column for f in filters]):
        values, bounds = exact.get(column, []), ranges.get(column)
        if bounds is None:
            result[column] = values[0] if len(values) == 1 else values
        elif len(values) > 1:
            raise Invalid(
                _(
                    "“%(column)s” has several exact values and a range: keep the range or the "
                    "values."
                )
                % {"column": column},
                code="datastore_search",
            )
        else:
            result[column] = {**bounds, **({"eq": values[0]} if values else {})}
    return result


def ckan_q(filters: tuple[Filter, ...]) -> dict[str, str]:
    """The preview's "contains" filters as CKAN's ``q`` by column: every word of every value
    given for a column must be in that column's cell."""
    words: dict[str, list[str]] = {}
    for f in filters:
        if f.op == "contains":
            words.setdefault(f.column, []).append(f.value)
    return {column: " ".join(values) for column, values in words.items()}


def _search_data(resource: Resource, state: TableState) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resource_id": str(resource.pk),
        "limit": state.rows,
        "offset": (state.page - 1) * state.rows,
    }
    by_column = ckan_q(state.filters)
    if by_column:
        # CKAN's q is the whole row's search or one per column, not both: the search box
        # then goes to full_text, which every row must also match.
        data["q"] = by_column
        if state.q:
            data["full_text"] = state.q
    elif state.q:
        data["q"] = state.q
    filters = ckan_filters(state.filters)
    if filters:
        data["filters"] = filters
    if state.sort:
        data["sort"] = f"{quote(state.sort)} {state.dir}"
    return data


def filter_op_labels() -> list[tuple[str, Any]]:
    return [
        ("eq", _("is exactly")),
        ("gte", _("is at least")),
        ("lte", _("is at most")),
        ("contains", _("contains (part of the value)")),
    ]


def download_url(resource: Resource, state: TableState) -> str:
    """The link to every row the state's search and filters match, as CSV, in its order."""
    url = tenant_reverse(
        "catalog:resource_rows_csv",
        resource.municipality,
        {"name": resource.dataset.name, "resource_id": resource.pk},
    )
    params = TableState(q=state.q, filters=state.filters, sort=state.sort, dir=state.dir).query()
    return f"{url}?{urlencode(params)}" if params else url


def rows_download(
    *, request: HttpRequest, resource: Resource, table: Any, params: QueryDict
) -> tuple[list[str], Iterator[list[Any]]]:
    """The columns and every row the GET parameters' search, filters and sort match (see
    :func:`download_url`); ``Invalid`` saying why when a parameter cannot be used."""
    fields = list(table.fields)
    form = TablePreviewForm(params, fields=fields)
    state, errors = _read_state(form, [f["id"] for f in fields if f["id"] != "_id"])
    if errors:
        raise Invalid(" ".join(errors), code="datastore_search")
    data = _search_data(resource, state)
    data.pop("limit"), data.pop("offset")
    return selectors.datastore_rows(
        municipality=request.municipality,  # type: ignore[attr-defined]
        viewer=request.user,
        data=data,
    )


def table_preview(
    *, request: HttpRequest, resource: Resource, table: Any, params: QueryDict
) -> TablePreview:
    """The rows the GET parameters ask for, or the first page with a message for each
    parameter that could not be used."""
    fields = list(table.fields)
    form = TablePreviewForm(params, fields=fields, auto_id="preview-%s")
    state, errors = _read_state(form, [f["id"] for f in fields if f["id"] != "_id"])

    def search(state: TableState) -> dict[str, Any]:
        return selectors.datastore_search(
            municipality=request.municipality,  # type: ignore[attr-defined]
            viewer=request.user,
            data=_search_data(resource, state),
        )

    try:
        result = search(state)
    except Invalid as exc:
        # A filter value not of its column's type, a term that cannot be read: say so and
        # show the rows without the search and filter.
        errors += error_messages(exc)
        state = TableState(rows=state.rows, sort=state.sort, dir=state.dir)
        try:
            result = search(state)
        except Invalid as again:
            # Even the plain page failed (a sort of millions of rows stopped by the time
            # limit): the message and the columns, no rows, rather than an error page.
            errors += [m for m in error_messages(again) if m not in errors]
            state = TableState(rows=state.rows)
            result = {"fields": [dict(f) for f in table.fields], "records": [], "total": 0}
    total = int(result.get("total") or 0)
    pages = max(1, math.ceil(total / state.rows))
    if state.page > pages:
        errors.append(
            _("There is no page %(page)s: the rows fill %(pages)s pages. The last page is shown.")
            % {"page": state.page, "pages": pages}
        )
        state.page = pages
        result = search(state)

    def link(**changes: Any) -> str:
        return "?" + urlencode(state.query(**changes)) + "#preview-table"

    filters = [
        {
            "column": f.column,
            "op": f.op,
            "value": f.value,
            "remove_url": link(filters=tuple(g for g in state.filters if g != f), page=1),
        }
        for f in state.filters
    ]

    columns = []
    for column in result_columns(result["fields"]):
        name = column["id"]
        sorted_here = state.sort == name
        next_dir = "desc" if sorted_here and state.dir == "asc" else "asc"
        columns.append(
            {
                **column,
                "aria_sort": ("ascending" if state.dir == "asc" else "descending")
                if sorted_here
                else "",
                "sort_url": link(sort=name, dir=next_dir, page=1),
                "next_dir": next_dir,
            }
        )
    rows = [result_row(record, columns) for record in result["records"]]
    offset = (state.page - 1) * state.rows
    api_params = _search_data(resource, state)
    return TablePreview(
        form=form,
        state=state,
        errors=errors,
        columns=columns,
        rows=rows,
        total=total,
        pages=pages,
        first=offset + 1 if rows else 0,
        last=offset + len(rows),
        prev_url=link(page=state.page - 1) if state.page > 1 else "",
        next_url=link(page=state.page + 1) if state.page < pages else "",
        api_url=api_url(request, "datastore_search", api_params),
        csv_url=api_url(request, "datastore_search", {**api_params, "records_format": "csv"}),
        download_url=download_url(resource, state),
        ops=tuple((op, str(label)) for op, label in filter_op_labels()),
        download_capped=total > selectors.DATASTORE_DOWNLOAD_ROWS_MAX,
        filters=filters,
    )


# --------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------


def chart_form(table: Any, params: QueryDict) -> ChartForm:
    return ChartForm(params or None, fields=list(table.fields), auto_id="chart-%s")


def _chart_sql(
    resource: Resource, table: Any, kind: str, x: str, y: str, agg: str
) -> tuple[str, bool]:
    types = {f["id"]: f["type"] for f in table.fields}
    ranked = kind == "bar" and types.get(x) not in ORDERED_TYPES
    label = quote(x)
    source = quote(str(resource.pk))
    if agg == "none":
        order = '"_v" DESC, "_id"' if ranked else f'{label} ASC NULLS LAST, "_id"'
        sql = (
            f'SELECT {label} AS "_x", {quote(y)} AS "_v", count(*) OVER () AS "_n" '  # noqa: S608
            f"FROM {source} WHERE {quote(y)} IS NOT NULL ORDER BY {order} LIMIT {POINTS_MAX}"
        )
        return sql, ranked
    value = {"count": "count(*)", "sum": f"sum({quote(y)})", "mean": f"avg({quote(y)})"}[agg]
    order = '"_v" DESC NULLS LAST, "_x" ASC NULLS LAST' if ranked else '"_x" ASC NULLS LAST'
    sql = (
        f'SELECT {label} AS "_x", {value} AS "_v", count(*) OVER () AS "_n" '  # noqa: S608
        f"FROM {source} GROUP BY {label} ORDER BY {order} LIMIT {POINTS_MAX}"
    )
    return sql, ranked


def chart(*, request: HttpRequest, resource: Resource, table: Any, form: ChartForm) -> Chart:
    """The figures of a valid chart form, read with ``datastore_search_sql`` (whose link
    the page shows); ``Invalid`` when the query is refused."""
    data = form.cleaned_data
    kind, x, y, agg = data["kind"], data["x"], data.get("y") or "", data["agg"]
    if agg == "count":
        y = ""
    sql, ranked = _chart_sql(resource, table, kind, x, y, agg)
    result = selectors.datastore_search_sql(
        municipality=request.municipality,  # type: ignore[attr-defined]
        viewer=request.user,
        sql=sql,
    )
    records = result["records"]
    available = int(records[-1]["_n"]) if records else 0
    labels, values = figures((record["_x"], record["_v"]) for record in records)
    return Chart(
        kind=kind,
        x=x,
        y=y,
        agg=agg,
        labels=labels,
        values=values,
        available=available,
        ranked=ranked,
        y_label=y if agg in ("none", "sum", "mean") else _("Rows"),
        sql=sql,
        sql_url=api_url(request, "datastore_search_sql", {"sql": sql}),
        x_type=next((f["type"] for f in table.fields if f["id"] == x), ""),
    )


def chart_query(form: ChartForm) -> str:
    """The chart's GET parameters (for its links, its image and its embed page)."""
    data = form.cleaned_data
    params = {"kind": data["kind"], "x": data["x"], "agg": data["agg"]}
    if data.get("y") and data["agg"] != "count":
        params["y"] = data["y"]
    return urlencode(params)
