"""CPU instructions per CKAN API request, counted by valgrind's callgrind: a figure that the
load of other work on a shared machine does not move (issue 14: the shared answer cache).

    .venv/bin/python benchmarks/bench_api_instructions.py [--datasets 3000] [--requests 200]
        [--env NAME=VALUE ...]

Fills a throwaway SQLite database with the generator of ``bench_catalog_search.py``, then runs
one Python process under ``valgrind --tool=callgrind`` that answers, through Django's test
client (every middleware, no HTTP server): 60 requests to warm up (imports, the search index),
then ``--requests`` paths of ``bench_catalog_api.py --cold`` (each asked for the first time:
computed and kept), then the same paths again (answered from the cache). The counters are
dumped between the phases (``callgrind_control -d``), and the script prints the instructions
per request of each phase as JSON. User-space instructions only: the system calls' own time
(a cache write's pwrite, for one) is not in them. Needs valgrind (Debian package valgrind);
a run takes about 10 minutes of one core. To compare two commits, run the same script in a
worktree of each. Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_catalog_api as api
import bench_catalog_search as catalog

WARM_UP = 60


def dump(pattern: str) -> None:
    """Ask callgrind to dump its counters now and wait, running, until it has (callgrind reads
    its commands only while this process executes code)."""
    before = len(glob.glob(pattern))
    subprocess.Popen(
        ["callgrind_control", "-d", str(os.getpid())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 600
    while time.time() < deadline and len(glob.glob(pattern)) == before:
        for _ in range(2000):
            pass
    time.sleep(0.2)  # the file is complete


def child(args: argparse.Namespace) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "kanmin.settings"
    django.setup()
    from django.test import Client

    filled = json.loads(Path(args.filled).read_text())
    paths = api.cold_paths(filled["published_names"], filled["published_ids"])
    client = Client(HTTP_HOST="127.0.0.1")
    pattern = str(Path(args.filled).parent / "callgrind.out.*")
    for _action, path in paths[-WARM_UP:]:
        assert client.get(path).status_code == 200
    dump(pattern)
    dump(pattern)  # an empty phase: what a dump itself costs
    chosen = paths[: args.requests]
    for _phase in ("cold", "warm"):
        for _action, path in chosen:
            assert client.get(path).status_code == 200
        dump(pattern)


def total(path: str) -> int:
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=3000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--filled", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="kanmin-bench-instr-") as tmp:
        work = Path(tmp)
        env = catalog.bench_env(work, f"sqlite:///{work / 'bench.sqlite3'}")
        env["KANMIN_STATIC_MANIFEST"] = "false"
        env.update(item.split("=", 1) for item in args.env)
        cmd = [sys.executable, catalog.__file__, "--child", "sqlite", "--populate-only"]
        proc = subprocess.run(
            [*cmd, "--datasets", str(args.datasets)], env=env, capture_output=True, text=True
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit("populating failed:\n" + proc.stderr[-3000:])
        filled = work / "filled.json"
        filled.write_text(line[len("RESULT ") :])
        out = work / "callgrind.out"
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}.%p",
                sys.executable,
                __file__,
                "--child",
                "--filled",
                str(filled),
                "--requests",
                str(args.requests),
            ],
            env={**env, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            sys.exit("the measured process failed:\n" + run.stderr[-3000:])
        # Dumps in order: .1 warm-up, .2 empty, .3 cold, .4 warm; the last (no suffix) is the exit.
        dumps = {int(p.rsplit(".", 1)[1]): total(p) for p in glob.glob(f"{out}.*.*")}
        empty = dumps[2]
        n = args.requests
        print(
            json.dumps(
                {
                    "datasets": args.datasets,
                    "requests": n,
                    "env": args.env,
                    "cold_instructions_per_request": round((dumps[3] - empty) / n),
                    "warm_instructions_per_request": round((dumps[4] - empty) / n),
                    "dump_overhead": empty,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
