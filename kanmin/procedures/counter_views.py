"""Counter (窓口) pages: reception issues tickets, desks call and serve them, the public display
shows the numbers called, managers see the waiting and service times; and the work analysis
(the event log and its bottlenecks).

Views only read the request, call a service or a selector and render; the rules are in
``counter_services``, the figures in ``counter_stats`` and ``event_log``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kanmin.accounts.access import operator_page
from kanmin.core.errors import KanminError
from kanmin.core.forms import perform, submit
from kanmin.core.permissions import allowed
from kanmin.core.spreadsheet import write_rows
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.procedures import (
    counter_charts,
    counter_selectors,
    counter_services,
    counter_stats,
    event_log,
)
from kanmin.procedures.counter_forms import (
    BprChangeForm,
    CallNextForm,
    ReceptionForm,
    StatsFilterForm,
)
from kanmin.procedures.models import CounterVisit

ISSUE_PERM = "procedures.add_countervisit"
DESK_PERM = "procedures.change_countervisit"
# The managers' pages (statistics, BPR changes, the event log): the procedures manager and the
# municipality's administrators.
MANAGE_PERM = "procedures.view_bprchange"
STEPS = {
    "serve": counter_services.visit_serve,
    "hold": counter_services.visit_hold,
    "resume": counter_services.visit_resume,
    "complete": counter_services.visit_complete,
    "left": counter_services.visit_left,
}
DISPLAY_REFRESH_SECONDS = 5
DISPLAY_FALLBACK_REFRESH_SECONDS = 10
DESK_REFRESH_SECONDS = 10  # the desk's lists of residents on hold and waiting (JavaScript)
DESK_FALLBACK_REFRESH_SECONDS = 30  # the whole desk page, without JavaScript


def _m(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# Reception and the ticket
# ------------------------------------------------------------------------------------------


@operator_page(ISSUE_PERM, methods=("GET", "POST"))
def reception(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    form = ReceptionForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        visit = submit(
            form,
            lambda: counter_services.visit_issue(
                municipality=municipality,
                actor=request.user,
                procedures=list(form.cleaned_data["procedures"]),
                channel=form.cleaned_data["channel"],
            ),
        )
        if visit is not None:
            return redirect(
                tenant_reverse("procedures:counter_ticket", municipality, {"pk": visit.pk})
            )
    return render(
        request,
        "procedures/counter/reception.html",
        {
            "municipality": municipality,
            "form": form,
            "waiting": len(counter_selectors.waiting_list(municipality=municipality)),
        },
        status=422 if form.errors else 200,
    )


@operator_page(ISSUE_PERM)
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _m(request)
    visit = counter_selectors.visit_get(municipality=municipality, pk=pk)
    ahead = (
        CounterVisit.all_tenants.filter(
            municipality=municipality,
            issued_on=visit.issued_on,
            state=CounterVisit.State.WAITING,
            issued_at__lt=visit.issued_at,
        ).count()
        if visit.state == CounterVisit.State.WAITING
        else 0
    )
    return render(
        request,
        "procedures/counter/ticket.html",
        {"municipality": municipality, "visit": visit, "ahead": ahead},
    )


# ------------------------------------------------------------------------------------------
# The desk
# ------------------------------------------------------------------------------------------


def _desk_url(municipality: Any, desk: str) -> str:
    url = tenant_reverse("procedures:counter_desk", municipality)
    return f"{url}?{urlencode({'desk': desk})}" if desk else url


@operator_page(DESK_PERM)
def desk(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    desk_name = (request.GET.get("desk") or request.session.get("counter_desk") or "")[:40]
    if request.GET.get("desk"):
        request.session["counter_desk"] = desk_name
    return _desk_page(
        request,
        desk_name,
        CallNextForm(initial={"desk": desk_name}, municipality=municipality),
        # The page follows the queue by itself, unless asked not to (?refresh=0).
        refresh=request.GET.get("refresh") != "0",
    )


def _desk_page(
    request: HttpRequest,
    desk_name: str,
    form: CallNextForm,
    status: int = 200,
    *,
    refresh: bool = False,
) -> HttpResponse:
    """The desk page; ``refresh``: it follows the queue by itself (not when it shows a form's
    errors, which a reload would lose)."""
    municipality = _m(request)
    stop = {"refresh": "0", **({"desk": desk_name} if desk_name else {})}
    response = render(
        request,
        "procedures/counter/desk.html",
        {
            "municipality": municipality,
            "desk": desk_name,
            "form": form,
            "current": counter_selectors.desk_visit(municipality=municipality, desk=desk_name),
            "on_hold": counter_selectors.on_hold_list(municipality=municipality),
            "waiting": counter_selectors.waiting_list(municipality=municipality),
            "display_url": tenant_reverse("procedures:counter_display", municipality),
            "waiting_actions": [("call", _("Call to this desk"))],
            "called_actions": [("serve", _("Start serving")), ("left", _("Did not come"))],
            "serving_actions": [("hold", _("Put on hold")), ("complete", _("Complete"))],
            "hold_actions": [
                ("resume", _("Resume")),
                ("complete", _("Complete")),
                ("left", _("Left")),
            ],
            "refresh": DESK_FALLBACK_REFRESH_SECONDS if refresh else None,
            "poll_ms": DESK_REFRESH_SECONDS * 1000,
            "stop_url": f"{tenant_reverse('procedures:counter_desk', municipality)}?"
            + urlencode(stop),
        },
        status=status,
    )
    response["Cache-Control"] = "no-cache"
    return response


@operator_page(DESK_PERM, methods=("POST",))
def call_next(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    form = CallNextForm(request.POST, municipality=municipality)
    visit = submit(
        form,
        lambda: counter_services.visit_call_next(
            municipality=municipality,
            actor=request.user,
            desk=form.cleaned_data["desk"],
            procedures=[form.cleaned_data["procedure"]] if form.cleaned_data["procedure"] else [],
        ),
    )
    desk_name = (request.POST.get("desk") or "").strip()[:40]
    if visit is None:
        return _desk_page(request, desk_name, form, status=409 if form.errors else 422)
    request.session["counter_desk"] = desk_name
    messages.success(
        request,
        _("Ticket %(number)d called to desk %(desk)s.")
        % {"number": visit.number, "desk": visit.desk},
    )
    return redirect(_desk_url(municipality, desk_name))


@operator_page(DESK_PERM, methods=("POST",))
def visit_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    municipality = _m(request)
    visit = counter_selectors.visit_get(municipality=municipality, pk=pk)
    desk_name = (request.POST.get("desk") or visit.desk or "").strip()[:40]
    if step == "call":
        moved = perform(
            request,
            lambda: counter_services.visit_call(
                municipality=municipality, actor=request.user, visit=visit, desk=desk_name
            ),
        )
    elif step in STEPS:
        moved = perform(
            request,
            lambda: STEPS[step](
                municipality=municipality,
                actor=request.user,
                visit=visit,
                desk=desk_name or None,
            ),
        )
    else:
        return HttpResponse(status=404)
    if moved is not None:
        messages.success(
            request,
            _("Ticket %(number)d: %(step)s.")
            % {"number": visit.number, "step": counter_services.STEP_LABELS[step]},
        )
    return redirect(_desk_url(municipality, desk_name))


# ------------------------------------------------------------------------------------------
# The public display
# ------------------------------------------------------------------------------------------


@tenant_view
@require_GET
def display(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    response = render(
        request,
        "procedures/counter/display.html",
        {
            "municipality": municipality,
            "state": counter_selectors.display_state(municipality=municipality),
            "json_url": tenant_reverse("procedures:counter_display_json", municipality),
            "refresh": DISPLAY_FALLBACK_REFRESH_SECONDS,
            "poll_ms": DISPLAY_REFRESH_SECONDS * 1000,
        },
    )
    response["Cache-Control"] = "no-cache"
    return response


@tenant_view
@require_GET
def display_json(request: HttpRequest) -> JsonResponse:
    state = counter_selectors.display_state(municipality=_m(request))
    response = JsonResponse(
        {
            "called": [{"number": v["number"], "desk": v["desk"]} for v in state["called"]],
            "waiting": state["waiting"],
        }
    )
    response["Cache-Control"] = "no-cache"
    return response


# ------------------------------------------------------------------------------------------
# Managers: statistics, charts, BPR changes
# ------------------------------------------------------------------------------------------


def _stats_query(request: HttpRequest) -> tuple[StatsFilterForm, counter_stats.StatsQuery]:
    municipality = _m(request)
    form = StatsFilterForm(request.GET or None, municipality=municipality)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    try:
        query = counter_stats.stats_query(
            municipality=municipality,
            first=data.get("start"),
            last=data.get("end"),
            procedure_code=data["procedure"].code if data.get("procedure") else None,
            change_id=data["change"].pk if data.get("change") else None,
        )
    except KanminError as exc:
        form.add_error("end", str(exc.fields.get("to", [exc.message])[0]))
        query = counter_stats.stats_query(
            municipality=municipality, first=None, last=None, procedure_code=None, change_id=None
        )
    return form, query


def _procedure_label(names: dict[str, Any], code: str) -> str:
    procedure = names.get(code)
    return procedure.name_ja if procedure is not None else code


@operator_page(MANAGE_PERM)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    form, query = _stats_query(request)
    report = counter_stats.counter_report(municipality=municipality, query=query)
    names = counter_stats.procedure_names(municipality=municipality)
    query_string = request.GET.urlencode()
    return render(
        request,
        "procedures/counter/dashboard.html",
        {
            "municipality": municipality,
            "form": form,
            "report": report,
            "by_procedure": [
                (_procedure_label(names, code), code, figures)
                for code, figures in report["by_procedure"].items()
            ],
            "by_hour": list(report["by_hour"].items()),
            "comparison": (report["bpr_change"] or {}).get("comparison"),
            "changes": counter_stats.bpr_change_list(municipality=municipality),
            "bpr_form": BprChangeForm(municipality=municipality),
            "can_record": allowed(request.user, "procedures.add_bprchange", municipality),
            "query_string": query_string,
            "api_url": f"/api/v1/m/{municipality.lg_code}/counter/stats",
        },
    )


def _svg(svg: bytes) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@operator_page(MANAGE_PERM)
def dashboard_chart(request: HttpRequest, kind: str) -> HttpResponse:
    municipality = _m(request)
    _form, query = _stats_query(request)
    report = counter_stats.counter_report(municipality=municipality, query=query)
    minutes = _("Minutes (bar: median, tick: 90th percentile)")
    if kind in ("procedure-wait", "procedure-service"):
        names = counter_stats.procedure_names(municipality=municipality)
        measure = "wait" if kind == "procedure-wait" else "service"
        groups = report["by_procedure"]
        categories = [_procedure_label(names, code) for code in groups]
        series = [
            counter_charts.Series(
                _("Waiting time") if measure == "wait" else _("Service time"),
                [g[measure]["median"] for g in groups.values()],
                [g[measure]["p90"] for g in groups.values()],
            )
        ]
    elif kind == "hour":
        groups = report["by_hour"]
        categories = [f"{hour}:00–" for hour in groups]
        series = [
            counter_charts.Series(
                _("Waiting time"),
                [g["wait"]["median"] for g in groups.values()],
                [g["wait"]["p90"] for g in groups.values()],
            ),
            counter_charts.Series(
                _("Service time"),
                [g["service"]["median"] for g in groups.values()],
                [g["service"]["p90"] for g in groups.values()],
            ),
        ]
    elif kind == "bpr":
        comparison = (report["bpr_change"] or {}).get("comparison")
        if not comparison:
            return HttpResponse(status=404)
        labels = {
            "wait": _("Waiting time"),
            "service": _("Service time"),
            "hold": _("Hold time"),
            "stay": _("Total stay"),
        }
        categories = [str(labels[m]) for m in counter_stats.MEASURES]
        series = [
            counter_charts.Series(
                _("Before (n=%(n)d)") % {"n": comparison[side]["counts"]["issued"]}
                if side == "before"
                else _("After (n=%(n)d)") % {"n": comparison[side]["counts"]["issued"]},
                [comparison[side]["overall"][m]["median"] for m in counter_stats.MEASURES],
                [comparison[side]["overall"][m]["p90"] for m in counter_stats.MEASURES],
            )
            for side in ("before", "after")
        ]
    else:
        return HttpResponse(status=404)
    return _svg(
        counter_charts.bar_chart(
            categories=categories,
            series=series,
            value_label=minutes,
            p90_label=_("90th percentile"),
        )
    )


@operator_page("procedures.add_bprchange", methods=("POST",))
def bpr_new(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    form = BprChangeForm(request.POST, municipality=municipality)
    change = submit(
        form,
        lambda: counter_services.bpr_change_record(
            municipality=municipality,
            actor=request.user,
            effective_on=form.cleaned_data["effective_on"],
            description=form.cleaned_data["description"],
            procedures=list(form.cleaned_data["procedures"]),
        ),
    )
    if change is None:
        return render(
            request,
            "procedures/counter/bpr_new.html",
            {"municipality": municipality, "bpr_form": form},
            status=422,
        )
    messages.success(request, _("The change is recorded."))
    url = tenant_reverse("procedures:counter_dashboard", municipality)
    return redirect(f"{url}?{urlencode({'change': change.pk})}")


# ------------------------------------------------------------------------------------------
# Work analysis: the event log and the bottlenecks
# ------------------------------------------------------------------------------------------


def _log_range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    municipality = _m(request)
    form = StatsFilterForm(request.GET or None, municipality=municipality)
    first, last = counter_stats.default_range(municipality=municipality)
    if form.is_valid():
        first = form.cleaned_data.get("start") or first
        last = form.cleaned_data.get("end") or last
    if first > last or (last - first).days > 366:
        first, last = counter_stats.default_range(municipality=municipality)
    return first, last


@operator_page(MANAGE_PERM)
def event_log_csv(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    first, last = _log_range(request)
    buffer = io.StringIO()
    write_rows(
        buffer,
        [
            event_log.COLUMNS,
            *(
                e.cells()
                for e in event_log.event_log(municipality=municipality, first=first, last=last)
            ),
        ],
    )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="event-log-{municipality.lg_code}-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
    )
    return response


@operator_page(MANAGE_PERM)
def bottlenecks(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    first, last = _log_range(request)
    analysis = event_log.bottlenecks(
        event_log.event_log(municipality=municipality, first=first, last=last)
    )
    names = counter_stats.procedure_names(municipality=municipality)
    return render(
        request,
        "procedures/counter/bottlenecks.html",
        {
            "municipality": municipality,
            "first": first,
            "last": last,
            "analysis": [
                (code, _procedure_label(names, code), transitions)
                for code, transitions in analysis.items()
            ],
            "query_string": urlencode({"start": first.isoformat(), "end": last.isoformat()}),
        },
    )


@operator_page(MANAGE_PERM)
def bottleneck_chart(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _m(request)
    first, last = _log_range(request)
    analysis = event_log.bottlenecks(
        event_log.event_log(municipality=municipality, first=first, last=last)
    )
    transitions = analysis.get(code)
    if not transitions:
        return HttpResponse(status=404)
    return _svg(
        counter_charts.bar_chart(
            categories=[f"{t.step_from} → {t.step_to} ({t.source})" for t in transitions],
            series=[
                counter_charts.Series(_("Median"), [t.median for t in transitions]),
                counter_charts.Series(_("Mean"), [t.mean for t in transitions]),
            ],
            value_label=_("Minutes between the steps"),
            highlight=next(i for i, t in enumerate(transitions) if t.slowest),
        )
    )
