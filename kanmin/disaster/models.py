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
- ``IntakeAddressWindow`` counts the failed device sign-ins (unknown device, wrong token) of
  one client address per fixed window, for the HTTP intake's limit.
- ``ImportJob`` is one file import (CSV, 水文水質データベース .dat) run in the background, with
  its progress and counts.

- ``RuleSet`` is one version of the 警戒レベル rules (``rules.py`` says what it holds; the default
  is ``data/rules_default.json``), its areas (地区) and their stations included;
  ``OfficialInfo`` is official information an operator entered (土砂災害警戒情報, 大雨警報…)
  for some areas or the whole municipality. ``selectors.station_levels`` judges every station
  with them: its readings, and the information in force for its areas.
- ``LevelState`` / ``Alert``: the last level judged per station (and for the official
  information) and one Alert per crossing, raised by ``services.levels_refresh``, the hook the
  intake calls after storing readings.
- ``Decision`` (発令/解除: area, level, kind, time, who, stations, the evidence snapshot as JSON,
  the rule set version) is never changed nor deleted; ``DecisionAnnotation`` adds notes.
  Read them with ``selectors.decision_list(municipality, since=None, until=None)``.

- ``Shelter`` is a designated place (指定緊急避難場所 and/or 指定避難所) with the columns of the
  national standard 指定緊急避難場所一覧 (``kanmin.disaster.shelters`` maps them); the hazards
  it is designated for are one flag each. ``ShelterOpening`` is one time it was opened
  (開設) and closed (閉鎖), by whom, optionally on an evacuation decision; at most one is
  open per shelter. ``ShelterCount`` rows are the evacuee counts of an opening as they were
  reported: never changed nor deleted, the latest ``counted_at`` is the current count.
  Reads: ``selectors.shelter_states`` / ``shelter_get`` / ``shelter_openings``; writes:
  ``services.shelter_register`` / ``shelter_update`` / ``shelters_import`` /
  ``shelter_open`` / ``shelter_count_record`` / ``shelter_close``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanmin.core.language import localized
from kanmin.core.models import Municipality, TenantManager, TenantModel


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
        return localized(self.name_ja, self.name_en)

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
    AUTH_LIMITED = "auth_limited", _("Too many wrong device tokens from one address")


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


class IntakeAddressWindow(models.Model):
    """How many requests with an unknown device or a wrong token one address sent to the
    readings API in one fixed window (``KANMIN_DISASTER_AUTH_WINDOW_SECONDS``): one row per
    address and window, shared by every web process; beyond the limit the address's failed
    requests are answered 429 and only counted (``services.device_auth_failed``)."""

    address = models.CharField(_("address"), max_length=45)
    window_start = models.DateTimeField(_("window start"))
    failures = models.PositiveIntegerField(_("failed requests"), default=0)

    class Meta:
        verbose_name = _("failed device sign-ins of an address")
        verbose_name_plural = _("failed device sign-ins of addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["address", "window_start"], name="disaster_address_window_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="disaster_address_window_time")]

    def __str__(self) -> str:
        return f"{self.address} @ {self.window_start:%Y-%m-%d %H:%M}: {self.failures}"


# ------------------------------------------------------------------------------------------
# 警戒レベル rules, official information, level states and alerts, evacuation decisions
# (engineer "rules"; see kanmin/disaster/rules.py for what a rule set holds)
# ------------------------------------------------------------------------------------------


class RuleSet(TenantModel):
    """One version of a municipality's 警戒レベル rules. Never edited: a change is a new version
    (``services.ruleset_save``); the one in force is the newest with ``valid_from`` not after
    a given time."""

    version = models.PositiveIntegerField(_("version"))
    valid_from = models.DateTimeField(_("valid from"))
    definition = models.JSONField(_("levels and rules"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-version"]
        verbose_name = _("warning-level rule set")
        verbose_name_plural = _("warning-level rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "version"], name="disaster_ruleset_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} @ {self.valid_from:%Y-%m-%d %H:%M}"

    @property
    def parsed(self) -> Any:
        """The definition as ``rules.Definition`` (checked when saved)."""
        from kanmin.disaster import rules

        cached = getattr(self, "_parsed", None)
        if cached is None:
            cached = rules.parse(self.definition)
            self._parsed = cached
        return cached

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A rule set is never changed: save a new version.")
        super().save(*args, **kwargs)


class OfficialInfo(TenantModel):
    """Official information in force (e.g. 土砂災害警戒情報, 大雨警報), entered by an operator:
    issued at ``issued_at``, in force until ``lifted_at``, for the areas ``area_codes`` (the
    rule set's 地区; none: the whole municipality). ``area`` is the areas' names as entered,
    for people (rows from before areas existed may hold any text there: they count for the
    whole municipality)."""

    kind = models.CharField(
        _("information"), max_length=100, help_text=_("As the rule set names it.")
    )
    area = models.CharField(_("area"), max_length=200, blank=True)
    area_codes = models.JSONField(
        _("areas"),
        default=list,
        blank=True,
        help_text=_("The codes of the areas it covers; none: the whole municipality."),
    )
    issued_at = models.DateTimeField(_("issued at"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-issued_at"]
        verbose_name = _("official information")
        verbose_name_plural = _("official information")

    def __str__(self) -> str:
        return f"{self.kind} {self.issued_at:%Y-%m-%d %H:%M}"

    def in_force_at(self, at: Any) -> bool:
        return bool(self.issued_at <= at and (self.lifted_at is None or self.lifted_at > at))


class LevelState(TenantModel):
    """The level last judged for a station (or, with no station, for the municipality's
    official information): what an alert is raised against, so a crossing alerts once."""

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, null=True, blank=True, related_name="level_state"
    )
    level = models.PositiveSmallIntegerField(default=0)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("current level")
        verbose_name_plural = _("current levels")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(station__isnull=True),
                name="disaster_levelstate_one_official",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id or 'official'}: {self.level}"


class AlertDirection(models.TextChoices):
    UP = "up", _("Rose")
    DOWN = "down", _("Fell")


class Alert(TenantModel):
    """A level crossed, once per crossing: a station's (or the official information's) level
    went from ``level_from`` to ``level_to``."""

    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("station"),
    )
    direction = models.CharField(_("direction"), max_length=4, choices=AlertDirection.choices)
    level_from = models.PositiveSmallIntegerField(_("from level"))
    level_to = models.PositiveSmallIntegerField(_("to level"))
    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule set")
    )
    rule_key = models.CharField(_("rule"), max_length=60, blank=True)
    rule = models.JSONField(_("rule that fired"), null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    observed_at = models.DateTimeField(_("observed at"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    notified_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["municipality", "raised_at"], name="disaster_alert_time")]

    def __str__(self) -> str:
        return f"{self.station_id or 'official'} {self.level_from}→{self.level_to}"


class _WriteOnceQuerySet(models.QuerySet[Any]):
    """Bulk updates and deletes refused too, not only ``save``."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError(f"{self.model.__name__} rows are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self.model.__name__} rows are never deleted.")


class _WriteOnceTenantManager(TenantManager):
    """The tenant manager's scoping, over a queryset that refuses bulk writes."""

    def get_queryset(self) -> Any:
        from kanmin.core import tenancy

        queryset = _WriteOnceQuerySet(self.model, using=self._db)
        current = tenancy.current_municipality_id()
        return queryset if current is None else queryset.filter(municipality_id=current)


class DecisionAction(models.TextChoices):
    ISSUE = "issue", _("Issued")
    LIFT = "lift", _("Lifted")


class Decision(TenantModel):
    """An evacuation decision (発令 or 解除) with the evidence shown when it was taken.

    Immutable: ``save`` refuses to change a stored row and ``delete`` refuses; notes are added
    as ``DecisionAnnotation`` rows. ``evidence`` is the snapshot (JSON) of the stations'
    readings of the last hours, their reference levels, the official information in force,
    the rule that fired and the rule set version, as the operator saw them."""

    action = models.CharField(_("action"), max_length=5, choices=DecisionAction.choices)
    level = models.PositiveSmallIntegerField(_("warning level"))
    kind = models.CharField(_("kind"), max_length=100, help_text=_("As the rule set names it."))
    area = models.CharField(_("area"), max_length=300)
    area_codes = models.JSONField(_("area codes"), default=list, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True)
    stations = models.ManyToManyField(Station, related_name="decisions", blank=True)
    evidence = models.JSONField(_("evidence"))
    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("rule set")
    )
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[Any] = _WriteOnceTenantManager()
    all_tenants = models.Manager.from_queryset(_WriteOnceQuerySet)()  # type: ignore[misc]

    class Meta:
        ordering = ["municipality", "decided_at"]
        verbose_name = _("evacuation decision")
        verbose_name_plural = _("evacuation decisions")
        indexes = [
            models.Index(fields=["municipality", "decided_at"], name="disaster_decision_time")
        ]

    def __str__(self) -> str:
        return f"{self.action} L{self.level} {self.kind} {self.area}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("An evacuation decision is never changed: add an annotation.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("An evacuation decision is never deleted.")


class DecisionAnnotation(TenantModel):
    """A note added to a decision afterwards (a correction of fact, the 事後検証's finding)."""

    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="annotations", verbose_name=_("decision")
    )
    text = models.TextField(_("note"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects: ClassVar[Any] = _WriteOnceTenantManager()
    all_tenants = models.Manager.from_queryset(_WriteOnceQuerySet)()  # type: ignore[misc]

    class Meta:
        ordering = ["decision", "written_at"]
        verbose_name = _("decision note")
        verbose_name_plural = _("decision notes")

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.text[:40]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A note is never changed: add another one.")
        super().save(*args, **kwargs)


# ------------------------------------------------------------------------------------------
# Shelters (指定緊急避難場所・指定避難所), their openings and evacuee counts
# (engineer "shelters"; the standard's columns are mapped in kanmin/disaster/shelters.py)
# ------------------------------------------------------------------------------------------


def _hazard(label: Any) -> models.BooleanField:  # type: ignore[type-arg]
    return models.BooleanField(label, default=False)


class Shelter(TenantModel):
    """A designated evacuation place of the municipality: a 指定緊急避難場所 (where to flee
    from a hazard), a 指定避難所 (where to stay), or both."""

    code = models.CharField(
        _("ID"),
        max_length=40,
        help_text=_("Unique within the municipality: the ID column of the open data."),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_kana = models.CharField(_("name (katakana)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("telephone"), max_length=20, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity (people)"),
        null=True,
        blank=True,
        help_text=_("How many people it is planned to hold."),
    )
    is_emergency_site = models.BooleanField(_("designated emergency evacuation site"), default=True)
    is_shelter = models.BooleanField(_("designated shelter"), default=False)
    welfare = models.BooleanField(
        _("welfare shelter"),
        default=False,
        help_text=_("For people who need care."),
    )
    accessible = models.BooleanField(
        _("step-free"), default=False, help_text=_("Step-free entrance and accessible toilet.")
    )
    hazard_flood = _hazard(_("flood"))
    hazard_landslide = _hazard(_("landslide and debris flow"))
    hazard_storm_surge = _hazard(_("storm surge"))
    hazard_earthquake = _hazard(_("earthquake"))
    hazard_tsunami = _hazard(_("tsunami"))
    hazard_large_fire = _hazard(_("large fire"))
    hazard_inland_flood = _hazard(_("inland flooding"))
    hazard_volcano = _hazard(_("volcanic phenomena"))
    neighbourhoods = models.CharField(
        _("neighbourhood associations served"), max_length=500, blank=True
    )
    url = models.URLField(_("web page"), max_length=500, blank=True)
    note = models.TextField(_("remarks"), blank=True)
    # The other columns of the standard as they were imported (標高, 郵便番号 …), by column
    # name, so that the open data gives back what the file held.
    standard_extra = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(
        _("designated"), default=True, help_text=_("Off when the designation is withdrawn.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "code"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="disaster_shelter_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ja}"

    @property
    def name(self) -> str:
        return localized(self.name_ja, self.name_en)


class ShelterOpening(TenantModel):
    """One opening (開設) of a shelter until its closing (閉鎖); open while ``closed_at`` is
    empty, and at most one open per shelter."""

    shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="openings", verbose_name=_("shelter")
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shelter_openings",
        verbose_name=_("evacuation order"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_note = models.CharField(_("note on closing"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-opened_at"]
        verbose_name = _("shelter opening")
        verbose_name_plural = _("shelter openings")
        constraints = [
            models.UniqueConstraint(
                fields=["shelter"],
                condition=models.Q(closed_at__isnull=True),
                name="disaster_shelter_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "opened_at"], name="disaster_opening_time"),
            models.Index(fields=["municipality", "closed_at"], name="disaster_closing_time"),
        ]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ShelterCount(TenantModel):
    """How many evacuees an open shelter reported at ``counted_at``. Never changed nor
    deleted: a new count (or a correction) is a new row."""

    opening = models.ForeignKey(
        ShelterOpening,
        on_delete=models.PROTECT,
        related_name="counts",
        verbose_name=_("opening"),
    )
    counted_at = models.DateTimeField(_("counted at"))
    evacuees = models.PositiveIntegerField(_("evacuees"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[Any] = _WriteOnceTenantManager()
    all_tenants = models.Manager.from_queryset(_WriteOnceQuerySet)()  # type: ignore[misc]

    class Meta:
        ordering = ["opening", "counted_at", "pk"]
        verbose_name = _("evacuee count")
        verbose_name_plural = _("evacuee counts")
        indexes = [
            models.Index(fields=["opening", "counted_at"], name="disaster_count_time"),
        ]

    def __str__(self) -> str:
        return f"{self.opening_id} {self.counted_at:%Y-%m-%d %H:%M}: {self.evacuees}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A count is never changed: record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A count is never deleted.")
