"""``kanmin disaster backtest --municipality CODE --station STATION [--format json] [--rule …]``.

A station's events, the proposed thresholds and the back-test of the evacuation decision level
in force, the proposal and each ``--rule`` (and of the past decisions) against every event.
``--format json`` prints ``{"station", "events": [{"start", "end", "peak", "peak_at"}],
"rules": [{"rule", "hits", "misses", "false_alarms", "median_lead_minutes"}]}``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kanmin.core import selectors as core_selectors
from kanmin.core.errors import KanminError
from kanmin.core.lg_code import LgCodeError, validate_lg_code
from kanmin.disaster import backtest, criteria, selectors
from kanmin.disaster.models import StationKind


class Command(BaseCommand):
    help = (
        "Back-test evacuation criteria against a station's past events and decisions: "
        "events, proposed thresholds, hits, misses, false alarms and lead times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipality",
            required=True,
            help="the municipality's code (全国地方公共団体コード), e.g. 452025",
        )
        parser.add_argument("--station", required=True, help="the station's code")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--rule",
            action="append",
            default=[],
            metavar="RULE",
            help='a candidate rule, e.g. 2.8 or "level>=2.5 or rise>=0.4/1h from 2.0" for a '
            'river station, rain1h>=30 or "rain1h>=20 and rain24h>=100" for a rain gauge '
            "(repeatable)",
        )
        parser.add_argument(
            "--lead-hours",
            type=float,
            default=backtest.LEAD_HOURS_DEFAULT,
            help="lead time needed before the level above, for the proposals (default 2)",
        )
        parser.add_argument(
            "--percentile",
            type=float,
            default=None,
            help="design rise as this percentile of the events' rises (default: the largest)",
        )
        parser.add_argument(
            "--lang", choices=("ja", "en"), default="ja", help="language of the text (default ja)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            try:
                analysis = self._analyse(options)
            except KanminError as exc:
                raise CommandError(str(exc.message)) from None
            if options["format"] == "json":
                self.stdout.write(json.dumps(analysis.as_json(), ensure_ascii=False, indent=2))
            else:
                self.stdout.write("\n".join(text_report(analysis)))

    def _analyse(self, options: dict[str, Any]) -> backtest.Analysis:
        try:
            code = validate_lg_code(options["municipality"])
        except LgCodeError as exc:
            raise CommandError(
                exc.message_en if options["lang"] == "en" else exc.message_ja
            ) from None
        municipality = core_selectors.municipality_get(lg_code=code)
        station = selectors.station_get(municipality=municipality, code=options["station"])
        rules: list[criteria.Rule | criteria.RainRule] = []
        river = station.kind == StationKind.RIVER
        for text in options["rule"]:
            try:
                rules.append(criteria.parse_rule(text) if river else criteria.parse_rain_rule(text))
            except ValueError:
                if river:
                    message = _(
                        'Cannot read the rule "%(rule)s": give a level such as 2.8, or '
                        '"level>=2.5 or rise>=0.4/1h from 2.0".'
                    )
                else:
                    message = _(
                        'Cannot read the rain rule "%(rule)s": give one such as rain1h>=30, '
                        '"rain1h>=30 or rain24h>=150" or "rain1h>=20 and rain24h>=100".'
                    )
                raise CommandError(message % {"rule": text}) from None
        lead = options["lead_hours"]
        if not 0 < lead <= 24:
            raise CommandError(_("Give a lead time between 0 and 24 hours."))
        percentile = options["percentile"]
        if percentile is not None and not 0 < percentile <= 100:
            raise CommandError(_("Give a percentile above 0 and at most 100."))
        return backtest.analyse(
            municipality=municipality,
            station=station,
            rules=rules,
            lead_hours=lead,
            percentile=percentile,
        )


# ------------------------------------------------------------------------------------------
# The text report
# ------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns a terminal gives the text: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns; numbers (every column but the first) to the right."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(str(cell)))
            cells.append(f"{cell}{pad}" if i == 0 else f"{pad}{cell}")
        lines.append("  ".join(cells).rstrip())
    return lines


def text_report(analysis: backtest.Analysis) -> list[str]:
    station = analysis.station
    river = f" ({station.river_name})" if station.river_name else ""
    lines = [f"{station.code} {station.name}{river} · {station.get_kind_display()}"]
    if not analysis.river:
        return lines + _rain_report(analysis)
    levels = analysis.levels or criteria.Levels()
    lines.append(
        pgettext("criteria", "Reference levels")
        + ": "
        + " · ".join(
            f"{backtest.LEVEL_NAMES[n]} {backtest.number(v)} m" for n, v in levels.defined()
        )
    )
    lines.append("")
    lines.append(
        ngettext(
            "%(count)s event (at or above %(base)s m)",
            "%(count)s events (at or above %(base)s m)",
            len(analysis.events),
        )
        % {"count": len(analysis.events), "base": backtest.number(analysis.base)}
    )
    if analysis.events:
        lines += table(
            [
                _("No."),
                pgettext("criteria", "start"),
                pgettext("criteria", "end"),
                pgettext("criteria", "peak (m)"),
                pgettext("criteria", "peak at"),
                pgettext("criteria", "rise 1 h"),
                pgettext("criteria", "2 h"),
                pgettext("criteria", "3 h"),
            ],
            [
                [
                    str(e.number),
                    backtest.when(e.start),
                    backtest.when(e.end) + (" …" if e.ongoing else ""),
                    backtest.number(e.peak),
                    backtest.when(e.peak_at),
                    *(backtest.number(e.rise(h)) for h in criteria.RISE_HOURS),
                ]
                for e in analysis.events
            ],
        )
    lines.append("")
    statistic = (
        _("the largest rise")
        if analysis.percentile is None
        else _("the %(p)sth percentile of the rises") % {"p": f"{analysis.percentile:g}"}
    )
    lines.append(
        _("Proposed thresholds (lead time needed: %(hours)s h; design rise: %(statistic)s)")
        % {"hours": f"{analysis.lead_hours:g}", "statistic": statistic}
    )
    for p in analysis.proposals:
        lines.append("  " + backtest.proposal_text(p))
    lines.append("")
    if analysis.target is None:
        lines.append(_("No flood danger level is set: nothing to back-test against."))
        return lines
    lines.append(
        _(
            "Back-test: an event needed evacuation when it reached %(target)s m; a hit fires "
            "before that."
        )
        % {"target": backtest.number(analysis.target)}
    )
    lines += table(
        [
            pgettext("criteria", "rule"),
            pgettext("criteria", "hits"),
            pgettext("criteria", "misses"),
            pgettext("criteria", "false alarms"),
            pgettext("criteria", "median lead (min)"),
        ],
        [
            [
                f"{s.rule} ({s.label})" if s.label else s.rule,
                str(s.hits),
                str(s.misses),
                str(s.false_alarms),
                "-" if s.median_lead_minutes is None else f"{s.median_lead_minutes:g}",
            ]
            for s in analysis.scores
        ],
    )
    review = [r for r in analysis.reviews if r.checks or r.missing]
    if review:
        lines.append("")
        lines.append(pgettext("criteria", "Post-event review"))
        for r in review:
            lines.append(
                f"  {r.event.number}. {backtest.when(r.event.start)} – {backtest.when(r.event.end)}"
            )
            for check in r.checks:
                lines.append("     " + backtest.check_text(check))
            for missing in r.missing:
                lines.append("     " + backtest.missing_text(missing))
    return lines


def _rain_report(analysis: backtest.Analysis) -> list[str]:
    lines = [
        "",
        ngettext(
            "%(count)s rain event (%(total)s mm or more)",
            "%(count)s rain events (%(total)s mm or more)",
            len(analysis.rain_events),
        )
        % {"count": len(analysis.rain_events), "total": f"{backtest.RAIN_MIN_TOTAL:g}"},
    ]
    if analysis.rain_events:
        lines += table(
            [
                _("No."),
                pgettext("criteria", "start"),
                pgettext("criteria", "end"),
                pgettext("criteria", "total (mm)"),
                pgettext("criteria", "largest 1 h"),
                pgettext("criteria", "at"),
                pgettext("criteria", "3 h"),
                pgettext("criteria", "24 h"),
            ],
            [
                [
                    str(e.number),
                    backtest.when(e.start),
                    backtest.when(e.end),
                    f"{e.total:g}",
                    f"{e.peak:g}",
                    backtest.when(e.peak_at),
                    f"{e.max_3h:g}",
                    f"{e.max_24h:g}",
                ]
                for e in analysis.rain_events
            ],
        )
    lines.append("")
    lines.append(
        _(
            "Proposed rain thresholds (lead time needed: %(hours)s h): the most rain that "
            "fell over the window at least that long before the first order of every event "
            "that had one."
        )
        % {"hours": f"{analysis.lead_hours:g}"}
    )
    for p in analysis.rain_proposals:
        lines.append("  " + backtest.rain_proposal_text(p))
    lines.append("")
    lines.append(backtest.rain_scope_text(analysis))
    if not analysis.decisions:
        return lines
    lines += table(
        [
            pgettext("criteria", "rule"),
            pgettext("criteria", "hits"),
            pgettext("criteria", "misses"),
            pgettext("criteria", "false alarms"),
            pgettext("criteria", "median lead (min)"),
        ],
        [
            [
                f"{s.rule} ({s.label})" if s.label else s.rule,
                str(s.hits),
                str(s.misses),
                str(s.false_alarms),
                "-" if s.median_lead_minutes is None else f"{s.median_lead_minutes:g}",
            ]
            for s in analysis.scores
        ],
    )
    return lines
