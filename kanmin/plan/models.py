from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core.language import localized
from kanmin.core.models import TenantModel, optional_link


class _Titled(models.Model):
    """Rows with a Japanese title and an optional English one."""

    title_ja: str
    title_en: str

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        return localized(self.title_ja, self.title_en)


class Plan(TenantModel, _Titled):
    """A municipality's 官民データ活用推進計画. Reviewed every fiscal year; no fixed end."""

    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    first_fiscal_year = models.PositiveIntegerField(
        _("first fiscal year"), help_text=_("The 年度 the plan starts in, e.g. 2021.")
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("target horizon"),
        default=5,
        help_text=_("How many fiscal years ahead targets may be set."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="plan_plan_one_per_municipality")
        ]

    def __str__(self) -> str:
        return self.title_ja


class Policy(TenantModel, _Titled):
    """A basic policy (基本方針), numbered (1)–(6)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="policies")
    number = models.CharField(_("number"), max_length=10)
    area = models.CharField(_("area"), max_length=4, help_text=_("Ⅰ … Ⅵ"))
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    subtitle_ja = models.CharField(_("subtitle (Japanese)"), max_length=200, blank=True)
    subtitle_en = models.CharField(_("subtitle (English)"), max_length=200, blank=True)
    content_ja = models.TextField(_("content (Japanese)"), blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "sort_order"]
        verbose_name = _("basic policy")
        verbose_name_plural = _("basic policies")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_policy_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title_ja}"

    @property
    def subtitle(self) -> str:
        return localized(self.subtitle_ja, self.subtitle_en)


class Measure(TenantModel, _Titled):
    """A measure (施策) such as Ⅱ-1; retired measures stay for history."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="measures")
    number = models.CharField(_("number"), max_length=10)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    content_ja = models.TextField(_("content (Japanese)"), blank=True)
    content_en = models.TextField(_("content (English)"), blank=True)
    departments = models.ManyToManyField(
        "core.Department", blank=True, related_name="+", verbose_name=_("responsible departments")
    )
    sort_order = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "sort_order"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                condition=models.Q(retired_at__isnull=True),
                name="plan_measure_unique_active_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title_ja}"

    @property
    def content(self) -> str:
        return localized(self.content_ja, self.content_en)


class Direction(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class Kpi(TenantModel):
    """A key performance indicator of a measure, entered by a department or computed."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="kpis")
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    formula = models.TextField(_("formula"), blank=True, help_text=_("How the value is counted."))
    metric = models.CharField(
        _("computed by"),
        max_length=100,
        blank=True,
        help_text=_("Name of a registered metric; empty when departments enter the values."),
    )
    from_seed = models.BooleanField(_("example from the plan"), default=False)
    sort_order = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["measure", "sort_order", "pk"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return self.name_ja

    @property
    def name(self) -> str:
        return localized(self.name_ja, self.name_en)

    @property
    def computed(self) -> bool:
        return bool(self.metric)


class ValueKind(models.TextChoices):
    TARGET = "target", _("target")
    ACTUAL = "actual", _("actual")


class Source(models.TextChoices):
    ENTERED = "entered", _("entered by a department")
    COMPUTED = "computed", _("computed by the platform")
    IMPORTED = "imported", _("imported from a file")


class KpiValue(TenantModel):
    """One version of a KPI's target or actual for a fiscal year.

    Values are never overwritten: a correction adds a version; the latest version counts.
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    kind = models.CharField(_("kind"), max_length=10, choices=ValueKind.choices)
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    version = models.PositiveIntegerField(_("version"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ENTERED
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to="plan/evidence/", blank=True)
    created_by = optional_link(settings.AUTH_USER_MODEL)
    created_at = models.DateTimeField(auto_now_add=True)

    #: Not stored: False when ``kpi_value_record`` found the same figure and added no version.
    recorded_now: bool = True

    class Meta:
        ordering = ["kpi", "kind", "fiscal_year", "version"]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "kind", "fiscal_year", "version"], name="plan_kpivalue_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.kind} {self.fiscal_year} v{self.version}: {self.value}"

    @property
    def number(self) -> Decimal:
        return self.value.normalize() if self.value == self.value.to_integral() else self.value


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Review(TenantModel):
    """The annual review of the plan (毎年度の見直し) for one fiscal year."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(
        _("frozen figures"), default=dict, blank=True, help_text=_("Set when the review closes.")
    )

    class Meta:
        ordering = ["plan", "-fiscal_year"]
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year"], name="plan_review_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.fiscal_year}"

    @property
    def is_closed(self) -> bool:
        return self.status == ReviewStatus.CLOSED


class Progress(models.TextChoices):
    ON_TRACK = "on_track", _("on track")
    DELAYED = "delayed", _("delayed")
    DONE = "done", _("done")
    CHANGED = "changed", _("changed")


class MeasureReview(TenantModel):
    """A department's report on one measure within an annual review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="measure_reviews")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reviews")
    progress = models.CharField(_("progress"), max_length=10, choices=Progress.choices)
    comment = models.TextField(_("comment"), blank=True)
    updated_by = optional_link(settings.AUTH_USER_MODEL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("measure review")
        verbose_name_plural = _("measure reviews")
        constraints = [
            models.UniqueConstraint(fields=["review", "measure"], name="plan_measurereview_once")
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.measure.number}: {self.progress}"


class GlossaryTerm(TenantModel):
    """A term of the plan's glossary (付録 用語集)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="glossary")
    number = models.PositiveIntegerField(_("number"))
    term_ja = models.CharField(_("term (Japanese)"), max_length=200)
    term_en = models.CharField(_("term (English)"), max_length=200, blank=True)
    reading = models.CharField(_("reading"), max_length=200, blank=True)
    definition_ja = models.TextField(_("definition (Japanese)"))

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_glossary_unique_number")
        ]

    def __str__(self) -> str:
        return self.term_ja

    @property
    def term(self) -> str:
        return localized(self.term_ja, self.term_en)

    @property
    def japanese_adds_to_english(self) -> bool:
        """Whether the Japanese term says more than the English one: "ICT" beside
        "ICT (information and communications technology)" would say it twice."""
        from kanmin.plan.glossary import narrow

        return bool(self.term_en) and narrow(self.term_ja).lower() not in self.term_en.lower()
