"""ICT governance register (Ⅴ-3 to Ⅴ-7, Ⅵ-1 to Ⅵ-4): the municipality's information systems,
their costs, the standardization of the 20 基幹業務, vulnerabilities, audits, incidents, trainings.

How to use these models (for the engineers building KPIs, commands and demo data on them):

- ``Business`` is the fixed list of the 20 基幹業務 of the standardization law (地方公共団体情報
  システムの標準化に関する法律 第2条, 政令), in the law's order; stored as the code, never the name.
- ``InformationSystem`` (情報システム) is one row of the register: ``code`` and ``name`` are each
  unique per municipality. ``businesses`` (``SystemBusiness`` rows) are the 基幹業務 it covers
  (none for a system outside the 20). ``hosting`` feeds the cloud KPI, ``network_segment`` is the
  三層の対策 zone, ``classification`` the 機密性 of its data. The three compliance flags are the
  numerators of Ⅴ-4 (地域情報プラットフォーム準拠, 中間標準レイアウト対応) and of 標準準拠;
  ``middle_layout_in_scope`` says whether the system counts in the 中間標準レイアウト
  denominator, so that the KPI does not silently lose it after standardisation. A system that was
  merged into another has ``consolidated_on`` (and ``consolidated_into``); a system no longer run
  has ``retired_on``. Systems are retired, not deleted.
- ``SystemBusiness`` also carries, per 業務, whether the system's 調達仕様書 required the
  中間標準レイアウト and whether the 業務's data was migrated through it (Ⅴ-4 per 業務).
  ``OtherBusiness`` are the 業務 of the 地域情報プラットフォーム / 中間標準レイアウト lists
  outside the 20; ``SpecList`` / ``SpecBusiness`` (``spec_models``) are those lists, versioned:
  the denominators of Ⅴ-4, which must not silently shrink when the 20 業務 move to the
  デジタル庁 standards.
- ``SystemCost`` is a system's cost in one 年度 (``fiscal_year`` is the year April starts in, as in
  ``kanmin.core.fiscal_year``), in yen; one row per system and year.
- ``StandardizationStatus`` is the migration of one 基幹業務 to a 標準準拠 system, one row per
  municipality and 業務: 未着手 → 計画 → 移行中 → 移行完了, with the planned and actual dates and
  the target system. ``special_support`` marks 特定移行支援システム (a later deadline allowed).
- ``Vulnerability`` is a weakness found in a system (a CVE or a scanner's identifier), with its
  ``severity``; ``due_on`` follows from the severity and the day it was found
  (``due_date``, the one rule: ``SEVERITY_DAYS``); ``fixed_on`` is set when it is resolved.
- ``Audit`` is an audit (監査) or a self-check (自己点検), planned and/or conducted, over some
  systems and departments; ``AuditFinding`` its findings with their follow-up and the day
  they were closed.
- ``Incident`` is an incident handled by the CSIRT, opened and (later) closed;
  ``IncidentEvent`` its timeline.
- ``TrainingSession`` is a training (研修) or an exercise (訓練) for staff, or a course for citizens
  (Ⅳ-7), with the number who attended and, optionally, who (``TrainingAttendance``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanmin.core.fields import EncryptedTextField
from kanmin.core.models import TenantModel


class Business(models.TextChoices):
    """The 20 基幹業務 of the standardization law, in the law's order."""

    RESIDENT_REGISTER = "resident_register", _("Basic resident register")
    FAMILY_REGISTER = "family_register", _("Family register")
    FAMILY_REGISTER_ANNEX = "family_register_annex", _("Family register annex")
    SEAL_REGISTRATION = "seal_registration", _("Seal registration")
    ELECTORAL_ROLL = "electoral_roll", _("Electoral roll")
    FIXED_ASSET_TAX = "fixed_asset_tax", _("Fixed asset tax")
    INDIVIDUAL_RESIDENT_TAX = "individual_resident_tax", _("Individual resident tax")
    CORPORATE_RESIDENT_TAX = "corporate_resident_tax", _("Corporate resident tax")
    LIGHT_VEHICLE_TAX = "light_vehicle_tax", _("Light vehicle tax")
    NATIONAL_HEALTH_INSURANCE = (
        "national_health_insurance",
        _("National health insurance"),
    )
    NATIONAL_PENSION = "national_pension", _("National pension")
    LATE_ELDERLY_MEDICAL = (
        "late_elderly_medical",
        _("Late-stage elderly medical care"),
    )
    LONG_TERM_CARE = "long_term_care", _("Long-term care insurance")
    DISABILITY_WELFARE = "disability_welfare", _("Disability welfare")
    PUBLIC_ASSISTANCE = "public_assistance", _("Public assistance")
    CHILD_ALLOWANCE = "child_allowance", _("Child allowance")
    CHILD_REARING_ALLOWANCE = "child_rearing_allowance", _("Child-rearing allowance")
    CHILD_CARE_SUPPORT = (
        "child_care_support",
        _("Child and child-care support"),
    )
    SCHOOL_ENROLMENT = "school_enrolment", _("School enrolment")
    HEALTH_MANAGEMENT = "health_management", _("Health management")


# The Japanese names of the 20 業務 as the law writes them (for imports and exports).
BUSINESS_NAMES_JA: dict[str, str] = {
    Business.RESIDENT_REGISTER: "住民基本台帳",
    Business.FAMILY_REGISTER: "戸籍",
    Business.FAMILY_REGISTER_ANNEX: "戸籍の附票",
    Business.SEAL_REGISTRATION: "印鑑登録",
    Business.ELECTORAL_ROLL: "選挙人名簿管理",
    Business.FIXED_ASSET_TAX: "固定資産税",
    Business.INDIVIDUAL_RESIDENT_TAX: "個人住民税",
    Business.CORPORATE_RESIDENT_TAX: "法人住民税",
    Business.LIGHT_VEHICLE_TAX: "軽自動車税",
    Business.NATIONAL_HEALTH_INSURANCE: "国民健康保険",
    Business.NATIONAL_PENSION: "国民年金",
    Business.LATE_ELDERLY_MEDICAL: "後期高齢者医療",
    Business.LONG_TERM_CARE: "介護保険",
    Business.DISABILITY_WELFARE: "障害者福祉",
    Business.PUBLIC_ASSISTANCE: "生活保護",
    Business.CHILD_ALLOWANCE: "児童手当",
    Business.CHILD_REARING_ALLOWANCE: "児童扶養手当",
    Business.CHILD_CARE_SUPPORT: "子ども・子育て支援",
    Business.SCHOOL_ENROLMENT: "就学",
    Business.HEALTH_MANAGEMENT: "健康管理",
}


class OtherBusiness(models.TextChoices):
    """業務 of the 地域情報プラットフォーム and 中間標準レイアウト specifications that are not among
    the 20 基幹業務 of the law (their lists name about 26 業務: see ``SpecList``)."""

    NON_RESIDENT_REGISTER = "non_resident_register", _("Non-resident register")
    ADDRESS_BOOK = "address_book", _("Address book")
    INTEGRATED_ADDRESS = "integrated_address", _("Integrated address book")
    TAX_COLLECTION = "tax_collection", _("Tax collection and arrears")
    INFANT_MEDICAL = "infant_medical", _("Infant medical subsidy")
    SINGLE_PARENT_MEDICAL = (
        "single_parent_medical",
        _("Single-parent family medical subsidy"),
    )
    NURSERY = "nursery", _("Nursery admission")


OTHER_BUSINESS_NAMES_JA: dict[str, str] = {
    OtherBusiness.NON_RESIDENT_REGISTER: "住登外管理",
    OtherBusiness.ADDRESS_BOOK: "宛名管理",
    OtherBusiness.INTEGRATED_ADDRESS: "団体内統合宛名",
    OtherBusiness.TAX_COLLECTION: "収滞納管理",
    OtherBusiness.INFANT_MEDICAL: "乳幼児医療",
    OtherBusiness.SINGLE_PARENT_MEDICAL: "ひとり親家庭医療",
    OtherBusiness.NURSERY: "保育所入所",
}

# Every 業務 a system can cover: the 20 of the law, then the specifications' others.
BUSINESS_AREA_CHOICES: list[tuple[str, Any]] = [*Business.choices, *OtherBusiness.choices]
BUSINESS_AREA_NAMES_JA: dict[str, str] = {**BUSINESS_NAMES_JA, **OTHER_BUSINESS_NAMES_JA}


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Days from the day a vulnerability is found to the day it must be fixed, by severity.
SEVERITY_DAYS: dict[str, int] = {
    Severity.CRITICAL: 7,
    Severity.HIGH: 30,
    Severity.MEDIUM: 90,
    Severity.LOW: 180,
}


def due_date(severity: str, found_on: dt.date) -> dt.date:
    """The day a vulnerability of ``severity`` found on ``found_on`` must be fixed by."""
    return found_on + dt.timedelta(days=SEVERITY_DAYS[severity])


class Hosting(models.TextChoices):
    ON_PREMISES = "on_premises", _("On premises")
    GOVERNMENT_CLOUD = "government_cloud", _("Government cloud")
    OTHER_CLOUD = "other_cloud", _("Other cloud (SaaS etc.)")
    SHARED = "shared", _("Shared with other municipalities")


class NetworkSegment(models.TextChoices):
    """三層の対策: the three network zones of the security guideline."""

    MY_NUMBER = "my_number", _("My Number business zone")
    LGWAN = "lgwan", _("LGWAN zone")
    INTERNET = "internet", _("Internet zone")


class Classification(models.TextChoices):
    """自治体機密性: the confidentiality classes of the security guideline."""

    CLASS_3 = "3", _("Confidentiality 3 (secret: personal and other protected information)")
    CLASS_2 = "2", _("Confidentiality 2 (internal: not to be made public)")
    CLASS_1 = "1", _("Confidentiality 1 (public or publishable)")


class InformationSystem(TenantModel):
    """情報システム: one row of the register."""

    code = models.CharField(_("system ID"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="information_systems",
    )
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    hosting = models.CharField(
        _("hosting"), max_length=20, choices=Hosting.choices, default=Hosting.ON_PREMISES
    )
    network_segment = models.CharField(
        _("network segment"), max_length=12, choices=NetworkSegment.choices
    )
    classification = models.CharField(
        _("data classification"), max_length=2, choices=Classification.choices
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    applic_compliant = models.BooleanField(
        _("Regional Information Platform compliant"), default=False
    )
    middle_layout_in_scope = models.BooleanField(
        _("in the scope of the Intermediate Standard Layout"),
        default=True,
        help_text=_("Counted in the denominator of the Intermediate Standard Layout rate."),
    )
    middle_layout_compliant = models.BooleanField(
        _("exports in the Intermediate Standard Layout"), default=False
    )
    standard_compliant = models.BooleanField(_("standard-compliant"), default=False)
    consolidated_on = models.DateField(
        _("consolidated on"),
        null=True,
        blank=True,
        help_text=_("The day the system was merged into another (systems consolidated)."),
    )
    consolidated_into = models.ForeignKey(
        "self",
        verbose_name=_("consolidated into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consolidated_from",
    )
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        ordering = ["municipality", "code"]
        permissions = [("see_all_systems", "Can see the systems of every department")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="governance_system_code_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "name"], name="governance_system_name_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(contract_end__isnull=True)
                | models.Q(contract_start__isnull=True)
                | models.Q(contract_end__gte=models.F("contract_start")),
                name="governance_system_contract_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def consolidated(self) -> bool:
        return self.consolidated_on is not None

    @property
    def is_cloud(self) -> bool:
        return self.hosting != Hosting.ON_PREMISES

    def active_on(self, day: dt.date) -> bool:
        """Whether the system was in use on ``day`` (not yet retired nor consolidated)."""
        ends = [d for d in (self.retired_on, self.consolidated_on) if d is not None]
        return not ends or min(ends) > day


class SystemBusiness(TenantModel):
    """One 業務 a system covers: one of the 20 基幹業務, or another 業務 of the 地域情報
    プラットフォーム / 中間標準レイアウト lists (``OtherBusiness``).

    The two 中間標準レイアウト flags are per 業務 because the plan counts 業務 (Ⅴ-4): whether
    the system's procurement specification (調達仕様書) required the layout for this 業務, and
    whether the data of this 業務 was migrated into the system through the layout."""

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("system"),
        on_delete=models.CASCADE,
        related_name="businesses",
    )
    business = models.CharField(_("business"), max_length=40, choices=BUSINESS_AREA_CHOICES)
    layout_in_procurement = models.BooleanField(
        _("Intermediate Standard Layout in the procurement specification"),
        default=False,
        help_text=_(
            "The system's procurement specification required the Intermediate Standard "
            "Layout for this business."
        ),
    )
    layout_in_migration = models.BooleanField(
        _("data migrated with the Intermediate Standard Layout"),
        default=False,
        help_text=_("This business's data was migrated into the system through the layout."),
    )

    class Meta:
        verbose_name = _("business covered")
        verbose_name_plural = _("businesses covered")
        ordering = ["system", "business"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "business"], name="governance_systembusiness_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_business_display()


class SystemCost(TenantModel):
    """A system's cost in one 年度 (April to March), in yen."""

    system = models.ForeignKey(
        InformationSystem, verbose_name=_("system"), on_delete=models.CASCADE, related_name="costs"
    )
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    amount_yen = models.PositiveBigIntegerField(_("amount (yen)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("system cost")
        verbose_name_plural = _("system costs")
        ordering = ["system", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year"], name="governance_systemcost_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.fiscal_year}: {self.amount_yen}"


class StandardizationStatus(TenantModel):
    """The migration of one 基幹業務 to a 標準準拠 system in a municipality."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PLANNED = "planned", _("Migration planned")
        MIGRATING = "migrating", _("Migrating")
        MIGRATED = "migrated", _("Migrated")

    business = models.CharField(_("core business"), max_length=40, choices=Business.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    planned_on = models.DateField(_("planned migration date"), null=True, blank=True)
    migrated_on = models.DateField(_("actual migration date"), null=True, blank=True)
    target_system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("target system"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="standardizations",
    )
    special_support = models.BooleanField(
        _("Specified migration-support system"),
        default=False,
        help_text=_("A system allowed to migrate after the national deadline."),
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("standardization status")
        verbose_name_plural = _("standardization statuses")
        ordering = ["municipality", "business"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "business"], name="governance_standardization_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="migrated") | models.Q(migrated_on__isnull=False),
                name="governance_standardization_migrated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_business_display()}: {self.get_status_display()}"


class Vulnerability(TenantModel):
    """A vulnerability found in a system (セキュリティ情報の収集)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        SCANNER = "scanner", _("Scanner import")

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("system"),
        on_delete=models.PROTECT,
        related_name="vulnerabilities",
    )
    identifier = models.CharField(_("identifier"), max_length=80, help_text=_("e.g. CVE-2024-3094"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    found_on = models.DateField(_("found on"))
    due_on = models.DateField(_("due on"), help_text=_("Follows from the severity."))
    fixed_on = models.DateField(_("fixed on"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        ordering = ["municipality", "-found_on", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "identifier", "found_on"],
                name="governance_vulnerability_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(fixed_on__isnull=True)
                | models.Q(fixed_on__gte=models.F("found_on")),
                name="governance_vulnerability_fixed_after_found",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.system})"

    def save(self, *args: object, **kwargs: object) -> None:
        # The due date is a rule, never typed: it follows from the severity and the day found.
        self.due_on = due_date(self.severity, self.found_on)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def fixed_within_sla(self) -> bool:
        return self.fixed_on is not None and self.fixed_on <= self.due_on


class Audit(TenantModel):
    """An information-security audit (監査) or self-check (自己点検)."""

    class Kind(models.TextChoices):
        AUDIT = "audit", _("Audit")
        SELF_CHECK = "self_check", _("Self-check")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    conducted_on = models.DateField(
        _("conducted on"), null=True, blank=True, help_text=_("Empty while it is only planned.")
    )
    auditor = models.CharField(_("auditor"), max_length=200, blank=True)
    scope = models.TextField(_("scope"), blank=True)
    systems = models.ManyToManyField(
        InformationSystem, verbose_name=_("systems"), blank=True, related_name="audits"
    )
    departments = models.ManyToManyField(
        "core.Department", verbose_name=_("departments"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["municipality", "-conducted_on", "-planned_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_on__isnull=False) | models.Q(conducted_on__isnull=False),
                name="governance_audit_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AuditFinding(TenantModel):
    """A finding of an audit, with its follow-up."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="findings"
    )
    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("system"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_findings",
    )
    text = models.TextField(_("finding"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    follow_up = models.TextField(_("follow-up"), blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["audit", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Incident(TenantModel):
    """A security incident handled by the CSIRT."""

    title = models.CharField(_("title"), max_length=200)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    summary = models.TextField(_("summary"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    systems = models.ManyToManyField(
        InformationSystem, verbose_name=_("systems"), blank=True, related_name="incidents"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["municipality", "-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(closed_at__gte=models.F("opened_at")),
                name="governance_incident_closed_after_opened",
            )
        ]

    def __str__(self) -> str:
        return self.title


class IncidentEvent(TenantModel):
    """One step of an incident's timeline; never changed."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="events"
    )
    occurred_at = models.DateTimeField(_("time"))
    what = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["incident", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.what[:40]}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The timeline is append-only: a step is written once; a correction is a new step.
        if not self._state.adding:
            raise TypeError("incident events are append-only: add a new event instead")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class TrainingSession(TenantModel):
    """A training (研修) or exercise (訓練), for staff or, as a course, for citizens (Ⅳ-7)."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        EXERCISE = "exercise", _("Incident-response exercise")

    class Audience(models.TextChoices):
        STAFF = "staff", _("Staff")
        CITIZEN = "citizen", _("Citizens")

    class Topic(models.TextChoices):
        """What a session teaches: the plan counts security trainings under Ⅵ-2 and the
        trainings for using data (with cyber security) under Ⅵ-4."""

        SECURITY = "security", _("Information security")
        DATA_USE = "data_use", _("Data utilisation")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TRAINING)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.STAFF
    )
    topic = models.CharField(_("topic"), max_length=10, choices=Topic.choices, default=Topic.OTHER)
    held_on = models.DateField(_("held on"))
    attendees_count = models.PositiveIntegerField(_("attendees"), default=0)
    required_count = models.PositiveIntegerField(
        _("staff required to attend"),
        null=True,
        blank=True,
        help_text=_("For the attendance rate; empty for a course open to anyone."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["municipality", "-held_on"]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(TenantModel):
    """One person who attended a training session (optional: the count alone is enough)."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A citizen course's attendees are residents: their names are personal data.
    name = EncryptedTextField(_("name"))
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return self.name


# The versioned lists of 業務 of the specifications (spec_models.py): the denominators of Ⅴ-4.
# Frozen KPI figures (kpi_models.py, with the KPIs in kpis.py): imported here so that Django
# registers the model with the app.
from kanmin.governance.kpi_models import KpiFigure  # noqa: E402,F401
from kanmin.governance.spec_models import SpecBusiness, SpecList  # noqa: E402,F401
