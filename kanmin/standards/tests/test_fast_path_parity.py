"""The fast path (file mapped by the parent, chunks read by worker processes, Arrow
pre-screen) reports exactly what the exact path reports (one process, no Arrow, records
checked one by one), on files with many kinds of defects, in UTF-8 and CP932; unreadable
files fail the same way on both."""

from __future__ import annotations

import io
import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from kanmin.standards import arrow_path
from kanmin.standards.checks import has_suspicious
from kanmin.standards.idset import HashTable
from kanmin.standards.report import Report
from kanmin.standards.tests.factories import aed_rows, csv_bytes
from kanmin.standards.tests.helpers import finding_keys
from kanmin.standards.validate import validate

# (column, bad value): cells with and without quotes, line breaks, characters to flag.
_DEFECTS = [
    ("緯度", "3.5"),
    ("緯度", "４５．１"),
    ("経度", "200"),
    ("開始時間", "8:30"),
    ("開始時間", "９時"),
    ("終了時間", "25:00"),
    ("電話番号", "(0986)23-2111"),
    ("電話番号", "０９８６－２３－２１１１"),
    ("郵便番号", "8858555"),
    ("小児対応設備の有無", "あり"),
    ("名称", ""),
    ("名称", "\u3000"),
    ("名称", "市民会館①"),
    ("名称", "𠮷野家"),
    ("名称", "=1+1"),
    ("名称", "#REF!"),
    ("名称", " 先頭に空白"),
    ("名称", "a\x01b"),
    ("名称", "か\u3099"),
    ("名称", "髙橋"),
    ("名称", "市民\n会館"),  # quoted, two lines: that chunk takes the exact path
    ("名称", 'ダブル"クォート'),
    ("名称_カナ", "ｼﾔｸｼｮ"),
    ("名称_英字", "Ｃｉｔｙ"),
    ("全国地方公共団体コード", "452026"),
    ("全国地方公共団体コード", "４５２０２５"),
    ("地方公共団体名", "東京都千代田区"),
    ("高度の値", "B1"),
    ("高度の値", "-5"),
    ("URL", "www.example.jp"),
    ("URL", "https://example.jp/\u3000a"),
    ("法人番号", "1000020452025"),
    ("利用可能曜日", "月火；水"),
    ("連絡先メールアドレス", "a@"),
    ("設置位置", "1階,ロビー"),
]


def _encodable(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _defective_rows(
    n: int, seed: int, encoding: str = "utf-8"
) -> tuple[list[str], list[list[str]]]:
    header, rows = aed_rows(n)
    rnd = random.Random(seed)
    i = header.index
    defects = [d for d in _DEFECTS if _encodable(d[1], encoding)]
    for r in range(0, n, 7):
        col, value = defects[rnd.randrange(len(defects))]
        rows[r][i(col)] = value
    for r in range(3, n, 97):  # duplicate IDs, within a chunk and across chunks
        rows[r][i("ID")] = rows[rnd.randrange(r)][i("ID")]
    for r in range(5, n, 131):
        rows[r][i("緯度")], rows[r][i("経度")] = rows[r][i("経度")], rows[r][i("緯度")]
    rows[11][i("ID")] = ""
    rows[12][i("ID")] = ""
    return header, rows


def _exact(data: bytes, monkeypatch: pytest.MonkeyPatch) -> Report:
    with monkeypatch.context() as m:
        m.setattr(arrow_path, "available", lambda: False)
        return validate(io.BytesIO(data), "aed", workers=1, chunk_size=1 << 30)


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_fast_path_reports_exactly_what_the_exact_path_reports(tmp_path, monkeypatch, encoding):
    header, rows = _defective_rows(1500, seed=3, encoding=encoding)
    data = csv_bytes(header, rows, encoding)
    # A blank row and a ragged row: their chunk goes the exact way inside the fast path too.
    data += b"," * (len(header) - 1) + b"\r\n" + csv_bytes(header[:0], [rows[0][:-3]], encoding)
    path = tmp_path / "452025_aed.csv"
    path.write_bytes(data)
    fast = validate(path, "aed", workers=2, chunk_size=16 * 1024)
    exact = _exact(data, monkeypatch)
    assert fast.rows == exact.rows == len(rows) + 3  # with an empty line before the ragged row
    assert fast.error_count == exact.error_count and fast.warning_count == exact.warning_count
    assert finding_keys(fast) == finding_keys(exact)
    codes = {e.code for e in exact.errors} | {w.code for w in exact.warnings}
    assert {
        "duplicate_id",
        "latlon_swapped",
        "platform_dependent",
        "halfwidth_katakana",
        "blank_row",
        "ragged_row",
        "formula_injection",
        "control_character",
        "lg_code_name_mismatch",
    } <= codes
    # Both ways were taken inside the fast path: chunks Arrow reads, and chunks it cannot.
    from kanmin.standards.reader import open_source
    from kanmin.standards.validate import prepare

    src = open_source(path)
    src.chunk_size = 16 * 1024
    checker = prepare(src.header, "aed", Report())
    enc = "cp932" if encoding == "cp932" else "utf-8"
    taken = [arrow_path.check_chunk_arrow(checker, c, enc, ",") is not None for c in src.chunks()]
    src.close()
    assert True in taken and False in taken


def test_fast_path_fails_like_the_exact_path_on_unreadable_files(tmp_path, monkeypatch):
    header, rows = aed_rows(600)
    good = csv_bytes(header, rows)
    cases = {
        "nul": good[: len(good) // 2] + b"\x00" + good[len(good) // 2 :],
        "mixed": good + csv_bytes(header[:0], [["都城市"] * len(header)], "cp932"),
        "quote": good + b'"open' + b",x" * (len(header) - 1) + b"\r\n",
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        fast = validate(path, "aed", workers=2, chunk_size=8 * 1024)
        exact = _exact(data, monkeypatch)
        assert fast.fatal is not None and exact.fatal is not None, name
        assert fast.fatal.code == exact.fatal.code, name
        if name == "quote":  # the row where the unfinished chunk starts: before the quote
            assert fast.fatal.row is not None and exact.fatal.row is not None
            assert exact.fatal.row <= fast.fatal.row <= len(rows) + 2
        else:
            assert fast.fatal.row == exact.fatal.row, name


def test_id_hash_set_agrees_with_a_python_set():
    rng = np.random.default_rng(7)
    seen = HashTable(capacity=16)
    ref: set[int] = set()
    for _ in range(300):
        # Small numbers crowd a few slots, so long probe runs and growth are exercised.
        batch = np.unique(rng.integers(-3000, 3000, rng.integers(1, 400), dtype=np.int64))
        before = seen.add_unique(batch)
        expected = [int(v) in ref or (int(v) in (0, 1) and bool(ref & {0, 1})) for v in batch]
        assert before.tolist() == expected
        ref.update(int(v) for v in batch)


def test_suspicious_rows_agree_with_the_character_policy():
    import pyarrow as pa

    rnd = random.Random(11)
    alphabet = ["a", "あ", "漢", "①", "ｱ", "髙", "𠮷", "\x01", "\u3099", "\ue000", " ", "-"]
    values = ["".join(rnd.choices(alphabet, k=rnd.randrange(0, 80))) for _ in range(3000)]
    values += ["あ" * 70 + "𠮷", "a" * 100, "①" + "a" * 100]  # long: the astral shortcut
    arr = pa.array(values, pa.string()).slice(1)  # an offset into the buffers too
    rows = arrow_path._suspicious_rows(arr).tolist()
    assert rows == [i for i, v in enumerate(values[1:]) if has_suspicious(v)]


def test_mapped_source_covers_the_file(tmp_path):
    """The chunks cut from the memory map are whole records and cover every byte."""
    from kanmin.standards.reader import open_source

    header, rows = _defective_rows(400, seed=5)
    data = csv_bytes(header, rows)
    path = Path(tmp_path / "a.csv")
    path.write_bytes(data)
    src = open_source(path)
    src.chunk_size = 2048
    with src.mapped() as mm:
        assert mm is not None
        spans = list(src.spans(mm))
    src.close()
    assert spans[0][0] == data.index(b"\n") + 1 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for start, end in spans:
        assert data[end - 1 : end] == b"\n" and data[start:end].count(b'"') % 2 == 0
