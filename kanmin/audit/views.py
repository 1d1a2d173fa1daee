"""The municipality's audit log for its auditors: a page with filters and a CSV export (the
export itself is an entry of the log)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanmin.audit import selectors
from kanmin.audit.forms import LogFilterForm
from kanmin.audit.models import AuditEvent
from kanmin.audit.services import access_record
from kanmin.core.spreadsheet import safe_cell
from kanmin.core.tenancy import staff_view

PERMISSION = "audit.review_auditevent"
PAGE_SIZE = 50
CSV_COLUMNS = [
    "seq",
    "time",
    "kind",
    "action",
    "label",
    "actor",
    "actor_id",
    "object_type",
    "object_id",
    "object",
    "ip_address",
    "details",
    "changes",
    "prev_hash",
    "hash",
]


def _filters(request: HttpRequest) -> tuple[LogFilterForm, dict[str, Any]]:
    form = LogFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, {"kind": data["kind"], "since": data["since"], "until": data["until"]}
    return form, {"kind": "", "since": None, "until": None}


def _row(event: AuditEvent) -> dict[str, Any]:
    extra = (event.changes or {}).get("extra") or {}
    return {
        "event": event,
        "kind": selectors.kind_of(event.action),
        "label": selectors.action_label(event.action),
        "details": selectors.describe(event),
        "ip_address": extra.get("ip_address", ""),
    }


def _page(request: HttpRequest, form: LogFilterForm, filters: dict[str, Any]) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    paginator = Paginator(selectors.log_list(municipality=municipality, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "municipality": municipality,
            "form": form,
            "page": page,
            "rows": [_row(event) for event in page.object_list],
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@staff_view(PERMISSION)
def log(request: HttpRequest) -> HttpResponse:
    """The municipality's audit log, newest first, for its auditors."""
    form, filters = _filters(request)
    return _page(request, form, filters)


def _csv_lines(rows: Iterator[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # a BOM, so that Excel reads UTF-8
    for event in rows:
        row = _row(event)
        buffer.seek(0)
        buffer.truncate()
        values = [
            event.seq,
            timezone.localtime(event.created_at).isoformat(),
            row["kind"].slug,
            event.action,
            row["label"],
            event.actor_name,
            event.actor_id if event.actor_id is not None else "",
            event.object_type,
            event.object_id,
            event.object_repr,
            row["ip_address"],
            row["details"],
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
            event.prev_hash,
            event.hash,
        ]
        writer.writerow([safe_cell(value) for value in values])
        yield buffer.getvalue()


@staff_view(PERMISSION)  # type: ignore[arg-type]  # a streamed file, not an HttpResponse
def log_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered entries as CSV (UTF-8 with BOM), oldest first; the export is recorded
    first, and the file holds the entries up to the one before it."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form, filters = _filters(request)
    if form.is_bound and not form.is_valid():
        return _page(request, form, filters)
    with transaction.atomic():
        queryset = selectors.log_list(municipality=municipality, **filters)
        count = queryset.count()
        newest = queryset.values_list("seq", flat=True).first() or 0
        event = access_record(
            actor=request.user,
            municipality=municipality,
            action="audit.export",
            extra={
                "format": "csv",
                "kind": filters["kind"] or "",
                "since": filters["since"].isoformat() if filters["since"] else "",
                "until": filters["until"].isoformat() if filters["until"] else "",
                "rows": count,
            },
        )
    rows = queryset.filter(seq__lte=newest).order_by("seq").iterator()
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(event.created_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="{municipality.lg_code}_audit_log_{stamp}.csv"'
    )
    return response
