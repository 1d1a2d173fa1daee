"""Pages of disaster information: the operators' live dashboard, decisions, official
information and rules (staff), and the residents' page, GeoJSON and feeds (public)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kanmin.core.errors import Invalid, KanminError
from kanmin.core.language import ja_or_en
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.disaster import backtest, charts, criteria, rules, selectors, services, shelter_views
from kanmin.accounts.access import refusal
from kanmin.disaster.forms import (
    AnnotationForm,
    AreaFormSet,
    CriteriaForm,
    DecisionForm,
    LevelFormSet,
    OfficialInfoForm,
    RainCriteriaForm,
    RuleFormSet,
    RuleSetForm,
    area_initial,
    definition_from_forms,
)
from kanmin.disaster.models import Alert, Decision, Quality, Station, StationKind

VIEW_PERM = "disaster.view_decision"
# How old the evidence shown on the decision form may be when it is recorded.
EVIDENCE_MAX_AGE = dt.timedelta(hours=2)


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def _variant(request: HttpRequest) -> str:
    """ja, en or easy (やさしい日本語): ``?lang=`` first, else the page's language."""
    asked = request.GET.get("lang", "")
    if asked in ("ja", "en", "easy"):
        return asked
    return ja_or_en()


def _reference_rows(item: selectors.StationLevel) -> list[tuple[str, str, Any]]:
    if item.references is None:
        return []
    return [
        (key, str(rules.REFERENCE_NAMES[key]), value)
        for key, value in item.references.as_dict().items()
        if value is not None
    ]


# ------------------------------------------------------------------------------------------
# Staff: the live dashboard
# ------------------------------------------------------------------------------------------


@tenant_view
@login_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    if (denied := refusal(request, VIEW_PERM)) is not None:
        return denied
    ruleset = selectors.ruleset_in_force(municipality=municipality)
    items = selectors.station_levels(municipality, ruleset=ruleset)
    official = selectors.official_level(municipality, ruleset=ruleset)
    recent = selectors.observations_recent(
        municipality=municipality, stations=[i.station for i in items], hours=CHART_HOURS_LIVE
    )
    return render(
        request,
        "disaster/staff_dashboard.html",
        {
            "ruleset": ruleset,
            "items": [
                (item, _reference_rows(item), _chart_summary(recent.get(item.station.pk, [])))
                for item in items
            ],
            "map": charts.map_layout(items, bounds=_bounds(municipality)),
            "official": official,
            "alerts": selectors.alert_list(municipality=municipality, unacknowledged=True)[:50],
            "orders": selectors.orders_in_force(municipality),
            "decisions": list(
                selectors.decision_list(municipality, since=timezone.now() - dt.timedelta(days=30))
            )[-20:][::-1],
            "definition": ruleset.parsed,
            "can_decide": allowed(request.user, "disaster.add_decision", municipality),
            "can_acknowledge": allowed(request.user, "disaster.change_alert", municipality),
            **shelter_views.dashboard_context(request),
        },
    )


# The dashboard's charts: the last 72 hours of each station.
CHART_HOURS_LIVE = 72


def _chart_summary(readings: list[selectors.Reading]) -> dict[str, Any] | None:
    """What a station's chart shows, in words (its text alternative): how many readings, the
    highest, the lowest and the latest, with their times; None when it would draw nothing
    (then the page says so instead of showing empty axes). Suspect readings are left out,
    as the chart leaves them out."""
    shown = [r for r in readings if r.value is not None and r.quality != "suspect"]
    if not shown:
        return None
    return {
        "count": len(shown),
        "high": max(shown, key=lambda r: r.value),  # type: ignore[arg-type,return-value]
        "low": min(shown, key=lambda r: r.value),  # type: ignore[arg-type,return-value]
        "latest": shown[-1],
    }


def _bounds(municipality: Any) -> tuple[float, float, float, float] | None:
    edges = (
        municipality.area_south,
        municipality.area_west,
        municipality.area_north,
        municipality.area_east,
    )
    return None if any(e is None for e in edges) else edges  # type: ignore[return-value]


@tenant_view
@login_required
def station_chart(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality(request)
    if (denied := refusal(request, VIEW_PERM)) is not None:
        return denied
    station = selectors.station_get(municipality=municipality, code=code)
    hours = CHART_HOURS_LIVE
    series = selectors.observations_recent(
        municipality=municipality, stations=[station], hours=hours
    ).get(station.pk, [])
    refs = selectors.reference_levels_at(station=station)
    references = {
        key: (str(rules.REFERENCE_NAMES[key]), value)
        for key, value in (refs.as_dict().items() if refs else [])
        if value is not None
    }
    svg = charts.station_chart(
        readings=[(r.observed_at, r.value) for r in series if r.quality != "suspect"],
        references=references,
        unit=station.unit,
        time_label=_("Time"),
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@tenant_view
@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    if (denied := refusal(request, "disaster.change_alert")) is not None:
        return denied
    municipality = _municipality(request)
    alert = selectors.alert_get(municipality=municipality, pk=pk)
    try:
        services.alert_acknowledge(municipality=municipality, actor=request.user, alert=alert)
    except KanminError as exc:
        if exc.status == 403:
            return _forbidden(request)
        raise
    messages.success(request, _("The alert is marked as seen."))
    return redirect(tenant_reverse("disaster:staff_dashboard", municipality) + "#alerts")


# ------------------------------------------------------------------------------------------
# Staff: official information
# ------------------------------------------------------------------------------------------


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def official_info(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    if (denied := refusal(request, "disaster.view_officialinfo")) is not None:
        return denied
    definition = selectors.ruleset_in_force(municipality=municipality).parsed
    form = OfficialInfoForm(request.POST or None, definition=definition)
    can_enter = allowed(request.user, "disaster.add_officialinfo", municipality)
    status = 200
    if request.method == "POST":
        if not can_enter:
            return _forbidden(request)
        lift = request.POST.get("lift", "")
        if lift:
            info = selectors.official_info_get(
                municipality=municipality, pk=int(lift) if lift.isdigit() else 0
            )
            services.official_info_lift(municipality=municipality, actor=request.user, info=info)
            messages.success(request, _("Recorded as lifted."))
            return redirect(tenant_reverse("disaster:official_info", municipality))
        if form.is_valid():
            try:
                services.official_info_issue(
                    municipality=municipality, actor=request.user, **form.cleaned_data
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("Recorded: the levels are judged again."))
                return redirect(tenant_reverse("disaster:official_info", municipality))
        status = 422
    now = timezone.now()
    return render(
        request,
        "disaster/official_info.html",
        {
            "form": form,
            "can_enter": can_enter,
            "in_force": selectors.official_info_list(municipality=municipality, in_force_at=now),
            "history": selectors.official_info_list(municipality=municipality)[:50],
            "definition": definition,
            "now": now,
        },
        status=status,
    )


# ------------------------------------------------------------------------------------------
# Staff: decisions
# ------------------------------------------------------------------------------------------


def _chosen_stations(municipality: Any, codes: list[str], items: list[Any]) -> list[Any]:
    stations = [i.station for i in items]
    if codes:
        return [s for s in stations if s.code in set(codes)]
    # By default the stations that are at a level now.
    return [i.station for i in items if i.observed_level > 0]


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest) -> HttpResponse:
    """Record a decision; the page shows the evidence that will be frozen with it."""
    municipality = _municipality(request)
    if (denied := refusal(request, "disaster.add_decision")) is not None:
        return denied
    ruleset = selectors.ruleset_in_force(municipality=municipality)
    items = selectors.station_levels(municipality, ruleset=ruleset)
    all_stations = [i.station for i in items]
    data = request.POST if request.method == "POST" else None
    codes = (data or request.GET).getlist("stations")
    chosen = _chosen_stations(municipality, codes, items)
    status = 200
    if data is not None:
        form = DecisionForm(data, definition=ruleset.parsed, stations=all_stations)
        shown_at = parse_datetime(data.get("shown_at", "") or "")
        if form.is_valid():
            now = timezone.now()
            if shown_at is None or not now - EVIDENCE_MAX_AGE <= shown_at <= now:
                form.add_error(
                    None,
                    _(
                        "The evidence on this page is more than two hours old. Look at it "
                        "again (the page now shows the latest) and record the decision."
                    ),
                )
                shown_at = None
            else:
                try:
                    decision = services.decision_record(
                        municipality=municipality,
                        actor=request.user,
                        action=form.cleaned_data["action"],
                        level=form.level(),
                        kind=form.cleaned_data["kind"],
                        area=form.cleaned_data["area"],
                        area_codes=form.cleaned_data["area_codes"],
                        decided_at=form.cleaned_data["decided_at"],
                        stations=chosen,
                        shown_at=shown_at,
                        reason=form.cleaned_data["reason"],
                    )
                except KanminError as exc:
                    exc.add_to_form(form)
                else:
                    messages.success(request, _("The decision is recorded with its evidence."))
                    return redirect(
                        tenant_reverse(
                            "disaster:decision_detail", municipality, {"pk": decision.pk}
                        )
                    )
        status = 422
        shown_at = shown_at or timezone.now()
    else:
        shown_at = timezone.now().replace(microsecond=0)
        initial: dict[str, Any] = {"stations": [s.code for s in chosen]}
        top = max(items, key=lambda i: i.level, default=None)
        actions = ruleset.parsed.actions()
        if top is not None and top.level:
            match = next((lv for lv in actions if lv.level == top.level), None)
            if match:
                initial["kind"] = match.action_ja
        form = DecisionForm(initial=initial, definition=ruleset.parsed, stations=all_stations)
    if form.is_bound:
        bound = request.POST.copy()
        bound["shown_at"] = shown_at.isoformat()
        form.data = bound
    else:
        form.initial["shown_at"] = shown_at.isoformat()
    evidence = selectors.decision_evidence(
        municipality=municipality, stations=chosen, shown_at=shown_at
    )
    return render(
        request,
        "disaster/decision_new.html",
        {
            "form": form,
            "evidence": _evidence_view(evidence, ruleset.parsed),
            "ruleset": ruleset,
            "all_stations": all_stations,
            "chosen_codes": {s.code for s in chosen},
        },
        status=status,
    )


def _evidence_view(evidence: dict[str, Any], definition: rules.Definition) -> dict[str, Any]:
    """The evidence JSON with what a page needs to show it in the visitor's language."""
    english = ja_or_en() == "en"
    stations = []
    for entry in evidence.get("stations", []):
        rule = rules.RuleDef.from_json(entry["rule"]) if entry.get("rule") else None
        stations.append(
            {
                **entry,
                "name": (entry.get("name_en") if english else "") or entry["name_ja"],
                "name_is_japanese": not (english and entry.get("name_en")),
                "level_def": definition.level(entry["level"]),
                "rule_text": rule.describe() if rule else "",
                "area_text": definition.area_names(entry.get("areas") or []),
                "references": [
                    (str(rules.REFERENCE_NAMES[k]), v)
                    for k, v in (entry.get("reference_levels") or {}).items()
                    if v is not None
                ],
                # Times are kept as UTC ISO strings: shown in local time like every other.
                "latest": _latest_view(entry.get("latest")),
                "readings": [
                    (parse_datetime(t), v, _quality_label(q))
                    for t, v, q in entry.get("readings", [])
                ],
            }
        )
    fired = evidence.get("rule_fired")
    return {
        **evidence,
        "official_info": [
            {**info, "issued_at": parse_datetime(info["issued_at"])}
            for info in evidence.get("official_info", [])
        ],
        "shown_at_time": parse_datetime(evidence["shown_at"]),
        "stations": stations,
        "official_level_def": definition.level(evidence.get("official_level")),
        "fired_text": rules.RuleDef.from_json(fired).describe() if fired else "",
        "fired_station": (fired or {}).get("station"),
    }


def _latest_view(latest: dict[str, Any] | None) -> dict[str, Any] | None:
    if not latest:
        return None
    return {
        **latest,
        "observed_at": parse_datetime(latest["observed_at"]),
        "quality": _quality_label(latest.get("quality")),
    }


def _quality_label(code: Any) -> str:
    """A reading's quality in the page's language (the evidence keeps the code)."""
    try:
        return str(Quality(code).label)
    except ValueError:
        return str(code or "")


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = _municipality(request)
    if (denied := refusal(request, VIEW_PERM)) is not None:
        return denied
    decision = selectors.decision_get(municipality=municipality, pk=pk)
    form = AnnotationForm(request.POST or None)
    can_annotate = allowed(request.user, "disaster.add_decisionannotation", decision)
    status = 200
    if request.method == "POST":
        if not can_annotate:
            return _forbidden(request)
        if form.is_valid():
            try:
                services.decision_annotate(
                    municipality=municipality,
                    actor=request.user,
                    decision=decision,
                    text=form.cleaned_data["text"],
                )
            except KanminError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("The note is added."))
                return redirect(
                    tenant_reverse("disaster:decision_detail", municipality, {"pk": pk}) + "#notes"
                )
        status = 422
    definition = decision.ruleset.parsed
    return render(
        request,
        "disaster/decision_detail.html",
        {
            "decision": decision,
            "level_def": definition.level(decision.level),
            "evidence": _evidence_view(decision.evidence, definition),
            "annotations": selectors.decision_annotations(decision=decision),
            "form": form,
            "can_annotate": can_annotate,
        },
        status=status,
    )


# ------------------------------------------------------------------------------------------
# Staff: the rules
# ------------------------------------------------------------------------------------------


@tenant_view
@login_required
def rules_view(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    if (denied := refusal(request, "disaster.view_ruleset")) is not None:
        return denied
    raw = request.GET.get("version", "")
    if raw.isdigit():
        ruleset = selectors.ruleset_get(municipality=municipality, version=int(raw))
    else:
        ruleset = selectors.ruleset_in_force(municipality=municipality)
    return render(
        request,
        "disaster/rules.html",
        {
            "ruleset": ruleset,
            "definition": ruleset.parsed,
            "in_force": selectors.ruleset_in_force(municipality=municipality),
            "versions": selectors.ruleset_list(municipality=municipality),
            "can_edit": allowed(request.user, "disaster.add_ruleset", municipality),
            "hazards": rules.HAZARDS,
            "station_kinds": dict(StationKind.choices),
        },
    )


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    """Edit the rules: saving makes a new version; the earlier ones stay."""
    municipality = _municipality(request)
    if (denied := refusal(request, "disaster.add_ruleset")) is not None:
        return denied
    current = selectors.ruleset_in_force(municipality=municipality)
    definition = current.parsed
    data = request.POST if request.method == "POST" else None
    settings_form = RuleSetForm(
        data,
        initial={
            "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "stale_after_minutes": definition.stale_after_minutes,
        },
    )
    levels = LevelFormSet(
        data,
        prefix="levels",
        initial=[json.loads(json.dumps(lv.__dict__)) for lv in definition.levels],
    )
    rule_forms = RuleFormSet(data, prefix="rules", initial=[r.as_json() for r in definition.rules])
    # A form sent without the areas (an older page) keeps the areas in force.
    posted_areas = data if data is not None and "areas-TOTAL_FORMS" in data else None
    area_forms = AreaFormSet(posted_areas, prefix="areas", initial=area_initial(definition))
    problems: list[str] = []
    status = 200
    if data is not None:
        forms = (settings_form, levels, rule_forms, area_forms)
        forms_valid = [f.is_valid() for f in forms if f.is_bound]
        if all(forms_valid):
            try:
                saved = services.ruleset_save(
                    municipality=municipality,
                    actor=request.user,
                    definition=definition_from_forms(settings_form, levels, rule_forms, area_forms),
                    reason=settings_form.cleaned_data["reason"],
                    valid_from=settings_form.cleaned_data["valid_from"],
                )
            except KanminError as exc:
                problems = [str(p) for p in exc.fields.get("definition", [])]
                if not problems:
                    exc.add_to_form(settings_form)
            else:
                messages.success(
                    request,
                    _("Saved as version %(version)s.") % {"version": saved.version},
                )
                return redirect(tenant_reverse("disaster:rules", municipality))
        status = 422
    return render(
        request,
        "disaster/rules_edit.html",
        {
            "current": current,
            "settings_form": settings_form,
            "levels": levels,
            "rule_forms": rule_forms,
            "area_forms": area_forms,
            "problems": problems,
        },
        status=status,
    )


# ------------------------------------------------------------------------------------------
# Public: the residents' page, GeoJSON, feeds
# ------------------------------------------------------------------------------------------


@tenant_view
def public_home(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    variant = _variant(request)
    ruleset = selectors.ruleset_in_force(municipality=municipality)
    items = selectors.station_levels(municipality, ruleset=ruleset)
    open_shelters = shelter_views.open_shelters(municipality)
    context = {
        "items": items,
        "map": charts.map_layout(items, bounds=_bounds(municipality), shelters=open_shelters),
        "shelters": open_shelters,
        "orders": selectors.orders_in_force(municipality),
        "official": selectors.official_level(municipality, ruleset=ruleset),
        "definition": ruleset.parsed,
        "alerts": selectors.alert_list(
            municipality=municipality, since=timezone.now() - dt.timedelta(hours=24)
        )[:20],
        "now": timezone.now(),
        "easy": variant == "easy",
        # The feeds and GeoJSON linked from an English page answer in English too (a feed
        # reader sends no Accept-Language; without it they would answer in Japanese).
        "lang_query": "?lang=en" if variant == "en" else "",
    }
    if variant == "easy":
        return render(request, "disaster/public_easy.html", context)
    with translation.override(variant):
        return render(request, "disaster/public.html", context)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@tenant_view
def stations_geojson(request: HttpRequest) -> HttpResponse:
    """Each active station with its latest reading and level (GeoJSON, RFC 7946)."""
    municipality = _municipality(request)
    variant = _variant(request)
    features = []
    for item in selectors.station_levels(municipality):
        station = item.station
        geometry = None
        if station.latitude is not None and station.longitude is not None:
            geometry = {
                "type": "Point",
                "coordinates": [float(station.longitude), float(station.latitude)],
            }
        level = item.level_def
        features.append(
            {
                "type": "Feature",
                "id": station.code,
                "geometry": geometry,
                "properties": {
                    "code": station.code,
                    "name": station.name_ja,
                    "name_en": station.name_en,
                    "kind": station.kind,
                    "unit": station.unit,
                    "river": station.river_name,
                    "observed_at": item.latest.observed_at.isoformat() if item.latest else None,
                    "value": _number(item.latest.value) if item.latest else None,
                    "quality": item.latest.quality if item.latest else None,
                    "stale": item.stale,
                    "level": item.level,
                    "level_name": level.text("name", variant) if level else None,
                    "level_colour": level.colour if level else None,
                    "rule": item.rule.key if item.rule else None,
                    "reference_levels": (
                        {k: _number(v) for k, v in item.references.as_dict().items()}
                        if item.references
                        else None
                    ),
                },
            }
        )
    body = {"type": "FeatureCollection", "features": features}
    response = JsonResponse(
        body, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _feed_entries(municipality: Any, variant: str) -> list[dict[str, Any]]:
    """The orders, the level crossings and the shelters opened and closed of the last 7
    days, newest first, as text."""
    since = timezone.now() - dt.timedelta(days=7)
    entries: list[dict[str, Any]] = []
    template = "disaster/feed/entry_easy.txt" if variant == "easy" else "disaster/feed/entry.txt"
    # Entries lead to the residents' page in the feed's language.
    home = tenant_reverse("disaster:home", municipality) + _page_query(variant)
    decisions: list[Decision] = list(selectors.decision_list(municipality, since=since))
    alerts: list[Alert] = list(selectors.alert_list(municipality=municipality, since=since)[:100])
    with translation.override("ja" if variant == "easy" else variant):
        for decision in decisions:
            level = decision.ruleset.parsed.level(decision.level)
            text = render_to_string(
                template, {"decision": decision, "level": level, "municipality": municipality}
            ).strip()
            title, _sep, content = text.partition("\n")
            entries.append(
                {
                    "id": f"decision-{decision.pk}",
                    "title": title.strip(),
                    "content": content.strip() or title.strip(),
                    "time": decision.decided_at,
                    "url": f"{home}#order-{decision.pk}",
                    "tags": ["order", decision.action],
                }
            )
        for alert in alerts:
            level = alert.ruleset.parsed.level(alert.level_to)
            text = render_to_string(
                template, {"alert": alert, "level": level, "municipality": municipality}
            ).strip()
            title, _sep, content = text.partition("\n")
            entries.append(
                {
                    "id": f"alert-{alert.pk}",
                    "title": title.strip(),
                    "content": content.strip() or title.strip(),
                    "time": alert.raised_at,
                    "url": f"{home}#levels",
                    "tags": ["level", alert.direction],
                }
            )
        entries += shelter_views.feed_entries(municipality, variant, since=since, home=home)
    entries.sort(key=lambda e: e["time"], reverse=True)
    return entries[:100]


def _feed_title(municipality: Any, variant: str) -> str:
    if variant == "easy":
        return f"{municipality.name_ja} さいがいの おしらせ"
    with translation.override(variant):
        name = (
            municipality.name_en
            if variant == "en" and municipality.name_en
            else municipality.name_ja
        )
        return _("%(municipality)s: evacuation orders, warning levels and shelters") % {
            "municipality": name
        }


def _page_query(variant: str) -> str:
    return "" if variant == "ja" else f"?lang={variant}"


def _feed_language(variant: str) -> str:
    return "en" if variant == "en" else "ja"


@tenant_view
def feed(request: HttpRequest, fmt: str) -> HttpResponse:
    """The orders, level crossings and shelter openings and closings as Atom or JSON Feed
    1.1 (``?lang=ja|en|easy``)."""
    if fmt not in ("atom", "json"):
        raise Http404
    municipality = _municipality(request)
    variant = _variant(request)
    entries = _feed_entries(municipality, variant)
    page = request.build_absolute_uri(tenant_reverse("disaster:home", municipality))
    # The entries' ids stay the same in every variant; their links open the page in it.
    page_in_variant = page + _page_query(variant)
    suffix = f"?lang={variant}"
    title = _feed_title(municipality, variant)
    author = (
        municipality.name_en if variant == "en" and municipality.name_en else municipality.name_ja
    )
    if fmt == "json":
        feed_url = (
            request.build_absolute_uri(
                tenant_reverse("disaster:feed", municipality, {"fmt": "json"})
            )
            + suffix
        )
        body = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": page_in_variant,
            "authors": [{"name": author, "url": page_in_variant}],
            "feed_url": feed_url,
            "language": _feed_language(variant),
            "items": [
                {
                    "id": f"{page}#{e['id']}",
                    "url": request.build_absolute_uri(e["url"]),
                    "title": e["title"],
                    "content_text": e["content"],
                    "date_published": e["time"].isoformat(),
                    "tags": e["tags"],
                }
                for e in entries
            ],
        }
        response = JsonResponse(
            body, content_type="application/feed+json", json_dumps_params={"ensure_ascii": False}
        )
    else:
        feed_url = (
            request.build_absolute_uri(
                tenant_reverse("disaster:feed", municipality, {"fmt": "atom"})
            )
            + suffix
        )
        atom = Atom1Feed(
            title=title,
            link=page_in_variant,
            description=title,
            # RFC 4287 4.1.1: a feed whose entries name no author must name one itself.
            author_name=author,
            author_link=page_in_variant,
            language=_feed_language(variant),
            feed_url=feed_url,
            feed_guid=feed_url,
        )
        for e in entries:
            atom.add_item(
                title=e["title"],
                link=request.build_absolute_uri(e["url"]),
                description=e["content"],
                unique_id=f"{page}#{e['id']}",
                pubdate=e["time"],
                updateddate=e["time"],
                categories=e["tags"],
            )
        response = HttpResponse(  # type: ignore[assignment]
            atom.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
        )
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Language"] = _feed_language(variant)
    return response


# ------------------------------------------------------------------------------------------
# Staff: objective criteria from a station's history
# ------------------------------------------------------------------------------------------
# Who may see the criteria pages: those who may read the observations.
CRITERIA_PERMISSION = "disaster.view_observation"
CHART_HOURS = 24
# Events drawn in the chart: the largest (peak level; rain: total), in time order. Years of
# history hold dozens, whose lines and legend no one can read (and each costs drawing time);
# the tables list them all.
CHART_EVENTS = 12


def _criteria_forbidden(request: HttpRequest) -> HttpResponse | None:
    return refusal(request, CRITERIA_PERMISSION)


@tenant_view
@login_required
@require_GET
def criteria_index(request: HttpRequest) -> HttpResponse:
    """The stations whose history can be analysed, each linked to its criteria page."""
    if (denied := _criteria_forbidden(request)) is not None:
        return denied
    municipality = _municipality(request)
    stations = selectors.station_list(municipality=municipality).filter(
        kind__in=backtest.ANALYSED_KINDS
    )
    levels = selectors.reference_levels_for(stations)
    rows = [{"station": s, "levels": levels.get(s.pk)} for s in stations]
    return render(request, "disaster/criteria_index.html", {"rows": rows})


def _analyse(request: HttpRequest, station: Station) -> tuple[Any, backtest.Analysis | None, str]:
    """The page's form and the analysis for what it asks (without a candidate the form
    refused); or None and why the station cannot be analysed."""
    municipality = _municipality(request)
    # Always bound, the defaults filled in, so that the form shows what was used.
    form_class = CriteriaForm if station.kind == StationKind.RIVER else RainCriteriaForm
    form = form_class({**form_class.DEFAULTS, **request.GET.dict()})
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
    if (denied := _criteria_forbidden(request)) is not None:
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
        context.update(_context(analysis) if analysis.river else backtest.rain_context(analysis))
    return render(request, "disaster/station_criteria.html", context)


def _chart(analysis: backtest.Analysis, form: Any) -> bytes:
    series = analysis.series
    if analysis.river:
        window = dt.timedelta(hours=CHART_HOURS)
        largest = sorted(analysis.events, key=lambda e: -e.peak)[:CHART_EVENTS]
        events = [
            (
                _event_label(e.start),
                series.index_of(e.peak_at - window),
                series.index_of(e.peak_at + window + dt.timedelta(seconds=1)) - 1,
                e.peak_at.timestamp(),
            )
            for e in sorted(largest, key=lambda e: e.start)
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
    wettest = sorted(analysis.rain_events, key=lambda e: -e.total)[:CHART_EVENTS]
    rain = [
        (_event_label(e.start), e.first, e.last, e.start.timestamp())
        for e in sorted(wettest, key=lambda e: e.start)
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
    if (denied := _criteria_forbidden(request)) is not None:
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
