"""Duplicate IDs in bounded memory: IDs past the in-memory budget go to disk and are compared
at the end, and the report is the same as with every ID in memory; a report cut to
``max_errors`` keeps the same issues whatever order they come in."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kanmin.standards import idset
from kanmin.standards.report import Issue, Report
from kanmin.standards.tests.factories import aed_rows, csv_bytes
from kanmin.standards.validate import validate


def _rows_with_duplicates(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    header, rows = aed_rows(n)
    rnd = random.Random(seed)
    i = header.index("ID")
    for r in range(4, n, 3):  # an ID from anywhere before: the same chunk or much earlier
        rows[r][i] = rows[rnd.randrange(r)][i]
    for r in range(7, n, 11):  # two in a row, in the same chunk
        rows[r][i] = rows[r - 1][i]
    for r in (50, 1700, n - 5):
        rows[r][i] = "éèID-\u3042"  # not ASCII
    for r in (900, n - 400):
        rows[r][i] = "quoted\nID"  # a line break: that chunk's IDs come as a list
    for r in (10, 11, 2000):
        rows[r][i] = ""
    return header, rows


def _expected_duplicates(header: list[str], rows: list[list[str]]) -> set[tuple[int, str, str]]:
    i = header.index("ID")
    first: dict[str, int] = {}
    found = set()
    for r, row in enumerate(rows, start=2):
        value = row[i]
        if value == "":
            continue
        if value in first:
            found.add((r, value, f"on row {first[value]}"))
        else:
            first[value] = r
    return found


def _issues(report: Report) -> set[tuple[object, ...]]:
    return {
        (i.row, i.column, i.value, i.code, i.severity, i.message("ja"), i.message("en"))
        for i in [*report.errors, *report.warnings]
    }


@pytest.mark.parametrize("how", ["mapped", "stream"])
def test_ids_on_disk_give_the_same_report_as_ids_in_memory(tmp_path, monkeypatch, how):
    header, rows = _rows_with_duplicates(4000, seed=9)
    data = csv_bytes(header, rows)
    path = tmp_path / "452025_aed.csv"
    path.write_bytes(data)
    spilled: list[int] = []
    spill = idset.DuplicateIds.spill

    def counting(self, hashes, *args):  # type: ignore[no-untyped-def]
        spilled.append(len(hashes))
        return spill(self, hashes, *args)

    monkeypatch.setattr(idset.DuplicateIds, "spill", counting)

    def run(budget: int, max_errors: int | None = None) -> Report:
        monkeypatch.setattr(idset, "ID_MEMORY_BUDGET", budget)
        if how == "mapped":
            return validate(path, "aed", workers=2, chunk_size=16 * 1024, max_errors=max_errors)
        return validate(
            io.BytesIO(data), "aed", workers=1, chunk_size=16 * 1024, max_errors=max_errors
        )

    memory = run(1 << 30)
    assert not spilled
    disk = run(1000)
    assert sum(spilled) > 1000  # most IDs went to disk
    assert memory.error_count == disk.error_count
    assert memory.warning_count == disk.warning_count
    assert _issues(memory) == _issues(disk)
    # Both name the first row of each duplicate ID, as derived from the data.
    dups = {(e.row, e.value, e.params["first_en"]) for e in disk.errors if e.code == "duplicate_id"}
    assert dups == _expected_duplicates(header, rows)
    assert len(dups) > 1000
    # Cut to 1200 issues (past the rows whose IDs all fit in memory), both keep the same:
    # the lowest rows, though the duplicates found on disk come last.
    memory, disk = run(1 << 30, max_errors=1200), run(1000, max_errors=1200)
    assert memory.error_count == disk.error_count > 1200
    assert len(disk.errors) == 1200
    assert _issues(memory) == _issues(disk)
    assert [(e.row, e.column, e.code) for e in disk.errors] == [
        (e.row, e.column, e.code) for e in memory.errors
    ]


def test_the_temporary_directory_is_removed(tmp_path, monkeypatch):
    header, rows = _rows_with_duplicates(3000, seed=4)
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    monkeypatch.setattr(idset, "SPILL_DIR", str(spill_dir))
    monkeypatch.setattr(idset, "ID_MEMORY_BUDGET", 500)
    # Held here, so that it is not removed by being collected: validate() must remove it.
    made: list[tempfile.TemporaryDirectory[str]] = []
    real = tempfile.TemporaryDirectory

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        tmp = real(*args, **kwargs)
        made.append(tmp)
        return tmp

    monkeypatch.setattr(idset.tempfile, "TemporaryDirectory", recording)
    path = tmp_path / "452025_aed.csv"
    path.write_bytes(csv_bytes(header, rows))
    report = validate(path, "aed", workers=2, chunk_size=16 * 1024)
    assert report.readable and any(e.code == "duplicate_id" for e in report.errors)
    assert len(made) == 1 and Path(made[0].name).parent == spill_dir
    assert list(spill_dir.iterdir()) == []
    # A file that turns out unreadable after IDs went to disk: removed too.
    data = csv_bytes(header, rows)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data[: len(data) - 500] + b"\x00" + data[len(data) - 500 :])
    report = validate(bad, "aed", workers=2, chunk_size=16 * 1024)
    assert report.fatal is not None and report.fatal.code == "nul_bytes"
    assert len(made) == 2
    assert list(spill_dir.iterdir()) == []


def test_ids_with_one_hash_are_told_apart_by_their_text():
    """Different IDs whose hashes are equal (forced here) are not duplicates of each other."""
    ids = ["a", "b", "a", "c", "b", "c", "a"]
    with idset.DuplicateIds(budget=0) as dupes:
        for start in range(0, len(ids), 2):  # chunks of two rows, rows 2, 3, 4 …
            chunk = ids[start : start + 2]
            hashes = np.full(len(chunk), 42, dtype=np.int64)
            rows = np.arange(start + 2, start + 2 + len(chunk), dtype=np.int64)
            assert dupes.add(hashes[:1], rows[:1]).tolist() == [idset.SPILLED]
            text = "".join(chunk).encode()
            dupes.spill(
                hashes,
                rows,
                text,
                np.arange(len(chunk), dtype=np.int64),
                np.ones(len(chunk), dtype=np.int64),
            )
        assert dupes.directory is not None
        found = sorted(dupes.finish())
    assert found == [(4, 2, "a"), (6, 3, "b"), (7, 5, "c"), (8, 2, "a")]
    assert dupes.directory is None


def test_hash_table_keeps_the_first_row():
    rng = np.random.default_rng(3)
    table = idset.HashTable(capacity=16)
    ref: dict[int, int] = {}
    row = 2
    for _ in range(200):
        # Small numbers crowd a few slots: long probe runs and growth.
        batch = np.unique(rng.integers(1, 4000, rng.integers(1, 300), dtype=np.int64))
        rows = np.arange(row, row + len(batch), dtype=np.int64)
        row += len(batch)
        assert table.find(batch).tolist() == [ref.get(int(v), idset.NEW) for v in batch]
        got = table.add(batch, rows)
        assert got.tolist() == [ref.get(int(v), idset.NEW) for v in batch]
        for v, r in zip(batch.tolist(), rows.tolist(), strict=True):
            ref.setdefault(v, r)
    assert table.size == len(ref)


def _cell_issue(row: int, column: str, code: str = "pattern") -> Issue:
    return Issue(code, "error", row, column, f"v{row}")


def test_report_keeps_the_lowest_rows_whatever_the_order():
    columns = ["ID", "名称", "緯度"]
    issues = [_cell_issue(r, c) for r in range(2, 400) for c in columns if (r * len(c)) % 3]
    issues += [Issue("provisional_schema", "warning", None), Issue("file_name", "warning", None)]
    issues += [Issue("pattern", "warning", r, "名称", "x") for r in range(300, 2, -7)]
    in_order = Report(max_errors=25)
    for i in issues:
        in_order.add(i)
    in_order.sort()
    errors = [i for i in issues if i.severity == "error"]
    lowest = sorted(errors, key=lambda i: (i.row, i.column))[:25]
    assert in_order.errors == lowest
    warnings = [i for i in issues if i.severity == "warning"]
    assert in_order.warnings[:2] == warnings[:2]  # no row: first, in the order added
    for seed in range(5):
        # File-level issues come first, in the order they were found; the others in any.
        shuffled = [i for i in issues if i.row is not None]
        random.Random(seed).shuffle(shuffled)
        shuffled = [i for i in issues if i.row is None] + shuffled
        report = Report(max_errors=25)
        for i in shuffled:
            report.add(i)
        report.sort()
        assert report.errors == lowest
        assert report.warnings == in_order.warnings
        assert report.error_count == len(errors) and report.warning_count == len(warnings)
        assert len(report.to_dict()["errors"]) == 25


_ID_TEXT = st.text(st.sampled_from([*"aZ09-_", "髙", "𠮷", "\x00"]), max_size=80)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ID_TEXT, max_size=30), st.sampled_from([0, 1, 64, 65, 300]))
def test_an_id_has_one_hash_whatever_its_neighbours(values, long):
    """Each way of hashing (a matrix of equal lengths, of padded ones, one pass over longer
    values, BLAKE2b past 256 bytes) gives an ID the hash it has alone; different IDs differ."""
    values = [*values, "x" * long]
    together = idset.hash_texts(values).tolist()
    assert together == [int(idset.hash_texts([v])[0]) for v in values]
    by_text = dict(zip(values, together, strict=True))
    assert len(set(by_text.values())) == len(by_text)


def test_id_hashes_are_the_same_in_every_process():
    """Unlike hash(), so a worker started any way agrees with the parent."""
    import json
    import os
    import subprocess
    import sys

    values = ["452025AED0000001", "ID 9", "髙橋", "", "y" * 70, "z" * 300]
    code = (
        "import json, sys; from kanmin.standards.idset import hash_texts; "
        "print(json.dumps(hash_texts(json.loads(sys.argv[1])).tolist()))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(values)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(out.stdout) == idset.hash_texts(values).tolist()
