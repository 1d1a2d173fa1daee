"""Disaster information: observation stations, their reference levels, devices, observations.

How to use these models (for the engineers building rules, decisions, dashboards on them):

- ``Station`` is one observation point of a municipality (rain gauge, river level, soil
  moisture, farm sensor, wildlife trap, other), identified by ``code`` (unique within the
  municipality; a 水文水質データベース station code has 15 digits). Read them with
  ``selectors.station_list`` / ``station_get``; write them with ``services.station_create`` /
  ``station_update``.
- ``ReferenceLevels`` is the history of a river station's four 基準水位 (水防団待機水位 ``standby``,
  氾濫注意水位 ``caution``, 避難判断水位 ``evacuation``, 氾濫危険水位 ``danger``, and optionally
  氾濫開始相当水位 ``overflow``). Rows are never edited: a change is a new row with
  ``valid_from``, who (``set_by``) and why (``reason``). The levels in force at a time are the
  row with the latest ``valid_from`` not after it: ``selectors.reference_levels_at``.
- ``Device`` is a sensor that sends readings for one station over HTTP. Only a SHA-256 digest
  of its token is kept (the same hashing as ``accounts.ApiToken``); ``services.device_register``
  returns the secret once, on ``device.issued_secret``.
- ``Observation`` is the time series. A reading is identified by (station, observed_at); a
  correction is a new row with ``version`` + 1 and ``is_current`` moved to it. The old row is
  kept as it was: values are never overwritten. Read only current rows unless you need the
  history (``selectors.observation_series``, ``observations_recent`` for "the last 72 h of
  these stations", ``latest_observations``, ``observation_versions``). ``value`` is None only
  for quality ``missing``. Every reading enters through ``services.observation_ingest`` (MQTT,
  HTTP, files) or ``services.observation_correct`` (an operator), never by ``create()``.
- ``IntakeRefusal`` keeps one row per refused reading (reason code, where it came from, an
  excerpt of what was sent); ``IntakeTally`` counts every outcome per day, source and reason
  (stored, duplicate, corrected, each refusal reason, rate-limited floods included). Neither
  is a ``TenantModel``: a reading for an unknown municipality has no tenant, so
  ``municipality`` may be empty; selectors filter by it.
- ``ImportJob`` is one file import (CSV, 水文水質データベース .dat) run in the background, with
  its progress and counts.

Still to come, in this module, by the next engineers (they build on the above):
- the 警戒レベル rules as versioned data (hazard × level × trigger, names not hard-coded);
- evacuation decisions (発令/解除: area, level, kind, time, who) with their immutable evidence
  snapshot (the observations shown, the rule that fired) and annotations;
- alerts raised when a level is crossed; shelters and their openings (for the feeds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kanmin.core.models import Municipality, TenantModel


class StationKind(models.TextChoices):
    RAIN = "rain", _("Rain gauge")
    RIVER = "river_level", _("River water level")
    SOIL = "soil_moisture", _("Soil moisture")
    FARM = "farm_sensor", _("Farm sensor")
    TRAP = "wildlife_trap", _("Wildlife trap")
    OTHER = "other", _("Other")


# What a reading of each kind can possibly be, in the kind's usual unit (a station may narrow or
# widen it with plausible_min/plausible_max). None: no bound. Rain is mm (10-minute, hourly or
# cumulative: the highest cumulative rain recorded in Japan is a few thousand mm); river levels
# are metres against the gauge's zero, which may lie above the river bed (so below zero occurs).
DEFAULT_PLAUSIBLE: dict[str, tuple[Decimal | None, Decimal | None]] = {
    StationKind.RAIN: (Decimal("0"), Decimal("3000")),
    StationKind.RIVER: (Decimal("-30"), Decimal("100")),
    StationKind.SOIL: (Decimal("0"), Decimal("100")),
    StationKind.FARM: (Decimal("-100"), Decimal("100000")),
    StationKind.TRAP: (Decimal("0"), Decimal("1000")),
    StationKind.OTHER: (None, None),
}


class Station(TenantModel):
    """An observation station (観測所) of a municipality."""

    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_("Unique within the municipality, e.g. the 15-digit national station code."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. m, mm, %"))
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    river_name = models.CharField(_("river"), max_length=100, blank=True)
    plausible_min = models.DecimalField(
        _("lowest plausible value"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Readings below are refused. Empty: the usual bound of the kind."),
    )
    plausible_max = models.DecimalField(
        _("highest plausible value"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Readings above are refused. Empty: the usual bound of the kind."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "code"]
        verbose_name = _("observation station")
        verbose_name_plural = _("observation stations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="disaster_station_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ja}"

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

    def plausible_range(self) -> tuple[Decimal | None, Decimal | None]:
        low, high = DEFAULT_PLAUSIBLE.get(self.kind, (None, None))
        return (
            self.plausible_min if self.plausible_min is not None else low,
            self.plausible_max if self.plausible_max is not None else high,
        )


def _level(verbose: Any, help_text: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        verbose, max_digits=8, decimal_places=3, null=True, blank=True, help_text=help_text
    )


class ReferenceLevels(TenantModel):
    """The 基準水位 of a river station from ``valid_from`` on (metres, like its readings).

    A history: each change is a new row; the one in force is the latest not after a given time.
    """

    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="reference_levels",
        verbose_name=_("station"),
    )
    standby = _level(_("stand-by level (水防団待機水位)"), _("River-information level 1."))
    caution = _level(_("flood caution level (氾濫注意水位)"), _("River-information level 2."))
    evacuation = _level(
        _("evacuation decision level (避難判断水位)"), _("River-information level 3.")
    )
    danger = _level(_("flood danger level (氾濫危険水位)"), _("River-information level 4."))
    overflow = _level(
        _("overflow level (氾濫開始相当水位)"), _("Where the river starts to overflow (optional).")
    )
    valid_from = models.DateTimeField(_("valid from"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Lowest first: the order the levels must keep.
    LEVELS: ClassVar[tuple[str, ...]] = ("standby", "caution", "evacuation", "danger", "overflow")

    class Meta:
        ordering = ["station", "-valid_from"]
        verbose_name = _("reference levels")
        verbose_name_plural = _("reference levels")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "valid_from"], name="disaster_reflevels_unique_valid_from"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} @ {self.valid_from:%Y-%m-%d}"

    def as_dict(self) -> dict[str, Decimal | None]:
        return {name: getattr(self, name) for name in self.LEVELS}


class Device(TenantModel):
    """A sensor that sends readings for one station over HTTP, with its own token."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="devices", verbose_name=_("station")
    )
    code = models.CharField(
        _("code"), max_length=60, help_text=_("Unique within the municipality.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # A fixed one-minute window of how many readings it sent, for the flood limit over HTTP.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    # Set by services.device_register / device_token_rotate only; never stored.
    issued_secret: str | None = None

    class Meta:
        ordering = ["municipality", "code"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="disaster_device_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.token_prefix}…)"


class Quality(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional")
    FINAL = "final", _("Final")
    MISSING = "missing", _("Missing")
    SUSPECT = "suspect", _("Suspect")


class Source(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP")
    FILE = "file", _("File")
    MANUAL = "manual", _("Entered by an operator")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV (station, observed at, value)")
    WIS_DAT = "wis_dat", _("水文水質データベース hourly file (.dat)")


class ImportJob(TenantModel):
    """One file of observations imported in the background, with its progress."""

    file = models.FileField(_("file"), upload_to="disaster/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=20, choices=ImportFormat.choices)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
        help_text=_("For files of one station (the .dat files); CSV rows name their station."),
    )
    quality = models.CharField(
        _("quality of the values"),
        max_length=20,
        choices=Quality.choices,
        blank=True,
        help_text=_("Empty: from the file's flags, else provisional."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("readings in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("readings processed"), default=0)
    stored = models.PositiveIntegerField(_("stored"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    corrected = models.PositiveIntegerField(_("corrections"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("observation import")
        verbose_name_plural = _("observation imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.total_rows:
            return None
        return min(100, round(100 * self.processed_rows / self.total_rows))


class Observation(TenantModel):
    """One version of one reading of a station at ``observed_at``.

    The current value of (station, observed_at) is the row with ``is_current``; earlier
    versions stay as they were.
    """

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="observations", verbose_name=_("station")
    )
    observed_at = models.DateTimeField(_("observed at"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    quality = models.CharField(
        _("quality"), max_length=12, choices=Quality.choices, default=Quality.PROVISIONAL
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "observed_at", "version"],
                name="disaster_observation_unique_version",
            ),
            # One current version per reading; also the index of "the last 72 h of these
            # stations" (station_id IN (...) AND observed_at >= ... AND is_current).
            models.UniqueConstraint(
                fields=["station", "observed_at"],
                condition=models.Q(is_current=True),
                name="disaster_observation_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | models.Q(quality="missing"),
                name="disaster_observation_value_or_missing",
            ),
        ]
        indexes = [
            # Counting a municipality's readings per fiscal year (the plan's metrics).
            models.Index(fields=["municipality", "observed_at"], name="disaster_obs_muni_time"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.observed_at.isoformat()} = {self.value} (v{self.version})"


class Refusal(models.TextChoices):
    """Why a reading was not stored. The codes are stable: they are counted and shown."""

    UNKNOWN_MUNICIPALITY = "unknown_municipality", _("Unknown municipality")
    UNKNOWN_STATION = "unknown_station", _("Unknown station")
    INACTIVE_STATION = "inactive_station", _("Station not active")
    UNKNOWN_DEVICE = "unknown_device", _("Unknown device")
    WRONG_TOKEN = "wrong_token", _("Wrong token")
    WRONG_STATION = "wrong_station", _("Not this device's station")
    MALFORMED = "malformed", _("Not readable (malformed JSON or line)")
    BAD_TIME = "bad_time", _("Time missing or not ISO 8601 with offset")
    FUTURE = "future", _("Time in the future")
    TOO_OLD = "too_old", _("Time too far in the past")
    NOT_NUMERIC = "not_numeric", _("Value not a number")
    IMPOSSIBLE = "impossible", _("Value impossible for this kind of station")
    BAD_QUALITY = "bad_quality", _("Unknown quality flag")
    FINAL_EXISTS = "final_exists", _("A final value exists for this time")
    RATE_LIMITED = "rate_limited", _("Too many readings from one sender")


class Outcome(models.TextChoices):
    """What became of a reading that was read (refusals have their own codes)."""

    STORED = "stored", _("Stored")
    DUPLICATE = "duplicate", _("Duplicate")
    CORRECTED = "corrected", _("Stored as a correction")


class IntakeRefusal(models.Model):
    """A reading that was refused, with why and an excerpt of what was sent."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    station = models.ForeignKey(
        Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=Refusal.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    where = models.CharField(
        _("from"), max_length=300, blank=True, help_text=_("MQTT topic, device, or file and row.")
    )
    excerpt = models.CharField(_("what was sent"), max_length=500, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("refused reading")
        verbose_name_plural = _("refused readings")
        indexes = [
            models.Index(fields=["municipality", "received_at"], name="disaster_refusal_muni_time")
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.where}"


class IntakeTally(models.Model):
    """How many readings had each outcome (or refusal reason) per day and source."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    outcome = models.CharField(_("outcome"), max_length=24)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("intake count")
        verbose_name_plural = _("intake counts")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "day", "source", "outcome"],
                condition=models.Q(municipality__isnull=False),
                name="disaster_tally_unique",
            ),
            models.UniqueConstraint(
                fields=["day", "source", "outcome"],
                condition=models.Q(municipality__isnull=True),
                name="disaster_tally_unique_no_municipality",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.source} {self.outcome}: {self.count}"
