"""Issue #3 benchmark: validating an AED-shaped file, Kanmin vs frictionless-py vs DuckDB.

    .venv/bin/python benchmarks/bench_standards_validate.py [--rows 1000000] [--keep DIR]
        [--skip-frictionless] [--memory-max-errors 1000] [--repeat 3] [--big-gb 2]

Generates an AED file (current 定義書A layout, 37 columns) with ``--rows`` rows in UTF-8 and
CP932, with 0.1 % bad cells, then in the same run:

* Kanmin: ``kanmin.standards.validate(path, "aed")`` (all errors kept, both cores);
* frictionless-py 5.x: ``frictionless validate --limit-errors 0 --trusted --schema aed.json
  --encoding …`` (the schema already carries ``"format": "%H:%M"`` on time fields);
* DuckDB: a bare typed ``read_csv`` of the UTF-8 file (the floor; DuckDB's encodings
  extension is not used for CP932, see the issue);
  Kanmin and DuckDB run ``--repeat`` times in turns on the UTF-8 file, and the floor ratio is
  the ratio of their median times (each run is listed too); both are timed with their
  libraries already loaded;
* peak memory (PSS of the process and its workers) of Kanmin at 100k rows and at ``--rows``,
  with every issue kept and with ``--memory-max-errors`` kept (1000, the catalog's setting);
* with ``--big-gb 2``: the time and peak memory of Kanmin on a generated file that large;
* the overlap of the errors found by Kanmin and frictionless where their rules overlap.

Prints one JSON object with the figures and the ratios. Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BAD_RATE = 0.001

MUNICIPALITIES = [
    ("452025", "宮崎県都城市", "宮崎県", "都城市", "0986"),
    ("131016", "東京都千代田区", "東京都", "千代田区", "03"),
    ("011002", "北海道札幌市", "北海道", "札幌市", "011"),
]
PLACES = [
    "市役所",
    "市民会館",
    "体育館",
    "公民館",
    "図書館",
    "小学校",
    "中学校",
    "コミュニティセンター",
]
PLACES_KANA = [
    "シヤクショ",
    "シミンカイカン",
    "タイイクカン",
    "コウミンカン",
    "トショカン",
    "シヨウガツコウ",
    "チユウガツコウ",
    "コミユニテイセンター",
]
PLACES_EN = [
    "City Hall",
    "Civic Hall",
    "Gymnasium",
    "Community Hall",
    "Library",
    "Elementary School",
    "Junior High School",
    "Community Center",
]
TOWNS = ["姫城町", "中町", "上町", "早鈴町", "蔵原町", "北原町", "松元町", "吉尾町"]
POSITIONS = ["1階ロビー", "正面玄関", "事務室前", "2階廊下", "体育館入口", "職員室"]
DAYS = ["月火水木金", "月火水木金土", "月火水木金土日", "土日祝"]


def _schema():
    from kanmin.standards.schemas import get_schema

    return get_schema("aed")


def generate(path: Path, rows: int, seed: int = 20261126) -> dict[str, int]:
    """Write the UTF-8 file; return counts of the bad cells written, by kind."""
    rnd = random.Random(seed)
    names = list(_schema().field_names)
    idx = {n: i for i, n in enumerate(names)}
    ncols = len(names)
    bad_cells = max(1, int(rows * ncols * BAD_RATE))
    bad_rows = {rnd.randrange(rows) for _ in range(bad_cells)}
    kinds = [
        "lat",
        "swap",
        "time",
        "phone",
        "postal",
        "enum",
        "required",
        "hwkana",
        "pd",
        "lgcode",
        "number",
        "url",
        "corp",
        "dup",
    ]
    counts = dict.fromkeys(kinds, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(names) + "\r\n")
        buf: list[str] = []
        for r in range(rows):
            code, lgname, pref, city, area = MUNICIPALITIES[r % 97 % 3]
            k = rnd.randrange(len(PLACES))
            town = TOWNS[r % len(TOWNS)]
            row = [""] * ncols
            row[idx["全国地方公共団体コード"]] = code
            row[idx["ID"]] = f"{code}AED{r:07d}"
            row[idx["地方公共団体名"]] = lgname
            row[idx["名称"]] = f"{city}{town}{PLACES[k]}"
            row[idx["名称_カナ"]] = PLACES_KANA[k]
            row[idx["名称_英字"]] = PLACES_EN[k]
            row[idx["所在地_全国地方公共団体コード"]] = code
            row[idx["所在地_連結表記"]] = f"{lgname}{town}{r % 40 + 1}-{r % 17 + 1}"
            row[idx["所在地_都道府県"]] = pref
            row[idx["所在地_市区町村"]] = city
            row[idx["所在地_町字"]] = town
            row[idx["所在地_番地以下"]] = f"{r % 40 + 1}-{r % 17 + 1}"
            row[idx["緯度"]] = f"{31.5 + rnd.random() * 12:.6f}"
            row[idx["経度"]] = f"{130.5 + rnd.random() * 12:.6f}"
            if r % 5 == 0:
                row[idx["高度の種別"]] = "階数"
                row[idx["高度の値"]] = str(r % 3 + 1)
            row[idx["設置位置"]] = POSITIONS[r % len(POSITIONS)]
            row[idx["電話番号"]] = f"{area}-{rnd.randrange(10, 99)}-{rnd.randrange(1000, 9999)}"
            row[idx["郵便番号"]] = f"885-{rnd.randrange(0, 9999):04d}"
            row[idx["利用可能曜日"]] = DAYS[r % len(DAYS)]
            row[idx["開始時間"]] = "08:30"
            row[idx["終了時間"]] = "17:15"
            row[idx["小児対応設備の有無"]] = "有" if r % 2 else "無"
            if r % 10 == 0:
                row[idx["URL"]] = f"https://www.city.example.lg.jp/aed/{r}.html"
            if r in bad_rows:
                kind = kinds[rnd.randrange(len(kinds))]
                counts[kind] += 1
                if kind == "lat":
                    row[idx["緯度"]] = "3.5"
                elif kind == "swap":
                    row[idx["緯度"]], row[idx["経度"]] = row[idx["経度"]], row[idx["緯度"]]
                elif kind == "time":
                    row[idx["開始時間"]] = "8:30"
                elif kind == "phone":
                    row[idx["電話番号"]] = f"({area})23-2111"
                elif kind == "postal":
                    row[idx["郵便番号"]] = "8858555"
                elif kind == "enum":
                    row[idx["小児対応設備の有無"]] = "あり"
                elif kind == "required":
                    row[idx["名称"]] = ""
                elif kind == "hwkana":
                    row[idx["名称_カナ"]] = "ｼﾔｸｼｮ"
                elif kind == "pd":
                    row[idx["名称"]] += "①"
                elif kind == "lgcode":
                    row[idx["全国地方公共団体コード"]] = code[:5] + str((int(code[5]) + 1) % 10)
                elif kind == "number":
                    row[idx["高度の種別"]] = "階数"
                    row[idx["高度の値"]] = "B1"
                elif kind == "url":
                    row[idx["URL"]] = "www.city.example.lg.jp"
                elif kind == "corp":
                    row[idx["法人番号"]] = "1000020452025"
                elif kind == "dup":
                    prev = MUNICIPALITIES[max(r - 1, 0) % 97 % 3][0]
                    row[idx["ID"]] = f"{prev}AED{max(r - 1, 0):07d}"
            buf.append(",".join(row))
            if len(buf) >= 10_000:
                out.write("\r\n".join(buf) + "\r\n")
                buf = []
        if buf:
            out.write("\r\n".join(buf) + "\r\n")
    return counts


def to_cp932(src: Path, dst: Path) -> None:
    with src.open("r", encoding="utf-8", newline="") as i, dst.open("wb") as o:
        while True:
            block = i.read(4 * 1024 * 1024)
            if not block:
                break
            o.write(block.encode("cp932"))


# ------------------------------------------------------------------------------------------


def _pss_tree(pid: int) -> int:
    """Proportional set size (bytes) of ``pid`` and its descendants."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


_KANMIN_CHILD = """
import json, resource, sys, time
from kanmin.standards.validate import validate
# The libraries are loaded before the clock starts, as DuckDB's are (its import and connect
# are outside its timing): a validating process loads them once, not for every file.
import pyarrow.compute, pyarrow.csv
cap = int(sys.argv[3]) if len(sys.argv) > 3 else None
def cpu():
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once the pool is shut
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
t, c = time.perf_counter(), cpu()
r = validate(sys.argv[1], "aed", max_errors=cap)
elapsed, cpu_s = time.perf_counter() - t, cpu() - c
cells = sorted({(e.row, e.column, e.code) for e in r.errors}, key=str)
json.dump({"seconds": elapsed, "cpu_seconds": cpu_s, "rows": r.rows, "errors": r.error_count,
           "warnings": r.warning_count, "encoding": r.encoding, "cells": cells},
          open(sys.argv[2], "w"), ensure_ascii=False)
"""


def run_kanmin(path: Path, workdir: Path, max_errors: int | None = None) -> dict[str, object]:
    """Run Kanmin in a child process, sampling its memory (PSS, with workers) every 20 ms.
    ``max_errors``: issues kept in the report (None: all, as for the speed figures)."""
    out = workdir / f"kanmin-{path.name}.json"
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "kanmin.settings")
    cmd = [sys.executable, "-c", _KANMIN_CHILD, str(path), str(out)]
    if max_errors is not None:
        cmd.append(str(max_errors))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _pss_tree(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"kanmin child failed with {proc.returncode}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["peak_mb"] = round(peak / 1e6, 1)
    return result


def _children_cpu() -> float:
    import resource

    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run_frictionless(path: Path, schema_path: Path, encoding: str) -> dict[str, object]:
    exe = Path(sys.executable).with_name("frictionless")
    cmd = [
        str(exe),
        "validate",
        "--limit-errors",
        "0",
        "--trusted",
        "--schema",
        str(schema_path),
        "--encoding",
        encoding,
        "--json",
        str(path),
    ]
    t, c = time.perf_counter(), _children_cpu()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed, cpu_s = time.perf_counter() - t, _children_cpu() - c
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"seconds": elapsed, "error": (p.stderr or p.stdout)[-2000:]}
    task = data["tasks"][0]
    cells = {(e.get("rowNumber"), e.get("fieldName")) for e in task["errors"]}
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu_s,
        "rows": task["stats"].get("rows"),
        "errors": len(task["errors"]),
        "cells": sorted(cells, key=str),
    }


_DUCK_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "time": "VARCHAR",
    "date": "DATE",
}


def run_duckdb(path: Path) -> dict[str, object]:
    import duckdb

    columns = {f.name: _DUCK_TYPES.get(f.type, "VARCHAR") for f in _schema().fields}
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    options = "ignore_errors=true, auto_detect=false, delim=',', quote='\"'"
    source = f"read_csv('{path}', header=true, columns={cols}, {options})"
    sql = "CREATE TABLE t AS SELECT * FROM " + source  # noqa: S608  (our own schema)
    t, c = time.perf_counter(), time.process_time()
    con.execute(sql)
    elapsed, cpu_s = time.perf_counter() - t, time.process_time() - c
    n = con.execute("SELECT count(*) FROM t").fetchone()
    return {"seconds": elapsed, "cpu_seconds": cpu_s, "rows_loaded": n[0] if n else 0}


def _median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run with the median time (the lower middle one of an even number)."""
    ordered = sorted(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--memory-rows", type=int, default=100_000, help="small size for memory")
    ap.add_argument("--keep", type=Path, default=None, help="keep generated files here")
    ap.add_argument("--skip-frictionless", action="store_true")
    ap.add_argument(
        "--memory-max-errors",
        type=int,
        default=1000,
        help="issues kept in the memory runs (the catalog keeps 1000 findings a file)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of Kanmin and DuckDB on the UTF-8 file, taken in turns; medians compared",
    )
    ap.add_argument(
        "--big-gb",
        type=float,
        default=0,
        help="also generate a file of this many GB and report Kanmin's time and peak memory",
    )
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanmin.settings")

    tmp = tempfile.TemporaryDirectory(prefix="kanmin-bench-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    schema_path = work / "aed.json"
    schema_path.write_text(json.dumps(_schema().to_descriptor(), ensure_ascii=False), "utf-8")

    res: dict[str, object] = {"rows": args.rows, "bad_cell_rate": BAD_RATE, "cpus": os.cpu_count()}
    utf8, cp932 = work / "131016_aed.csv", work / "131016_aed_cp932.csv"
    t = time.perf_counter()
    res["bad_cells_written"] = generate(utf8, args.rows)
    to_cp932(utf8, cp932)
    res["generate_seconds"] = round(time.perf_counter() - t, 1)
    res["file_mb"] = round(utf8.stat().st_size / 1e6, 1)

    small = work / "131016_aed_small.csv"
    generate(small, args.memory_rows)

    # Kanmin and DuckDB in turns, several times: on a shared machine one run of either can
    # be 30 % off, and the floor ratio compares medians.
    k_runs, d_runs = [], []
    for _ in range(max(args.repeat, 1)):
        d_runs.append(run_duckdb(utf8))
        k_runs.append(run_kanmin(utf8, work))
    k_utf8, duck = _median_run(k_runs), _median_run(d_runs)
    k_cp932 = run_kanmin(cp932, work)
    k_small = run_kanmin(small, work)
    cap = args.memory_max_errors
    m_small = run_kanmin(small, work, max_errors=cap)
    m_full = run_kanmin(utf8, work, max_errors=cap)
    out: dict[str, object] = {
        "kanmin_utf8": {k: v for k, v in k_utf8.items() if k != "cells"},
        "kanmin_cp932": {k: v for k, v in k_cp932.items() if k != "cells"},
        "peak_mb_all_errors_kept": {
            str(args.memory_rows): k_small["peak_mb"],
            str(args.rows): k_utf8["peak_mb"],
        },
        f"peak_mb_max_errors_{cap}": {
            str(args.memory_rows): m_small["peak_mb"],
            str(args.rows): m_full["peak_mb"],
        },
        "duckdb_bare_typed_utf8": duck,
        "runs_in_turn_utf8": {
            "kanmin_seconds": [round(float(r["seconds"]), 3) for r in k_runs],  # type: ignore[arg-type]
            "duckdb_seconds": [round(float(r["seconds"]), 3) for r in d_runs],  # type: ignore[arg-type]
            "kanmin_over_duckdb_each": [
                round(float(k["seconds"]) / float(d["seconds"]), 2)  # type: ignore[arg-type]
                for k, d in zip(k_runs, d_runs, strict=True)
            ],
        },
    }
    rows = args.rows
    ratios: dict[str, float] = {
        "kanmin_rows_per_s_utf8": round(rows / float(k_utf8["seconds"])),  # type: ignore[arg-type]
        "kanmin_rows_per_s_cp932": round(rows / float(k_cp932["seconds"])),  # type: ignore[arg-type]
        "duckdb_rows_per_s_utf8": round(rows / float(duck["seconds"])),  # type: ignore[arg-type]
        "kanmin_time_over_duckdb_utf8": round(
            float(k_utf8["seconds"]) / float(duck["seconds"]),
            2,  # type: ignore[arg-type]
        ),
    }
    if not args.skip_frictionless:
        f_utf8 = run_frictionless(utf8, schema_path, "utf-8")
        f_cp932 = run_frictionless(cp932, schema_path, "cp932")
        out["frictionless_utf8"] = {k: v for k, v in f_utf8.items() if k != "cells"}
        out["frictionless_cp932"] = {k: v for k, v in f_cp932.items() if k != "cells"}
        for enc, f in (("utf8", f_utf8), ("cp932", f_cp932)):
            if "error" in f:
                continue
            k = k_utf8 if enc == "utf8" else k_cp932
            ratios[f"frictionless_rows_per_s_{enc}"] = round(rows / float(f["seconds"]))  # type: ignore[arg-type]
            ratios[f"kanmin_over_frictionless_{enc}"] = round(
                float(f["seconds"]) / float(k["seconds"]),
                1,  # type: ignore[arg-type]
            )
        if "error" not in f_utf8:
            f_cells = {tuple(c) for c in f_utf8["cells"]}  # type: ignore[union-attr]
            k_cells = {(c[0], c[1]) for c in k_utf8["cells"]}  # type: ignore[union-attr]
            out["same_errors"] = {
                "frictionless_cells": len(f_cells),
                "found_by_kanmin_too": len(f_cells & k_cells),
                "missed_by_kanmin": sorted(f_cells - k_cells, key=str)[:20],
                "kanmin_only_cells": len(k_cells - f_cells),
            }
    # The same comparisons in CPU seconds (every process and thread counted): on a shared
    # machine, other work slows the two-process run more than single-threaded frictionless.
    ratios["cpu_kanmin_time_over_duckdb_utf8"] = round(
        float(k_utf8["cpu_seconds"]) / float(duck["cpu_seconds"]),  # type: ignore[arg-type]
        2,
    )
    if not args.skip_frictionless:
        for enc, f in (("utf8", f_utf8), ("cp932", f_cp932)):
            if "error" in f:
                continue
            k = k_utf8 if enc == "utf8" else k_cp932
            ratios[f"cpu_kanmin_over_frictionless_{enc}"] = round(
                float(f["cpu_seconds"]) / float(k["cpu_seconds"]),  # type: ignore[arg-type]
                1,
            )
    ratios["peak_mb_growth_small_to_full"] = round(
        float(k_utf8["peak_mb"]) - float(k_small["peak_mb"]),
        1,  # type: ignore[arg-type]
    )
    ratios[f"peak_mb_growth_small_to_full_max_errors_{cap}"] = round(
        float(m_full["peak_mb"]) - float(m_small["peak_mb"]),  # type: ignore[arg-type]
        1,
    )
    if args.big_gb:
        big = work / "131016_aed_big.csv"
        row_bytes = utf8.stat().st_size / max(args.rows, 1)
        big_rows = int(args.big_gb * 1e9 / row_bytes)
        generate(big, big_rows)
        k_big = run_kanmin(big, work, max_errors=cap)
        out["kanmin_big"] = {
            "file_mb": round(big.stat().st_size / 1e6, 1),
            **{k: v for k, v in k_big.items() if k != "cells"},
        }
        big.unlink()
    out["ratios"] = ratios
    res.update(out)
    print(json.dumps(res, ensure_ascii=False, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
