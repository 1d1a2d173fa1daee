"""Solr's range syntax and date math as CKAN harvesters send them (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kanmin.catalog.search import QueryError
from kanmin.catalog.search import query as syntax

NOW = datetime(2024, 3, 31, 15, 45, 30, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-01T00:00:00Z", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T00:00:00.5Z", datetime(2020, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2020-01-01T09:00:00+09:00", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T00:00:00", datetime(2020, 1, 1, tzinfo=UTC)),  # CKAN's naive UTC
        ("2020-01-01", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T00\\:00\\:00Z", datetime(2020, 1, 1, tzinfo=UTC)),
        ("NOW", NOW),
        ("NOW-1DAY", datetime(2024, 3, 30, 15, 45, 30, 123456, tzinfo=UTC)),
        ("NOW-7DAYS/DAY", datetime(2024, 3, 24, tzinfo=UTC)),
        ("NOW/DAY+1DAY", datetime(2024, 4, 1, tzinfo=UTC)),
        ("NOW-1MONTH", datetime(2024, 2, 29, 15, 45, 30, 123456, tzinfo=UTC)),
        ("NOW/YEAR", datetime(2024, 1, 1, tzinfo=UTC)),
        ("NOW+2HOURS/HOUR", datetime(2024, 3, 31, 17, tzinfo=UTC)),
        ("2020-01-31T00:00:00Z+1MONTH", datetime(2020, 2, 29, tzinfo=UTC)),
        ("*", None),
    ],
)
def test_times(text, expected):
    assert syntax.parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2020", "NOW-1FORTNIGHT", "NOW-DAY", "2020-13-01"])
def test_bad_times(text):
    with pytest.raises(QueryError):
        syntax.parse_time(text, now=NOW)


def test_ranges_parse_into_the_tree():
    node = syntax.parse("tags:x AND -metadata_modified:{2020-01-01T00:00:00Z TO *]")
    assert node == syntax.And(
        syntax.Term("tags", "x"),
        syntax.Not(
            syntax.Range("modified", datetime(2020, 1, 1, tzinfo=UTC), None, include_low=False)
        ),
    )
    assert syntax.parse("num_resources:[1 TO 3}") == syntax.Range(
        "num_resources", 1, 3, include_high=False
    )
    assert syntax.parse("metadata_created:*") == syntax.Everything()
    assert syntax.ranges(node) == [node.right.node]  # type: ignore[union-attr]
