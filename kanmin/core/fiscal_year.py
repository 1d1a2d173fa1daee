"""年度: the Japanese fiscal year, 1 April to 31 March."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from kanmin.core import wareki

__all__ = ["FiscalYear"]

_FIRST_MONTH = 4


@dataclass(frozen=True, order=True)
class FiscalYear:
    """The fiscal year that starts on 1 April of ``year``."""

    year: int

    def __post_init__(self) -> None:
        # The end date falls in year + 1, which datetime.date must be able to represent.
        if not dt.MINYEAR <= self.year < dt.MAXYEAR:
            raise ValueError(f"fiscal year out of range: {self.year}")

    @classmethod
    def of(cls, d: dt.date) -> FiscalYear:
        return cls(d.year if d.month >= _FIRST_MONTH else d.year - 1)

    @classmethod
    def parse(cls, text: str) -> FiscalYear:
        """``令和5年度``, ``R5年度``, ``平成31年度``, ``2023年度``, ``FY2023``, ``2023``.

        Raises :class:`kanmin.core.wareki.WarekiError`.
        """
        return cls(wareki.parse_fiscal_year(text))

    @classmethod
    def range(cls, first: FiscalYear | int, last: FiscalYear | int) -> Iterator[FiscalYear]:
        """Fiscal years from ``first`` to ``last``, both included; empty if first > last."""
        start = first.year if isinstance(first, FiscalYear) else first
        stop = last.year if isinstance(last, FiscalYear) else last
        for year in range(start, stop + 1):
            yield cls(year)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, _FIRST_MONTH, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, _FIRST_MONTH - 1, 31)

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end

    def next(self) -> FiscalYear:
        return FiscalYear(self.year + 1)

    def previous(self) -> FiscalYear:
        return FiscalYear(self.year - 1)

    def label_ja(self) -> str:
        """``令和5年度``; ``令和元年度`` for 2019; ``昭和63年度`` for 1988.

        Choice: a 年度 takes the era name of the calendar year in which it starts, and a
        calendar year is named after the era in force on its 31 December. So FY2019
        (2019-04-01 … 2020-03-31) is 令和元年度, as the government has written it since the
        change of era, although budgets passed before 1 May 2019 said 平成31年度 (both parse).
        This equals "the era in force at the end of the fiscal year" for every handover except
        平成, which began on 1989-01-08, inside FY1988: that rule would give the impossible
        "平成0年度", whereas FY1988 is 昭和63年度 and FY1989 is 平成元年度.
        """
        return wareki.format_year(self.year) + "度"

    def label_en(self) -> str:
        return f"FY{self.year}"

    def label(self) -> str:
        """The label in the page's language: 令和8年度 on a Japanese page, FY2026 otherwise."""
        from kanmin.core.language import page_is_japanese

        return self.label_ja() if page_is_japanese() else self.label_en()

    def __str__(self) -> str:
        return str(self.year)
