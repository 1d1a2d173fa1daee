"""Facets: the fields a search counts its matches by, and how counted values become the
items a page or the CKAN API shows (named, summed by name, most frequent first)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kanmin.catalog import licenses, quality

FACET_FIELDS = (
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "standard_dataset",
    "municipality",
    "quality",
)


@dataclass
class FacetItem:
    name: str
    display_name: str
    count: int


# A backend counts a facet as rows of (value, name, title, count): the value it groups by
# (an organization's id), the name a query uses (its ``name``) and the title people read.
Counted = tuple[str, str, str, int]


def items(field: str, counted: Iterable[Counted]) -> list[FacetItem]:
    """The items of one facet: values of the same name (organizations of several
    municipalities at the root) are added up; licenses and quality bands get their titles."""
    merged: dict[str, FacetItem] = {}
    # Sorted by value: the same title for a name whatever order the backend counted in.
    for value, name, title, count in sorted(counted):
        if field == "license_id":
            title = _license_title(value)
        elif field == "quality":
            title = quality.band_label(value)
        if name in merged:
            merged[name].count += count
        else:
            merged[name] = FacetItem(name, title, count)
    return list(merged.values())


def shaped(
    counted: dict[str, list[FacetItem]],
    facet_fields: Sequence[str],
    facet_limit: int,
    facet_mincount: int,
) -> dict[str, list[FacetItem]]:
    """Facets as CKAN gives them: most frequent first, at least ``mincount``, ``limit`` each
    (negative: all); a field that is not a facet is there, empty."""
    facets: dict[str, list[FacetItem]] = {}
    for name in facet_fields:
        found = [i for i in counted.get(name, []) if i.count >= facet_mincount]
        found.sort(key=lambda i: (-i.count, i.name))
        if facet_limit >= 0:
            found = found[:facet_limit]
        facets[name] = found
    return facets


def _license_title(license_id: str) -> str:
    lic = licenses.get(license_id)
    return lic.title if lic else license_id
