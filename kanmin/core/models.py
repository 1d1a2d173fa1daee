"""The tenant (Municipality, 全国地方公共団体) and the base for every tenant-owned row."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kanmin.core import tenancy
from kanmin.core.bilingual import BilingualError
from kanmin.core.language import localized
from kanmin.core.lg_code import LgCodeError, validate_lg_code


def localized_message(error: BilingualError) -> str:
    """Pick the Japanese or English message of a pure-Python error for the active language."""
    if (get_language() or "ja").startswith("en"):
        return str(error.message_en)
    return str(error.message_ja)


def validate_lg_code_field(value: str) -> None:
    try:
        normalized = validate_lg_code(value)
    except LgCodeError as exc:
        raise ValidationError(localized_message(exc), code=exc.code) from None
    if normalized != value:
        raise ValidationError(_("Write the code as six half-width digits."), code="format")


class MunicipalityManager(models.Manager["Municipality"]):
    def get_by_natural_key(self, lg_code: str) -> Municipality:
        return self.get(lg_code=lg_code)


class Municipality(models.Model):
    """A local government (地方公共団体), the tenant of a shared deployment (共同利用)."""

    lg_code = models.CharField(
        _("local government code"),
        max_length=6,
        unique=True,
        validators=[validate_lg_code_field],
        help_text=_("全国地方公共団体コード: six digits, the last one a check digit."),
    )
    prefecture_code = models.CharField(_("prefecture code"), max_length=2)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A box around the municipality: uploaded coordinates outside it are warned about.
    area_south = models.FloatField(_("southern edge (latitude)"), null=True, blank=True)
    area_west = models.FloatField(_("western edge (longitude)"), null=True, blank=True)
    area_north = models.FloatField(_("northern edge (latitude)"), null=True, blank=True)
    area_east = models.FloatField(_("eastern edge (longitude)"), null=True, blank=True)

    objects = MunicipalityManager()

    class Meta:
        ordering = ["lg_code"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name_ja} ({self.lg_code})"

    def natural_key(self) -> tuple[str]:
        return (self.lg_code,)

    @property
    def display_name(self) -> str:
        return localized(self.name_ja, self.name_en)

    @property
    def area(self) -> tuple[float, float, float, float] | None:
        """(south, west, north, east) in degrees, when all four edges are set."""
        edges = (self.area_south, self.area_west, self.area_north, self.area_east)
        if any(edge is None for edge in edges):
            return None
        return edges  # type: ignore[return-value]

    def clean(self) -> None:
        edges = (self.area_south, self.area_west, self.area_north, self.area_east)
        given = [edge is not None for edge in edges]
        if any(given) and not all(given):
            raise ValidationError(_("Give all four edges of the area, or none."))
        if all(given):
            south, west, north, east = edges
            if not (20 <= south < north <= 46 and 122 <= west < east <= 154):  # type: ignore[operator]
                raise ValidationError(
                    _("The area must lie in Japan, with south below north and west below east.")
                )


class TenantQuerySet(models.QuerySet[Any]):
    def for_municipality(self, municipality: Municipality) -> TenantQuerySet:
        return self.filter(municipality=municipality)


class TenantManager(models.Manager[Any]):
    """Default manager of tenant-owned rows: inside a request, only that municipality's rows."""

    def get_queryset(self) -> TenantQuerySet:
        queryset = TenantQuerySet(self.model, using=self._db)
        current = tenancy.current_municipality_id()
        if current is not None:
            queryset = queryset.filter(municipality_id=current)
        return queryset

    def for_municipality(self, municipality: Municipality) -> TenantQuerySet:
        return self.get_queryset().filter(municipality=municipality)


class TenantModel(models.Model):
    """Abstract base of every row owned by one municipality."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )

    objects: ClassVar[TenantManager] = TenantManager()
    all_tenants = models.Manager()

    class Meta:
        abstract = True


class Department(TenantModel):
    """A department or section (部・課) of a municipality."""

    code = models.SlugField(_("code"), max_length=50)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["municipality", "sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="core_department_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name_ja

    @property
    def display_name(self) -> str:
        return localized(self.name_ja, self.name_en)


def optional_link(to: Any, verbose_name: Any = None) -> models.ForeignKey[Any]:
    """An optional link from a row to another (a department, the user who did something); the
    row stays, unlinked, when the other is deleted."""
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class TaskWorker(models.Model):
    """A running background worker's lease: it writes ``beat_at`` every few seconds while it
    lives. A task whose worker's lease ran out (or whose process is gone) was abandoned and is
    run again or failed with a reason (``kanmin.core.worker.recover_abandoned``). The tasks
    themselves stay in django_tasks_db's table; ``DBTaskResult.worker_ids`` names the workers
    that claimed each one, so its length is the number of attempts."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host name"), max_length=255)
    boot_id = models.CharField(_("boot id"), max_length=64, blank=True)
    pid = models.PositiveIntegerField(_("process id"))
    pid_started = models.CharField(_("process start time"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"))
    task_id = models.UUIDField(_("task being run"), null=True, blank=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
