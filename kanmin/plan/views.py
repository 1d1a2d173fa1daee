from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanmin.audit.services import access_record
from kanmin.core.errors import KanminError
from kanmin.core.fiscal_year import FiscalYear
from kanmin.core.forms import submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import staff_view, tenant_reverse, tenant_view
from kanmin.plan import charts, exchange, reports, selectors, services
from kanmin.plan import glossary as plan_glossary
from kanmin.plan.forms import (
    FiguresUploadForm,
    KpiForm,
    KpiValueForm,
    MeasureForm,
    MeasureReviewForm,
    PlanCopyForm,
    ReviewActualForm,
    ReviewOpenForm,
)
from kanmin.plan.models import KpiValue, Progress, ReviewStatus, ValueKind
from kanmin.plan.templatetags.plan import figure, fy, unit_label


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _current_fiscal_year() -> int:
    return FiscalYear.of(timezone.localdate()).year


def _review_url(municipality: Any, fiscal_year: int) -> str:
    return tenant_reverse("plan:review_detail", municipality, {"fiscal_year": fiscal_year})


def _measure_url(municipality: Any, measure: Any) -> str:
    return tenant_reverse("plan:measure_detail", municipality, {"number": measure.number})


def _with_status(figures: dict[str, Any], year: int) -> dict[str, Any]:
    english = (get_language() or "ja").startswith("en")
    for measure in figures["measures"]:
        for kpi in measure["kpis"]:
            # The KPI's name in the page's language, or "" when it has none (an English page
            # then says "this KPI" rather than mixing a Japanese name into an English sentence).
            kpi["label_in_language"] = kpi["name_en"] if english else kpi["name"]
            targets = {int(y): v for y, v in kpi["targets"].items()}
            actuals = {int(y): v for y, v in kpi["actuals"].items()}
            kpi["status"] = selectors.kpi_status_for(kpi["direction"], targets, actuals, year)
            kpi["latest_actual_year"] = max(actuals) if actuals else None
            kpi["years"] = [
                {"year": y, "target": targets.get(y), "actual": actuals.get(y)}
                for y in sorted({*targets, *actuals})
            ]
    return figures


@tenant_view
def plan_home(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    if not selectors.plan_exists(municipality=municipality):
        if allowed(request.user, "plan.add_plan", municipality):
            return redirect(tenant_reverse("plan:start", municipality))
    plan = selectors.plan_get(municipality=municipality)
    year = _current_fiscal_year()
    figures = _with_status(selectors.plan_figures(plan=plan), year - 1)
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for measure in figures["measures"]:
        by_policy.setdefault(measure["policy"], []).append(measure)
    policies = [(p, by_policy.get(p.number, [])) for p in plan.policies.all()]
    return render(
        request,
        "plan/plan_home.html",
        {
            "plan": plan,
            "policies": policies,
            "year": year - 1,
            "published": selectors.latest_closed_review(plan=plan),
        },
    )


@tenant_view
def measure_detail(request: HttpRequest, number: str) -> HttpResponse:
    plan = selectors.plan_get(municipality=_municipality(request))
    measure = selectors.measure_get(plan=plan, number=number)
    figures = selectors.plan_figures(plan=plan)
    entry = next(m for m in figures["measures"] if m["number"] == measure.number)
    year = _current_fiscal_year()
    _with_status({"measures": [entry]}, year - 1)
    can_report = allowed(request.user, "plan.add_kpivalue", measure)
    can_edit = allowed(request.user, "plan.change_measure", measure)
    terms = list(plan.glossary.all())
    english = (get_language() or "ja").startswith("en")
    texts = (
        [measure.title_en, measure.content_en]
        if english and measure.content_en
        else [measure.title_ja, measure.content_ja]
    )
    return render(
        request,
        "plan/measure_detail.html",
        {
            "plan": plan,
            "measure": measure,
            "entry": entry,
            "glossary": terms,
            "glossary_url": tenant_reverse("plan:glossary", plan.municipality),
            "terms": plan_glossary.terms_in(
                texts, terms, english=english and bool(measure.content_en)
            ),
            "can_report": can_report,
            "can_edit": can_edit,
            "year": year - 1,
        },
    )


@tenant_view
def glossary(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(municipality=_municipality(request))
    return render(request, "plan/glossary.html", {"plan": plan, "terms": plan.glossary.all()})


@tenant_view
def kpi_chart(request: HttpRequest, kpi_id: int) -> HttpResponse:
    kpi = selectors.kpi_get(municipality=_municipality(request), pk=kpi_id)
    series = selectors.kpi_series(kpi=kpi)
    svg = charts.kpi_chart(
        targets=series["targets"],
        actuals=series["actuals"],
        unit=unit_label(kpi.unit),
        target_label=_("Target"),
        actual_label=_("Actual"),
        fiscal_year_label=_("Fiscal year"),
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=300"
    # The labels are in the visitor's language.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Content-Language"] = get_language() or "ja"
    return response


@tenant_view
def open_data(request: HttpRequest, fmt: str) -> HttpResponse:
    """The plan's KPI figures as open data, as frozen by the latest closed review."""
    if fmt not in ("csv", "json"):
        raise Http404
    plan = selectors.plan_get(municipality=_municipality(request))
    review = selectors.latest_closed_review(plan=plan)
    if review is None:
        raise Http404(_("No annual review has been closed yet, so no figures are published."))
    if fmt == "json":
        body = json.dumps(review.snapshot, ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(
            reports.snapshot_csv(review.snapshot), content_type="text/csv; charset=utf-8"
        )
    code = plan.municipality.lg_code
    response["Content-Disposition"] = f'attachment; filename="{code}_plan_kpi.{fmt}"'
    return response


# Staff pages


@staff_view("plan.add_kpivalue", methods=["GET", "POST"])
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    form = ReviewOpenForm(request.POST or None, initial={"fiscal_year": _current_fiscal_year() - 1})
    can_open = allowed(request.user, "plan.add_review", municipality)
    status = 200
    if request.method == "POST":
        if not can_open:
            return render(request, "403.html", status=403)
        review = submit(
            form,
            lambda: services.review_open(
                municipality=municipality,
                actor=request.user,
                plan=plan,
                fiscal_year=form.cleaned_data["fiscal_year"],
            ),
        )
        if review is not None:
            return redirect(_review_url(municipality, review.fiscal_year))
        status = 422
    year = _current_fiscal_year() - 1
    context = {
        "plan": plan,
        "board": selectors.dashboard(plan=plan, fiscal_year=year),
        "reviews": plan.reviews.all(),
        "form": form,
        "can_open": can_open,
    }
    return render(request, "plan/staff_dashboard.html", context, status=status)


def _say_recorded(request: HttpRequest, entry: KpiValue) -> None:
    """Tell the user what a save did: a new version, or nothing because nothing changed."""
    values = {
        "kind": ValueKind(entry.kind).label,
        "year": fy(entry.fiscal_year),
        "value": figure(entry.value),
        "unit": unit_label(entry.kpi.unit),
        "version": entry.version,
    }
    if entry.recorded_now:
        messages.success(
            request,
            _("Saved: the %(kind)s for %(year)s is %(value)s %(unit)s (version %(version)s).")
            % values,
        )
    else:
        messages.info(
            request,
            _(
                "No changes: the %(kind)s for %(year)s is already %(value)s %(unit)s, "
                "so no new version was made."
            )
            % values,
        )


def _review_year(request: HttpRequest) -> int | None:
    """The fiscal year of the review the user came from (``?review=2024``), if any."""
    raw = request.GET.get("review") or request.POST.get("review") or ""
    return int(raw) if raw.isdigit() else None


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def kpi_values(request: HttpRequest, kpi_id: int) -> HttpResponse:
    municipality = _municipality(request)
    kpi = selectors.kpi_get(municipality=municipality, pk=kpi_id)
    if not allowed(request.user, "plan.add_kpivalue", kpi):
        return render(request, "403.html", status=403)
    review_year = _review_year(request)
    initial = {"kind": ValueKind.ACTUAL, "fiscal_year": review_year} if review_year else {}
    form = KpiValueForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        entry = submit(
            form,
            lambda: services.kpi_value_record(
                municipality=municipality,
                actor=request.user,
                kpi=kpi,
                kind=form.cleaned_data["kind"],
                fiscal_year=form.cleaned_data["fiscal_year"],
                value=form.cleaned_data["value"],
                comment=form.cleaned_data["comment"],
                evidence_url=form.cleaned_data["evidence_url"] or "",
                evidence_file=form.cleaned_data["evidence_file"],
            ),
        )
        if entry is not None:
            _say_recorded(request, entry)
            if review_year:
                return redirect(_review_url(municipality, review_year) + f"#kpi-{kpi.pk}")
            return redirect(tenant_reverse("plan:kpi_values", municipality, {"kpi_id": kpi.pk}))
        status = 422
    return render(
        request,
        "plan/kpi_values.html",
        {
            "kpi": kpi,
            "history": selectors.kpi_history(kpi=kpi),
            "form": form,
            "review_year": review_year,
        },
        status=status,
    )


@staff_view("plan.add_kpivalue", methods=["GET", "POST"])
def review_detail(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The annual review: each measure's progress report and its KPIs' actuals for the year."""
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    review = selectors.review_get(plan=plan, fiscal_year=fiscal_year)
    errors: dict[str, Any] = {}
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "close":
        # Closing always goes through the page that shows what is missing.
        return redirect(
            tenant_reverse("plan:review_close", municipality, {"fiscal_year": fiscal_year})
        )
    if action == "actual":
        raw_kpi = request.POST.get("kpi", "")
        kpi = selectors.kpi_get(
            municipality=municipality, pk=int(raw_kpi) if raw_kpi.isdigit() else 0
        )
        if not allowed(request.user, "plan.add_kpivalue", kpi):
            return render(request, "403.html", status=403)
        actual_form = ReviewActualForm(request.POST, prefix=f"k{kpi.pk}")
        entry = submit(
            actual_form,
            lambda: services.kpi_value_record(
                municipality=municipality,
                actor=request.user,
                kpi=kpi,
                kind=ValueKind.ACTUAL,
                fiscal_year=review.fiscal_year,
                value=actual_form.cleaned_data["value"],
                comment=actual_form.cleaned_data["comment"],
            ),
        )
        if entry is not None:
            _say_recorded(request, entry)
            return redirect(_review_url(municipality, fiscal_year) + f"#kpi-{kpi.pk}")
        errors[f"kpi-{kpi.pk}"] = actual_form
        status = 422
    elif request.method == "POST":
        measure = selectors.measure_get(plan=plan, number=request.POST.get("measure", ""))
        form = MeasureReviewForm(request.POST)
        submit(
            form,
            lambda: services.measure_review_set(
                municipality=municipality,
                actor=request.user,
                review=review,
                measure=measure,
                progress=form.cleaned_data["progress"],
                comment=form.cleaned_data["comment"],
            ),
        )
        if form.errors:
            errors[measure.number] = form
            status = 422
        else:
            messages.success(
                request, _("Saved the progress of %(number)s.") % {"number": measure.number}
            )
            return redirect(_review_url(municipality, fiscal_year) + f"#measure-{measure.pk}")
    reports_by_measure = {r.measure_id: r for r in review.measure_reviews.all()}
    actuals = selectors.actuals_for_year(plan=plan, fiscal_year=review.fiscal_year)
    rows = []
    for measure in selectors.measure_list(plan=plan):
        report = reports_by_measure.get(measure.pk)
        form = errors.get(measure.number) or MeasureReviewForm(
            initial={
                "progress": report.progress if report else Progress.ON_TRACK,
                "comment": report.comment if report else "",
            },
            prefix=f"m{measure.pk}",
        )
        kpis = []
        for kpi in measure.kpis.all():
            actual = actuals.get(kpi.pk)
            kpis.append(
                {
                    "kpi": kpi,
                    "actual": actual,
                    "form": errors.get(f"kpi-{kpi.pk}")
                    or ReviewActualForm(
                        initial={
                            "value": figure(actual.value) if actual else "",
                            "comment": actual.comment if actual else "",
                        },
                        prefix=f"k{kpi.pk}",
                    ),
                    "can_enter": not review.is_closed
                    and not kpi.computed
                    and allowed(request.user, "plan.add_kpivalue", kpi),
                }
            )
        rows.append(
            {
                "measure": measure,
                "report": report,
                "form": form,
                "kpis": kpis,
                "can_edit": not review.is_closed
                and selectors.reports_measure(actor=request.user, measure=measure, review=review),
            }
        )
    can_close = review.status == ReviewStatus.OPEN and allowed(
        request.user, "plan.change_review", review
    )
    return render(
        request,
        "plan/review_detail.html",
        {
            "plan": plan,
            "review": review,
            "rows": rows,
            "can_close": can_close,
            "gaps": selectors.review_gaps(review=review) if not review.is_closed else None,
            "reported": len(reports_by_measure),
        },
        status=status,
    )


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def review_close(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """Close a review after seeing what it lacks: the measures without a report and the KPIs
    without an actual are listed, and closing anyway needs an explicit confirmation."""
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    review = selectors.review_get(plan=plan, fiscal_year=fiscal_year)
    if not allowed(request.user, "plan.change_review", review):
        return render(request, "403.html", status=403)
    if review.is_closed:
        return redirect(_review_url(municipality, fiscal_year))
    gaps = selectors.review_gaps(review=review)
    error = ""
    status = 200
    if request.method == "POST":
        seen = request.POST.get("acknowledged", "")
        if seen != str(gaps["count"]):
            error = _(
                "What is missing changed while this page was open. Check the list below again "
                "before closing."
            )
            status = 409
        else:
            try:
                services.review_close(
                    municipality=municipality,
                    actor=request.user,
                    review=review,
                    confirm_incomplete=True,
                )
            except KanminError as exc:
                error = str(exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The review of %(year)s is closed; its figures are frozen.")
                    % {"year": fy(fiscal_year)},
                )
                return redirect(_review_url(municipality, fiscal_year))
    return render(
        request,
        "plan/review_close.html",
        {"plan": plan, "review": review, "gaps": gaps, "error": error},
        status=status,
    )


@tenant_view
@login_required
def review_report(request: HttpRequest, fiscal_year: int, fmt: str) -> HttpResponse:
    municipality = _municipality(request)
    if fmt not in ("html", "pdf", "xlsx"):
        raise Http404
    if not allowed(request.user, "plan.add_kpivalue", municipality):
        return render(request, "403.html", status=403)
    plan = selectors.plan_get(municipality=municipality)
    review = selectors.review_get(plan=plan, fiscal_year=fiscal_year)
    figures = (
        review.snapshot
        if review.is_closed
        else selectors.plan_figures(plan=plan, up_to=review.fiscal_year, review=review)
    )
    name = f"{municipality.lg_code}_plan_review_{fiscal_year}"
    if not review.is_closed:
        # Until the review is closed its reports and comments are not public.
        access_record(
            actor=request.user,
            municipality=municipality,
            action="plan.review.export",
            target=review,
            extra={"fiscal_year": fiscal_year, "format": fmt},
        )
    if fmt == "pdf":
        response = HttpResponse(reports.review_pdf(figures, review), content_type="application/pdf")
    elif fmt == "xlsx":
        response = HttpResponse(
            reports.review_xlsx(figures, review),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        groups = reports.report_context(figures)
        for group in groups:
            for measure in group["measures"]:
                progress = measure.get("progress")
                measure["progress"] = Progress(progress).label if progress else ""
                for kpi in measure["kpis"]:
                    kpi["chart"] = reports.chart_data_uri(kpi) if kpi["years"] else ""
                    kpi["label_in_language"] = (
                        kpi.get("name_en", "")
                        if (get_language() or "ja").startswith("en")
                        else kpi["name"]
                    )
        return render(
            request,
            "plan/review_report.html",
            {"plan": plan, "review": review, "figures": groups},
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, number: str) -> HttpResponse:
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    measure = selectors.measure_get(plan=plan, number=number)
    if not allowed(request.user, "plan.change_measure", measure):
        return render(request, "403.html", status=403)
    if request.method == "POST" and request.POST.get("action") == "retire":
        services.measure_retire(municipality=municipality, actor=request.user, measure=measure)
        return redirect(tenant_reverse("plan:home", municipality))
    initial = {
        "number": measure.number,
        "title_ja": measure.title_ja,
        "title_en": measure.title_en,
        "content_ja": measure.content_ja,
        "departments": list(measure.departments.all()),
    }
    form = MeasureForm(request.POST or None, initial=initial, municipality=municipality)
    kpi_form = KpiForm(request.POST or None if request.POST.get("action") == "add_kpi" else None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "add_kpi":
        form = MeasureForm(initial=initial, municipality=municipality)
        created = submit(
            kpi_form,
            lambda: services.kpi_create(
                municipality=municipality,
                actor=request.user,
                measure=measure,
                **kpi_form.cleaned_data,
            ),
        )
        if created is not None:
            return redirect(_measure_url(municipality, measure))
        status = 422
    elif request.method == "POST":
        updated = submit(
            form,
            lambda: services.measure_update(
                municipality=municipality,
                actor=request.user,
                measure=measure,
                **form.cleaned_data,
            ),
        )
        if updated is not None:
            return redirect(_measure_url(municipality, updated))
        status = 422
    return render(
        request,
        "plan/measure_edit.html",
        {"measure": measure, "form": form, "kpi_form": kpi_form},
        status=status,
    )


@tenant_view
@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: HttpRequest, kpi_id: int) -> HttpResponse:
    municipality = _municipality(request)
    kpi = selectors.kpi_get(municipality=municipality, pk=kpi_id)
    if not allowed(request.user, "plan.change_kpi", kpi):
        return render(request, "403.html", status=403)
    target = _measure_url(municipality, kpi.measure)
    if request.method == "POST" and request.POST.get("action") == "retire":
        services.kpi_retire(municipality=municipality, actor=request.user, kpi=kpi)
        return redirect(target)
    form = KpiForm(
        request.POST or None,
        initial={
            f: getattr(kpi, f)
            for f in ("name_ja", "name_en", "unit", "direction", "formula", "metric")
        },
    )
    if request.method == "POST":
        updated = submit(
            form,
            lambda: services.kpi_update(
                municipality=municipality, actor=request.user, kpi=kpi, **form.cleaned_data
            ),
        )
        if updated is not None:
            return redirect(target)
    status = 422 if request.method == "POST" else 200
    return render(request, "plan/kpi_edit.html", {"kpi": kpi, "form": form}, status=status)


@staff_view("plan.add_plan", methods=["GET", "POST"])
def plan_start(request: HttpRequest) -> HttpResponse:
    """A municipality without a plan starts from another municipality's, as a template."""
    municipality = _municipality(request)
    sources = [
        (p.municipality.lg_code, f"{p.municipality.display_name}: {p.title}")
        for p in selectors.plan_templates(exclude=municipality)
    ]
    form = PlanCopyForm(request.POST or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        from kanmin.core.selectors import municipality_get

        source_municipality = municipality_get(lg_code=form.cleaned_data["source"])
        source = selectors.plan_get(municipality=source_municipality)
        try:
            services.plan_copy(municipality=municipality, actor=request.user, source=source)
        except KanminError as exc:
            exc.add_to_form(form)
        else:
            return redirect(tenant_reverse("plan:home", municipality))
    return render(
        request,
        "plan/plan_start.html",
        {"form": form, "has_sources": bool(sources)},
        status=422 if request.method == "POST" else 200,
    )


@staff_view("plan.add_kpivalue")
def figures_template(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """The Excel sheet a department fills in: its own KPIs, or every KPI for the manager."""
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    department = request.GET.get("department") or None
    payload = exchange.department_template(plan, fiscal_year, department)
    response = HttpResponse(
        payload,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{municipality.lg_code}_plan_kpi_{fiscal_year}{'_' + department if department else ''}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@staff_view("plan.add_kpivalue", methods=["GET", "POST"])
def figures_upload(request: HttpRequest) -> HttpResponse:
    """Import a filled-in sheet; every row is checked first and nothing is saved on an error."""
    municipality = _municipality(request)
    plan = selectors.plan_get(municipality=municipality)
    form = FiguresUploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            form.add_error("file", _("Upload the .xlsx sheet or a .csv file."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix}"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    rows = exchange.read_rows(path)
                    result = exchange.import_rows(
                        municipality=municipality, actor=request.user, plan=plan, rows=rows
                    )
                except KanminError as exc:
                    exc.add_to_form(form)
                except Exception:  # noqa: BLE001 - a damaged spreadsheet: say so, keep nothing
                    form.add_error("file", _("The file cannot be read as a spreadsheet."))
    if form.errors or (result is not None and result.errors):
        status = 422
    return render(
        request,
        "plan/figures_upload.html",
        {
            "plan": plan,
            "form": form,
            "result": result,
            "year": _current_fiscal_year() - 1,
        },
        status=status,
    )
