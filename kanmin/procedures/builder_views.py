"""The staff form builder's pages: the list of forms, a new form, the editor (pages, questions,
routing), the preview, publishing with its confirmation, archiving, the version history with
each version as JSON, and importing a definition.

Every change goes through :mod:`builder_services`; the definition's edits are the pure
functions of :mod:`formspec`. Each edit posts the fingerprint of the draft it was made on, so
an edit on a stale copy (another tab, another clerk) is refused instead of overwriting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from kanmin.accounts.access import operator_page
from kanmin.core.errors import Invalid
from kanmin.core.forms import error_status, perform, submit
from kanmin.core.permissions import allowed
from kanmin.core.tenancy import tenant_reverse
from kanmin.procedures import builder_selectors as selectors
from kanmin.procedures import builder_services as services
from kanmin.procedures import definitions, formspec
from kanmin.procedures.builder_forms import (
    TYPE_LABELS,
    FormCreateForm,
    FormTitleForm,
    ImportForm,
    NewQuestionForm,
    PageForm,
    QuestionForm,
    RouteFormSet,
    route_choices,
    route_initial,
    targets_for,
)

VIEW = "procedures.view_form"
CHANGE = "procedures.change_form"


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return tenant_reverse(f"procedures:{name}", _municipality(request), kwargs)


def _editor_url(request: HttpRequest, form: Any, anchor: str = "") -> str:
    url = _url(request, "builder_editor", slug=form.slug)
    return f"{url}#{anchor}" if anchor else url


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _form(request: HttpRequest, slug: str) -> Any:
    return selectors.form_get(municipality=_municipality(request), slug=slug)


T = TypeVar("T")


def _spec(change: Callable[[], T], field: str | None = None) -> T:
    """Run an edit of :mod:`formspec`; a definition it cannot make is refused as Invalid, its
    problems on ``field`` (or as the message when there is no field to show them on)."""
    try:
        return change()
    except formspec.SpecError as exc:
        if field is None:
            raise Invalid("; ".join(exc.problems)) from None
        raise Invalid(fields={field: list(exc.problems)}) from None


def _save(request: HttpRequest, form: Any, definition: dict[str, Any]) -> Any:
    """Save an edited draft made on the copy whose digest the page posted."""
    return services.form_definition_save(
        municipality=_municipality(request),
        actor=request.user,
        form=form,
        definition=definition,
        based_on=request.POST.get("digest") or None,
    )


# ------------------------------------------------------------------------------------------
# What the editor shows
# ------------------------------------------------------------------------------------------


def _anchor(problem: formspec.Problem) -> str:
    if problem.question:
        return f"question-{problem.question}"
    if problem.page:
        return f"page-{problem.page}"
    return ""


def _route_words(definition: dict[str, Any], route: dict[str, Any], lang: str) -> dict[str, Any]:
    labels: dict[str, str] = {}
    question_label = route.get("question", "")
    for page in formspec._pages(definition):
        for q in formspec._questions(page):
            if q.get("id") == route.get("question"):
                question_label = formspec.text(q.get("label"), lang) or q.get("id")
                for c in formspec.choices_of(q):
                    labels[str(c.get("value"))] = formspec.text(c.get("label"), lang)
    goto = route.get("goto")
    target = (
        pgettext("form builder", "Check your answers (the end)") if goto == formspec.CHECK else goto
    )
    for page in formspec._pages(definition):
        if page.get("id") == goto:
            target = formspec.text(page.get("title"), lang) or goto
    return {
        "question": question_label,
        "answers": [labels.get(str(v), str(v)) for v in route.get("in") or []],
        "goto": target,
    }


def _only_japanese(value: Any, lang: str) -> bool:
    """Whether an English page shows this label in Japanese (no English was written), so that
    the element says lang="ja" and screen readers read it as Japanese."""
    return (
        lang == "en" and isinstance(value, dict) and not value.get("en") and bool(value.get("ja"))
    )


def _pages_view(definition: dict[str, Any]) -> list[dict[str, Any]]:
    lang = _lang()
    pages = []
    raw_pages = formspec._pages(definition)
    for index, page in enumerate(raw_pages):
        if not isinstance(page, dict):
            continue
        questions = []
        raw_questions = formspec._questions(page)
        for q_index, q in enumerate(raw_questions):
            questions.append(
                {
                    "raw": q,
                    "id": q.get("id", ""),
                    "label": formspec.text(q.get("label"), lang),
                    "label_ja": _only_japanese(q.get("label"), lang),
                    "hint": formspec.text(q.get("hint"), lang),
                    "type": q.get("type", ""),
                    "type_label": TYPE_LABELS.get(q.get("type", ""), q.get("type", "")),
                    "required": q.get("required", True),
                    "choices": [
                        formspec.text(c.get("label"), lang) for c in formspec.choices_of(q)
                    ],
                    "first": index == 0 and q_index == 0,
                    "last": index == len(raw_pages) - 1 and q_index == len(raw_questions) - 1,
                }
            )
        nxt = page.get("next")
        next_label = ""
        if nxt:
            next_label = _route_words(definition, {"goto": nxt}, lang)["goto"]
        pages.append(
            {
                "id": page.get("id", ""),
                "number": index + 1,
                "title": formspec.text(page.get("title"), lang),
                "title_ja": _only_japanese(page.get("title"), lang),
                "questions": questions,
                "routes": [
                    _route_words(definition, r, lang)
                    for r in formspec._routes(page)
                    if isinstance(r, dict)
                ],
                "next": next_label,
                "first": index == 0,
                "last": index == len(raw_pages) - 1,
            }
        )
    return pages


def _editor_context(request: HttpRequest, form: Any) -> dict[str, Any]:
    definition = form.draft_definition
    problems = formspec.problems_of(definition)
    versions = list(selectors.form_versions(form=form)[:1])
    latest = versions[0] if versions else None
    unchanged = latest is not None and latest.definition == definition
    return {
        "form": form,
        "pages": _pages_view(definition),
        "problems": [{"text": str(p), "anchor": _anchor(p)} for p in problems],
        "empty": not formspec.page_ids(definition),
        "digest": definitions.definition_digest(definition),
        "latest": latest,
        "unchanged": unchanged,
        "page_form": PageForm(definition=definition, prefix="newpage"),
    }


# ------------------------------------------------------------------------------------------
# The list, a new form
# ------------------------------------------------------------------------------------------


@operator_page(VIEW)
def builder_form_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    return render(
        request,
        "procedures/builder/form_list.html",
        {
            "forms": selectors.form_list(municipality=municipality),
            "can_add": allowed(request.user, "procedures.add_form", municipality),
            "can_change": allowed(request.user, CHANGE, municipality),
        },
    )


@operator_page("procedures.add_form", methods=["GET", "POST"])
def builder_form_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    procedures = selectors.procedures_for_forms(municipality=municipality)
    initial = {}
    if request.GET.get("procedure", "").isdigit():
        initial["procedure"] = int(request.GET["procedure"])
    form = FormCreateForm(request.POST or None, procedures=procedures, initial=initial)
    if request.method == "POST":
        created = submit(
            form,
            lambda: services.form_create(
                municipality=municipality,
                actor=request.user,
                procedure=form.cleaned_data["procedure"],
                slug=form.cleaned_data["slug"],
                title_ja=form.cleaned_data["title_ja"],
                title_en=form.cleaned_data["title_en"],
            ),
        )
        if created is not None:
            messages.success(request, _("The form was created. Add its first page."))
            return redirect(_editor_url(request, created))
    return render(
        request,
        "procedures/builder/form_new.html",
        {"form": form, "no_procedures": not procedures.exists()},
        status=error_status(form) if form.errors else 200,
    )


# ------------------------------------------------------------------------------------------
# The editor
# ------------------------------------------------------------------------------------------


@operator_page(CHANGE)
def builder_editor(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    return render(request, "procedures/builder/editor.html", _editor_context(request, form))


_OPS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "page_up": lambda d, target: formspec.move_page(d, target, -1),
    "page_down": lambda d, target: formspec.move_page(d, target, 1),
    "page_delete": formspec.remove_page,
    "question_up": lambda d, target: formspec.move_question(d, target, -1),
    "question_down": lambda d, target: formspec.move_question(d, target, 1),
    "question_delete": formspec.remove_question,
}


@operator_page(CHANGE, methods=["POST"])
def builder_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The editor's buttons: move a page or question up or down, delete one."""
    form = _form(request, slug)
    op, target = request.POST.get("op", ""), request.POST.get("target", "")
    change = _OPS.get(op)
    anchor = ""
    if change is None:
        messages.error(request, _("That change is not known; use the editor's buttons."))
    else:
        edit = lambda: change(form.draft_definition, target)  # noqa: E731
        if perform(request, lambda: _save(request, form, _spec(edit))) is not None:
            anchor = f"{op.split('_')[0]}-{target}" if not op.endswith("delete") else ""
            if op.endswith("delete"):
                messages.success(request, pgettext("form builder", "Deleted."))
    return redirect(_editor_url(request, form, anchor))


@operator_page(CHANGE, methods=["POST"])
def builder_page_add(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    page_form = PageForm(request.POST, definition=form.draft_definition, prefix="newpage")

    def add() -> str:
        definition, page_id = _spec(
            lambda: formspec.add_page(
                form.draft_definition,
                title=page_form.title(),
                page_id=page_form.cleaned_data.get("page_id", "").strip(),
            ),
            field="page_id",
        )
        _save(request, form, definition)
        return page_id

    added = submit(page_form, add)
    if added is not None:
        messages.success(request, _("Page added. Now add its questions."))
        return redirect(_editor_url(request, form, f"page-{added}"))
    context = _editor_context(request, form)
    context["page_form"] = page_form
    return render(request, "procedures/builder/editor.html", context, status=422)


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_page_edit(request: HttpRequest, slug: str, page_id: str) -> HttpResponse:
    """A page's heading, where it goes next, and its routing rules."""
    form = _form(request, slug)
    definition = form.draft_definition
    try:
        page = formspec.find_page(definition, page_id)
    except formspec.SpecError:
        raise Http404 from None
    title = page.get("title") or {}
    page_form = PageForm(
        request.POST or None,
        definition=definition,
        page_id=page_id,
        initial={
            "title_ja": title.get("ja", ""),
            "title_en": title.get("en", ""),
            "next_page": page.get("next", ""),
        },
    )
    answer_choices = route_choices(definition, page_id)
    targets = targets_for(definition, page_id)
    routes = RouteFormSet(
        request.POST or None,
        initial=route_initial(page),
        prefix="route",
        form_kwargs={"answer_choices": answer_choices, "targets": targets},
    )
    if request.method == "POST" and routes.is_valid():
        rules = [r for r in (f.route() for f in routes.forms if f.has_changed() or f.initial) if r]

        def save() -> Any:
            new = formspec.update_page(
                definition,
                page_id,
                title=page_form.title(),
                next_page=page_form.cleaned_data.get("next_page") or "",
            )
            return _save(request, form, formspec.set_routes(new, page_id, rules))

        if submit(page_form, save) is not None:
            messages.success(request, _("The page was saved."))
            return redirect(_editor_url(request, form, f"page-{page_id}"))
    return render(
        request,
        "procedures/builder/page_edit.html",
        {
            "form": form,
            "page_form": page_form,
            "routes": routes,
            "page_id": page_id,
            "page_title": formspec.text(title, _lang()),
            "has_choices": bool(answer_choices),
            "digest": definitions.definition_digest(definition),
        },
        status=422 if request.method == "POST" else 200,
    )


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_question_new(request: HttpRequest, slug: str, page_id: str) -> HttpResponse:
    """Choose the type, then fill in the question (two steps on one address)."""
    form = _form(request, slug)
    definition = form.draft_definition
    try:
        page = formspec.find_page(definition, page_id)
    except formspec.SpecError:
        raise Http404 from None
    q_type = request.GET.get("type") or request.POST.get("q_type_chosen") or ""
    context: dict[str, Any] = {
        "form": form,
        "page_id": page_id,
        "page_title": formspec.text(page.get("title"), _lang()),
        "digest": definitions.definition_digest(definition),
    }
    if q_type not in formspec.QUESTION_TYPES:
        context["type_form"] = NewQuestionForm(request.GET if "type" in request.GET else None)
        return render(request, "procedures/builder/question_type.html", context)
    question_form = QuestionForm(
        request.POST if request.method == "POST" else None,
        q_type=q_type,
        initial=QuestionForm.initial_from({"type": q_type}),
    )
    if request.method == "POST":

        def add() -> str:
            new, q_id = _spec(
                lambda: formspec.add_question(definition, page_id, question_form.question()),
                field="question_id",
            )
            _save(request, form, new)
            return q_id

        added = submit(question_form, add)
        if added is not None:
            messages.success(request, pgettext("form builder", "Question added."))
            return redirect(_editor_url(request, form, f"question-{added}"))
    context.update(
        {
            "question_form": question_form,
            "q_type": q_type,
            "type_label": TYPE_LABELS[q_type],
            "problems": [],
        }
    )
    return render(
        request,
        "procedures/builder/question_form.html",
        context,
        status=422 if question_form.errors else 200,
    )


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_question_edit(request: HttpRequest, slug: str, question_id: str) -> HttpResponse:
    form = _form(request, slug)
    definition = form.draft_definition
    try:
        page, question = formspec.find_question(definition, question_id)
    except formspec.SpecError:
        raise Http404 from None
    q_type = question.get("type", "")
    if q_type not in formspec.QUESTION_TYPES:
        q_type = "text"
    question_form = QuestionForm(
        request.POST if request.method == "POST" else None,
        q_type=q_type,
        editing=True,
        initial=QuestionForm.initial_from(question),
    )
    if request.method == "POST":
        saved = submit(
            question_form,
            lambda: _save(
                request,
                form,
                formspec.update_question(definition, question_id, question_form.question()),
            ),
        )
        if saved is not None:
            messages.success(request, _("The question was saved."))
            return redirect(_editor_url(request, form, f"question-{question_id}"))
    problems = [str(p) for p in formspec.problems_of(definition) if p.question == question_id]
    return render(
        request,
        "procedures/builder/question_form.html",
        {
            "form": form,
            "page_id": page.get("id"),
            "page_title": formspec.text(page.get("title"), _lang()),
            "question_id": question_id,
            "question_form": question_form,
            "q_type": q_type,
            "type_label": TYPE_LABELS[q_type],
            "problems": problems,
            "digest": definitions.definition_digest(definition),
        },
        status=422 if question_form.errors else 200,
    )


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_settings(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    title_form = FormTitleForm(
        request.POST or None, initial={"title_ja": form.title_ja, "title_en": form.title_en}
    )
    if request.method == "POST":
        saved = submit(
            title_form,
            lambda: services.form_update(
                municipality=_municipality(request),
                actor=request.user,
                form=form,
                title_ja=title_form.cleaned_data["title_ja"],
                title_en=title_form.cleaned_data["title_en"],
            ),
        )
        if saved is not None:
            messages.success(request, _("The form's title was saved."))
            return redirect(_editor_url(request, form))
    return render(
        request,
        "procedures/builder/settings.html",
        {"form": form, "title_form": title_form},
        status=422 if title_form.errors else 200,
    )


# ------------------------------------------------------------------------------------------
# Preview, publish, archive, history, import
# ------------------------------------------------------------------------------------------


@operator_page(CHANGE)
def builder_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft as a resident would see it, page by page, read-only."""
    form = _form(request, slug)
    return render(
        request,
        "procedures/builder/preview.html",
        {
            "form": form,
            "pages": _pages_view(form.draft_definition),
            "problems": formspec.problems_of(form.draft_definition),
        },
    )


def _change_labels(definition_old: Any, definition_new: Any) -> dict[str, list[str]]:
    lang = _lang()
    change = formspec.changes(definition_old, definition_new)

    def page_label(definition: Any, page_id: str) -> str:
        for page in formspec._pages(definition or {}):
            if page.get("id") == page_id:
                return formspec.text(page.get("title"), lang) or page_id
        return page_id

    def question_label(definition: Any, question_id: str) -> str:
        try:
            return (
                formspec.text(
                    formspec.find_question(definition or {}, question_id)[1].get("label"), lang
                )
                or question_id
            )
        except formspec.SpecError:
            return question_id

    return {
        "pages_added": [page_label(definition_new, p) for p in change.pages_added],
        "pages_removed": [page_label(definition_old, p) for p in change.pages_removed],
        "questions_added": [question_label(definition_new, q) for q in change.questions_added],
        "questions_removed": [question_label(definition_old, q) for q in change.questions_removed],
        "questions_changed": [question_label(definition_new, q) for q in change.questions_changed],
        "other": [_("Headings, order or routing")] if change.other else [],
    }


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_publish(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    versions = list(selectors.form_versions(form=form)[:1])
    latest = versions[0] if versions else None
    error = ""
    if request.method == "POST":
        errors: list[str] = []
        published = perform(
            request,
            lambda: services.form_publish(
                municipality=_municipality(request), actor=request.user, form=form
            ),
            show=errors.append,
        )
        error = " ".join(errors)
        if published is not None:
            messages.success(
                request,
                _("Version %(number)s is live: new applications use it.")
                % {"number": getattr(published.live_version, "number", "")},
            )
            return redirect(_url(request, "builder_versions", slug=form.slug))
    problems = formspec.problems_of(form.draft_definition)
    unchanged = latest is not None and latest.definition == form.draft_definition
    return render(
        request,
        "procedures/builder/publish.html",
        {
            "form": form,
            "latest": latest,
            "number": (latest.number + 1) if latest else 1,
            "changes": _change_labels(latest.definition if latest else None, form.draft_definition),
            "problems": [{"text": str(p), "anchor": _anchor(p)} for p in problems],
            "unchanged": unchanged,
            "error": error,
            "editor_link": _editor_url(request, form),
        },
        status=422 if error else 200,
    )


@operator_page(CHANGE, methods=["POST"])
def builder_archive(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    archive = lambda: services.form_archive(  # noqa: E731
        municipality=_municipality(request), actor=request.user, form=form
    )
    if perform(request, archive) is not None:
        messages.success(
            request,
            _("The form is archived: it takes no new applications. Publish it to open it again."),
        )
    return redirect(_url(request, "builder_versions", slug=form.slug))


@operator_page(CHANGE)
def builder_versions(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    versions = [
        {
            "version": v,
            "questions": len(formspec.question_ids(v.definition)),
            "pages": len(formspec.page_ids(v.definition)),
        }
        for v in selectors.form_versions(form=form)
    ]
    return render(request, "procedures/builder/versions.html", {"form": form, "versions": versions})


def _json_download(payload: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_page(CHANGE)
def builder_version_json(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = _form(request, slug)
    version = selectors.form_version_get(form=form, number=number)
    return _json_download(
        {
            "form": form.slug,
            "title": {"ja": form.title_ja, "en": form.title_en},
            "version": version.number,
            "published_at": version.published_at.isoformat(),
            "definition": version.definition,
        },
        f"{form.slug}-v{version.number}.json",
    )


@operator_page(CHANGE)
def builder_draft_json(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    return _json_download(
        {
            "form": form.slug,
            "title": {"ja": form.title_ja, "en": form.title_en},
            "version": None,
            "definition": form.draft_definition,
        },
        f"{form.slug}-draft.json",
    )


@operator_page(CHANGE, methods=["GET", "POST"])
def builder_import(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(request, slug)
    import_form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        imported = submit(
            import_form,
            lambda: services.form_definition_import(
                municipality=_municipality(request),
                actor=request.user,
                form=form,
                data=import_form.cleaned_data["file"].read(definitions.MAX_IMPORT_BYTES + 1),
            ),
        )
        if imported is not None:
            messages.success(
                request,
                _("The definition was imported into the draft. Check it, then publish."),
            )
            return redirect(_editor_url(request, form))
    return render(
        request,
        "procedures/builder/import.html",
        {"form": form, "import_form": import_form},
        status=422 if import_form.errors else 200,
    )
