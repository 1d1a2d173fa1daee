"""The resident's side of an application: start a draft, save its pages, upload documents,
resume by e-mail, submit (issue 16).

Residents are not staff, so these are plain functions with ``transaction.atomic`` rather than
``kanmin.core.actions.action`` (which checks a staff permission); submitting writes its audit
entry through ``kanmin.core.auditing`` as the sign-in records do. Which browser may call them
for which submission is decided by the views with ``kanmin.procedures.resident``.

A draft stays on the ``FormVersion`` it was started on: publishing a new version of the form
while a resident is half-way through never changes the questions under them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.core import auditing, crypto
from kanmin.core.errors import Conflict, Invalid, NotFound
from kanmin.core.fiscal_year import FiscalYear
from kanmin.procedures import answers as answer_checks
from kanmin.procedures.formspec import FormSpec, Page, Question, parse, text
from kanmin.procedures.models import (
    Attachment,
    Form,
    FormVersion,
    Procedure,
    ResumeLink,
    Submission,
    SubmissionEvent,
)

RESUME_DAYS = 7
# Links one application may have sent in an hour: enough for typos, too few to flood a mailbox.
RESUME_LINKS_PER_HOUR = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TYPES = ("pdf", "jpeg", "png")
SUBMIT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# The file types a form may allow, by the name staff give: (filetype's name, extensions).
FILE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "jpeg": ("image/jpeg", ("jpg", "jpeg")),
    "jpg": ("image/jpeg", ("jpg", "jpeg")),
    "png": ("image/png", ("png",)),
    "heic": ("image/heic", ("heic", "heif")),
    "gif": ("image/gif", ("gif",)),
    "webp": ("image/webp", ("webp",)),
}
TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/gif": "GIF",
    "image/webp": "WebP",
}


class AlreadySubmitted(Conflict):
    """The draft was submitted already (another tab, a retried request): ``submission`` has it."""

    def __init__(self, submission: Submission) -> None:
        super().__init__(
            _("This application was already sent: its reference number is %(reference)s.")
            % {"reference": submission.reference},
            code="already_submitted",
        )
        self.submission = submission


class LinkRefused(Invalid):
    """A resume link that cannot be used; ``code`` is ``expired``, ``used`` or ``unknown``, and
    ``submission`` the one it was for when known (to offer a new link)."""

    def __init__(self, code: str, submission: Submission | None = None) -> None:
        messages = {
            "expired": _("This link has expired: links work for %(days)s days.")
            % {"days": RESUME_DAYS},
            "used": _("This link has been used already: each link works once."),
            "unknown": _("This link is not valid. Check that you copied the whole address."),
        }
        super().__init__(messages[code], code=code)
        self.submission = submission


def spec_of(submission: Submission) -> FormSpec:
    return parse(submission.version.definition)


def answers_of(submission: Submission) -> dict[str, Any]:
    if not submission.answers:
        return {}
    loaded = json.loads(submission.answers)
    return loaded if isinstance(loaded, dict) else {}


def _store_answers(submission: Submission, answers: Mapping[str, Any]) -> None:
    submission.answers = json.dumps(dict(answers), ensure_ascii=False, sort_keys=True)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------


@transaction.atomic
def draft_start(form: Form, *, applicant: Any = None) -> Submission:
    """A new draft on the form's live version; NotFound when the form is not open."""
    version = form.live_version
    if form.status != Form.Status.LIVE or version is None:
        raise NotFound(_("This form is not open for applications."))
    procedure = form.procedure
    return Submission.objects.create(
        municipality_id=form.municipality_id,
        form=form,
        version=version,
        procedure=procedure,
        department_id=procedure.department_id,
        applicant=applicant if getattr(applicant, "is_authenticated", False) else None,
        public_id=secrets.token_urlsafe(18),
        current_page=parse(version.definition).first_page,
    )


@dataclass
class PageResult:
    """What saving a page gave: the page to go to next, or the problems found (input name →
    message) with the values as typed, to show the page again."""

    submission: Submission
    errors: dict[str, str]
    next_page: str | None = None


def clean_page(page: Page, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The cleaned answers to a page's questions and the problems found (no files)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in page.questions:
        if question.type == "file":
            continue
        value, problems = answer_checks.clean(question, data)
        cleaned[question.id] = value
        errors.update(problems)
    return cleaned, errors


def _lock_draft(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != Submission.Status.DRAFT:
        raise AlreadySubmitted(locked)
    return locked


def _check_revision(locked: Submission, revision: Any) -> None:
    try:
        given = int(revision)
    except (TypeError, ValueError):
        raise Invalid(
            _("The page sent was damaged (its revision is not a number). Nothing was saved."),
            code="tampered",
        ) from None
    if given != locked.revision:
        raise Conflict(
            _(
                "This application was changed in another window or tab after you opened this "
                "page, so this page was not saved. Your answers are shown below: check them "
                "and press Continue again to save them."
            ),
            code="stale",
        )


@transaction.atomic
def draft_save_page(
    submission: Submission,
    page_id: str,
    data: Mapping[str, Any],
    revision: Any,
    *,
    partial: bool = False,
) -> PageResult:
    """Save the answers to one page of a draft.

    ``revision`` is the one the page was shown with: an older one (another tab saved in the
    meantime, a retried request) raises Conflict and saves nothing. With errors nothing is
    saved, unless ``partial`` (save and come back later), which keeps the good answers.
    Answers on pages that routing now skips stay in the draft until it is submitted (the
    resident may go back), and are dropped then (``FormSpec.kept``)."""
    locked = _lock_draft(submission)
    _check_revision(locked, revision)
    spec = spec_of(locked)
    page = spec.page(page_id)
    stored = answers_of(locked)
    cleaned, errors = clean_page(page, data)
    for question in page.questions:
        if question.type == "file" and question.required and not partial:
            if not locked.attachments.filter(question=question.id).exists():
                errors[question.id] = answer_checks.required_message(question)
    if errors and not partial:
        return PageResult(locked, errors)
    bad = {name.split("__")[0] for name in errors}
    for key, value in cleaned.items():
        if key not in bad:
            stored[key] = value
    _store_answers(locked, stored)
    following = spec.next_page(page_id, stored)
    locked.current_page = page_id if errors or partial else following
    locked.revision += 1
    locked.save(update_fields=["answers", "current_page", "revision", "updated_at"])
    return PageResult(locked, errors, None if errors else following)


def path_ids(submission: Submission) -> list[str]:
    return [p.id for p in spec_of(submission).path(answers_of(submission))]


def first_unanswered(submission: Submission) -> str | None:
    """The first page on the route whose answers are missing or no longer valid."""
    spec = spec_of(submission)
    stored = answers_of(submission)
    files = set(submission.attachments.values_list("question", flat=True))
    for page in spec.path(stored):
        for question in page.questions:
            if question.type == "file":
                if question.required and question.id not in files:
                    return page.id
            elif question.id not in stored or answer_checks.stored_problem(
                question, stored.get(question.id)
            ):
                return page.id
    return None


# --------------------------------------------------------------------------------------------
# Attachments
# --------------------------------------------------------------------------------------------


def attachments_dir() -> Path:
    return Path(settings.DATA_DIR) / "procedures" / "attachments"


def allowed_types(question: Question) -> list[str]:
    return [str(t).lower() for t in question.options.get("types") or DEFAULT_TYPES]


def _types_label(names: list[str]) -> str:
    labels: list[str] = []
    for name in names:
        mime = FILE_TYPES.get(name, ("", ()))[0]
        label = TYPE_LABELS.get(mime, name.upper())
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, size // 1024)} KB"


@transaction.atomic
def attachment_add(submission: Submission, question: Question, uploaded: Any) -> Attachment:
    """Keep an uploaded document of a draft, encrypted, after checking its size and its type
    as read from its content (not its name)."""
    import filetype

    locked = _lock_draft(submission)
    name = question.id
    if question.type != "file":
        raise Invalid(fields={name: [_("This question does not take a file.")]})
    limit = int(question.options.get("max_bytes") or DEFAULT_MAX_BYTES)
    max_files = int(question.options.get("max_files") or 1)
    filename = Path(str(getattr(uploaded, "name", "") or "file")).name[:200]
    if locked.attachments.filter(question=name).count() >= max_files:
        raise Invalid(
            fields={name: [_("Remove the file already uploaded before you upload another.")]}
        )
    size = int(getattr(uploaded, "size", 0) or 0)
    if size == 0:
        raise Invalid(fields={name: [_("The file “%(name)s” is empty.") % {"name": filename}]})
    if size > limit:
        raise Invalid(
            fields={
                name: [
                    _("The file “%(name)s” is %(size)s: files must be %(limit)s or smaller.")
                    % {"name": filename, "size": _size_label(size), "limit": _size_label(limit)}
                ]
            }
        )
    content = b"".join(uploaded.chunks())
    allowed = allowed_types(question)
    kind = filetype.guess(content[:8192])
    mimes = {FILE_TYPES[t][0] for t in allowed if t in FILE_TYPES}
    if kind is None or kind.mime not in mimes:
        raise Invalid(
            fields={
                name: [
                    _(
                        "The file “%(name)s” is not a %(types)s file (its content says so, "
                        "whatever its name). Choose a %(types)s file."
                    )
                    % {"name": filename, "types": _types_label(allowed)}
                ]
            }
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extensions = {
        e for t in allowed if FILE_TYPES.get(t, ("",))[0] == kind.mime for e in FILE_TYPES[t][1]
    }
    if extension not in extensions:
        raise Invalid(
            fields={
                name: [
                    _(
                        "The name of “%(name)s” does not match its content, which is a %(type)s "
                        "file. Rename it to end in .%(extension)s, or choose the right file."
                    )
                    % {
                        "name": filename,
                        "type": TYPE_LABELS.get(kind.mime, kind.extension),
                        "extension": sorted(extensions)[0],
                    }
                ]
            }
        )
    folder = attachments_dir() / locked.municipality.lg_code
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{locked.municipality.lg_code}/{uuid.uuid4().hex}.bin"
    path = attachments_dir() / relative
    path.write_bytes(crypto.keyring().encrypt(content))
    try:
        attachment = Attachment.objects.create(
            municipality_id=locked.municipality_id,
            submission=locked,
            question=name,
            filename=filename,
            content_type=kind.mime,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            path=relative,
        )
        # Documents are rows of their own: uploading does not change the answers' revision.
        locked.save(update_fields=["updated_at"])
    except Exception:
        path.unlink(missing_ok=True)
        raise
    # A rollback after this point (a failed COMMIT, a caller's own atomic block, a process
    # killed in between) leaves the file without its row: attachment_orphans_sweep removes it.
    return attachment


ORPHAN_MINUTES = 60  # an attachment file younger than this may belong to an upload in flight


def attachment_orphans_sweep(*, older_than: dt.timedelta | None = None) -> list[str]:
    """Delete the attachment files that no Attachment row names: files whose upload's
    transaction rolled back after the file was written (Django has no on-rollback hook) or
    whose process died in between. Only files older than ``older_than`` (default
    :data:`ORPHAN_MINUTES`) go, so an upload still in its transaction keeps its file. The
    relative paths deleted, for the operator's log."""
    root = attachments_dir()
    if not root.is_dir():
        return []
    limit = older_than if older_than is not None else dt.timedelta(minutes=ORPHAN_MINUTES)
    cutoff = timezone.now().timestamp() - limit.total_seconds()
    removed: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        named = set(
            Attachment.all_tenants.filter(path__startswith=f"{folder.name}/").values_list(
                "path", flat=True
            )
        )
        for file in sorted(folder.iterdir()):
            relative = f"{folder.name}/{file.name}"
            if not file.is_file() or relative in named or file.stat().st_mtime > cutoff:
                continue
            # Named meanwhile by an upload that has just committed? Then it stays.
            if Attachment.all_tenants.filter(path=relative).exists():
                continue
            file.unlink(missing_ok=True)
            removed.append(relative)
    return removed


def attachment_content(attachment: Attachment) -> bytes:
    return crypto.keyring().decrypt((attachments_dir() / attachment.path).read_bytes())


@transaction.atomic
def attachment_remove(submission: Submission, attachment: Attachment) -> None:
    locked = _lock_draft(submission)
    if attachment.submission_id != locked.pk:
        raise NotFound()
    path = attachments_dir() / attachment.path
    attachment.delete()
    locked.save(update_fields=["updated_at"])
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


# --------------------------------------------------------------------------------------------
# Resume links
# --------------------------------------------------------------------------------------------


def _send(subject: str, body: str, to: str) -> None:
    EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)


def _new_link(submission: Submission) -> str:
    token = secrets.token_urlsafe(32)
    ResumeLink.objects.create(
        municipality_id=submission.municipality_id,
        submission=submission,
        digest=digest(token),
        expires_at=timezone.now() + dt.timedelta(days=RESUME_DAYS),
    )
    return token


@transaction.atomic
def resume_link_send(submission: Submission, email: str, *, link_base: str) -> ResumeLink:
    """E-mail a link that resumes the draft (or follows the application) in any browser.

    ``link_base`` is the absolute address the token is appended to. Only the token's digest
    is kept; the link expires after RESUME_DAYS days and works once."""
    address, problems = answer_checks.clean(
        Question(id="email", type="email", label={}), {"email": email}
    )
    if problems or not address:
        message = problems.get("email") or _("Enter an e-mail address in the form name@example.jp.")
        raise Invalid(fields={"email": [message]})
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    recent = ResumeLink.objects.filter(
        submission=locked, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).count()
    if recent >= RESUME_LINKS_PER_HOUR:
        raise Invalid(
            fields={
                "email": [
                    _(
                        "%(count)s links have been sent for this application in the last hour. "
                        "Wait an hour before asking for another; your answers are kept."
                    )
                    % {"count": recent}
                ]
            },
            code="too_many_links",
        )
    locked.email = address
    locked.email_digest = digest(address.lower())
    locked.save(update_fields=["email", "email_digest", "updated_at"])
    token = _new_link(locked)
    title = locked.form.title_ja
    body = _(
        "To continue your application “%(title)s”, open this link:\n\n%(link)s\n\n"
        "The link works once and for %(days)s days. If you did not ask for it, ignore this "
        "message: nothing is sent without you."
    ) % {"title": title, "link": link_base + token + "/", "days": RESUME_DAYS}
    transaction.on_commit(
        lambda: _send(_("Continue your application: %(title)s") % {"title": title}, body, address)
    )
    return ResumeLink.objects.get(digest=digest(token))


def resume_link_check(token: str) -> ResumeLink:
    """The link of ``token`` when it can still be used; LinkRefused says why not."""
    if not token or len(token) > 100:
        raise LinkRefused("unknown")
    link = ResumeLink.objects.select_related("submission").filter(digest=digest(token)).first()
    if link is None:
        raise LinkRefused("unknown")
    if link.used_at is not None:
        raise LinkRefused("used", link.submission)
    if link.expires_at <= timezone.now():
        raise LinkRefused("expired", link.submission)
    return link


@transaction.atomic
def resume_link_use(token: str) -> Submission:
    """Use a resume link once: the submission it opens (the view grants it to the session)."""
    link = resume_link_check(token)
    updated = ResumeLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not updated:
        raise LinkRefused("used", link.submission)
    return link.submission


@transaction.atomic
def resume_link_resend(submission: Submission, email: str, *, link_base: str) -> bool:
    """A new link for an expired or used one, sent only when ``email`` is the address the
    first went to (the answer does not say which, so an address cannot be probed)."""
    address = answer_checks.normalize_text(email).lower()
    submission = Submission.objects.get(pk=submission.pk)
    if not submission.email_digest or digest(address) != submission.email_digest:
        return False
    try:
        resume_link_send(submission, address, link_base=link_base)
    except Invalid:
        return False  # too many links this hour: the page says the same either way
    return True


# --------------------------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------------------------


def _reference(submission: Submission) -> str:
    year = FiscalYear.of(timezone.localdate()).year
    prefix = f"{submission.municipality.lg_code}-{year}-"
    for _attempt in range(20):
        candidate = f"{prefix}{secrets.randbelow(10**6):06d}"
        if not Submission.all_tenants.filter(reference=candidate).exists():
            return candidate
    raise Conflict(_("No reference number could be given. Try again."))


def receipt_email(submission: Submission, answers: Mapping[str, Any]) -> str:
    """The address the receipt goes to: the form's e-mail answer, else the resume address."""
    spec = spec_of(submission)
    for question in spec.questions():
        if question.type == "email" and answers.get(question.id):
            return str(answers[question.id])
    return submission.email or ""


@transaction.atomic
def submission_submit(
    submission: Submission,
    submit_key: str,
    *,
    actor: Any = None,
    follow_base: str = "",
) -> Submission:
    """Send the application. Idempotent: the same ``submit_key`` (a double click, a retried
    request) returns the submission already sent; another key raises AlreadySubmitted.

    Only the answers on the route taken are kept (``FormSpec.kept``), and the documents of
    skipped questions are removed; every page on the route is checked again. The submission
    gets its reference number, 受付 status and event, and the receipt e-mail goes out when an
    address was given (with a link to follow it, built on ``follow_base``)."""
    if not SUBMIT_KEY_RE.match(submit_key or ""):
        raise Invalid(
            _(
                "The page sent was damaged (its submit key is missing). Nothing was sent: check "
                "your answers and press Send again."
            ),
            code="tampered",
        )
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != Submission.Status.DRAFT:
        if locked.submit_key == submit_key:
            return locked
        raise AlreadySubmitted(locked)
    if (page := first_unanswered(locked)) is not None:
        raise Invalid(
            _("Some answers are missing or need changing. Check the page shown."),
            code="incomplete",
            fields={"page": [page]},
        )
    spec = spec_of(locked)
    stored = answers_of(locked)
    kept = spec.kept(stored)
    kept_questions = {q.id for p in spec.path(stored) for q in p.questions}
    skipped_files = locked.attachments.exclude(question__in=kept_questions)
    paths = [attachments_dir() / a.path for a in skipped_files]
    skipped_files.delete()
    transaction.on_commit(lambda: [p.unlink(missing_ok=True) for p in paths])
    _store_answers(locked, kept)
    now = timezone.now()
    locked.reference = _reference(locked)
    locked.status = Submission.Status.RECEIVED
    locked.submit_key = submit_key
    locked.submitted_at = now
    locked.current_page = ""
    locked.revision += 1
    locked.procedure_id = locked.form.procedure_id
    locked.department_id = locked.procedure.department_id
    if getattr(actor, "is_authenticated", False) and locked.applicant_id is None:
        locked.applicant = actor
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        # Another request took this submit key in the meantime: that one was sent.
        raise AlreadySubmitted(Submission.objects.get(submit_key=submit_key)) from None
    SubmissionEvent.objects.create(
        municipality_id=locked.municipality_id,
        submission=locked,
        kind=SubmissionEvent.Kind.STATUS,
        status_from=Submission.Status.DRAFT,
        status_to=Submission.Status.RECEIVED,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_resident=True,
        at=now,
    )
    auditing.record(
        actor=actor,
        municipality=locked.municipality,
        action="procedures.submission.submit",
        target=locked,
        extra={
            "reference": locked.reference,
            "form": locked.form.slug,
            "version": locked.version.number,
        },
    )
    address = receipt_email(locked, kept)
    if address:
        # Kept (encrypted, and as a digest) so that a new link can be sent to this address only.
        locked.email = address
        locked.email_digest = digest(address.lower())
        locked.save(update_fields=["email", "email_digest"])
        token = _new_link(locked) if follow_base else ""
        body = receipt_body(locked, kept, follow_link=follow_base + token + "/" if token else "")
        subject = _("Application received: %(reference)s") % {"reference": locked.reference}
        transaction.on_commit(lambda: _send(subject, body, address))
    return locked


def receipt_lines(submission: Submission, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) of the answers kept, in the order of the form, files by name."""
    spec = spec_of(submission)
    names: dict[str, list[str]] = {}
    for attachment in submission.attachments.all():
        names.setdefault(attachment.question, []).append(attachment.filename)
    lines = []
    for page in spec.path(answers):
        for question in page.questions:
            if question.type == "file":
                value = "、".join(names.get(question.id, []))
            else:
                value = answer_checks.display(question, answers.get(question.id))
            lines.append((text(question.label), value))
    return lines


def receipt_body(submission: Submission, answers: Mapping[str, Any], *, follow_link: str) -> str:
    lines = [
        _("We have received your application “%(title)s”.") % {"title": submission.form.title_ja},
        "",
        _("Reference number: %(reference)s") % {"reference": submission.reference},
        _("Sent at: %(at)s")
        % {"at": timezone.localtime(submission.submitted_at).strftime("%Y-%m-%d %H:%M")},
        "",
        _(
            "What happens next: the department checks your application and tells you when it is "
            "done or if anything needs correcting. Quote the reference number when you ask "
            "about it."
        ),
        "",
    ]
    for label, value in receipt_lines(submission, answers):
        lines.append(f"{label}: {value}")
    if follow_link:
        lines += [
            "",
            _("Follow your application (the link works once, for %(days)s days):")
            % {"days": RESUME_DAYS},
            follow_link,
        ]
    return "\n".join(lines)


@transaction.atomic
def submission_withdraw(
    submission: Submission, *, actor: Any = None, reason: str = ""
) -> Submission:
    """取下げ: the resident withdraws an application that has no decision yet."""
    from kanmin.procedures import workflow

    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status == Submission.Status.WITHDRAWN:
        return locked
    if not workflow.allowed(locked.status, Submission.Status.WITHDRAWN, "resident"):
        raise Conflict(_("This application can no longer be withdrawn."), code="closed")
    before = locked.status
    now = timezone.now()
    locked.status = Submission.Status.WITHDRAWN
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    SubmissionEvent.objects.create(
        municipality_id=locked.municipality_id,
        submission=locked,
        kind=SubmissionEvent.Kind.STATUS,
        status_from=before,
        status_to=locked.status,
        message=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_resident=True,
        at=now,
    )
    auditing.record(
        actor=actor,
        municipality=locked.municipality,
        action="procedures.submission.withdraw",
        target=locked,
        before={"status": before},
        after={"status": locked.status},
    )
    return locked


# --------------------------------------------------------------------------------------------
# Demo and test forms
# --------------------------------------------------------------------------------------------

FORMS_DIR = Path(__file__).resolve().parent / "data" / "forms"


@transaction.atomic
def form_install(
    *, municipality: Any, procedure: Any, definition: Mapping[str, Any], actor: Any = None
) -> Form:
    """Create a live form from a definition file's content (slug, titles, pages), or publish
    it as a new version when it differs from the live one. For the demo and the tests; staff
    edit and publish forms in the builder."""
    spec_source = {"pages": definition["pages"]}
    parse(spec_source)
    form = Form.objects.filter(municipality=municipality, slug=definition["slug"]).first()
    if form is None:
        form = Form.objects.create(
            municipality=municipality,
            procedure=procedure,
            slug=definition["slug"],
            title_ja=definition["title"]["ja"],
            title_en=definition["title"].get("en", ""),
            draft_definition=spec_source,
        )
    if form.live_version is not None and form.live_version.definition == spec_source:
        return form
    number = (form.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = FormVersion.objects.create(
        municipality=municipality,
        form=form,
        number=number,
        definition=spec_source,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    form.live_version = version
    form.draft_definition = spec_source
    form.status = Form.Status.LIVE
    form.save()
    return form


@transaction.atomic
def procedure_ensure(
    *, municipality: Any, code: str, name_ja: str, name_en: str = "", department: Any = None
) -> Procedure:
    """The procedure with ``code``, made online-capable when it does not exist yet (the demo's
    forms; the procedure catalog makes them with their full details)."""
    found = Procedure.objects.filter(municipality=municipality, code=code).first()
    if found is not None:
        return found
    return Procedure.objects.create(
        municipality=municipality,
        code=code,
        name_ja=name_ja,
        name_en=name_en,
        department=department,
        channels=["online", "counter"],
        is_online=True,
    )


def form_file(slug: str) -> dict[str, Any]:
    return json.loads((FORMS_DIR / f"{slug}.json").read_text(encoding="utf-8"))
