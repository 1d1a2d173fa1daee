"""Shapes of the disaster API's answers (for the OpenAPI description)."""

from __future__ import annotations

from ninja import Schema


class ReadingResultOut(Schema):
    index: int
    status: str  # stored, duplicate, corrected, refused
    reason: str | None = None  # a refusal code (docs/disaster.md)
    message: str = ""
    station: str | None = None
    observed_at: str | None = None
    version: int | None = None


class IngestCountsOut(Schema):
    stored: int
    duplicate: int
    corrected: int
    refused: int


class IngestOut(Schema):
    device: str
    station: str
    counts: IngestCountsOut
    results: list[ReadingResultOut]
