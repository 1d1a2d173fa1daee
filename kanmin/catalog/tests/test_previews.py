"""The resource page's DataStore previews (issue 17): the table (pages, sort, search, a column
filter, the API links) and the chart builder (figures, the SVG, the embed page), over a real
CSV loaded into the DataStore by its background task."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest

from kanmin.catalog.models import DatasetState, DatastoreStatus, DatastoreTable
from kanmin.catalog.tests.helpers import run_queued_tasks, upload

pytestmark = pytest.mark.django_db

DISTRICTS = ("山之口", "高城", "山田", "高崎", "都城")


def town_rows() -> list[tuple[str, str, int, int]]:
    """60 towns: (町名, 地区, 人口, 世帯数), 12 per district, populations all different."""
    return [
        (f"{DISTRICTS[i % 5]}町{i}番", DISTRICTS[i % 5], (i * 37) % 1000 + i, i * 3)
        for i in range(1, 61)
    ]


def towns_csv() -> bytes:
    lines = ["町名,地区,人口,世帯数"] + [",".join(map(str, row)) for row in town_rows()]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


@pytest.fixture
def towns(make_dataset, steward):
    dataset = make_dataset("towns", "町別人口")
    resource = upload(dataset, steward, towns_csv(), "towns.csv")
    run_queued_tasks()  # the check
    run_queued_tasks()  # the load it queues
    table = DatastoreTable.all_tenants.get(resource=resource)
    assert table.status == DatastoreStatus.DONE, table.error
    return resource


def page_url(resource) -> str:
    return f"/m/452025/catalog/dataset/towns/resource/{resource.pk}/"


def get(client, url, **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (200, 400), response.status_code
    return response


def body_rows(html: str) -> list[list[str]]:
    """The cells of the preview table's body."""
    table = html.split('class="table preview-table"', 1)[1].split("</table>", 1)[0]
    tbody = table.split("<tbody>", 1)[1]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", tbody)
    ]


def text(html: str) -> str:
    """The page's text, without its tags (Japanese names in English messages are marked)."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def count_line(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html.split('id="preview-count"', 1)[1].split("</p>", 1)[0])


# --- the table ---------------------------------------------------------------------------------


def test_the_first_page_shows_25_rows_of_60_in_file_order_with_paging(client, towns):
    html = get(client, page_url(towns)).content.decode()
    rows = body_rows(html)
    assert len(rows) == 25
    assert rows[0] == ["高城町1番", "高城", "38", "3"]
    assert "Rows 1–25 of 60" in count_line(html)
    assert "Page 1 of 3" in html
    assert 'href="?page=2#preview-table" rel="next"' in html
    assert 'rel="prev"' not in html
    # Number columns are right-aligned, text columns are not.
    assert '<th scope="col" class="num"><a href="?sort=%E4%BA%BA%E5%8F%A3#preview-table"' in html
    assert '<td class="num">38</td>' in html
    assert '<td lang="ja">高城</td>' in html or "<td>高城</td>" in html


def test_the_last_page_and_a_page_past_it(client, towns):
    html = get(client, page_url(towns), page="3").content.decode()
    rows = body_rows(html)
    assert len(rows) == 10 and rows[-1][0] == "山之口町60番"
    assert "Rows 51–60 of 60" in count_line(html)
    html = get(client, page_url(towns), page="9").content.decode()
    assert "There is no page 9" in html
    assert body_rows(html)[-1][0] == "山之口町60番"


@pytest.mark.parametrize("rows", [50, 100])
def test_rows_per_page(client, towns, rows):
    html = get(client, page_url(towns), rows=str(rows)).content.decode()
    assert len(body_rows(html)) == min(rows, 60)


def test_sorting_by_a_number_column_descending(client, towns):
    html = get(client, page_url(towns), sort="人口", dir="desc").content.decode()
    populations = [int(r[2]) for r in body_rows(html)]
    expected = sorted((r[2] for r in town_rows()), reverse=True)[:25]
    assert populations == expected
    header = html.split('aria-sort="descending"', 1)[1].split("</th>", 1)[0]
    assert "人口" in header
    assert html.count("aria-sort=") == 1
    # The header link now sorts ascending; paging keeps the sort.
    assert "(sort ascending)" in header
    assert 'href="?sort=%E4%BA%BA%E5%8F%A3&amp;dir=desc&amp;page=2#preview-table"' in html


def test_sorting_by_a_text_column_ascending(client, towns):
    html = get(client, page_url(towns), sort="町名", rows="100").content.decode()
    names = [r[0] for r in body_rows(html)]
    assert names == sorted(r[0] for r in town_rows())
    assert 'aria-sort="ascending"' in html


def test_the_text_search_finds_a_japanese_substring(client, towns):
    html = get(client, page_url(towns), q="山之口", rows="100").content.decode()
    rows = body_rows(html)
    assert len(rows) == 12 and all(r[1] == "山之口" for r in rows)
    assert "Rows 1–12 of 12" in count_line(html)
    html = get(client, page_url(towns), q="町7番").content.decode()
    assert [r[0] for r in body_rows(html)] == ["山田町7番"]


def test_a_column_filter_with_a_sort(client, towns):
    html = get(
        client, page_url(towns), column="地区", value="高城", sort="人口", dir="asc"
    ).content.decode()
    rows = body_rows(html)
    assert [r[1] for r in rows] == ["高城"] * 12
    expected = sorted(r[2] for r in town_rows() if r[1] == "高城")
    assert [int(r[2]) for r in rows] == expected
    assert "of 12" in count_line(html)


def test_several_filters_each_must_match_and_one_column_twice_matches_either(client, towns):
    query = "column=地区&value=高城&column=地区&value=山田&rows=100"
    html = client.get(page_url(towns) + "?" + query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = body_rows(html)
    assert sorted({r[1] for r in rows}) == ["山田", "高城"] and len(rows) == 24
    # A third filter on another column narrows both.
    wanted = next(r for r in town_rows() if r[1] == "山田")
    html = client.get(
        page_url(towns) + f"?{query}&column=人口&value={wanted[2]}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert [r[0] for r in body_rows(html)] == [wanted[0]]
    # Each filter shows with its own labelled fields and a link that removes it alone.
    assert 'for="preview-value-3"' in html and 'value="山田"' in html
    remove = unescape(
        re.search(r'<a class="preview-remove" href="([^"]+)">Remove filter 3', html)[1]
    )
    html = client.get(page_url(towns) + remove, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(body_rows(html)) == 24


def test_a_range_on_a_number_column_with_an_exact_value_beside_it(client, towns):
    def rows(query: str) -> list[list[str]]:
        url = page_url(towns) + "?" + query + "&rows=100"
        return body_rows(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())

    between = rows("column=人口&op=gte&value=300&column=人口&op=lte&value=600")
    expected = sorted(r[0] for r in town_rows() if 300 <= r[2] <= 600)
    assert sorted(r[0] for r in between) == expected and expected
    # With an exact value on another column.
    narrowed = rows("column=地区&op=eq&value=高城&column=人口&op=gte&value=300")
    assert sorted(r[0] for r in narrowed) == sorted(
        r[0] for r in town_rows() if r[1] == "高城" and r[2] >= 300
    )
    html = client.get(
        page_url(towns)
        + "?column=人口&op=gte&value=300&column=人口&op=eq&value=38&column=人口&op=eq&value=76",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "has several exact values and a range" in text(html)
    assert len(body_rows(html)) == 25  # the rows without the filters, and why
    html = client.get(
        page_url(towns) + "?column=人口&op=near&value=3", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Condition: Select a valid choice. near" in text(html)
    # Conditions that do not go one to a filter: said, and no filter guessed.
    html = client.get(
        page_url(towns) + "?column=地区&value=高城&column=人口&op=gte&value=300",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Each filter needs its column, its condition and its value." in text(html)
    assert "Rows 1–25 of 60" in count_line(html)


def test_a_contains_filter_finds_part_of_a_columns_value(client, towns):
    def shown(query: str) -> list[str]:
        url = page_url(towns) + "?" + query + "&rows=100"
        return sorted(r[0] for r in body_rows(get(client, url).content.decode()))

    # 町名 holding 町1 (folded: a full-width １ is the same): 町1番 and 町10番 … 町19番.
    part = sorted(r[0] for r in town_rows() if "町1" in r[0])
    assert len(part) == 11
    assert shown("column=町名&op=contains&value=町1") == part
    assert shown("column=町名&op=contains&value=町１") == part
    # With the search box (every row must also hold its words) and an exact filter.
    both = "column=町名&op=contains&value=町1&q=高城"
    assert shown(both) == sorted(r for r in part if r.startswith("高城"))
    exact = "column=町名&op=contains&value=町1&column=地区&op=eq&value=山田"
    assert shown(exact) == ["山田町12番", "山田町17番"]
    # Only in its column: 地区 holds no 町.
    nothing = get(client, page_url(towns) + "?column=地区&op=contains&value=町").content.decode()
    assert "No rows match." in count_line(nothing)
    html = get(client, page_url(towns) + "?" + both).content.decode()
    assert 'value="contains" selected' in html
    # The API link and the download give the same rows.
    api = unescape(re.search(r'<a href="([^"]+)">API call \(JSON\)', html).group(1))
    result = client.get(api.removeprefix("http://testserver")).json()["result"]
    assert sorted(r["町名"] for r in result["records"]) == shown(both)
    link = unescape(re.search(r'<a href="([^"]+)" download>', html)[1])
    body = b"".join(client.get(link).streaming_content).decode("utf-8-sig")
    assert sorted(line.split(",")[0] for line in body.splitlines()[1:]) == shown(both)


def test_the_download_holds_every_matching_row_in_the_pages_order(client, towns, settings):
    html = get(
        client, page_url(towns), column="地区", value="高城", sort="世帯数", dir="desc"
    ).content.decode()
    settings.KANMIN_DATASTORE_ROWS_MAX = 7  # the download reads pages: several here
    link = unescape(re.search(r'<a href="([^"]+)" download>Download the 12 matching rows', html)[1])
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="towns_rows.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff町名,地区,人口,世帯数\r\n")
    lines = body.removeprefix("\ufeff").splitlines()[1:]
    expected = sorted((r for r in town_rows() if r[1] == "高城"), key=lambda r: -r[3])
    assert lines == [",".join(map(str, r)) for r in expected]
    # Without a filter: all 60 rows; with a value the column cannot hold: back to the page.
    whole = b"".join(client.get(link.split("?")[0]).streaming_content).decode()
    assert len(whole.splitlines()) == 61
    bad = client.get(link.split("?")[0] + "?column=人口&value=many")
    assert bad.status_code == 302 and "value=many" in bad["Location"]


def test_a_private_tables_rows_are_downloaded_by_staff_only_and_audited(client, towns, steward):
    from kanmin.audit.models import AuditEvent

    type(towns.dataset).all_tenants.filter(pk=towns.dataset_id).update(state=DatasetState.PRIVATE)
    url = page_url(towns) + "rows.csv?q=高城"
    assert client.get(url).status_code == 404
    client.force_login(steward)
    body = b"".join(client.get(url).streaming_content).decode()
    assert len(body.splitlines()) == 13
    [entry] = AuditEvent.objects.filter(action="catalog.datastore.read")
    assert entry.changes["extra"]["download"] is True
    assert entry.changes["extra"]["query"] == {"q": "高城"}


def test_a_filter_that_matches_nothing(client, towns):
    html = get(client, page_url(towns), column="地区", value="宮崎").content.decode()
    assert "No rows match." in count_line(html)
    assert "preview-table" in html and 'class="table preview-table"' not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "年齢"}, "Sort by: Select a valid choice. 年齢 is not one of the available"),
        ({"column": "年齢", "value": "1"}, "Column: Select a valid choice."),
        ({"dir": "sideways"}, "Sort direction: Select a valid choice."),
        ({"rows": "33"}, "Rows per page: Select a valid choice."),
        ({"page": "x"}, "Page: Enter a whole number."),
        ({"column": "人口", "value": "many"}, "is not of its type (int)"),
        ({"value": "高城"}, "Choose the column whose value must be “高城”."),
    ],
)
def test_a_bad_parameter_says_what_is_wrong_and_the_table_still_shows(
    client, towns, params, message
):
    response = get(client, page_url(towns), **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert message in text(html)
    assert len(body_rows(response.content.decode())) == 25


def test_the_api_links_give_the_same_rows(client, towns):
    html = get(client, page_url(towns), q="高崎", sort="人口", dir="desc").content.decode()
    shown = body_rows(html)
    api = unescape(re.search(r'<a href="([^"]+)">API call \(JSON\)', html).group(1))
    assert api.startswith("http://testserver/api/3/action/datastore_search?")
    result = client.get(api.removeprefix("http://testserver")).json()["result"]
    assert result["total"] == 12
    assert [r["町名"] for r in result["records"]] == [r[0] for r in shown]
    csv_link = unescape(
        re.search(r'<a href="([^"]+)">API call with the rows as CSV', html).group(1)
    )
    records = client.get(csv_link.removeprefix("http://testserver")).json()["result"]["records"]
    assert records.splitlines()[0].split(",")[1:] == shown[0]


def test_the_load_state_is_shown_while_queued_and_when_failed(client, make_dataset, steward):
    dataset = make_dataset("towns", "町別人口")
    resource = upload(dataset, steward, towns_csv(), "towns.csv")
    run_queued_tasks()  # the check; the load is queued, not run
    html = get(client, page_url(resource)).content.decode()
    assert "The table is waiting to be loaded for the preview." in html
    assert "preview-table" in html and 'class="table preview-table"' not in html
    assert get(client, page_url(resource) + "chart/").status_code == 200
    DatastoreTable.all_tenants.filter(resource=resource).update(
        status=DatastoreStatus.FAILED, error="Row 3: the file ends inside a quoted cell."
    )
    html = get(client, page_url(resource)).content.decode()
    assert "The table could not be loaded" in html
    assert "Row 3: the file ends inside a quoted cell." in html


def test_a_link_resource_has_no_preview(client, make_dataset):
    dataset = make_dataset(
        "links", "リンク", resources=[{"url": "https://example.jp/a.csv", "name": "a.csv"}]
    )
    resource = dataset.resources.get()
    html = client.get(f"/m/452025/catalog/dataset/links/resource/{resource.pk}/").content.decode()
    assert "preview-table" not in html and "preview-chart" not in html


# --- the chart ---------------------------------------------------------------------------------


def chart_url(resource, suffix="chart/") -> str:
    return page_url(resource) + suffix


def figures(html: str) -> list[tuple[str, str]]:
    table = html.split('id="chart-figures-caption"', 1)[1].split("</table>", 1)[0]
    return [
        (unescape(re.sub(r"<[^>]+>", "", label)), value)
        for label, value in re.findall(
            r'<tr><th scope="row"[^>]*>(.*?)</th><td class="num">(.*?)</td></tr>', table
        )
    ]


def bar_heights(svg: str) -> list[float]:
    """The heights of the rectangles matplotlib drew after the figure's and the axes'
    backgrounds: the bars."""
    heights = []
    for path in re.findall(r'<g id="patch_\d+">\s*<path d="([^"]+)"', svg)[2:]:
        points = re.findall(r"[ML] ([\d.]+) ([\d.]+)", path)
        if len(points) == 4 and path.rstrip().endswith("z"):
            ys = [float(y) for _x, y in points]
            heights.append(max(ys) - min(ys))
    return heights


def test_the_resource_page_offers_the_chart_builder(client, towns):
    html = get(client, page_url(towns)).content.decode()
    assert f'action="{chart_url(towns)}"' in html
    assert '<option value="人口"' in html and "Draw the chart" in html


def test_a_bar_chart_of_sums_ranks_the_categories(client, towns):
    params = {"kind": "bar", "x": "地区", "y": "人口", "agg": "sum"}
    response = get(client, chart_url(towns), **params)
    assert response.status_code == 200
    html = response.content.decode()
    sums = Counter()
    for _name, district, population, _households in town_rows():
        sums[district] += population
    expected = [(d, f"{v:,}") for d, v in sorted(sums.items(), key=lambda kv: -kv[1])]
    assert figures(html) == expected
    top, low = expected[0], expected[-1]
    assert 'alt="Bar chart" aria-describedby="chart-description"' in html
    described = html.split('id="chart-description"', 1)[1].split("</p>", 1)[0]
    words = text(described.split(">", 1)[1])
    assert words.startswith("Bar chart of sum of 人口 by 地区, 5 points.")
    assert f"Highest: {top[0]} ({top[1]})" in words and f"lowest: {low[0]} ({low[1]})" in words
    assert '<span lang="ja">人口</span>' in described
    # The SVG is the same chart, with its title and description inside.
    svg_src = unescape(re.search(r'<img class="chart" src="([^"]+)"', html).group(1))
    svg = client.get(svg_src, HTTP_ACCEPT_LANGUAGE="en")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    drawing = svg.content.decode()
    assert "<title>sum of 人口 by 地区</title>" in drawing
    assert f"Highest: {top[0]} ({top[1]})" in drawing
    # One bar per district, left to right as in the table, each as tall as its sum.
    heights = bar_heights(drawing)
    assert len(heights) == 5
    values = [int(v.replace(",", "")) for _d, v in expected]
    for height, value in zip(heights, values, strict=True):
        assert height / heights[0] == pytest.approx(value / values[0], rel=1e-3)


def test_a_line_chart_of_means_follows_the_x_order(client, towns):
    params = {"kind": "line", "x": "地区", "y": "世帯数", "agg": "mean"}
    html = get(client, chart_url(towns), **params).content.decode()
    households: dict[str, list[int]] = {}
    for _name, district, _population, count in town_rows():
        households.setdefault(district, []).append(count)
    expected = [
        (d, f"{sum(v) / len(v):,.2f}".replace(".00", "")) for d, v in sorted(households.items())
    ]
    assert figures(html) == expected


def test_a_count_over_many_categories_keeps_50_and_says_so(client, towns):
    html = get(client, chart_url(towns), kind="bar", x="町名", agg="count").content.decode()
    rows = figures(html)
    assert len(rows) == 50 and all(value == "1" for _label, value in rows)
    assert "Only the 50 largest of 60 categories are drawn." in html


def test_each_rows_value_as_a_line(client, towns):
    html = get(
        client, chart_url(towns), kind="line", x="世帯数", y="人口", agg="none"
    ).content.decode()
    rows = figures(html)
    assert rows[:3] == [("3", "38"), ("6", "76"), ("9", "114")]
    assert "Only the first 50 of 60 rows are drawn" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "bar", "x": "年齢", "agg": "count"}, "Select a valid choice. 年齢 is not one"),
        ({"kind": "pie", "x": "地区", "agg": "count"}, "Select a valid choice. pie is not one"),
        (
            {"kind": "bar", "x": "地区", "agg": "sum"},
            "Choose a number column for the y axis, or count the rows instead.",
        ),
        ({"kind": "bar", "x": "地区", "y": "町名", "agg": "sum"}, "Select a valid choice. 町名"),
    ],
)
def test_a_chart_that_cannot_be_drawn_says_why(client, towns, params, message):
    response = get(client, chart_url(towns), **params)
    assert response.status_code == 400
    html = text(response.content.decode())
    assert "The chart cannot be drawn:" in html and message in html
    assert get(client, chart_url(towns, "chart.svg"), **params).status_code == 400
    embed = get(client, chart_url(towns, "chart/embed/"), **params)
    assert embed.status_code == 400 and message in text(embed.content.decode())


def test_the_chart_page_gives_its_link_and_embed_code(client, towns):
    params = {"kind": "bar", "x": "地区", "agg": "count"}
    html = unescape(get(client, chart_url(towns), **params).content.decode())
    embed = f"http://testserver{chart_url(towns, 'chart/embed/')}?kind=bar&x="
    assert f'<iframe src="{embed}' in html
    assert "datastore_search_sql?sql=" in html


def test_only_the_embed_page_may_be_framed(client, towns):
    params = {"kind": "bar", "x": "地区", "agg": "count"}
    embed = get(client, chart_url(towns, "chart/embed/"), **params)
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert len(figures(embed.content.decode())) == 5
    for url in (page_url(towns), chart_url(towns)):
        page = get(client, url, **params)
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_previews_of_a_draft_are_for_its_staff_only(client, towns, steward):
    dataset = towns.dataset
    dataset.state = DatasetState.DRAFT
    dataset.save(update_fields=["state"])
    params = {"kind": "bar", "x": "地区", "agg": "count"}
    urls = [page_url(towns), chart_url(towns), chart_url(towns, "chart.svg")]
    urls.append(chart_url(towns, "chart/embed/"))
    for url in urls:
        assert client.get(url, params).status_code == 404
    client.force_login(steward)
    for url in urls:
        assert client.get(url, params).status_code == 200


def test_a_query_stopped_by_the_time_limit_says_so_and_the_page_still_shows(
    client, towns, monkeypatch
):
    """Every search stopped (a sort of millions of rows on a busy machine): the page answers
    200 with the reason and the columns, not an error page."""
    from kanmin.catalog.datastore import query
    from kanmin.core.errors import Invalid

    def stopped(table, params):
        raise Invalid(
            fields={"q": ["The query took longer than 10 seconds and was stopped."]},
            code="datastore_timeout",
        )

    monkeypatch.setattr(query, "search", stopped)
    response = get(client, page_url(towns), sort="人口", dir="desc")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "took longer than 10 seconds" in text(html)
    assert 'class="table preview-table"' not in html  # no rows, no empty table
    # The search form still offers the columns, to try a narrower query.
    assert "人口" in html.split('id="preview-table"', 1)[1]
