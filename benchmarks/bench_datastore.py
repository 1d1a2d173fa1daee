# ruff: noqa: S608  (the statements are built from this file's own constants)
"""Issue #17 benchmark: the DataStore against a CKAN-style PostgreSQL DataStore table.

    .venv/bin/python benchmarks/bench_datastore.py --rows 200000       # quick look
    .venv/bin/python benchmarks/bench_datastore.py                     # 10,000,000 rows
        [--repeat 30] [--http-rows 100000] [--clients 16] [--duration 20]
        [--load-rows 1000000] [--pg-url postgres://postgres@127.0.0.1:5432]
        [--pg-db kanmin_bench_datastore] [--keep DIR]

One run (progress on stderr, one JSON object on stdout):

1. Generates a town table with Japanese text (町名 such as 山之口町3丁目, 区分, 施設名 such as
   高城公民館, 記録番号 such as 記録47924, 人口, 世帯数, 面積, 記録日, 備考 with words such as
   記録123, ホンマチ商店街, ﾎﾝﾏﾁ) with a fixed seed: ``--rows`` rows as a UTF-8 CSV (written
   once; with ``--keep`` reused by a later run), the first ``--http-rows`` as a UTF-8 CSV and
   the first ``--load-rows`` as a CP932 CSV. Nobody's data is used.
2. Kanmin: ``kanmin.catalog.datastore.load.build`` + ``publish`` (what the load task runs:
   decode, parse, type, fold ``_full_text``, write Parquet and fsync) of the ``--rows`` file.
   CKAN-style PostgreSQL (the peer), in its own database ``--pg-db`` (dropped at the end
   unless ``--keep``): the table as CKAN's DataStore creates it (``_id`` serial primary key,
   ``_full_text tsvector``, the typed columns, a GIN index on ``_full_text``, no other
   index), filled as xloader fills it: ``COPY``, then ``UPDATE … SET _full_text =
   to_tsvector(coalesce("c1", '') || ' ' || coalesce("c2"::text, '') …)`` (xloader's
   ``_populate_fulltext``), then the GIN index and ``ANALYZE``.
3. (a) two filters + sort + a page of 100 (``filters={"区分": …, "町名": …}``, ``sort="人口
   desc"``), ``--repeat`` times over a fixed list of filter values, one client, p50/p95:
   Kanmin through ``query.search`` (what ``datastore_search`` runs, including the JSON-ready
   records); the peer as CKAN's ``datastore_search`` queries: ``SELECT … WHERE "区分" = %s
   AND "町名" = %s ORDER BY "人口" desc LIMIT 100`` and ``SELECT count(*) … WHERE …`` (the
   total, include_total's default). (b) ``q=山之口`` with the total: Kanmin's folded
   substring search, the peer's ``_full_text @@ plainto_tsquery('english', …)``; both counts
   are printed (the tsquery finds nothing inside 山之口町). A ``q`` of three words, ``本町
   ﾎﾝﾏﾁ 記録``, and a filtered ``q`` are timed for Kanmin too. (c) ``SELECT "区分", count(*)
   … GROUP BY 1`` through ``datastore_search_sql`` (Kanmin's sandbox) and on PostgreSQL.
4. (d) Requests/s at ``--clients`` concurrent keep-alive clients for ``--duration`` seconds
   on the ``--http-rows`` table, query (a) with filter values cycled. Kanmin: the real HTTP
   API, ``kanmin serve`` (gunicorn, its default processes and threads) on a free port with a
   throw-away SQLite database, ``GET /m/452025/api/3/action/datastore_search``. The 60
   questions come round again and again, as an app's or a page's would: after the first
   round, Kanmin answers them from its cache of anonymous API answers (kept until a write
   of the catalog or a table; CKAN keeps none). So the run is made twice more: once with
   each request made new (``_=<a new number>``, as jQuery defeats caches), every answer
   computed from the table (``d_requests_every_answer_computed_kanmin_over_peer``); and
   ``status_show`` (no table: the server's ceiling for any API answer, printed as
   ``d_ceiling_status_show_over_peer``). The peer: the
   same gunicorn (same processes and threads) serving a thin WSGI app
   (``benchmarks/ckan_peer_wsgi.py``) that does what CKAN's action does minus CKAN: parse the
   same query string, run the two statements on a connection per thread (a pool of one per
   server thread), and answer the same JSON envelope. Both pay HTTP, Python and JSON; the
   peer pays none of CKAN's Flask, auth and validation, so its figure is an upper bound for
   CKAN (the issue measured CKAN 2.12 itself at 40 requests/s). Same Python client for both.
5. (e) Loading the ``--load-rows`` CP932 CSV: Kanmin's build + publish as in 2; the peer's
   CREATE TABLE + ``COPY … (ENCODING 'WIN932')`` (PostgreSQL decodes CP932 in C, cheaper than
   xloader's Python) + the ``_full_text`` UPDATE + GIN index + ANALYZE, as in 2.
6. Ratios against the issue's targets, each with PASS/FAIL: page p95 ≤ 50 ms at ``--rows``;
   requests/s ≥ 10× the peer's; group-by ≥ 10× faster; load ≥ 5× faster.

Not a test: nothing here runs in CI. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LG_CODE = "452025"
TOWNS = [
    "山之口町",
    "高崎町",
    "高城町",
    "山田町",
    "本町",
    "中町",
    "上町",
    "栄町",
    "早鈴町",
    "姫城町",
    "八幡町",
    "牟田町",
    "松元町",
    "北原町",
    "花繰町",
    "上長飯町",
    "年見町",
    "前田町",
    "都原町",
    "一万城町",
    "宮丸町",
    "妻ケ丘町",
    "東町",
    "蔵原町",
    "祝吉町",
    "郡元町",
    "南横市町",
    "乙房町",
]
KINDS = ["住宅", "商業", "工業", "農地", "公共", "その他"]
FACILITIES = [
    "公民館",
    "地区体育館",
    "小学校",
    "中学校",
    "児童公園",
    "集会所",
    "消防団詰所",
    "図書館分館",
    "保育所",
    "ｺﾐｭﾆﾃｨｾﾝﾀｰ",
]
NOTES = [
    "",
    "",
    "",
    "記録123",
    "ホンマチ商店街",
    "ほんまち通り",
    "ﾎﾝﾏﾁ",
    "ＡＢＣビル",
    "新築",
    "空き家",
]
HEADER = ["町名", "区分", "施設名", "記録番号", "人口", "世帯数", "面積", "記録日", "備考"]
TEXT_COLUMNS = {"町名", "区分", "施設名", "記録番号", "備考"}
PG_TYPES = {
    "町名": "text",
    "区分": "text",
    "施設名": "text",
    "記録番号": "text",
    "人口": "int4",
    "世帯数": "int4",
    "面積": "numeric",
    "記録日": "date",
    "備考": "text",
}
PG_TABLE = "bench_towns"
TOWN_BLOCKS = [f"{t}{n}丁目" for t in TOWNS for n in range(1, 10)]
# (a)'s filter values, cycled in the same order on both sides.
FILTERS = [(KINDS[i % len(KINDS)], TOWN_BLOCKS[(i * 37) % len(TOWN_BLOCKS)]) for i in range(60)]
SORT = "人口 desc"
TARGETS = {"page_p95_ms": 50.0, "requests_ratio": 10.0, "group_by_ratio": 10.0, "load_ratio": 5.0}


def say(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def rows_of(n: int, seed: int = 17) -> Iterator[tuple[Any, ...]]:
    """The same ``n`` rows for a seed: a shorter table is the start of a longer one."""
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(3651)]
    places = [f"{t.removesuffix('町')}{f}" for t in TOWNS for f in FACILITIES]
    pick = rng.randrange
    for _ in range(n):
        yield (
            TOWN_BLOCKS[pick(len(TOWN_BLOCKS))],
            KINDS[pick(len(KINDS))],
            places[pick(len(places))],
            f"記録{pick(1, 100_000)}",
            pick(5001),
            pick(2501),
            f"{pick(1, 100_000) / 100:.2f}",
            days[pick(len(days))],
            NOTES[pick(len(NOTES))],
        )


def generate(path: Path, rows: int, encoding: str = "utf-8") -> float:
    """Write the table once (a file already there is reused); seconds spent."""
    if path.exists():
        return 0.0
    t0 = time.perf_counter()
    temp = path.with_suffix(".part")
    with open(temp, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows_of(rows))
    temp.rename(path)
    return time.perf_counter() - t0


def percentiles(times_ms: list[float]) -> dict[str, float]:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "min_ms": round(ordered[0], 2),
        "max_ms": round(ordered[-1], 2),
        "runs": len(ordered),
    }


def timed(fn: Callable[[int], Any], repeat: int) -> tuple[dict[str, float], Any]:
    """``fn(i)`` ``repeat`` times (after one run not counted); percentiles and the last
    result."""
    result = fn(repeat)  # warm: the OS cache, DuckDB's metadata, PostgreSQL's buffers
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        result = fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times), result


# --------------------------------------------------------------------------------------------
# Kanmin
# --------------------------------------------------------------------------------------------


def kanmin_load(csv_path: Path, folder: Path) -> tuple[Path, list[dict[str, str]], float]:
    from kanmin.catalog.datastore import load

    t0 = time.perf_counter()
    built = load.build(csv_path, folder)
    final = load.publish(built, folder, 1)
    return final, built.fields, time.perf_counter() - t0


def kanmin_queries(path: Path, fields: list[dict[str, str]], repeat: int) -> dict[str, Any]:
    from kanmin.catalog.datastore import query
    from kanmin.catalog.datastore import sql as sandbox

    table = query.Table(path=path, fields=fields)

    def search(**data: Any) -> dict[str, Any]:
        return query.search(table, query.parse(data))

    def page(i: int) -> dict[str, Any]:
        kind, town = FILTERS[i % len(FILTERS)]
        return search(filters={"区分": kind, "町名": town}, sort=SORT, limit=100)

    out: dict[str, Any] = {}
    figures, r = timed(page, repeat)
    out["a_filters_sort_page"] = {**figures, "total": r["total"], "records": len(r["records"])}
    say(f"kanmin (a) {figures}")
    for name, data in (
        ("b_q_山之口", {"q": "山之口"}),
        ("q_three_words", {"q": "本町 ﾎﾝﾏﾁ 記録"}),
        ("q_with_filter", {"q": "ほんまち", "filters": {"区分": "住宅"}, "sort": SORT}),
        ("q_no_total", {"q": "山之口", "include_total": False}),
        ("default_page", {}),
    ):
        figures, r = timed(lambda _i, data=data: search(limit=100, **data), max(5, repeat // 3))
        out[name] = {**figures, "total": r.get("total"), "records": len(r["records"])}
        say(f"kanmin {name} {out[name]}")
    statement = (
        'SELECT "区分", count(*) AS n FROM "00000000-0000-0000-0000-000000000000" GROUP BY 1'
    )
    figures, r = timed(
        lambda _i: sandbox.run(statement, lambda ids: dict.fromkeys(ids, path)), repeat
    )
    out["c_group_by"] = {**figures, "groups": len(r["records"])}
    say(f"kanmin (c) {figures}")
    return out


# --------------------------------------------------------------------------------------------
# CKAN-style PostgreSQL
# --------------------------------------------------------------------------------------------


def pg_load(conn: Any, csv_path: Path, encoding: str = "UTF8") -> dict[str, float]:
    """The table as CKAN's DataStore makes it, filled as xloader fills it; seconds per step."""
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    quoted = [f'"{c}"' for c in HEADER]
    columns = ", ".join(quoted)
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PG_TABLE}")
        typed = ", ".join(f'"{c}" {PG_TYPES[c]}' for c in HEADER)
        cur.execute(
            f"CREATE TABLE {PG_TABLE} (_id serial PRIMARY KEY, _full_text tsvector, {typed})"
        )
        with (
            open(csv_path, "rb") as handle,
            cur.copy(
                f"COPY {PG_TABLE} ({columns}) FROM STDIN"
                f" WITH (FORMAT csv, HEADER true, ENCODING '{encoding}')"
            ) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        steps["copy_s"] = time.perf_counter() - t0
        # xloader's _populate_fulltext: to_tsvector of the cells joined by spaces.
        cells = " || ' ' || ".join(
            f"coalesce({q}{'' if c in TEXT_COLUMNS else '::text'}, '')"
            for c, q in zip(HEADER, quoted, strict=True)
        )
        cur.execute(f"UPDATE {PG_TABLE} SET _full_text = to_tsvector({cells})")
        steps["full_text_s"] = time.perf_counter() - t0 - steps["copy_s"]
        mark = time.perf_counter()
        cur.execute(f"CREATE INDEX {PG_TABLE}_full_text ON {PG_TABLE} USING gin(_full_text)")
        cur.execute(f"ANALYZE {PG_TABLE}")
        steps["index_analyze_s"] = time.perf_counter() - mark
    conn.commit()
    steps["total_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in steps.items()}


def pg_statements(where: str, order: str) -> tuple[str, str]:
    """CKAN datastore_search's two statements: the page and the total."""
    columns = ", ".join(["_id", *(f'"{c}"' for c in HEADER)])
    page = f"SELECT {columns} FROM {PG_TABLE} WHERE {where} ORDER BY {order} LIMIT 100 OFFSET 0"
    total = f"SELECT count(*) FROM (SELECT {columns} FROM {PG_TABLE} WHERE {where}) AS t"
    return page, total


def pg_queries(conn: Any, repeat: int) -> dict[str, Any]:
    def run(statement: str, params: list[Any]) -> list[Any]:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()

    def search(where: str, params: list[Any], order: str) -> tuple[int, int]:
        page, total = pg_statements(where, order)
        records = run(page, params)
        return len(records), int(run(total, params)[0][0])

    def page(i: int) -> tuple[int, int]:
        kind, town = FILTERS[i % len(FILTERS)]
        return search('"区分" = %s AND "町名" = %s', [kind, town], '"人口" desc')

    out: dict[str, Any] = {}
    figures, (records, total) = timed(page, repeat)
    out["a_filters_sort_page"] = {**figures, "total": total, "records": records}
    say(f"peer (a) {figures}")
    # CKAN: q → _full_text @@ plainto_tsquery(language, q), ranked when no sort is given.
    figures, (records, total) = timed(
        lambda _i: search(
            "_full_text @@ plainto_tsquery('english', %s)",
            ["山之口"],
            "ts_rank(_full_text, plainto_tsquery('english', '山之口'), 32) desc",
        ),
        max(5, repeat // 3),
    )
    out["b_q_山之口"] = {**figures, "total": total, "records": records, "how": "tsquery (CKAN)"}
    figures, (records, total) = timed(
        lambda _i: search('"町名" LIKE %s', ["%山之口%"], "_id"), max(5, repeat // 3)
    )
    out["b_like_山之口_not_ckan"] = {
        **figures,
        "total": total,
        "how": "LIKE on the one column that holds it (not what CKAN does; for reference)",
    }
    say(f"peer (b) {out['b_q_山之口']}")
    figures, rows = timed(
        lambda _i: run(f'SELECT "区分", count(*) AS n FROM {PG_TABLE} GROUP BY 1', []), repeat
    )
    out["c_group_by"] = {**figures, "groups": len(rows)}
    say(f"peer (c) {figures}")
    return out


# --------------------------------------------------------------------------------------------
# (d) requests/s over HTTP
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kanmin_command(*args: str) -> list[str]:
    """``kanmin ARGS`` from this checkout (the venv's ``kanmin`` script may be another
    worktree's)."""
    return [sys.executable, "-m", "kanmin.cli", *args]


SETUP = """
import json
from django.core.files.uploadedfile import SimpleUploadedFile
from kanmin.catalog import services
from kanmin.catalog.datastore import services as datastore_services
from kanmin.core import services as core_services
m = core_services.municipality_create(actor=None, lg_code="{lg}", name_ja="都城市",
    name_kana="みやこのじょうし", name_en="Miyakonojo City")
org = services.organization_create(municipality=m, actor=None, name="johoseisaku",
    title_ja="情報政策課")
dataset = services.dataset_create(municipality=m, actor=None, organization=org,
    name="towns", title_ja="町丁目別施設台帳", state="published")
with open({path!r}, "rb") as handle:
    resource = services.resource_create(municipality=m, actor=None, dataset=dataset,
        upload=SimpleUploadedFile("towns.csv", handle.read()), name="町丁目別施設台帳")
table = datastore_services.datastore_load_run(resource_id=str(resource.pk))
print(json.dumps({{"resource_id": str(resource.pk), "rows": table.row_count,
    "status": table.status}}))
"""


def start(cmd: list[str], env: dict[str, str], url: str, cwd: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    tail: list[str] = []

    def drain() -> None:  # the access log goes to stderr: read it so the pipe never fills
        assert server.stderr is not None
        for raw in server.stderr:
            tail.append(raw.decode(errors="replace"))
            del tail[:-100]

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            time.sleep(0.5)
            sys.exit(f"{cmd[2:4]} stopped:\n" + "".join(tail)[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (http://127.0.0.1 only)
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit(f"{cmd[2:4]} did not answer within 120 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def search_paths(prefix: str, resource_id: str) -> list[str]:
    """(a)'s request with each filter pair, as a GET query string (CKAN takes JSON values)."""
    paths = []
    for kind, town in FILTERS:
        query = urllib.parse.urlencode(
            {
                "resource_id": resource_id,
                "filters": json.dumps({"区分": kind, "町名": town}, ensure_ascii=False),
                "sort": SORT,
                "limit": 100,
            }
        )
        paths.append(f"{prefix}?{query}")
    return paths


def load_test(
    port: int, paths: list[str], clients: int, seconds: float, *, fresh: bool = False
) -> dict[str, Any]:
    """``clients`` threads, each with a keep-alive connection, asking ``paths`` in turn for
    ``seconds``; an answer counts when it is a 200 whose body says ``"success": true``.
    ``fresh``: each request adds ``_=<a number never sent before>`` (the key jQuery adds to
    defeat caches, which CKAN's datastore_search takes and ignores), so that no answer can
    come from a cache of answers."""
    stop_at = time.monotonic() + seconds
    results: list[list[tuple[float, bool]]] = [[] for _ in range(clients)]
    run = time.time_ns()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n * 7
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            if fresh:
                path += f"&_={run}-{n}-{i}"
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and b'"success": true' in body[:200]
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            results[n].append(((time.perf_counter() - t0) * 1000, ok))
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = [r for rs in results for r in rs]
    good = [t for t, ok in every if ok]
    return {
        "requests": len(every),
        "errors": len(every) - len(good),
        "requests_per_s": round(len(good) / elapsed, 1),
        **(percentiles(good) if good else {}),
    }


def http_benchmark(args: argparse.Namespace, work: Path, csv_path: Path) -> dict[str, Any]:
    from bench_catalog_search import bench_env

    out: dict[str, Any] = {"clients": args.clients, "duration_s": args.duration}
    env = bench_env(work / "kanmin-data", f"sqlite:///{work / 'kanmin.sqlite3'}")
    env["KANMIN_STATIC_MANIFEST"] = "true"  # as `kanmin serve` runs in production
    say("(d) migrating a throw-away SQLite database and loading the table")
    subprocess.run(kanmin_command("migrate", "-v", "0"), env=env, cwd=ROOT, check=True)
    made = subprocess.run(
        kanmin_command("shell", "-c", SETUP.format(lg=LG_CODE, path=str(csv_path))),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        sys.exit("setting up the table failed:\n" + made.stderr[-3000:])
    setup = json.loads(made.stdout.strip().splitlines()[-1])
    out["table_rows"] = setup["rows"]

    port = free_port()
    kanmin = start(
        kanmin_command(
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--task-workers",
            "0",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ),
        env,
        f"http://127.0.0.1:{port}/api/3",
        ROOT,
    )
    try:
        paths = search_paths(f"/m/{LG_CODE}/api/3/action/datastore_search", setup["resource_id"])
        load_test(port, paths, args.clients, args.warmup)
        out["kanmin"] = load_test(port, paths, args.clients, args.duration)
        # The same questions, each made new: every answer is computed from the table.
        out["kanmin_every_answer_computed"] = load_test(
            port, paths, args.clients, args.duration, fresh=True
        )
        # The same server answering its lightest API call: what any datastore_search could
        # reach here at best (HTTP, Django's middleware, the tenant, JSON; no table).
        light = [f"/m/{LG_CODE}/api/3/action/status_show"]
        load_test(port, light, args.clients, args.warmup)
        out["kanmin_status_show"] = load_test(port, light, args.clients, args.duration)
    finally:
        stop(kanmin)
    say(f"(d) kanmin {out['kanmin']}")
    say(f"(d) kanmin, every answer computed {out['kanmin_every_answer_computed']}")
    say(f"(d) kanmin status_show (the server's ceiling) {out['kanmin_status_show']}")

    peer_env = {
        **os.environ,
        "PEER_PG_URL": args.pg_url.rstrip("/") + "/" + args.pg_db,
        "PEER_TABLE": PG_TABLE + "_http",
    }
    port = free_port()
    peer = start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--chdir",
            str(Path(__file__).resolve().parent),
            "ckan_peer_wsgi:application",
        ],
        peer_env,
        f"http://127.0.0.1:{port}/api/3",
        ROOT,
    )
    try:
        paths = search_paths("/api/3/action/datastore_search", PG_TABLE + "_http")
        load_test(port, paths, args.clients, args.warmup)
        out["peer"] = load_test(port, paths, args.clients, args.duration)
    finally:
        stop(peer)
    say(f"(d) peer {out['peer']}")
    out["server"] = (
        f"gunicorn gthread, {args.workers} processes x {args.threads} threads, on both sides"
    )
    return out


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--http-rows", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="as kanmin serve")
    ap.add_argument("--threads", type=int, default=2, help="as kanmin serve")
    ap.add_argument("--load-rows", type=int, default=1_000_000)
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--pg-db", default="kanmin_bench_datastore")
    ap.add_argument("--keep", default="", help="folder for the CSV files, kept between runs")
    ap.add_argument(
        "--skip",
        default="",
        help="comma-separated parts not to run: a,b,c (all three), d, e, peer (the peer at --rows)",
    )
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    import psycopg
    from django.conf import settings

    from kanmin.catalog.datastore.load import clustered_path

    if not settings.configured:  # the DataStore modules read two settings and translate
        # A q over ten million rows on a shared machine can take longer than the API's 10 s.
        settings.configure(USE_I18N=False, KANMIN_DATASTORE_SQL_TIMEOUT=3600.0)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-datastore-"))
    work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-datastore-run-", dir=work))
    csv_path = work / f"towns-{args.rows}.csv"
    http_csv = work / f"towns-{args.http_rows}.csv"
    cp932_csv = work / f"towns-{args.load_rows}-cp932.csv"
    say(f"generating {csv_path.name}, {http_csv.name}, {cp932_csv.name} in {work}")
    generated = {
        csv_path.name: generate(csv_path, args.rows),
        http_csv.name: generate(http_csv, args.http_rows),
        cp932_csv.name: generate(cp932_csv, args.load_rows, "cp932"),
    }
    result: dict[str, Any] = {
        "rows": args.rows,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpus": os.cpu_count(),
        "generate_s": {k: round(v, 1) for k, v in generated.items()},
        "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
    }

    admin = args.pg_url.rstrip("/") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.pg_db}"')
    try:
        with psycopg.connect(args.pg_url.rstrip("/") + "/" + args.pg_db) as conn:
            # Generous to the peer: memory for building the GIN index.
            conn.execute("SET maintenance_work_mem = '1GB'")
            # The small parts first: on a shared machine the ten-million-row part is the one
            # that may not finish; each part's figures go to stderr as soon as they are known.
            if "d" not in skip:
                say(f"(d) loading the {args.http_rows:,}-row table into the peer")
                pg_load(conn, http_csv)
                conn.execute(f"ALTER TABLE {PG_TABLE} RENAME TO {PG_TABLE}_http")
                conn.execute(
                    f"ALTER INDEX {PG_TABLE}_full_text RENAME TO {PG_TABLE}_http_full_text"
                )
                conn.commit()
                result["d_http"] = http_benchmark(args, scratch, http_csv)
                say("partial " + json.dumps(result, ensure_ascii=False))
            if "e" not in skip:
                say(f"(e) loading {args.load_rows:,} CP932 rows: kanmin")
                _p, _f, kanmin_s = kanmin_load(cp932_csv, scratch / "cp932")
                say(f"(e) kanmin {kanmin_s:.1f} s; peer")
                peer_steps = pg_load(conn, cp932_csv, "WIN932")
                result["e_load_cp932"] = {
                    "rows": args.load_rows,
                    "kanmin_s": round(kanmin_s, 2),
                    "peer": peer_steps,
                }
                say(f"(e) peer {peer_steps}")
                say("partial " + json.dumps(result, ensure_ascii=False))
            if not skip >= {"a", "b", "c"}:
                say(f"kanmin: loading {args.rows:,} rows")
                parquet, fields, kanmin_s = kanmin_load(csv_path, scratch / "big")
                result["load_n"] = {
                    "kanmin_s": round(kanmin_s, 1),
                    "parquet_mb": round(parquet.stat().st_size / 1e6, 1),
                    "clustered_copy_mb": round(clustered_path(parquet).stat().st_size / 1e6, 1),
                }
                say(f"kanmin: loaded in {kanmin_s:.1f} s; queries")
                result["kanmin"] = kanmin_queries(parquet, fields, args.repeat)
                say("partial " + json.dumps(result, ensure_ascii=False))
                if "peer" not in skip:
                    say(f"peer: loading {args.rows:,} rows")
                    result["load_n"]["peer"] = pg_load(conn, csv_path)
                    say(f"peer: loaded {result['load_n']['peer']}; queries")
                    result["peer"] = pg_queries(conn, args.repeat)
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)

    result["ratios"] = ratios(result)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False, indent=2))


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kanmin, peer = result.get("kanmin"), result.get("peer")
    if kanmin:
        p95 = kanmin["a_filters_sort_page"]["p95_ms"]
        out["a_page_p95_ms_vs_target"] = {
            "kanmin_p95_ms": p95,
            "target_ms": TARGETS["page_p95_ms"],
            "ratio": round(p95 / TARGETS["page_p95_ms"], 2),
            "verdict": verdict(p95 <= TARGETS["page_p95_ms"]),
        }
    if kanmin and peer:
        out["a_page_peer_over_kanmin_p95"] = round(peer["a_filters_sort_page"]["p95_ms"] / p95, 1)
        out["b_q_山之口_found"] = {
            "kanmin": kanmin["b_q_山之口"]["total"],
            "peer_tsquery": peer["b_q_山之口"]["total"],
        }
        group = peer["c_group_by"]["p50_ms"] / kanmin["c_group_by"]["p50_ms"]
        out["c_group_by_peer_over_kanmin"] = {
            "ratio": round(group, 1),
            "target": TARGETS["group_by_ratio"],
            "verdict": verdict(group >= TARGETS["group_by_ratio"]),
        }
    http = result.get("d_http")
    if http:
        rps = http["kanmin"]["requests_per_s"] / max(http["peer"]["requests_per_s"], 0.1)
        out["d_requests_kanmin_over_peer"] = {
            "ratio": round(rps, 2),
            "target": TARGETS["requests_ratio"],
            "verdict": verdict(rps >= TARGETS["requests_ratio"]),
        }
        if http.get("kanmin_every_answer_computed"):
            computed = http["kanmin_every_answer_computed"]["requests_per_s"] / max(
                http["peer"]["requests_per_s"], 0.1
            )
            out["d_requests_every_answer_computed_kanmin_over_peer"] = {
                "ratio": round(computed, 2),
                "target": TARGETS["requests_ratio"],
                "verdict": verdict(computed >= TARGETS["requests_ratio"]),
            }
        if http.get("kanmin_status_show"):
            ceiling = http["kanmin_status_show"]["requests_per_s"]
            out["d_ceiling_status_show_over_peer"] = round(
                ceiling / max(http["peer"]["requests_per_s"], 0.1), 2
            )
    loaded = result.get("e_load_cp932")
    if loaded:
        speed = loaded["peer"]["total_s"] / loaded["kanmin_s"]
        out["e_load_peer_over_kanmin"] = {
            "ratio": round(speed, 2),
            "target": TARGETS["load_ratio"],
            "verdict": verdict(speed >= TARGETS["load_ratio"]),
        }
    return out


if __name__ == "__main__":
    main()
