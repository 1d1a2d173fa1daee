"""The resident's application pages (issue 16): start, one page of questions at a time, save
and come back later (a link by e-mail, or the account), check your answers, send, the
confirmation with the reference number, the receipt PDF and the postcode lookup.

The pages work without JavaScript; ``static/procedures/apply.js`` only fills the town from
the postcode as it is typed and stops a second click on the send button. Which browser may open
which submission is ``kanmin.procedures.resident``'s rule.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kanmin.core.errors import Conflict, Invalid, KanminError, PageNotFound
from kanmin.core.tenancy import tenant_reverse, tenant_view
from kanmin.procedures import answers as answer_checks
from kanmin.procedures import apply_services as services
from kanmin.procedures import resident
from kanmin.procedures.formspec import CHECK, Page, Question, text
from kanmin.procedures.models import Attachment, Form, Submission

_POSTCODE_URL_RE = re.compile(r"^\d{7}$")


def _language() -> str:
    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return tenant_reverse(f"procedures:{name}", request.municipality, kwargs)  # type: ignore[attr-defined]


def _form(slug: str) -> Form:
    form = (
        Form.objects.select_related("procedure", "live_version")
        .filter(slug=slug, status=Form.Status.LIVE)
        .first()
    )
    if form is None or form.live_version is None:
        raise PageNotFound(_("There is no form %(name)s here.") % {"name": slug}, name=slug)
    return form


def _submission(request: HttpRequest, slug: str, public_id: str) -> Submission | HttpResponse:
    """The submission in the URL when this browser may open it, else the page that says how
    to open it."""
    submission = (
        Submission.objects.select_related("form", "version", "procedure", "municipality")
        .filter(public_id=public_id, form__slug=slug)
        .first()
    )
    if submission is None:
        raise PageNotFound(_("There is no such application here."), name=public_id)
    if not resident.may_open(request, submission):
        return render(
            request,
            "procedures/apply/not_yours.html",
            {"start_url": _url(request, "apply_start", slug=slug)},
            status=403,
        )
    return submission


def _page_url(request: HttpRequest, submission: Submission, page_id: str) -> str:
    if page_id == CHECK:
        return _url(
            request, "apply_check", slug=submission.form.slug, public_id=submission.public_id
        )
    return _url(
        request,
        "apply_page",
        slug=submission.form.slug,
        public_id=submission.public_id,
        page=page_id,
    )


def _done_url(request: HttpRequest, submission: Submission) -> str:
    return _url(request, "apply_done", slug=submission.form.slug, public_id=submission.public_id)


def _resume_base(request: HttpRequest) -> str:
    """The absolute address a resume token is appended to (…/apply/resume/<token>/)."""
    placeholder = "0"
    url = _url(request, "apply_resume", token=placeholder)
    return request.build_absolute_uri(url[: -len(placeholder) - 1])


def _version_notice(submission: Submission) -> bool:
    """The form was published again since this draft began: it goes on on its own version."""
    return (
        submission.status == Submission.Status.DRAFT
        and submission.form.live_version_id != submission.version_id
    )


# --------------------------------------------------------------------------------------------
# Start
# --------------------------------------------------------------------------------------------


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest, slug: str) -> HttpResponse:
    form = _form(slug)
    if request.method == "POST":
        try:
            submission = services.draft_start(form, applicant=request.user)
        except KanminError as exc:
            raise PageNotFound(str(exc.message), name=slug) from None
        resident.grant(request, submission)
        return redirect(_page_url(request, submission, submission.current_page))
    language = _language()
    definition = form.live_version.definition if form.live_version else {}
    spec = services.parse(definition)
    started = (
        Submission.objects.filter(
            pk__in=resident.granted_ids(request), form=form, status=Submission.Status.DRAFT
        )
        .order_by("-updated_at")
        .first()
    )
    procedure = form.procedure
    return render(
        request,
        "procedures/apply/start.html",
        {
            "form": form,
            "title": form.title_en if language == "en" and form.title_en else form.title_ja,
            "intro": text(definition.get("intro"), language),
            "documents": [line for line in procedure.documents.splitlines() if line.strip()],
            "procedure": procedure,
            "page_count": len(spec.pages),
            "has_files": any(q.type == "file" for q in spec.questions()),
            "started_url": _page_url(request, started, started.current_page or CHECK)
            if started
            else "",
        },
    )


# --------------------------------------------------------------------------------------------
# Pages of questions
# --------------------------------------------------------------------------------------------


def _question_view(
    question: Question,
    values: dict[str, Any],
    errors: dict[str, str],
    attachments: list[Attachment],
    language: str,
) -> dict[str, Any]:
    names = answer_checks.input_names(question)
    parts = [
        {
            "name": name,
            "id": f"f-{name}",
            "part": name.split("__", 1)[1] if "__" in name else "",
            "value": values.get(name, ""),
            "error": errors.get(name, ""),
        }
        for name in names
    ]
    value = values.get(question.id)
    chosen = value if isinstance(value, list) else [value] if value else []
    return {
        "id": question.id,
        "type": question.type,
        "label": text(question.label, language),
        "hint": text(question.hint, language),
        "required": question.required,
        "parts": parts,
        "first": parts[0],
        "errors": [p["error"] for p in parts if p["error"]],
        "multiple": bool(question.options.get("multiple")),
        "choices": [
            {
                "value": str(c.get("value")),
                "label": text(c.get("label"), language),
                "id": f"f-{question.id}-{i}",
                "checked": str(c.get("value")) in [str(v) for v in chosen],
            }
            for i, c in enumerate(question.options.get("choices", []))
        ],
        "consent_text": text(question.options.get("text"), language),
        "attachments": [a for a in attachments if a.question == question.id],
        "accept": ",".join(
            sorted(
                {
                    f".{e}"
                    for t in services.allowed_types(question)
                    for e in services.FILE_TYPES.get(t, ("", ()))[1]
                }
            )
        ),
        "max_size": services._size_label(
            int(question.options.get("max_bytes") or services.DEFAULT_MAX_BYTES)
        ),
    }


def _render_page(
    request: HttpRequest,
    submission: Submission,
    page: Page,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    problem: str = "",
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    language = _language()
    attachments = list(submission.attachments.all())
    questions = [_question_view(q, values, errors, attachments, language) for q in page.questions]
    summary = [
        {"message": p["error"], "href": "#" + p["id"]}
        for q in questions
        for p in q["parts"]
        if p["error"]
    ]
    for q in questions:  # file and choice errors sit on the question, not an input part
        if q["type"] in ("file",) and errors.get(q["id"]) and not q["parts"][0]["error"]:
            summary.append({"message": errors[q["id"]], "href": f"#f-{q['id']}"})
    path = services.path_ids(submission)
    index = path.index(page.id) if page.id in path else 0
    back = (
        _page_url(request, submission, path[index - 1])
        if index > 0
        else _url(request, "apply_start", slug=submission.form.slug)
    )
    return render(
        request,
        "procedures/apply/page.html",
        {
            "submission": submission,
            "form": submission.form,
            "form_title": _title(submission, language),
            "page": page,
            "page_title": text(page.title, language),
            "questions": questions,
            "summary": summary,
            "problem": problem,
            "notice": notice,
            "back_url": back,
            "step": index + 1,
            "steps": len(path),
            "version_changed": _version_notice(submission),
            "multipart": any(q.type == "file" for q in page.questions),
            "return_to_check": request.GET.get("return") == "check"
            or request.POST.get("return") == "check",
        },
        status=status,
    )


def _title(submission: Submission, language: str) -> str:
    form = submission.form
    return form.title_en if language == "en" and form.title_en else form.title_ja


def _stored_values(submission: Submission, page: Page) -> dict[str, Any]:
    stored = services.answers_of(submission)
    values: dict[str, Any] = {}
    for question in page.questions:
        values.update(answer_checks.as_inputs(question, stored.get(question.id)))
    return values


def _posted_values(request: HttpRequest, page: Page) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in page.questions:
        for name in answer_checks.input_names(question):
            if question.type == "choice" and question.options.get("multiple"):
                values[name] = request.POST.getlist(name)
            else:
                values[name] = request.POST.get(name, "")
    return values


def _fill_towns(page: Page, values: dict[str, Any], *, force: bool) -> dict[str, str]:
    """Fill the town of each address from its postcode (when empty, or always on "find")."""
    errors: dict[str, str] = {}
    for question in page.questions:
        if question.type != "address":
            continue
        n_postcode, n_town, _rest = answer_checks.input_names(question)
        digits = answer_checks.postcode_digits(str(values.get(n_postcode, "")))
        if digits is None:
            if force:
                errors[n_postcode] = _("Enter the postcode as 7 digits, e.g. 885-0006.")
            continue
        found = answer_checks.postcode_lookup(digits)
        if found is None:
            if force:
                errors[n_postcode] = _(
                    "No address has the postcode %(postcode)s. Check it, or write the town "
                    "yourself."
                ) % {"postcode": f"{digits[:3]}-{digits[3:]}"}
            continue
        if force or not str(values.get(n_town, "")).strip():
            values[n_town] = found["address"]
    return errors


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_page(request: HttpRequest, slug: str, public_id: str, page: str) -> HttpResponse:
    found = _submission(request, slug, public_id)
    if isinstance(found, HttpResponse):
        return found
    submission = found
    if submission.status != Submission.Status.DRAFT:
        return redirect(_done_url(request, submission))
    spec = services.spec_of(submission)
    try:
        current = spec.page(page)
    except KeyError:
        raise PageNotFound(
            _("This form has no page %(name)s.") % {"name": page}, name=page
        ) from None
    path = services.path_ids(submission)
    if page not in path:
        messages.info(
            request,
            _("The page you asked for does not apply to your answers, so it was skipped."),
        )
        return redirect(
            _page_url(request, submission, services.first_unanswered(submission) or CHECK)
        )
    if request.method == "GET":
        return _render_page(request, submission, current, _stored_values(submission, current), {})
    values = _posted_values(request, current)
    action = request.POST.get("action", "continue")
    # The hidden fields must be the page's own: anything else is a damaged or forged page.
    if request.POST.get("page") != page or request.POST.get("submission") != public_id:
        return _render_page(
            request,
            submission,
            current,
            values,
            {},
            problem=_(
                "The page sent was damaged (its hidden fields do not match this page), so "
                "nothing was saved. Your answers are shown below: check them and press "
                "Continue again."
            ),
            status=400,
        )
    remove = request.POST.get("remove")
    if remove:
        attachment = submission.attachments.filter(pk=remove if remove.isdigit() else 0).first()
        if attachment is not None:
            services.attachment_remove(submission, attachment)
            submission.refresh_from_db()
            return _render_page(
                request,
                submission,
                current,
                values,
                {},
                notice=_("The file “%(name)s” was removed.") % {"name": attachment.filename},
            )
        return _render_page(request, submission, current, values, {})
    if action == "lookup":
        found_errors = _fill_towns(current, values, force=True)
        return _render_page(
            request,
            submission,
            current,
            values,
            found_errors,
            notice="" if found_errors else _("The town was filled in from the postcode: check it."),
        )
    _fill_towns(current, values, force=False)
    errors: dict[str, str] = {}
    uploaded_any = False
    for question in current.questions:
        upload = request.FILES.get(question.id) if question.type == "file" else None
        if upload is None:
            continue
        try:
            services.attachment_add(submission, question, upload)
            uploaded_any = True
        except services.AlreadySubmitted:
            return redirect(_done_url(request, submission))
        except KanminError as exc:
            for name, msgs in exc.fields.items():
                errors[name] = str(msgs[0])
    submission.refresh_from_db()
    if action == "upload" or errors:
        if action == "upload" and not errors and not uploaded_any:
            errors = {
                q.id: _("Choose a file to upload.") for q in current.questions if q.type == "file"
            }
        return _render_page(
            request,
            submission,
            current,
            values,
            errors,
            notice=_("The file was uploaded.") if uploaded_any and not errors else "",
        )
    try:
        result = services.draft_save_page(
            submission,
            page,
            request.POST,
            request.POST.get("revision"),
            partial=action == "save",
        )
    except services.AlreadySubmitted:
        return redirect(_done_url(request, submission))
    except (Conflict, Invalid) as exc:
        submission.refresh_from_db()
        return _render_page(
            request, submission, current, values, {}, problem=str(exc.message), status=409
        )
    submission = result.submission
    if action == "save":
        return redirect(_url(request, "apply_save", slug=slug, public_id=public_id))
    if result.errors:
        return _render_page(request, submission, current, values, result.errors, status=422)
    if request.POST.get("return") == "check" and services.first_unanswered(submission) is None:
        return redirect(_page_url(request, submission, CHECK))
    return redirect(_page_url(request, submission, result.next_page or CHECK))


# --------------------------------------------------------------------------------------------
# Save and come back later, resume links
# --------------------------------------------------------------------------------------------


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_save(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    found = _submission(request, slug, public_id)
    if isinstance(found, HttpResponse):
        return found
    submission = found
    if submission.status != Submission.Status.DRAFT:
        return redirect(_done_url(request, submission))
    continue_url = _page_url(request, submission, submission.current_page or CHECK)
    signed_in = request.user.is_authenticated and submission.applicant_id == request.user.pk
    context: dict[str, Any] = {
        "submission": submission,
        "form_title": _title(submission, _language()),
        "continue_url": continue_url,
        "signed_in": signed_in,
        "days": services.RESUME_DAYS,
        "email": services.receipt_email(submission, services.answers_of(submission)),
        "error": "",
        "sent_to": "",
    }
    if request.method == "POST":
        context["email"] = request.POST.get("email", "")
        try:
            services.resume_link_send(submission, context["email"], link_base=_resume_base(request))
        except Invalid as exc:
            context["error"] = next(iter(exc.fields.values()))[0] if exc.fields else exc.message
            return render(request, "procedures/apply/save.html", context, status=422)
        context["sent_to"] = context["email"]
    return render(request, "procedures/apply/save.html", context)


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_resume(request: HttpRequest, token: str) -> HttpResponse:
    """A link from an e-mail: GET shows a button (so that a mail scanner fetching the link does
    not use it up), POST uses the link and opens the application in this browser."""
    context: dict[str, Any] = {"token": token, "days": services.RESUME_DAYS}
    try:
        link = services.resume_link_check(token)
    except services.LinkRefused as exc:
        context.update(refused=exc.code, message=exc.message, can_resend=exc.submission is not None)
        if request.method == "POST" and exc.submission is not None and "email" in request.POST:
            services.resume_link_resend(
                exc.submission, request.POST.get("email", ""), link_base=_resume_base(request)
            )
            context["resent"] = True
        return render(request, "procedures/apply/resume.html", context, status=410)
    if request.method == "GET":
        context["form_title"] = _title(link.submission, _language())
        return render(request, "procedures/apply/resume.html", context)
    try:
        submission = services.resume_link_use(token)
    except services.LinkRefused as exc:
        context.update(refused=exc.code, message=exc.message, can_resend=True)
        return render(request, "procedures/apply/resume.html", context, status=410)
    resident.grant(request, submission)
    if submission.status != Submission.Status.DRAFT:
        return redirect(_done_url(request, submission))
    messages.success(request, _("Welcome back: your answers so far are kept."))
    page = services.first_unanswered(submission) or CHECK
    return redirect(_page_url(request, submission, page))


# --------------------------------------------------------------------------------------------
# Check your answers, send, confirmation, receipt
# --------------------------------------------------------------------------------------------


def _check_context(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    language = _language()
    spec = services.spec_of(submission)
    stored = services.answers_of(submission)
    files: dict[str, list[str]] = {}
    for attachment in submission.attachments.all():
        files.setdefault(attachment.question, []).append(attachment.filename)
    sections = []
    for page in spec.path(stored):
        rows = []
        for question in page.questions:
            if question.type == "file":
                value = "、".join(files.get(question.id, []))
            else:
                value = answer_checks.display(question, stored.get(question.id), language)
            rows.append(
                {
                    "label": text(question.label, language),
                    "value": value,
                    "change_url": _page_url(request, submission, page.id) + "?return=check",
                }
            )
        sections.append({"title": text(page.title, language), "rows": rows})
    return {
        "submission": submission,
        "form_title": _title(submission, language),
        "sections": sections,
        "submit_key": secrets.token_urlsafe(24),
        "version_changed": _version_notice(submission),
        "back_url": _page_url(request, submission, spec.path(stored)[-1].id),
        "error": "",
    }


@tenant_view
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    found = _submission(request, slug, public_id)
    if isinstance(found, HttpResponse):
        return found
    submission = found
    if submission.status != Submission.Status.DRAFT:
        return redirect(_done_url(request, submission))
    missing = services.first_unanswered(submission)
    if missing is not None:
        messages.info(request, _("Answer this page before you check your answers."))
        return redirect(_page_url(request, submission, missing))
    if request.method == "GET":
        return render(request, "procedures/apply/check.html", _check_context(request, submission))
    try:
        services.submission_submit(
            submission,
            request.POST.get("submit_key", ""),
            actor=request.user,
            follow_base=_resume_base(request),
        )
    except services.AlreadySubmitted as exc:
        messages.info(request, str(exc.message))
        return redirect(_done_url(request, exc.submission))
    except Invalid as exc:
        if exc.code == "incomplete":
            messages.info(request, str(exc.message))
            return redirect(_page_url(request, submission, str(exc.fields["page"][0])))
        context = _check_context(request, submission)
        context["error"] = exc.message
        return render(request, "procedures/apply/check.html", context, status=400)
    return redirect(_done_url(request, submission))


@tenant_view
@require_GET
def apply_done(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    found = _submission(request, slug, public_id)
    if isinstance(found, HttpResponse):
        return found
    submission = found
    if submission.status == Submission.Status.DRAFT:
        return redirect(_page_url(request, submission, CHECK))
    stored = services.answers_of(submission)
    return render(
        request,
        "procedures/apply/done.html",
        {
            "submission": submission,
            "form_title": _title(submission, _language()),
            "email": services.receipt_email(submission, stored),
            "department": submission.department,
            "receipt_url": _url(request, "apply_receipt", slug=slug, public_id=public_id),
        },
    )


@tenant_view
@require_GET
def apply_receipt(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    from kanmin.procedures.receipt import receipt_pdf

    found = _submission(request, slug, public_id)
    if isinstance(found, HttpResponse):
        return found
    submission = found
    if submission.status == Submission.Status.DRAFT:
        return redirect(_page_url(request, submission, CHECK))
    response = HttpResponse(receipt_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{submission.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_view
@require_GET
def apply_postcode(request: HttpRequest, digits: str) -> HttpResponse:
    """The address of a postcode, for the script that fills the town as it is typed."""
    if not _POSTCODE_URL_RE.match(digits):
        return JsonResponse(
            {"error": _("Enter the postcode as 7 digits, e.g. 885-0006.")}, status=400
        )
    found = answer_checks.postcode_lookup(digits)
    if found is None:
        return JsonResponse(
            {
                "error": _(
                    "No address has the postcode %(postcode)s. Check it, or write the town "
                    "yourself."
                )
                % {"postcode": f"{digits[:3]}-{digits[3:]}"}
            },
            status=404,
        )
    response = JsonResponse(found, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=86400"
    return response
