"""Online procedures (Ⅰ-1, Ⅰ-3, Ⅴ-2): the catalog of 手続, application forms, submissions,
electronic notices, consultations and counter visits.

How to use these models (for the engineers building services, pages and figures on them):

- ``Procedure`` (手続) is one entry of the municipality's catalog: name, department, legal basis,
  fee, documents needed, the channels it can be done through, whether it can be completed
  online, and its ぴったりサービス (Mynaportal) identifier. ``code`` is unique per municipality.
- ``Form`` is an application form of a procedure (申請様式). Staff edit ``draft_definition``;
  publishing freezes it into a new ``FormVersion`` (``number`` 1, 2, …) and points
  ``live_version`` at it. A version is never changed. The definition's shape is documented in
  ``kanmin/procedures/formspec.py``.
- ``Submission`` is one resident's application on one ``FormVersion``: a draft (``status``
  ``draft``) until it is submitted, then 受付 → 審査中 → 補正依頼 → 完了 / 却下 / 取下げ. It keeps
  the version it was started on; ``answers`` is JSON text, encrypted at rest. ``reference`` is
  given at submission and never changes. ``revision`` counts saves, so that two tabs (or a
  retried request) cannot overwrite each other's answers unnoticed.
- ``Attachment`` is an uploaded document of a submission, stored encrypted under
  ``KANMIN_DATA_DIR``; ``sha256`` is of the plain content.
- ``SubmissionEvent`` is the history of a submission (status changes, messages between staff
  and the resident, assignment): never changed, the source of the status page and of the
  event log for work analysis (Ⅴ-2).
- ``ResumeLink`` is a magic link sent by e-mail to resume a draft or follow an application
  without an account. Only a digest of the token is kept; it expires and is used once.
- ``Notice`` (電子通知) is a notice sent to a resident's inbox (and by e-mail); ``read_at`` is set
  when the resident opens it.
- ``Consultation`` (相談) is a private thread between a resident and a department;
  ``ConsultationMessage`` its messages.
- ``CounterVisit`` is one ticket at the counter (窓口): its number of the day, the procedures the
  resident came for, and its state. ``VisitPeriod`` rows are its timed steps (waiting, called,
  serving, on hold), each with a start and an end, so waiting and service times fall out by
  state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core.fields import EncryptedTextField
from kanmin.core.models import TenantModel


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")


class Procedure(TenantModel):
    """手続: one entry of the municipality's procedure catalog."""

    code = models.SlugField(_("code"), max_length=60)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
    )
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    fee_yen = models.PositiveIntegerField(
        _("fee (yen)"), null=True, blank=True, help_text=_("Empty when there is no fee.")
    )
    fee_note = models.CharField(_("fee note"), max_length=200, blank=True)
    documents = models.TextField(
        _("documents needed"), blank=True, help_text=_("One document per line.")
    )
    channels = models.JSONField(
        _("channels"), default=list, help_text=_("Any of online, counter and post.")
    )
    is_online = models.BooleanField(
        _("can be completed online"), default=False, help_text=_("Counted by the plan's KPI.")
    )
    online_url = models.URLField(_("online application address"), blank=True)
    pittari_id = models.CharField(_("ぴったりサービス identifier"), max_length=40, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="procedures_procedure_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name_ja


class Form(TenantModel):
    """An application form (申請様式) of a procedure: a draft, published as versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        ARCHIVED = "archived", _("Archived")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="forms"
    )
    slug = models.SlugField(_("address name"), max_length=60)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    draft_definition = models.JSONField(_("draft definition"), default=dict)
    live_version = models.ForeignKey(
        "FormVersion",
        verbose_name=_("live version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["municipality", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="procedures_form_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title_ja


class FormVersion(TenantModel):
    """A published, frozen definition of a form. Never changed."""

    form = models.ForeignKey(
        Form, verbose_name=_("form"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "number"], name="procedures_formversion_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class Submission(TenantModel):
    """申請: one resident's application, a draft until it is submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECEIVED = "received", _("Received")  # 受付
        REVIEWING = "reviewing", _("Under review")  # 審査中
        CORRECTION = "correction", _("Correction requested")  # 補正依頼
        COMPLETED = "completed", _("Completed")  # 完了
        REJECTED = "rejected", _("Rejected")  # 却下
        WITHDRAWN = "withdrawn", _("Withdrawn")  # 取下げ

    form = models.ForeignKey(
        Form, verbose_name=_("form"), on_delete=models.PROTECT, related_name="submissions"
    )
    version = models.ForeignKey(
        FormVersion,
        verbose_name=_("form version"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(
        _("reference number"), max_length=40, null=True, blank=True, unique=True
    )
    # apply: the submission's address in the resident's pages, not guessable from the key.
    public_id = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    email = EncryptedTextField(_("e-mail"), blank=True)
    email_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    answers = EncryptedTextField(_("answers"), blank=True, default="")
    current_page = models.CharField(_("current page"), max_length=60, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    submit_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_submissions",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(
                fields=["municipality", "department", "status"],
                name="procedures_submission_queue",
            ),
            models.Index(fields=["municipality", "submitted_at"], name="procedures_submitted"),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft {self.pk}"


class Attachment(TenantModel):
    """An uploaded document of a submission, stored encrypted."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    question = models.CharField(_("question"), max_length=60)
    filename = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=300, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["submission", "uploaded_at"]


class SubmissionEvent(TenantModel):
    """One step in a submission's history; never changed."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        MESSAGE = "message", _("Message")
        ASSIGN = "assign", _("Assigned")

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status_from = models.CharField(max_length=12, blank=True)
    status_to = models.CharField(max_length=12, blank=True)
    message = EncryptedTextField(_("message"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_resident = models.BooleanField(default=False)
    at = models.DateTimeField(_("at"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")
        ordering = ["submission", "at", "pk"]


class ResumeLink(TenantModel):
    """A magic link to resume a draft or follow an application, sent by e-mail."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="resume_links"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resume link")
        verbose_name_plural = _("resume links")


class Notice(TenantModel):
    """電子通知: a notice sent to a resident's inbox and by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="procedure_notices",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
    )
    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
    )
    subject = EncryptedTextField(_("subject"))
    body = EncryptedTextField(_("body"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sent_at"]


class Consultation(TenantModel):
    """相談: a private thread between a resident and a department."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the department")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
    )
    subject = EncryptedTextField(_("subject"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-updated_at"]


class ConsultationMessage(TenantModel):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation message")
        verbose_name_plural = _("consultation messages")
        ordering = ["consultation", "created_at", "pk"]


class CounterVisit(TenantModel):
    """One ticket at the counter (窓口): issued at reception, called, served, completed."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        ON_HOLD = "on_hold", _("On hold")
        DONE = "done", _("Completed")
        LEFT = "left", _("Left without service")

    issued_on = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("ticket number"))
    procedures = models.ManyToManyField(
        Procedure, verbose_name=_("procedures"), related_name="counter_visits"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.COUNTER
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    desk = models.CharField(_("desk"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter visit")
        verbose_name_plural = _("counter visits")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "issued_on", "number"],
                name="procedures_countervisit_number_unique",
            )
        ]


class VisitPeriod(TenantModel):
    """One timed step of a counter visit (TheQ's ``period``)."""

    visit = models.ForeignKey(
        CounterVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="periods"
    )
    state = models.CharField(_("state"), max_length=10, choices=CounterVisit.State.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    desk = models.CharField(_("desk"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit period")
        verbose_name_plural = _("visit periods")
        ordering = ["visit", "started_at", "pk"]


# --- counter: BPR changes (窓口BPR), the dates the counter statistics compare before and after ---
class BprChange(TenantModel):
    """A change to how the counter works (窓口BPR: a form dropped, a step moved online …),
    recorded so that the counter statistics can compare the weeks before and after it."""

    effective_on = models.DateField(_("in effect from"))
    description = models.TextField(_("what changed"))
    procedures = models.ManyToManyField(
        Procedure,
        verbose_name=_("procedures concerned"),
        blank=True,
        related_name="bpr_changes",
        help_text=_("Leave empty when the change concerns the whole counter."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("BPR change")
        verbose_name_plural = _("BPR changes")
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.description[:40]}"
