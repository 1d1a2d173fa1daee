# ruff: noqa: E501 - the XML of an .xlsx package is kept on one line per element
"""Issue #12 benchmark: the background worker's memory after a batch of hostile uploads.

    .venv/bin/python benchmarks/bench_worker_memory.py [--worker both|db_worker|core_worker]
        [--bomb-mb 1500] [--big-mb 50] [--columns 300000]

Builds four hostile files (nobody's data):

- ``zipbomb.xlsx``: a workbook whose one sheet is ``--bomb-mb`` MB of XML compressed to a few MB;
- ``entitybomb.xlsx``: a workbook whose shared strings declare nested XML entities
  ("billion laughs") and whose cells use them;
- ``wide.csv``: a header of ``--columns`` columns and three rows;
- ``big.csv``: ``--big-mb`` MB of AED-like rows.

For each worker, on a throw-away instance (its own SQLite file and data folder): migrates,
adds 都城市, starts the worker (``db_worker``: django_tasks_db's, as ``kanmin serve`` ran it
before; ``core_worker``: Kanmin's, one child process per task under KANMIN_TASK_MEMORY_MB),
uploads the four files to one dataset (each upload queues a check), and samples every 50 ms
the resident memory (RSS) of the worker and every process it started, until every check is
finished. Prints one JSON object per worker: RSS when idle before the batch, the peak, the
RSS after each file and after the batch, and each check's outcome; then the before/after
ratio. Linux only (/proc). Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """RSS of a process and its descendants, in bytes (as kanmin.core.worker measures it)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, []))
    return total


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _workbook(path: Path, sheet_parts: Any, shared: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/sharedStrings.xml", shared)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for part in sheet_parts:
                out.write(part)


def zip_bomb(path: Path, megabytes: int) -> None:
    """Rows of five number cells, repeated to ``megabytes`` of XML."""
    row = "".join(f'<c t="n"><v>{n}</v></c>' for n in range(10000, 10005))
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
        'uniqueCount="0"></sst>'
    )

    def parts() -> Any:
        yield SHEET_HEAD.encode()
        header = "".join(f'<c t="inlineStr"><is><t>c{n}</t></is></c>' for n in range(5))
        yield f'<row r="1">{header}</row>'.encode()
        written, r = 0, 2
        while written < megabytes * MB:
            block = "".join(f'<row r="{r + i}">{row}</row>' for i in range(10000)).encode()
            r += 10000
            written += len(block)
            yield block
        yield SHEET_TAIL.encode()

    _workbook(path, parts(), shared)


def entity_bomb(path: Path) -> None:
    """Shared strings with nested entities: ten levels of ten, 10^9 "lol"s if expanded."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<!DOCTYPE sst [{''.join(levels)}]>"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        'uniqueCount="2"><si><t>name</t></si><si><t>&lol9;</t></si></sst>'
    )
    sheet = (
        SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>' + SHEET_TAIL
    )
    _workbook(path, [sheet.encode()], shared)


def wide_csv(path: Path, columns: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(f"列{n}" for n in range(columns)) + "\r\n")
        for r in range(3):
            out.write(",".join(str(r) for _ in range(columns)) + "\r\n")


def big_csv(path: Path, megabytes: int) -> None:
    from kanmin.standards.tests.factories import aed_rows, csv_bytes

    header, rows = aed_rows(2000)
    body = csv_bytes(header, rows)
    first, _, rest = body.partition(b"\r\n")
    with path.open("wb") as out:
        out.write(first + b"\r\n")
        while out.tell() < megabytes * MB:
            out.write(rest)


def build(folder: Path, args: argparse.Namespace) -> list[Path]:
    files = [
        folder / "zipbomb.xlsx",
        folder / "entitybomb.xlsx",
        folder / "wide.csv",
        folder / "big.csv",
    ]
    zip_bomb(files[0], args.bomb_mb)
    entity_bomb(files[1])
    wide_csv(files[2], args.columns)
    big_csv(files[3], args.big_mb)
    return files


def kanmin() -> str:
    return shutil.which("kanmin") or str(ROOT / ".venv/bin/kanmin")


UPLOAD = """
from django.core.files.uploadedfile import SimpleUploadedFile
from kanmin.catalog import services
from kanmin.core.models import Municipality
m = Municipality.objects.get(lg_code="452025")
org = services.organization_create(municipality=m, actor=None, name="bench", title_ja="検証")
ds = services.dataset_create(municipality=m, actor=None, organization=org, name="hostile",
    title_ja="悪意のあるファイル", state="published")
for path in {paths!r}:
    with open(path, "rb") as fh:
        services.resource_create(municipality=m, actor=None, dataset=ds,
            upload=SimpleUploadedFile(path.rsplit("/", 1)[-1], fh.read()))
"""


def run(kind: str, files: list[Path], work: Path, max_seconds: float) -> dict[str, Any]:
    folder = work / kind
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    db = folder / "kanmin.sqlite3"
    env.update(
        KANMIN_PROFILE="dev",
        KANMIN_DATA_DIR=str(folder),
        KANMIN_DATABASE_URL=f"sqlite:///{db}",
        KANMIN_UPLOAD_MAX_BYTES=str(1024 * MB),
    )
    subprocess.run([kanmin(), "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([kanmin(), "tenant", "add", "452025", "都城市"], env=env, check=True)
    worker = subprocess.Popen(
        [kanmin(), kind, "--interval", "0.2", "--no-reload", "-v", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(5)  # started and idle
        idle = tree_rss(worker.pid)
        subprocess.run(
            [kanmin(), "shell", "-c", UPLOAD.format(paths=[str(f) for f in files])],
            env=env,
            check=True,
        )
        peak, after_each, finished = idle, [], 0
        started = time.monotonic()
        while finished < len(files) and time.monotonic() - started < max_seconds:
            used = tree_rss(worker.pid)
            peak = max(peak, used)
            with sqlite3.connect(db, timeout=30) as conn:
                done = conn.execute(
                    "SELECT count(*) FROM catalog_validation WHERE status IN ('done', 'failed')"
                ).fetchone()[0]
            while finished < done:
                finished += 1
                after_each.append(round(tree_rss(worker.pid) / MB))
            if worker.poll() is not None:
                raise SystemExit(f"{kind} exited with {worker.returncode}")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        if finished == len(files):
            time.sleep(1)
        after = tree_rss(worker.pid)
        with sqlite3.connect(db) as conn:
            outcomes = conn.execute(
                "SELECT r.file, v.status, v.failure_reason, v.error_count "
                "FROM catalog_validation v JOIN catalog_resource r ON r.id = v.resource_id "
                "ORDER BY v.created"
            ).fetchall()
    finally:
        # A worker in the middle of a check finishes it before it stops: at the deadline it
        # is killed (with the check's process, for core_worker: it dies with its worker).
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=60)
    return {
        "worker": kind,
        "idle_rss_mb": round(idle / MB),
        "peak_rss_mb": round(peak / MB),
        "rss_after_each_file_mb": dict(zip([f.name for f in files], after_each, strict=False)),
        "rss_after_batch_mb": round(after / MB),
        "seconds": round(seconds, 1),
        "unfinished_checks_at_the_deadline": len(files) - finished,
        "checks": [
            {"file": f.rsplit("/", 1)[-1], "status": s, "failure_reason": why, "errors": n}
            for f, s, why, n in outcomes
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=["both", "db_worker", "core_worker"], default="both")
    parser.add_argument("--bomb-mb", type=int, default=1500)
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--columns", type=int, default=300_000)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=900,
        help="stop waiting for a worker's checks after this long (the 300,000-column header "
        "takes db_worker hours: about 54 ms a column in the CSV reader, 2026-12-03)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanmin.settings")
    with tempfile.TemporaryDirectory(prefix="kanmin-bench-memory-") as tmp:
        work = Path(tmp)
        files = build(work, args)
        sizes = {f.name: round(f.stat().st_size / MB, 2) for f in files}
        kinds = ["db_worker", "core_worker"] if args.worker == "both" else [args.worker]
        results = []
        for kind in kinds:
            results.append(run(kind, files, work, args.max_seconds))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    report: dict[str, Any] = {"files_mb": sizes, "runs": results}
    if len(results) == 2:
        before, after = results
        report["after_batch_ratio"] = round(
            after["rss_after_batch_mb"] / max(1, before["rss_after_batch_mb"]), 3
        )
        report["peak_ratio"] = round(after["peak_rss_mb"] / max(1, before["peak_rss_mb"]), 3)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
