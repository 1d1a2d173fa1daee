"""Open data this app offers through ``kanmin.core.datasets``: the evacuation orders issued
and lifted (発令・解除), without the evidence (which names staff and raw readings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Max
from django.utils import timezone

from kanmin.core.datasets import Column, Provider
from kanmin.disaster import selectors


def _rows(municipality: Any) -> Iterator[list[Any]]:
    for decision in selectors.decision_list(municipality):
        yield [
            municipality.lg_code,
            timezone.localtime(decision.decided_at).isoformat(),
            "発令" if decision.action == "issue" else "解除",
            decision.level,
            decision.kind,
            decision.area,
            ";".join(decision.area_codes or []),
            ";".join(s.code for s in decision.stations.all()),
            decision.ruleset.version,
        ]


def _last_modified(municipality: Any) -> dt.datetime | None:
    """When the latest decision was recorded (decisions are never changed afterwards)."""
    latest: dt.datetime | None = selectors.decision_list(municipality).aggregate(
        latest=Max("recorded_at")
    )["latest"]
    return latest


evacuation_orders = Provider(
    name="disaster.evacuation_orders",
    slug="evacuation_orders",
    title_ja="避難情報の発令・解除履歴",
    title_en="Evacuation orders issued and lifted",
    description_ja=(
        "市が発令・解除した避難情報（高齢者等避難、避難指示、緊急安全確保）の履歴。"
        "日時、警戒レベル、対象地域、判断の根拠とした観測所、判断基準の版。"
    ),
    description_en=(
        "Every evacuation order the municipality issued or lifted: time, alert level, kind, "
        "area, the stations whose readings were the evidence and the version of the rules."
    ),
    columns=(
        Column("lg_code", "全国地方公共団体コード", "Local government code"),
        Column("decided_at", "日時", "Decided at"),
        Column("action", "発令・解除", "Issued or lifted"),
        Column("level", "警戒レベル", "Alert level"),
        Column("kind", "種別", "Kind"),
        Column("area", "対象地域", "Area"),
        Column("area_codes", "地域コード", "Area codes"),
        Column("stations", "根拠とした観測所", "Stations of the evidence"),
        Column("ruleset_version", "判断基準の版", "Rules version"),
    ),
    rows=_rows,
    keywords=("防災", "避難情報", "警戒レベル"),
    frequency="irregular",
    last_modified=_last_modified,
    changed_by=("disaster.decision.record",),
)
