from __future__ import annotations

import datetime as dt

from django.utils import translation

from kanmin.core.templatetags.kanmin import wareki


def test_wareki_shows_iso_and_the_era_date_in_japanese():
    with translation.override("ja"):
        assert wareki(dt.date(2019, 5, 1)) == "2019-05-01（令和元年5月1日）"
        assert wareki(dt.date(2019, 4, 30)) == "2019-04-30（平成31年4月30日）"
    with translation.override("en"):
        assert wareki(dt.date(2019, 5, 1)) == "2019-05-01"


def test_wareki_uses_local_time_for_datetimes():
    # 2019-04-30 16:00 UTC is already 1 May in Japan: the first day of 令和.
    moment = dt.datetime(2019, 4, 30, 16, 0, tzinfo=dt.UTC)
    with translation.override("ja"):
        assert wareki(moment) == "2019-05-01（令和元年5月1日）"
