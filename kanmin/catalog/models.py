"""Organizations, datasets, resources, tags and groups of a municipality's open-data catalog."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.licenses import DEFAULT_LICENSE_ID, LICENSE_CHOICES
from kanmin.core.jp_text import search_key
from kanmin.core.language import localized
from kanmin.core.models import TenantModel, optional_link

NAME_PATTERN = r"^[a-z0-9_-]{2,100}$"
name_validator = RegexValidator(
    NAME_PATTERN,
    _(
        "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_ "
        "(2 to 100 characters)."
    ),
    code="name",
)


class NamedInCatalog(TenantModel):
    """A row whose ``name`` is unique within its municipality's catalog, listed by name (the
    constraint is named ``catalog_<model>_unique_name``)."""

    class Meta:
        abstract = True
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="%(app_label)s_%(class)s_unique_name"
            )
        ]


class CkanGroup(NamedInCatalog):
    """What CKAN keeps in one table as a group, of either type: an organization (a publisher)
    or a category."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, validators=[name_validator])
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    # CKAN's image_url (a link to the logo; uploads are not taken) and extras (issue 18).
    image_url = models.CharField(_("image URL"), max_length=2000, blank=True)
    extras = models.JSONField(
        _("extra fields"),
        default=dict,
        blank=True,
        help_text=_("CKAN extras: further key–value pairs, kept as given."),
    )

    class Meta(NamedInCatalog.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.title_ja

    @property
    def display_name(self) -> str:
        return localized(self.title_ja, self.title_en)


class Organization(CkanGroup):
    """A publishing unit (CKAN organization), usually one department (部・課)."""

    department = optional_link("core.Department", _("department"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(CkanGroup.Meta):
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    @property
    def english_name(self) -> str:
        """Its English title, or else the English name of its department (部・課), if any."""
        if self.title_en:
            return self.title_en
        department = self.department if self.department_id else None
        return department.name_en if department is not None else ""

    @property
    def display_name(self) -> str:
        return localized(self.title_ja, self.english_name)


class Group(CkanGroup):
    """A category (CKAN group): a thematic collection of datasets."""

    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(CkanGroup.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Tag(NamedInCatalog):
    """A free keyword (タグ) of a municipality's catalog."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)

    class Meta(NamedInCatalog.Meta):
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class DatasetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    PRIVATE = "private", _("Private")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class UpdateFrequency(models.TextChoices):
    """DCAT / EU frequency vocabulary terms (dct:accrualPeriodicity)."""

    UNKNOWN = "", _("Not specified")
    CONTINUOUS = "continuous", _("Continuously updated")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Every year")
    IRREGULAR = "irregular", _("Irregularly")
    NEVER = "never", _("Never (final)")


class Dataset(NamedInCatalog):
    """A dataset (CKAN package): metadata and its resources (files or links)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name (URL)"), max_length=100, validators=[name_validator])
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    notes_ja = models.TextField(_("description (Japanese)"), blank=True)
    notes_en = models.TextField(_("description (English)"), blank=True)
    license_id = models.CharField(
        _("license"), max_length=50, choices=LICENSE_CHOICES, default=DEFAULT_LICENSE_ID
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("tags"))
    groups = models.ManyToManyField(
        Group, blank=True, related_name="datasets", verbose_name=_("categories")
    )
    update_frequency = models.CharField(
        _("update frequency"),
        max_length=20,
        choices=UpdateFrequency.choices,
        blank=True,
        default=UpdateFrequency.UNKNOWN,
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    spatial = models.CharField(_("spatial coverage"), max_length=300, blank=True)
    temporal_start = models.DateField(_("temporal coverage from"), null=True, blank=True)
    temporal_end = models.DateField(_("temporal coverage to"), null=True, blank=True)
    standard_dataset = models.SlugField(
        _("standard data set"),
        max_length=100,
        blank=True,
        help_text=_("The national standard data set this dataset follows, if any."),
    )
    # CKAN's default-schema fields Kanmin has no richer field for (issue 18: a catalog
    # moved from CKAN keeps them). ``maintainer`` and ``maintainer_email`` are the contact.
    author = models.CharField(_("author"), max_length=200, blank=True)
    author_email = models.EmailField(_("author e-mail"), blank=True)
    source_url = models.CharField(
        _("source URL"),
        max_length=2000,
        blank=True,
        help_text=_("CKAN's url: the page of the data's source."),
    )
    version_label = models.CharField(
        _("version label"),
        max_length=100,
        blank=True,
        help_text=_("CKAN's version: the data's own version, e.g. 1.0 or 令和6年度."),
    )
    extras = models.JSONField(
        _("extra fields"),
        default=dict,
        blank=True,
        help_text=_("CKAN extras: further key–value pairs, kept as given."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=DatasetState.choices, default=DatasetState.DRAFT
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every change; a stale edit is refused.")
    )
    quality_score = models.PositiveSmallIntegerField(
        _("quality score"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The best score among its checked files (0–100)."),
    )
    stars = models.PositiveSmallIntegerField(
        _("5-star level"), null=True, blank=True, editable=False
    )
    search_key = models.TextField(editable=False, blank=True, default="")
    provider = models.CharField(
        _("kept by"),
        max_length=100,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "The table of a Kanmin app this dataset publishes (kanmin.core.datasets), e.g. "
            "disaster.evacuation_orders; empty for the datasets staff keep."
        ),
    )
    creator = optional_link(settings.AUTH_USER_MODEL, _("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta(NamedInCatalog.Meta):
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        permissions = [("publish_dataset", "Can publish, make private or withdraw a dataset")]
        indexes = [models.Index(fields=["municipality", "state", "-modified"])]
        constraints = [
            *NamedInCatalog.Meta.constraints,
            # One dataset per app table in each municipality's catalog.
            models.UniqueConstraint(
                fields=["municipality", "provider"],
                condition=~models.Q(provider=""),
                name="catalog_dataset_unique_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.title_ja

    @property
    def display_title(self) -> str:
        return localized(self.title_ja, self.title_en)

    @property
    def is_public(self) -> bool:
        return self.state == DatasetState.PUBLISHED

    @property
    def is_kept_by_app(self) -> bool:
        """Published from a table of a Kanmin app (``provider``), not kept by staff."""
        return bool(self.provider)

    def build_search_key(self) -> str:
        """The text that search matches: titles, descriptions, tags and resource names."""
        parts: list[str] = [self.name, self.title_ja, self.title_en, self.notes_ja, self.notes_en]
        if self.pk is not None and not self._state.adding:
            parts += [t.name for t in self.tags.all()]
            parts += [r.name for r in self.resources.all()]
        # A separator that survives search_key, so that a query never spans two fields.
        return "\x1f".join(search_key(p) for p in parts if p)


TABULAR_EXTENSIONS = frozenset({"csv", "tsv", "txt", "xlsx"})
# A .json file is GeoJSON only when its format says so (the file is not opened to find out).
GEOJSON_FORMATS = frozenset({"GEOJSON"})


def resource_upload_to(instance: Resource, filename: str) -> str:
    return f"catalog/{instance.municipality.lg_code}/{instance.dataset_id}/{instance.id}/{filename}"


class Resource(TenantModel):
    """A file or link of a dataset (CKAN resource)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="resources", verbose_name=_("dataset")
    )
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    file = models.FileField(_("file"), upload_to=resource_upload_to, blank=True, max_length=500)
    name = models.CharField(_("name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(_("format"), max_length=50, blank=True)
    mimetype = models.CharField(_("media type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    hash = models.CharField(_("checksum"), max_length=200, blank=True)
    extras = models.JSONField(
        _("extra fields"),
        default=dict,
        blank=True,
        help_text=_("CKAN resource extras: further key–value pairs, kept as given."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    quality_score = models.PositiveSmallIntegerField(
        _("quality score"),
        null=True,
        blank=True,
        help_text=_("0–100, from the latest check of the file by the standards engine."),
    )
    stars = models.PositiveSmallIntegerField(_("5-star level"), null=True, blank=True)
    repaired_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repairs",
        verbose_name=_("corrected copy of"),
    )
    repair_log = models.FileField(
        _("change log of the correction"), upload_to=resource_upload_to, blank=True, max_length=500
    )
    repair_changes = models.PositiveIntegerField(
        _("changes made by the correction"), null=True, blank=True, editable=False
    )
    kept_with_original = models.BooleanField(
        _("kept alongside its original"),
        default=False,
        help_text=_("The steward chose to publish this corrected copy beside its original."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["dataset", "position", "created"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name or self.url or str(self.id)

    @property
    def is_upload(self) -> bool:
        return bool(self.file)

    @property
    def is_served_here(self) -> bool:
        """A link to a path of this site (``/m/<code>/datasets/…``: a table a Kanmin app
        offers): made absolute against the request wherever it is given out."""
        return not self.file and self.url.startswith("/")

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""

    @property
    def extension(self) -> str:
        return self.filename.lower().rsplit(".", 1)[-1]

    @property
    def is_tabular(self) -> bool:
        """A file the standards engine can check against a schema (CSV, TSV, Excel workbook)."""
        return bool(self.file) and self.extension in TABULAR_EXTENSIONS

    @property
    def is_geojson(self) -> bool:
        """A GeoJSON file (.geojson, or .json whose format is GeoJSON), checked against
        RFC 7946."""
        if not self.file:
            return False
        ext = self.extension
        return ext == "geojson" or (ext == "json" and self.format.upper() in GEOJSON_FORMATS)

    @property
    def is_checkable(self) -> bool:
        """A file the standards engine checks in the background: a table or GeoJSON."""
        return self.is_tabular or self.is_geojson

    def as_audit(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "file": self.file.name if self.file else "",
            "format": self.format,
            "size": self.size,
        }


class RevisionReason(models.TextChoices):
    REPLACED_BY_CORRECTION = "replaced_by_correction", _("Replaced by its corrected copy")


class ResourceRevision(TenantModel):
    """An earlier file of a resource, kept when the file was replaced (e.g. by its corrected
    copy). Only the municipality's staff can download it; the public sees the current file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("resource")
    )
    file = models.FileField(_("file"), blank=True, max_length=500)
    format = models.CharField(_("format"), max_length=50, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    quality_score = models.PositiveSmallIntegerField(_("quality score"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40, choices=RevisionReason.choices)
    actor = optional_link(settings.AUTH_USER_MODEL, _("replaced by"))
    created = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        ordering = ["resource", "-created"]
        verbose_name = _("earlier file of a resource")
        verbose_name_plural = _("earlier files of resources")

    def __str__(self) -> str:
        return f"{self.resource} · {self.filename}"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


class HitKind(models.TextChoices):
    VIEW = "view", _("Page view")
    DOWNLOAD = "download", _("Download")


class DailyCount(TenantModel):
    """How often a dataset's page was viewed or one of its files downloaded, per day: the
    plan's KPIs count them per fiscal year (Ⅱ-1). No visitor is identified."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="daily_counts", verbose_name=_("dataset")
    )
    resource_key = models.CharField(
        _("resource"),
        max_length=36,
        blank=True,
        help_text=_("The file's id; empty for page views."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=HitKind.choices)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "resource_key", "kind", "day"],
                name="catalog_dailycount_unique_day",
            )
        ]
        indexes = [models.Index(fields=["municipality", "kind", "day"])]

    def __str__(self) -> str:
        return f"{self.dataset} {self.kind} {self.day}: {self.count}"


_pinned_generation = threading.local()


class SearchGeneration(models.Model):
    """A token replaced in the transaction of every catalog write that search can see; an
    in-process search index built at another token is rebuilt. Random, not a counter, so that
    a rolled-back write can never bring an old token back with other data."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("search generation")
        verbose_name_plural = _("search generation")

    def __str__(self) -> str:
        return self.token

    @classmethod
    def current(cls) -> str:
        pinned = getattr(_pinned_generation, "token", None)
        if pinned is not None:
            return str(pinned)
        # Read on every public API request and search: one plain statement, not a compiled
        # queryset (the ORM's compilation costs more than the lookup itself).
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {cls._meta.db_table} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
        return str(row[0]) if row else ""

    @classmethod
    @contextmanager
    def pinned(cls) -> Iterator[str]:
        """Within the block, on this thread, :meth:`current` gives the token read on entry
        (until a write here): an API answer is computed from the index of the token it is
        cached under, and the token is read once a request, not twice."""
        token = cls.current()
        _pinned_generation.token = token
        try:
            yield token
        finally:
            _pinned_generation.token = None

    @classmethod
    def bump(cls) -> None:
        _pinned_generation.token = None
        token = uuid.uuid4().hex
        if not cls.objects.filter(pk=1).update(token=token):
            cls.objects.update_or_create(pk=1, defaults={"token": token})


class ValidationStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    RUNNING = "running", _("Being checked")
    DONE = "done", _("Checked")
    FAILED = "failed", _("Could not be checked")


class ValidationFailure(models.TextChoices):
    """Why a check could not be done, in words a clerk understands (the codes are
    ``kanmin.core.worker.Reason``'s)."""

    ERROR = (
        "error",
        _(
            "The file could not be checked because of an error in Kanmin. The administrators can "
            "see why in the log."
        ),
    )
    WORKER_LOST = (
        "worker_lost",
        _(
            "The check was interrupted: the server stopped or restarted while the file was being "
            "checked, and trying again did not finish either. Check the file again; if it stops "
            "again, tell the administrators."
        ),
    )
    MEMORY = (
        "memory",
        _(
            "The check was stopped because the file needs more memory than the server allows for "
            "one file. The file may be very large or damaged (for example an Excel file that "
            "expands to a huge size). Save it again as CSV, or split it into smaller files, and "
            "upload it again."
        ),
    )


def validation_findings_to(instance: Validation, filename: str) -> str:
    resource = instance.resource
    return (
        f"catalog/{instance.municipality.lg_code}/{resource.dataset_id}/{resource.id}/"
        f"checks/{filename}"
    )


class Validation(TenantModel):
    """One check of a resource's file by the standards engine, run as a background task.

    ``issues`` keeps the findings language-neutral (code, row, column, value, params), so that the
    page renders them in the reader's language."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="validations", verbose_name=_("resource")
    )
    requested_schema = models.CharField(_("requested schema"), max_length=100, default="auto")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ValidationStatus.choices,
        default=ValidationStatus.QUEUED,
    )
    bytes_done = models.PositiveBigIntegerField(_("bytes checked"), default=0)
    bytes_total = models.PositiveBigIntegerField(_("bytes in all"), default=0)
    rows_done = models.PositiveBigIntegerField(_("rows checked"), default=0)
    schema = models.CharField(_("schema found"), max_length=100, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    rows = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    valid = models.BooleanField(_("valid"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    quality_score = models.PositiveSmallIntegerField(_("quality score"), null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("5-star level"), null=True, blank=True)
    quality_breakdown = models.JSONField(_("quality breakdown"), default=dict, blank=True)
    issues = models.JSONField(_("findings"), default=list, blank=True)
    # Findings per rule ("severity:code" → count) over every finding, not only those kept
    # in ``issues``; and every finding, language-neutral (gzipped JSON lines), for the CSV.
    rule_counts = models.JSONField(_("findings per rule"), default=dict, blank=True)
    findings_file = models.FileField(
        _("all findings"), upload_to=validation_findings_to, blank=True, max_length=500
    )
    failure = models.TextField(_("why it could not be checked"), blank=True)
    failure_reason = models.CharField(
        _("reason it could not be checked"),
        max_length=20,
        choices=ValidationFailure.choices,
        blank=True,
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "-created"]
        verbose_name = _("validation")
        verbose_name_plural = _("validations")
        indexes = [models.Index(fields=["resource", "-created"])]

    def __str__(self) -> str:
        return f"{self.resource} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == ValidationStatus.DONE:
            return 100
        if not self.bytes_total:
            return 0
        return min(99, int(100 * self.bytes_done / self.bytes_total))

    @property
    def failure_message(self) -> str:
        """Why the check could not be done, in the reader's language."""
        return str(ValidationFailure(self.failure_reason or ValidationFailure.ERROR).label)

    @property
    def finished_work(self) -> bool:
        return self.status in (ValidationStatus.DONE, ValidationStatus.FAILED)


# --- datastore (issue 17) -------------------------------------------------------------------


class DatastoreStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be loaded")
    LOADING = "loading", _("Being loaded")
    DONE = "done", _("Loaded")
    FAILED = "failed", _("Could not be loaded")


class DatastoreTable(TenantModel):
    """A resource's table as a typed Parquet file (the DataStore), queried by
    ``datastore_search``. ``path`` points at the version readers use; a load writes the next
    version beside it and moves the pointer in one transaction, so a reader sees the old
    table or the new one, and a load that fails leaves the pointer where it was."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, related_name="datastore", verbose_name=_("resource")
    )
    # Relative to KANMIN_DATA_DIR/datastore; empty until a first load succeeded.
    path = models.CharField(_("table file"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    source_file = models.CharField(_("loaded from"), max_length=500, blank=True)
    row_count = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    # [{"id": column, "type": CKAN type name}], in the table's order, ``_id`` first.
    fields = models.JSONField(_("columns"), default=list, blank=True)
    schema = models.CharField(_("schema of the types"), max_length=100, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    # A table pushed through the API (datastore_create) rather than loaded from the file;
    # its primary key columns, for datastore_upsert.
    pushed = models.BooleanField(_("pushed through the API"), default=False)
    primary_key = models.JSONField(_("primary key"), default=list, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DatastoreStatus.choices, default=DatastoreStatus.QUEUED
    )
    rows_done = models.PositiveBigIntegerField(_("rows read"), default=0)
    error = models.TextField(_("why it could not be loaded"), blank=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("DataStore table")
        verbose_name_plural = _("DataStore tables")

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.version}"

    @property
    def active(self) -> bool:
        return bool(self.path)


# --- cross-dataset analysis (issue 17, Ⅱ-3 EBPM) ---------------------------------------------


class ChartKind(models.TextChoices):
    NONE = "", _("No chart")
    BAR = "bar", _("Bar chart")
    LINE = "line", _("Line chart")


class SavedView(TenantModel):
    """A named query of staff over several of their municipality's DataStore tables (a saved
    analysis, EBPM), with how its result is charted. Published, its result is the table of a
    derived dataset (``derived_resource``), recomputed when one of its sources is reloaded;
    ``derived_sql``, ``derived_sources`` and ``derived_at`` are the provenance of the table
    now published."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    sql = models.TextField(_("query"))
    chart_kind = models.CharField(
        _("chart"), max_length=10, choices=ChartKind.choices, blank=True, default=ChartKind.NONE
    )
    chart_x = models.CharField(_("chart labels (x)"), max_length=200, blank=True)
    chart_y = models.CharField(_("chart values (y)"), max_length=200, blank=True)
    created_by = optional_link(settings.AUTH_USER_MODEL, _("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)
    derived_resource = models.OneToOneField(
        Resource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derived_from",
        verbose_name=_("derived table"),
    )
    derived_sql = models.TextField(_("query of the derived table"), blank=True)
    # [{"id": resource id, "name": resource name, "dataset": dataset name}] at computing time.
    derived_sources = models.JSONField(_("sources of the derived table"), default=list, blank=True)
    derived_at = models.DateTimeField(_("derived table computed"), null=True, blank=True)
    refresh_error = models.TextField(_("why the last refresh failed"), blank=True)
    refresh_failed_at = models.DateTimeField(_("last refresh failed"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "name_ja"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name_ja

    @property
    def display_name(self) -> str:
        return localized(self.name_ja, self.name_en)

    @property
    def source_ids(self) -> list[str]:
        return [str(s.get("id", "")) for s in self.derived_sources or []]


# --- harvesting (issue 18) ------------------------------------------------------------------


class HarvestKind(models.TextChoices):
    CKAN = "ckan", _("CKAN portal")
    KANMIN = "kanmin", _("Kanmin catalog")
    DCAT = "dcat", _("DCAT catalog (Turtle, JSON-LD, RDF/XML)")


class HarvestSchedule(models.TextChoices):
    MANUAL = "manual", _("Only when run by hand")
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")


class HarvestSource(TenantModel):
    """Another catalog whose datasets are imported into this municipality's catalog and kept
    up to date (ハーベスト): a CKAN portal, another Kanmin, or a DCAT file. ``harvested_until``
    is the latest remote ``metadata_modified`` imported by a successful run: the next run of a
    CKAN or Kanmin source asks only for what changed since."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=HarvestKind.choices)
    url = models.URLField(_("URL"), max_length=2000)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="harvest_sources",
        verbose_name=_("organization the datasets are filed under"),
    )
    schedule = models.CharField(
        _("schedule"),
        max_length=10,
        choices=HarvestSchedule.choices,
        default=HarvestSchedule.DAILY,
    )
    active = models.BooleanField(_("active"), default=True)
    harvested_until = models.DateTimeField(_("imported up to"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "title"]
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")

    def __str__(self) -> str:
        return self.title


class HarvestRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class HarvestRun(TenantModel):
    """One run of a source: what it created, updated, left unchanged, skipped or could not
    import. ``results`` lists each dataset seen (remote id, name, outcome, message in Japanese
    and English); ``error`` says, in both languages, why a run failed as a whole."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(
        HarvestSource, on_delete=models.CASCADE, related_name="runs", verbose_name=_("source")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=HarvestRunStatus.choices,
        default=HarvestRunStatus.RUNNING,
    )
    incremental = models.BooleanField(_("only what changed"), default=False)
    started = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    results = models.JSONField(_("per dataset"), default=list, blank=True)
    error = models.JSONField(_("why the run failed"), default=dict, blank=True)
    actor = optional_link(settings.AUTH_USER_MODEL, _("run by"))

    class Meta:
        ordering = ["-started"]
        verbose_name = _("harvest run")
        verbose_name_plural = _("harvest runs")

    def __str__(self) -> str:
        return f"{self.source} {self.started:%Y-%m-%d %H:%M}"

    @property
    def error_text(self) -> str:
        return localized(self.error.get("ja", ""), self.error.get("en", ""))


class HarvestedDataset(TenantModel):
    """Where a dataset was imported from (its origin): the source, the remote id, when the
    remote last changed it, and a hash of the values imported. A later run overwrites the
    dataset only while its current values still hash to ``content_hash``: a local edit is
    never lost."""

    dataset = models.OneToOneField(
        Dataset,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="origin",
        verbose_name=_("dataset"),
    )
    source = models.ForeignKey(
        HarvestSource,
        on_delete=models.CASCADE,
        related_name="datasets",
        verbose_name=_("source"),
    )
    remote_id = models.CharField(_("remote id"), max_length=1000)
    remote_url = models.URLField(_("remote page"), max_length=2000, blank=True)
    remote_modified = models.DateTimeField(_("remote last modified"), null=True, blank=True)
    remote_hash = models.CharField(_("hash of the remote values"), max_length=64)
    content_hash = models.CharField(_("hash of the values imported"), max_length=64)
    harvested = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("harvested dataset")
        verbose_name_plural = _("harvested datasets")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "remote_id"], name="catalog_harvesteddataset_unique_remote"
            )
        ]
