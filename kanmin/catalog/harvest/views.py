"""The staff's harvesting pages: the sources, a source (edit, run now, dry run, its runs) and
a run's per-dataset results. Thin: the harvest selectors read, its services write."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kanmin.catalog import tasks
from kanmin.catalog.harvest import selectors, services
from kanmin.catalog.harvest.forms import HarvestSourceForm
from kanmin.catalog.models import HarvestRun
from kanmin.core.forms import error_status, perform, submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import staff_view, tenant_reverse

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


def outcome_labels() -> dict[str, str]:
    return {
        "created": pgettext("harvest", "created"),
        "updated": pgettext("harvest", "updated"),
        "unchanged": pgettext("harvest", "unchanged"),
        "skipped": pgettext("harvest", "skipped"),
        "failed": pgettext("harvest", "failed"),
    }


def _rows(run: HarvestRun, language: str) -> list[dict[str, Any]]:
    """The run's per-dataset results for the page: changes and problems first."""
    labels = outcome_labels()
    order = {"failed": 0, "skipped": 1, "created": 2, "updated": 3, "unchanged": 4}
    rows = []
    for result in sorted(run.results, key=lambda r: (order.get(r["outcome"], 9), r["name"])):
        message = result.get("message") or {}
        rows.append(
            {
                **result,
                "label": labels.get(result["outcome"], result["outcome"]),
                "text": message.get(language) or message.get("ja", ""),
            }
        )
    return rows


def _language(request: HttpRequest) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "ja") or "ja").startswith("en") else "ja"


@staff_view("catalog.view_harvestsource")
def source_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    return render(
        request,
        "catalog/harvest_sources.html",
        {
            "municipality": municipality,
            "sources": selectors.harvest_source_list(municipality=municipality),
            "can_add": allowed(request.user, "catalog.add_harvestsource", municipality),
        },
    )


@staff_view("catalog.add_harvestsource", methods=["GET", "POST"])
def source_new(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = HarvestSourceForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        source = submit(
            form,
            lambda: services.harvest_source_create(
                municipality=municipality, actor=request.user, **form.values()
            ),
        )
        if source is not None:
            messages.success(
                request, _("The source was saved. Try a dry run to see what it would import.")
            )
            return redirect(
                tenant_reverse("catalog:harvest_source", municipality, {"source_id": source.pk})
            )
        status = error_status(form)
    return render(
        request,
        "catalog/harvest_source.html",
        {"municipality": municipality, "form": form, "source": None},
        status=status,
    )


@staff_view("catalog.view_harvestsource", methods=["GET", "POST"])
def source_detail(request: HttpRequest, source_id: UUID) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    source = selectors.harvest_source_get(municipality=municipality, id=source_id)
    can_change = allowed(request.user, "catalog.change_harvestsource", source)
    initial = {
        "title": source.title,
        "kind": source.kind,
        "url": source.url,
        "organization": source.organization,
        "schedule": source.schedule,
        "active": source.active,
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = HarvestSourceForm(
        request.POST if action == "update" else None, initial=initial, municipality=municipality
    )
    here = tenant_reverse("catalog:harvest_source", municipality, {"source_id": source.pk})
    dry_run: HarvestRun | None = None
    status = 200
    if action and not can_change:
        return render(request, "403.html", status=403)
    if action == "update":
        saved = submit(
            form,
            lambda: services.harvest_source_update(
                municipality=municipality, actor=request.user, source=source, **form.values()
            ),
        )
        if saved is not None:
            messages.success(request, _("The source was saved."))
            return redirect(here)
        status = error_status(form)
    elif action == "run":
        tasks.harvest_source.enqueue(str(source.pk), request.user.pk)
        messages.success(
            request,
            _("The harvest was started. Its run appears below when it has finished; reload."),
        )
        return redirect(here)
    elif action == "delete":
        removed = perform(
            request,
            lambda: (
                services.harvest_source_delete(
                    municipality=municipality, actor=request.user, source=source
                )
                or True
            ),
        )
        if removed:
            messages.success(request, _("The source was deleted. The datasets it imported stay."))
            return redirect(tenant_reverse("catalog:harvest_sources", municipality))
    elif action == "dry_run":
        dry_run = perform(
            request,
            lambda: services.harvest_run(
                municipality=municipality, actor=request.user, source=source, dry_run=True
            ),
        )
    return render(
        request,
        "catalog/harvest_source.html",
        {
            "municipality": municipality,
            "source": source,
            "form": form,
            "can_change": can_change,
            "can_delete": allowed(request.user, "catalog.delete_harvestsource", source),
            "runs": selectors.harvest_run_list(source=source),
            "dry_run": dry_run,
            "dry_rows": _rows(dry_run, _language(request)) if dry_run else [],
        },
        status=status,
    )


@staff_view("catalog.view_harvestrun")
def run_detail(request: HttpRequest, source_id: UUID, run_id: UUID) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    source = selectors.harvest_source_get(municipality=municipality, id=source_id)
    run = selectors.harvest_run_get(source=source, id=run_id)
    return render(
        request,
        "catalog/harvest_run.html",
        {
            "municipality": municipality,
            "source": source,
            "run": run,
            "rows": _rows(run, _language(request)),
        },
    )
