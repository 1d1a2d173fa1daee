"""Dataset-level quality: the best score and 5-star level among its files."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# 5-star open data by format, for files the standards engine does not check (an open license
# is the first star; every license in the table is open).
FORMAT_STARS = {
    "PDF": 1,
    "DOC": 1,
    "DOCX": 1,
    "JPG": 1,
    "JPEG": 1,
    "PNG": 1,
    "HTML": 1,
    "XLS": 2,
    "XLSX": 2,
    "CSV": 3,
    "TSV": 3,
    "JSON": 3,
    "GEOJSON": 3,
    "XML": 3,
    "KML": 3,
    "ZIP": 1,
    "RDF": 4,
    "TTL": 4,
    "JSONLD": 4,
}

# Facet bands for the quality score: (key, lowest score, label).
BANDS = (
    ("high", 90, _("90 or more")),
    ("good", 70, _("70 to 89")),
    ("low", 0, _("under 70")),
)


NOT_CHECKED = _("not checked")


def band_label(key: str) -> str:
    for name, _lowest, label in BANDS:
        if name == key:
            return str(label)
    return str(NOT_CHECKED) if key == "none" else key


def band_range(key: str) -> tuple[int, int] | None:
    """[lowest, highest] scores of a band; None for "none" (not checked) or an unknown key."""
    upper = 100
    for name, lowest, _label in BANDS:
        if name == key:
            return lowest, upper
        upper = lowest - 1
    return None


def band_sql(column: str) -> str:
    """The band of a score column as an SQL expression (``none`` when NULL)."""
    cases = " ".join(f"WHEN {column} >= {lowest} THEN '{name}'" for name, lowest, _l in BANDS)
    return f"CASE WHEN {column} IS NULL THEN 'none' {cases} ELSE 'low' END"


def band(score: int | None) -> str:
    if score is None:
        return "none"
    for key, lowest, _label in BANDS:
        if score >= lowest:
            return key
    return "low"


def format_stars(fmt: str) -> int | None:
    return FORMAT_STARS.get(fmt.upper().lstrip("."))
