"""Shapes of the catalog's REST API (/api/v1/m/{lg_code}/catalog/...): what CKAN's API does
not cover — file checks (validation reports), quality and corrected copies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Schema

QualityBand = Literal["high", "good", "low", "none"]
Lang = Literal["ja", "en"]


class OrganizationRef(Schema):
    name: str
    title_ja: str
    title_en: str


class ResourceSummaryOut(Schema):
    id: UUID
    name: str
    format: str
    quality_score: int | None
    stars: int | None


class DatasetListItemOut(Schema):
    id: UUID
    name: str
    title_ja: str
    title_en: str
    state: str
    organization: OrganizationRef
    standard_dataset: str
    quality_score: int | None
    stars: int | None
    quality_band: QualityBand
    modified: datetime
    resources: list[ResourceSummaryOut]


class DatasetListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DatasetListItemOut]


class ResourceOut(Schema):
    id: UUID
    dataset_id: UUID
    name: str
    description: str
    format: str
    mimetype: str
    size: int | None
    position: int
    is_upload: bool
    is_tabular: bool
    download_url: str
    quality_score: int | None
    stars: int | None
    repaired_from: UUID | None
    repair_log_url: str
    created: datetime
    modified: datetime


class DatasetOut(Schema):
    id: UUID
    name: str
    title_ja: str
    title_en: str
    notes_ja: str
    notes_en: str
    state: str
    organization: OrganizationRef
    license_id: str
    tags: list[str]
    groups: list[str]
    update_frequency: str
    contact_name: str
    contact_email: str
    spatial: str
    temporal_start: date | None
    temporal_end: date | None
    standard_dataset: str
    version: int
    quality_score: int | None
    stars: int | None
    quality_band: QualityBand
    page_url: str
    created: datetime
    modified: datetime
    resources: list[ResourceOut]


class ActivityOut(Schema):
    time: datetime
    action: str
    label: str
    object_type: str
    object_id: str
    object: str
    actor: str | None


class FindingOut(Schema):
    severity: str
    code: str
    row: int | None
    column: str | None
    value: str | None
    message: str


class ValidationOut(Schema):
    id: UUID
    resource_id: UUID
    status: str
    status_display: str
    finished: bool
    failure_reason: str
    failure_message: str
    percent: int
    rows_done: int
    bytes_done: int
    bytes_total: int
    requested_schema: str
    schema_found: str
    encoding: str
    rows: int | None
    valid: bool | None
    error_count: int
    warning_count: int
    quality_score: int | None
    stars: int | None
    quality_breakdown: dict[str, float]
    lang: Lang
    findings: list[FindingOut]
    created: datetime
    started: datetime | None
    finished_at: datetime | None
