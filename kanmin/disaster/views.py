from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kanmin.core.errors import Invalid
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.disaster import backtest, charts, criteria, selectors
from kanmin.disaster.forms import CriteriaForm
from kanmin.disaster.models import Station, StationKind

# Who may see the criteria pages: those who may read the observations.
VIEW_PERMISSION = "disaster.view_observation"
CHART_HOURS = 24


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    if not allowed(request.user, VIEW_PERMISSION, _municipality(request)):
        return render(request, "403.html", status=403)
    return None


@tenant_view
@login_required
@require_GET
def criteria_index(request: HttpRequest) -> HttpResponse:
    """The stations whose history can be analysed, each linked to its criteria page."""
    if (denied := _forbidden(request)) is not None:
        return denied
    municipality = _municipality(request)
    stations = selectors.station_list(municipality=municipality).filter(
        kind__in=backtest.ANALYSED_KINDS
    )
    levels = selectors.reference_levels_for(stations)
    rows = [{"station": s, "levels": levels.get(s.pk)} for s in stations]
    return render(request, "disaster/criteria_index.html", {"rows": rows})


def _analyse(
    request: HttpRequest, station: Station
) -> tuple[CriteriaForm, backtest.Analysis | None, str]:
    """The page's form and the analysis for what it asks (without a candidate the form
    refused); or None and why the station cannot be analysed."""
    municipality = _municipality(request)
    # Always bound, the defaults filled in, so that the form shows what was used.
    form = CriteriaForm({**CriteriaForm.DEFAULTS, **request.GET.dict()})
    rule = form.rule()
    lead_hours, percentile = form.lead_hours_value(), form.percentile_value()
    try:
        try:
            analysis = backtest.analyse(
                municipality=municipality,
                station=station,
                rules=[rule] if rule is not None else [],
                lead_hours=lead_hours,
                percentile=percentile,
            )
        except Invalid as exc:
            if exc.code != "rule_below_base":
                raise
            exc.add_to_form(form)
            analysis = backtest.analyse(
                municipality=municipality,
                station=station,
                lead_hours=lead_hours,
                percentile=percentile,
            )
    except Invalid as exc:
        return form, None, str(exc.message)
    return form, analysis, ""


def _result_text(outcome: criteria.Outcome) -> str:
    if outcome.result == criteria.HIT:
        return _("hit, %(minutes)s min ahead") % {"minutes": outcome.lead_minutes}
    if outcome.result == criteria.MISS:
        if outcome.fired_at is None:
            return _("miss: did not fire")
        return _("miss: fired %(minutes)s min after the crossing") % {
            "minutes": -(outcome.lead_minutes or 0)
        }
    if outcome.result == criteria.FALSE_ALARM:
        return pgettext("criteria", "false alarm")
    return pgettext("criteria", "quiet")


def _event_label(moment: dt.datetime) -> str:
    return backtest.when(moment)[:10]


def _context(analysis: backtest.Analysis) -> dict[str, Any]:
    """What the template shows, worked out here so that the template only lays it out."""
    levels = analysis.levels or criteria.Levels()
    events = analysis.events
    outcome_rows = []
    for i, event in enumerate(events):
        cells = [
            {"result": s.outcomes[i].result, "text": _result_text(s.outcomes[i])}
            for s in analysis.scores
        ]
        first = analysis.scores[0].outcomes[i] if analysis.scores else None
        outcome_rows.append(
            {
                "event": event,
                "label": _event_label(event.start),
                "crossing": backtest.when(first.crossing_at) if first else "",
                "needed": bool(first and first.needed),
                "cells": cells,
            }
        )
    reviews = []
    for review in analysis.reviews:
        if not (review.checks or review.missing):
            continue
        reviews.append(
            {
                "event": review.event,
                "label": _event_label(review.event.start),
                "crossings": [
                    {
                        "name": backtest.LEVEL_NAMES[c.name],
                        "up": backtest.when(c.up_at),
                        "down": backtest.when(c.down_at),
                    }
                    for c in review.crossings
                    if c.up_at is not None
                ],
                "checks": [
                    {
                        "when": backtest.when(c.decision.decided_at),
                        "action": pgettext("criteria", "Issued")
                        if c.decision.action == criteria.ISSUE
                        else pgettext("criteria", "Lifted"),
                        "order": backtest.ORDER_NAMES.get(c.decision.level, c.decision.level),
                        "area": c.decision.area,
                        "verdict": backtest.verdict_text(c),
                        "late": c.verdict == criteria.LATE,
                    }
                    for c in review.checks
                ],
                "missing": [backtest.missing_text(m) for m in review.missing],
            }
        )
    late = sum(c.verdict == criteria.LATE for r in analysis.reviews for c in r.checks)
    return {
        "levels": [(backtest.LEVEL_NAMES[n], v) for n, v in levels.defined()],
        "proposals": [backtest.proposal_text(p) for p in analysis.proposals],
        "outcome_rows": outcome_rows,
        "reviews": reviews,
        "late_count": late,
        "missing_count": sum(len(r.missing) for r in analysis.reviews),
        "outside": analysis.outside,
        "has_decisions": bool(analysis.decisions),
    }


@tenant_view
@login_required
@require_GET
def station_criteria(request: HttpRequest, code: str) -> HttpResponse:
    """A station's events, proposed thresholds, back-test and post-event review."""
    if (denied := _forbidden(request)) is not None:
        return denied
    municipality = _municipality(request)
    station = selectors.station_get(municipality=municipality, code=code)
    form, analysis, problem = _analyse(request, station)
    query = request.GET.urlencode()
    chart_url = tenant_reverse("disaster:station_criteria_chart", municipality, {"code": code})
    context: dict[str, Any] = {
        "station": station,
        "form": form,
        "analysis": analysis,
        "problem": problem,
        "chart_url": chart_url + (f"?{query}" if query else ""),
        "river": station.kind == StationKind.RIVER,
    }
    if analysis is not None:
        context.update(_context(analysis))
    return render(request, "disaster/station_criteria.html", context)


def _chart(analysis: backtest.Analysis, form: CriteriaForm) -> bytes:
    series = analysis.series
    if analysis.river:
        window = dt.timedelta(hours=CHART_HOURS)
        events = [
            (
                _event_label(e.start),
                series.index_of(e.peak_at - window),
                series.index_of(e.peak_at + window + dt.timedelta(seconds=1)) - 1,
                e.peak_at.timestamp(),
            )
            for e in analysis.events
        ]
        levels = analysis.levels or criteria.Levels()
        lines = [charts.Line(str(backtest.LEVEL_NAMES[n]), v) for n, v in levels.defined()]
        candidate = form.rule()
        proposed = next((p for p in analysis.proposals if p.name == "evacuation"), None)
        if candidate is not None and candidate in analysis.rules:
            lines.append(charts.Line(pgettext("criteria", "Candidate"), candidate.level, rule=True))
        elif proposed is not None and proposed.value is not None:
            lines.append(charts.Line(pgettext("criteria", "Proposed"), proposed.value, rule=True))
        return charts.events_chart(
            series=series,
            events=events,
            lines=lines,
            x_label=_("Hours from the peak"),
            y_label=pgettext("criteria", "Water level (m)"),
            hours_before=CHART_HOURS,
            hours_after=CHART_HOURS,
        )
    rain = [
        (_event_label(e.start), e.first, e.last, e.start.timestamp()) for e in analysis.rain_events
    ]
    return charts.events_chart(
        series=series,
        events=rain,
        lines=[],
        x_label=_("Hours from the start of the rain"),
        y_label=_("Rain since the start (mm)"),
        cumulative=True,
    )


@tenant_view
@login_required
@require_GET
def station_criteria_chart(request: HttpRequest, code: str) -> HttpResponse:
    if (denied := _forbidden(request)) is not None:
        return denied
    station = selectors.station_get(municipality=_municipality(request), code=code)
    form, analysis, problem = _analyse(request, station)
    if analysis is None:
        return HttpResponse(problem, status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(_chart(analysis, form), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Content-Language"] = get_language() or "ja"
    return response
