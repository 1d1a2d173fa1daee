"""The DataStore's fast paths (benchmarks/bench_datastore.py): Arrow's CSV parser with the
csv module for ragged chunks, folding each distinct value once, rows stored clustered by
their text columns with the fewest values, and search connections kept per table file. Each
must give the answers the plain way gives."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kanmin.catalog.datastore import load, query
from kanmin.catalog.datastore.sql import search_connections
from kanmin.core.jp_text import search_key

TRICKY = (
    "町名,区分,備考,人口\r\n"
    "山之口町,住宅,ﾎﾝﾏﾁ商店街,10\r\n"
    "本町一丁目,商業,ほんまち　通り,20\r\n"
    '"高城町, 東",住宅,"ＡＢＣ\r\nビル",30\r\n'
    "ﾔﾏﾀﾞﾁｮｳ,,〜記録123〜,\r\n"
    "中町,工業,ゞゝ ゛です,40\r\n"
    ",,,\r\n"
    "\r\n"
    "上町,住宅,Ｔｅｓｔ Σ,50\r\n"
)


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_only_values_search_key_changes_are_folded_in_python():
    import pyarrow as pa

    fixed = ["記録123", "山之口町", "12.5", "2024-04-01", "ホンマチ", ""]
    assert load._search_keys(pa.array(fixed)) is None
    mixed = [*fixed, "ﾎﾝﾏﾁ", "Ａ Ｂ", "ほんまち", "9:00〜17:00", "中町"]
    keys = load._search_keys(pa.array(mixed))
    assert keys is not None
    assert keys.to_pylist() == [search_key(v) for v in mixed]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_full_text_is_the_whole_row_folded(tmp_path, encoding):
    """Folding each cell (once per distinct value) and joining gives what folding the joined
    row gives: ``search_key`` stops at the separator."""
    if encoding == "cp932":
        text = TRICKY.replace("Σ", "S")  # not in CP932
    else:
        text = TRICKY
    built = load.build(_write(tmp_path, text, encoding), tmp_path / "out")
    rows = _rows(built.temp_path)
    assert built.rows == 6  # the blank line and the row of empty cells are left out
    names = ["町名", "区分", "備考", "人口"]
    for row in rows:
        cells = ["" if row[n] is None else str(row[n]) for n in names]
        assert row[load.FULL_TEXT] == search_key(load.CELL_SEPARATOR.join(cells)), row
    assert rows[2]["町名"] == "高城町, 東"
    assert rows[2]["備考"] == "ＡＢＣ\r\nビル"
    assert rows[3]["区分"] is None and rows[3]["人口"] is None
    assert [f["type"] for f in built.fields] == ["int", "text", "text", "text", "int"]


def test_ragged_rows_are_padded_and_cut_as_before(tmp_path):
    """A chunk whose records are not all as wide as the header goes through the csv module,
    which pads short records and cuts long ones."""
    text = "a,b,c\r\n1,2,3\r\n4,5\r\n6,7,8,9\r\n"
    built = load.build(_write(tmp_path, text), tmp_path / "out")
    rows = _rows(built.temp_path)
    assert [(r["a"], r["b"], r["c"]) for r in rows] == [(1, 2, 3), (4, 5, None), (6, 7, 8)]


@pytest.fixture
def small_row_groups(monkeypatch):
    """Row groups of 8 rows, so that a small table is clustered as a large one is."""
    monkeypatch.setattr(load, "ROW_GROUP_ROWS", 8)
    monkeypatch.setattr(load, "CLUSTERED_ROW_GROUP_ROWS", 8)


def _towns_csv(tmp_path: Path) -> Path:
    kinds = ["住宅", "商業", "工業"]
    lines = ["町名,区分,人口"]
    for i in range(60):
        lines.append(
            f"{['本町', '中町', '山之口町', 'ﾎﾝﾏﾁ'][i % 4]}{i % 7}丁目,{kinds[i % 3]},{i % 5}"
        )
    return _write(tmp_path, "\r\n".join(lines) + "\r\n")


def test_a_large_table_is_stored_clustered_and_answers_in_id_order(tmp_path, small_row_groups):
    built = load.build(_towns_csv(tmp_path), tmp_path / "out")
    path = load.publish(built, tmp_path / "out", 1)
    # The table in the file's order, and a copy by 区分 (3 values), then 町名 (28), then
    # _id: each value's rows lie together.
    assert [r["_id"] for r in _rows(path)] == list(range(1, 61))
    stored = _rows(load.clustered_path(path))
    assert [r["区分"] for r in stored] == sorted(r["区分"] for r in stored)
    assert [r["_id"] for r in stored] != sorted(r["_id"] for r in stored)
    assert sorted(map(str, stored)) == sorted(map(str, _rows(path)))
    table = query.Table(path=path, fields=built.fields)

    def search(**data):
        return query.search(table, query.parse(data))

    # The default order is the file's (_id), whatever order the rows are stored in.
    assert [r["_id"] for r in search(limit=100)["records"]] == list(range(1, 61))
    assert search_connections.cursor(path)[1].keys == ["区分", "町名"]
    page = search(filters={"区分": "住宅"}, sort="人口 desc", limit=100)
    assert page["total"] == 20
    got = [(r["人口"], r["_id"]) for r in page["records"]]
    # Ties of the sort come in _id order, so offset pages neither skip nor repeat a row.
    assert got == sorted(got, key=lambda p: (-p[0], p[1]))
    halves = [
        r["_id"]
        for offset in (0, 10)
        for r in search(filters={"区分": "住宅"}, sort="人口 desc", limit=10, offset=offset)[
            "records"
        ]
    ]
    assert halves == [p[1] for p in got]
    # q finds the same rows in any stored order: ﾎﾝﾏﾁ and ほんまち fold alike.
    found = search(q="ほんまち", limit=100)
    assert found["total"] == 15
    assert [r["_id"] for r in found["records"]] == [i + 1 for i in range(60) if i % 4 == 3]


def test_a_file_written_again_under_the_same_name_is_read_anew(tmp_path):
    """A kept connection belongs to one file: a table deleted and created again writes
    ``1.parquet`` again, and the search must read the new one."""
    folder = tmp_path / "out"
    first = load.publish(load.build(_write(tmp_path, "a\r\n1\r\n2\r\n"), folder), folder, 1)
    fields = [{"id": "_id", "type": "int"}, {"id": "a", "type": "int"}]
    assert query.search(query.Table(first, fields), query.parse({}))["total"] == 2
    second = load.build(_write(tmp_path, "a\r\n7\r\n8\r\n9\r\n"), folder)
    os.replace(second.temp_path, first)
    answer = query.search(query.Table(first, fields), query.parse({}))
    assert answer["total"] == 3
    assert [r["a"] for r in answer["records"]] == [7, 8, 9]
    search_connections.clear()


def _kind_of_t(path: Path) -> str:
    con, _keys, _memory = search_connections.cursor(path)
    try:
        row = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 't'")
        return str(row.fetchone()[0])
    finally:
        con.close()


def test_a_small_table_is_searched_in_memory_and_answers_as_from_the_file(
    tmp_path, small_row_groups, settings
):
    """A table file within KANMIN_DATASTORE_MEMORY_TABLE_MB is copied into its connection's
    memory (in the clustered copy's order, a filter on its keys scanning only their run of
    row ids); one above it, or above what the process's budget has left, is read from the
    file. Every answer is the same either way."""
    built = load.build(_towns_csv(tmp_path), tmp_path / "out")
    path = load.publish(built, tmp_path / "out", 1)
    table = query.Table(path=path, fields=built.fields)
    asks = [
        {"limit": 100},
        {"filters": {"区分": "住宅"}, "sort": "人口 desc", "limit": 7, "offset": 3},
        {"filters": {"区分": ["商業", "工業"], "町名": "本町0丁目"}},
        {"q": "ほんまち", "sort": "町名, 人口 desc"},
        {"q": {"町名": "山之口"}, "include_total": "false"},
        {"fields": "区分", "distinct": "true", "sort": "区分"},
        # Equal values of the keys (区分, then 町名): one run of rows; a value not in the
        # table; the second key alone; a key with a range; a key with a number for text.
        {"filters": {"区分": "工業", "町名": "本町4丁目"}, "sort": "人口 desc"},
        {"filters": {"区分": "商業"}, "sort": "_id desc", "limit": 5, "offset": 2},
        {"filters": {"区分": "住宅", "町名": "どこにもない町"}},
        {"filters": {"区分": "ない区分"}, "include_total": "false"},
        {"filters": {"町名": "本町4丁目"}},
        {"filters": {"区分": {"gte": "商"}, "町名": "本町4丁目"}},
        {"filters": {"区分": 5}},
        {
            "filters": {"区分": "工業"},
            "q": "ほんまち",
            "distinct": "1",
            "fields": "町名",
            "sort": "町名",
        },
    ]
    answers = {}
    for mode, mb in (("memory", 16), ("file", 0)):
        search_connections.clear()
        settings.KANMIN_DATASTORE_MEMORY_TABLE_MB = mb
        assert _kind_of_t(path) == ("BASE TABLE" if mode == "memory" else "VIEW")
        spans = search_connections.cursor(path)[1].spans
        assert (spans is not None) == (mode == "memory")
        answers[mode] = [query.search(table, query.parse(dict(a))) for a in asks]
    assert answers["memory"] == answers["file"]
    assert answers["memory"][1]["total"] == 20
    assert answers["memory"][6]["total"] > 0 and answers["memory"][7]["total"] > 5
    assert answers["memory"][8]["total"] == 0 and answers["memory"][9]["records"] == []
    # The process's budget: with room for none, a small table is read from its file too.
    search_connections.clear()
    settings.KANMIN_DATASTORE_MEMORY_TABLE_MB = 16
    settings.KANMIN_DATASTORE_MEMORY_CACHE_MB = 0
    assert _kind_of_t(path) == "VIEW"
    search_connections.clear()


def test_the_cluster_order_is_arrows_sort_by_the_keys_then_id():
    """The ranked order equals Arrow's sort of the key columns (empty cells last), ties in
    ``_id`` order, for values that sort differently as bytes and as they were given."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    rng = random.Random(5)
    words = ["本町", "中町", "ﾎﾝﾏﾁ", "abc", "ABC", "山之口町", "", None]
    n = 5000
    table = pa.table(
        {
            "_id": pa.array(range(1, n + 1), pa.int64()),
            "a": pa.array([rng.choice(words) for _ in range(n)], pa.string()),
            "b": pa.array([rng.choice([*words[:4], None]) for _ in range(n)], pa.string()),
        }
    )
    keys = ["a", "b"]
    expected = pc.sort_indices(
        table, sort_keys=[(k, "ascending") for k in keys] + [("_id", "ascending")]
    )
    assert load._cluster_order(table, keys).to_pylist() == expected.to_pylist()
