"""``kanmin validate FILE [--schema SLUG|auto|PATH.json] [--format text|json] [--max-errors N]
[--area SOUTH,WEST,NORTH,EAST]``.

A ``.geojson`` file, and a ``.json`` file whose top level is GeoJSON, is checked against
RFC 7946 (``--schema`` does not apply to it); any other file against a national schema.
Exit status: 0 valid, 1 invalid, 2 the file cannot be read at all (the reason is printed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kanmin.core.i18n import gettext_noop, translate
from kanmin.standards.report import Report


class Command(BaseCommand):
    help = (
        "Validate a CSV/TSV/.xlsx file against a national open-data schema, or a GeoJSON "
        "file against RFC 7946."
    )

    # Reads and writes files only: no server configuration to check (kanmin.cli runs it without).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--schema", default="auto", help="slug, 'auto' or a descriptor path")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--lang", choices=("ja", "en"), default="ja")
        parser.add_argument("--max-errors", type=int, default=None)
        parser.add_argument("--sheet", default=None, help="sheet name of a workbook")
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--area",
            type=_area,
            default=None,
            metavar="SOUTH,WEST,NORTH,EAST",
            help="the municipality's bounding box in degrees (e.g. 31.5,130.8,32.0,131.3): "
            "coordinates outside it are warned",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = _geojson_report(options)
        if report is None:
            from kanmin.standards.validate import validate

            progress = None if options["no_progress"] else _progress_printer(options["lang"])
            report = validate(
                options["file"],
                options["schema"],
                max_errors=options["max_errors"],
                workers=options["workers"],
                sheet=options["sheet"],
                progress=progress,
                area=options["area"],
            )
            if progress is not None:
                progress.finish()
        lang = options["lang"]
        if options["format"] == "json":
            self.stdout.write(report.to_json(lang))
        else:
            self.stdout.write(report.to_text(lang), ending="")
        sys.exit(report.exit_status)


def _geojson_report(options: dict[str, Any]) -> Report | None:
    """The GeoJSON check of a .geojson file, or of a .json file that is GeoJSON; None for
    any other file (and for a .json file that is not GeoJSON, read as it always was)."""
    suffix = Path(options["file"]).suffix.lower()
    if suffix not in (".geojson", ".json"):
        return None
    from kanmin.standards.geojson import NOT_GEOJSON_CODES, validate_geojson

    report = validate_geojson(
        options["file"], area=options["area"], max_errors=options["max_errors"]
    )
    if suffix == ".json" and report.fatal is not None and report.fatal.code in NOT_GEOJSON_CODES:
        return None
    return report


def _area(text: str) -> Any:
    from kanmin.standards.validate import Area

    try:
        south, west, north, east = (float(part) for part in text.split(","))
        return Area(south, west, north, east)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not SOUTH,WEST,NORTH,EAST in degrees (south < north, west < east)"
        ) from None


class _ProgressPrinter:
    """Progress on stderr for long files (after two seconds), drawn with rich."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.start = time.monotonic()
        self.progress: Any = None
        self.task: Any = None

    def __call__(self, records: int, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.start < 2.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            label = translate(gettext_noop("Checking"), self.lang)
            self.progress = Progress(
                TextColumn(label),
                BarColumn(),
                TextColumn("{task.fields[records]:,} rows"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(label, total=total or None, records=0)
        self.progress.update(self.task, completed=done, records=records)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _progress_printer(lang: str) -> _ProgressPrinter:
    return _ProgressPrinter(lang)
