"""Open data this app offers through ``kanmin.core.datasets``: the evacuation orders issued
and lifted (発令・解除), without the evidence (which names staff and raw readings); the
designated shelters (in the national standard's columns) and the shelters opened and closed,
without who opened them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Max
from django.utils import timezone

from kanmin.core.datasets import Column, Provider
from kanmin.disaster import selectors, shelters


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


# ------------------------------------------------------------------------------------------
# Shelters (engineer "shelters"): the standard's 指定緊急避難場所一覧, the register of every
# designated place, and the openings
# ------------------------------------------------------------------------------------------


def _standard_rows(columns: tuple[shelters.StandardColumn, ...], **filters: Any) -> Any:
    def rows(municipality: Any) -> Iterator[list[Any]]:
        for shelter in selectors.shelter_list(municipality=municipality).filter(**filters):
            yield shelters.standard_row(shelter, municipality, columns)

    return rows


def _columns(columns: tuple[shelters.StandardColumn, ...]) -> tuple[Column, ...]:
    return tuple(Column(key, name, title) for key, name, title in shelters.iter_columns(columns))


# The shelter register's actions: both lists, and the catalog's tables over them, follow them.
REGISTER_ACTIONS = (
    "disaster.shelter.register",
    "disaster.shelter.update",
    "disaster.shelter.import",
)

evacuation_spaces = Provider(
    name="disaster.evacuation_spaces",
    slug="evacuation_space",
    title_ja="指定緊急避難場所一覧",
    title_en="Designated emergency evacuation sites",
    description_ja=(
        "市が指定した指定緊急避難場所の一覧。自治体標準オープンデータセット"
        "（指定緊急避難場所一覧）の項目と順序のとおり。災害種別ごとの指定、想定収容人数、"
        "指定避難所との重複を含む。"
    ),
    description_en=(
        "The designated emergency evacuation sites, in the columns and order of the national "
        "standard dataset (指定緊急避難場所一覧): the hazards each is designated for, its "
        "capacity and whether it is also a designated shelter."
    ),
    columns=_columns(shelters.STANDARD_COLUMNS),
    rows=_standard_rows(shelters.STANDARD_COLUMNS, is_emergency_site=True),
    keywords=("防災", "避難場所", "指定緊急避難場所"),
    changed_by=REGISTER_ACTIONS,
)

designated_shelters = Provider(
    name="disaster.designated_shelters",
    slug="designated_shelters",
    title_ja="指定緊急避難場所・指定避難所一覧",
    title_en="Designated evacuation sites and shelters",
    description_ja=(
        "市が指定したすべての避難場所・避難所（指定緊急避難場所、指定避難所、福祉避難所）。"
        "指定緊急避難場所一覧の標準の項目の後ろに、指定緊急避難場所・福祉避難所・"
        "バリアフリーの列を加えたもの。"
    ),
    description_en=(
        "Every designated place (emergency evacuation sites, shelters, welfare shelters): the "
        "standard's columns of 指定緊急避難場所一覧, then three columns it lacks: emergency "
        "evacuation site, welfare shelter and step-free."
    ),
    columns=_columns(shelters.REGISTER_COLUMNS),
    rows=_standard_rows(shelters.REGISTER_COLUMNS),
    keywords=("防災", "避難所", "指定避難所", "福祉避難所"),
    changed_by=REGISTER_ACTIONS,
)


def _opening_rows(municipality: Any) -> Iterator[list[Any]]:
    openings = selectors.shelter_openings(municipality=municipality).order_by("opened_at", "pk")
    for opening in openings:
        decision = opening.decision
        peak = getattr(opening, "peak_evacuees", None)
        latest = getattr(opening, "latest_evacuees", None)
        yield [
            municipality.lg_code,
            opening.shelter.code,
            opening.shelter.name_ja,
            timezone.localtime(opening.opened_at).isoformat(),
            timezone.localtime(opening.closed_at).isoformat() if opening.closed_at else "",
            opening.shelter.capacity if opening.shelter.capacity is not None else "",
            "" if peak is None else peak,
            "" if latest is None else latest,
            f"警戒レベル{decision.level} {decision.kind} {decision.area}" if decision else "",
        ]


shelter_openings = Provider(
    name="disaster.shelter_openings",
    slug="shelter_openings",
    title_ja="避難所の開設・閉鎖履歴",
    title_en="Shelters opened and closed",
    description_ja=(
        "市が開設した避難所の履歴。開設・閉鎖の日時、想定収容人数、最大避難者数、"
        "最新の避難者数、開設のもととなった避難情報。"
    ),
    description_en=(
        "Every shelter the municipality opened: when it opened and closed, its capacity, the "
        "most evacuees counted, the latest count and the evacuation order it answered."
    ),
    columns=(
        Column("lg_code", "全国地方公共団体コード", "Local government code"),
        Column("id", "ID", "Shelter ID"),
        Column("name", "名称", "Name"),
        Column("opened_at", "開設日時", "Opened at"),
        Column("closed_at", "閉鎖日時", "Closed at"),
        Column("capacity", "想定収容人数", "Capacity"),
        Column("peak_evacuees", "最大避難者数", "Most evacuees"),
        Column("latest_evacuees", "最新の避難者数", "Latest count"),
        Column("order", "避難情報", "Evacuation order"),
    ),
    rows=_opening_rows,
    keywords=("防災", "避難所", "開設"),
    changed_by=(
        "disaster.shelter.open",
        "disaster.shelter.count",
        "disaster.shelter.close",
        "disaster.shelter.update",
    ),
)
