"""Issue #4 benchmark: package_show and package_search under load on `kanmin serve`.

    .venv/bin/python benchmarks/bench_catalog_api.py [--datasets 10000] [--duration 30]
        [--connections 64] [--backend sqlite|postgres] [--workers N] [--threads N] [--cold]

Fills a throwaway database (a temporary SQLite file, or the PostgreSQL database ``--pg-db``
which the script creates and drops) with ``--datasets`` generated datasets (the generator of
``bench_catalog_search.py``), starts ``kanmin serve`` (gunicorn gthread + WhiteNoise, the
production-style server, not runserver) on a free port of 127.0.0.1, and for ``--duration``
seconds keeps ``--connections`` HTTP/1.1 keep-alive connections busy from an asyncio load
generator in this process: half ``package_show`` of a random published dataset, half
``package_search`` with a 1-, 2- or 3+-character Japanese query, sometimes an ``fq``, and
counts for three facets (``--cold``: every request a path not asked before, so no answer
comes from a cache; see ``cold_paths``). Only 127.0.0.1 is ever contacted; the loop stops
at the deadline.

Prints one JSON object: requests, requests/s, errors (non-200 answers, CKAN
``success: false``, broken connections), p50/p95/p99 in milliseconds per action and overall,
and the targets (no errors, p99 ≤ 250 ms) with their ratios. The load generator shares the
machine's cores with the server, as a client on the same host would.
Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_catalog_search as catalog

TARGET_P99_MS = 250.0
SEARCH_FACETS = json.dumps(["organization", "tags", "res_format"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def populate(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, catalog.__file__, "--child", args.backend, "--populate-only"]
    cmd += ["--datasets", str(args.datasets)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    sys.exit("populating failed:\n" + (proc.stderr or proc.stdout)[-3000:])


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    kanmin = Path(sys.executable).parent / "kanmin"
    cmd = [str(kanmin), "serve", "--bind", f"127.0.0.1:{port}", "--task-workers", "0"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    server = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode() if server.stderr else ""
            sys.exit("kanmin serve stopped:\n" + err[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/3", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("kanmin serve did not answer within 120 s")


def tree_cpu_seconds(root: int) -> tuple[float, float]:
    """CPU time (user, system) used so far by the process ``root`` and its descendants that
    are alive (the server and its workers), from /proc; zeros where /proc is missing."""
    parents: dict[int, int] = {}
    times: dict[int, tuple[float, float]] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) / tick, int(fields[12]) / tick)
    user = system = 0.0
    for pid, (used_user, used_system) in times.items():
        walk = pid
        while walk and walk != root:
            walk = parents.get(walk, 0)
        if walk == root:
            user += used_user
            system += used_system
    return user, system


def request_paths(names: list[str], n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (action, path) pairs, half package_show, half package_search."""
    rng = random.Random(seed)
    plan = catalog.query_plan(n, seed=seed)
    paths: list[tuple[str, str]] = []
    for i in range(n):
        if i % 2 == 0:
            query = urllib.parse.urlencode({"id": rng.choice(names)})
            paths.append(("package_show", f"/api/3/action/package_show?{query}"))
        else:
            _cls, q, fq = plan[i]
            params = {"q": q, "rows": "10", "facet.field": SEARCH_FACETS}
            if fq:
                params["fq"] = fq
            query = urllib.parse.urlencode(params)
            paths.append(("package_search", f"/api/3/action/package_search?{query}"))
    return paths


def cold_paths(names: list[str], ids: list[str], seed: int = 7) -> list[tuple[str, str]]:
    """Every path once: each dataset by name and by id, and every search query with every
    filter, page size 1-20 and page 1-20, shuffled. No answer can come from a cache until
    a list is used up (the figures say how many requests repeated a path)."""
    rng = random.Random(seed)
    show = [f"/api/3/action/package_show?{urllib.parse.urlencode({'id': x})}" for x in names + ids]
    search = []
    queries = [q for qs in catalog.QUERY_CLASSES.values() for q in qs]
    for q in queries:
        for fq in catalog.FILTERS:
            for rows in range(1, 21):
                for page in range(20):
                    params = {"q": q, "rows": str(rows), "start": str(page * rows)}
                    params["facet.field"] = SEARCH_FACETS
                    if fq:
                        params["fq"] = fq
                    query = urllib.parse.urlencode(params)
                    search.append(f"/api/3/action/package_search?{query}")
    rng.shuffle(show)
    rng.shuffle(search)
    mixed: list[tuple[str, str]] = []
    for i in range(max(len(show), len(search))):
        mixed += [("package_show", p) for p in show[i : i + 1]]
        mixed += [("package_search", p) for p in search[i : i + 1]]
    return mixed


def split_warmup(paths: list[tuple[str, str]], share: float) -> tuple[list, list]:
    """The first ``share`` of each action's paths for the warm-up, the rest measured."""
    warm: list[tuple[str, str]] = []
    rest: list[tuple[str, str]] = []
    for action in ("package_show", "package_search"):
        mine = [x for x in paths if x[0] == action]
        cut = int(len(mine) * share)
        warm += mine[:cut]
        rest += mine[cut:]
    return warm, rest


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep-alive) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.read()
        return status, body, False
    return status, body, headers.get("connection", "").lower() != "close"


async def connection_loop(
    port: int,
    paths: list[tuple[str, str]],
    offset: int,
    deadline: float,
    results: list[tuple[str, float, bool]],
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    i = offset
    while time.monotonic() < deadline:
        action, path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        ok = False
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
            writer.write(request.encode())
            await writer.drain()
            status, body, keep = await read_response(reader)
            ok = status == 200 and b'"success": true' in body[:4096]
            if not keep:
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            if writer is not None:
                writer.close()
            reader = writer = None
        results.append((action, time.perf_counter() - started, ok))


async def load(port: int, paths: list[tuple[str, str]], conns: int, seconds: float) -> Any:
    results: list[tuple[str, float, bool]] = []
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    step = max(1, len(paths) // conns)
    await asyncio.gather(
        *(connection_loop(port, paths, c * step, deadline, results) for c in range(conns))
    )
    return results, time.perf_counter() - started


# One wrk thread per action: requests cycle through that action's paths in order, and
# done() prints the figures (wrk's latency is in microseconds).
WRK_SCRIPT = """
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Accept"] = "application/json"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.1f %.1f %.1f %.1f\\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_load(
    port: int, paths: list[tuple[str, str]], conns: int, seconds: float, work: Path
) -> dict[str, dict[str, Any]]:
    """Both actions at once, each from its own wrk process with half the connections."""
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    procs = {}
    for action in ("package_show", "package_search"):
        listing = work / f"{action}.txt"
        listing.write_text("\n".join(p for a, p in paths if a == action) + "\n")
        cmd = [
            "wrk",
            "-t1",
            f"-c{max(1, conns // 2)}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
        ]
        cmd += ["-s", str(script), f"http://127.0.0.1:{port}", "--", str(listing)]
        procs[action] = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    found: dict[str, dict[str, Any]] = {}
    for action, proc in procs.items():
        out, _err = proc.communicate()
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"wrk gave no result for {action}:\n{out[-2000:]}")
        n, status_errors, socket_errors, duration_us, p50, p95, p99, top = line.split()[1:]
        found[action] = {
            "requests": int(n),
            "requests_per_s": round(int(n) / (int(duration_us) / 1e6), 1),
            "errors": int(status_errors) + int(socket_errors),
            "p50_ms": round(float(p50) / 1000, 1),
            "p95_ms": round(float(p95) / 1000, 1),
            "p99_ms": round(float(p99) / 1000, 1),
            "max_ms": round(float(top) / 1000, 1),
        }
    return found


def figures(samples: list[tuple[float, bool]], elapsed: float) -> dict[str, Any]:
    times = sorted(t for t, _ok in samples)
    if not times:
        return {"requests": 0}

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 1)

    return {
        "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 1),
        "errors": sum(1 for _t, ok in samples if not ok),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(times[-1] * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=10_000)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load not counted")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: serve's)")
    ap.add_argument("--threads", type=int, default=0, help="threads per worker (default: serve's)")
    ap.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator: wrk (Debian package wrk; the default when installed) or the "
        "asyncio one in this script, which takes a share of the CPU from the server",
    )
    ap.add_argument(
        "--cold",
        action="store_true",
        help="every request asks a path not asked before (all cache misses) until the lists "
        "run out: each dataset by name and by id, each query with 400 page choices",
    )
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--pg-db", default="kanmin_bench_api")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="kanmin-bench-api-")
    work = Path(tmp.name)
    if args.backend == "sqlite":
        db_url = f"sqlite:///{work / 'bench_api.sqlite3'}"
    else:
        catalog.pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {args.pg_db}")
        catalog.pg_admin(args.pg_url, f"CREATE DATABASE {args.pg_db}")
        db_url = f"{args.pg_url.rstrip('/')}/{args.pg_db}"
    env = catalog.bench_env(work, db_url)
    env["KANMIN_STATIC_MANIFEST"] = "true"  # as `kanmin serve` runs in production
    res: dict[str, Any] = {
        "backend": args.backend,
        "datasets": args.datasets,
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "server": "kanmin serve (gunicorn gthread + WhiteNoise)",
    }
    server = None
    try:
        filled = populate(args, work, env)
        res["generate_seconds"] = filled.get("generate_seconds")
        port = free_port()
        server = start_server(args, env, port)
        if args.cold:
            names, ids = filled["published_names"], filled["published_ids"]
            warm_paths, paths = split_warmup(cold_paths(names, ids), 0.1)
        else:
            paths = request_paths(filled["published_names"], 4000)
            warm_paths = paths
        if args.client == "wrk":
            if args.warmup > 0:
                wrk_load(port, warm_paths, args.connections, args.warmup, work)
            cpu_before = tree_cpu_seconds(server.pid)
            by_action = wrk_load(port, paths, args.connections, args.duration, work)
        else:
            if args.warmup > 0:
                asyncio.run(load(port, warm_paths, args.connections, args.warmup))
            cpu_before = tree_cpu_seconds(server.pid)
            results, elapsed = asyncio.run(load(port, paths, args.connections, args.duration))
        cpu_after = tree_cpu_seconds(server.pid)
        server_user, server_system = (a - b for a, b in zip(cpu_after, cpu_before, strict=True))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.backend == "postgres":
            catalog.pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)")
    res["client"] = args.client
    if args.client == "wrk":
        res.update(by_action)
        both = list(by_action.values())
        # wrk gives percentiles per process: the overall p99 is taken as the larger of the
        # two (a mixture's p99 is never above its parts' largest).
        res["overall"] = {
            "requests": sum(f["requests"] for f in both),
            "requests_per_s": round(sum(f["requests_per_s"] for f in both), 1),
            "errors": sum(f["errors"] for f in both),
            **{k: max(f[k] for f in both) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")},
        }
    else:
        res["overall"] = figures([(t, ok) for _a, t, ok in results], elapsed)
        for action in ("package_show", "package_search"):
            res[action] = figures([(t, ok) for a, t, ok in results if a == action], elapsed)
    res["mode"] = "cold" if args.cold else "cycled"
    for action in ("package_show", "package_search"):
        distinct = len({p for a, p in paths if a == action})
        res[action]["distinct_paths"] = distinct
        # wrk and the asyncio client both go through the list in order: a request beyond
        # the list's length asks a path already answered (and maybe cached).
        res[action]["repeated_requests"] = max(0, res[action].get("requests", 0) - distinct)
    overall = res["overall"]
    # The server's CPU per answer (its processes', from /proc): the figure that load on a
    # shared machine disturbs least, where requests/s and latencies move with the neighbours.
    answered = max(1, overall.get("requests", 0))
    res["server_cpu"] = {
        "seconds": round(server_user + server_system, 2),
        "ms_per_request": round(1000 * (server_user + server_system) / answered, 3),
        "user_ms_per_request": round(1000 * server_user / answered, 3),
        "system_ms_per_request": round(1000 * server_system / answered, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    res["target"] = {"errors": 0, "p99_ms": TARGET_P99_MS}
    res["ratios"] = {
        f"{k}_p99_over_target": round(res[k]["p99_ms"] / TARGET_P99_MS, 2)
        for k in ("overall", "package_show", "package_search")
        if res[k].get("requests")
    }
    res["pass"] = (
        bool(overall.get("requests"))
        and overall["errors"] == 0
        and all(v <= 1 for v in res["ratios"].values())
    )
    print(json.dumps(res, ensure_ascii=False, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
