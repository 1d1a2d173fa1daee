"""Issue #16 benchmark: residents applying at once through the apply pages on `kanmin serve`.

    .venv/bin/python benchmarks/bench_procedures.py --residents 20      # quick look
    .venv/bin/python benchmarks/bench_procedures.py                     # 500 residents, 1 MB each
    .venv/bin/python benchmarks/bench_procedures.py --database sqlite

The figure the issue asks for: 500 concurrent residents submitting a 3-page form with a 1 MB
upload against a production-style server on PostgreSQL: no errors, p99 ≤ 500 ms per page,
nothing lost (counted exactly). In one run:

1. Makes a fresh database: PostgreSQL ``--database-url`` (default
   postgres://postgres@127.0.0.1:5432/kanmin_bench_procedures, dropped and made again, dropped
   at the end) or, with ``--database sqlite``, a temporary SQLite file. Migrates, adds 都城市
   (452025), the demo's procedure catalog (32 procedures, what ``/m/452025/procedures/``
   lists) and the demo's form 住民票の写し交付請求 (``juminhyo-copy``: three pages — who is
   asking (name, address, phone, e-mail), what is needed (copies, scope, purpose), identity
   and consent (a PDF/JPEG/PNG file up to 5 MB, a consent box)), exactly as the demo does.
2. Starts ``kanmin serve`` (gunicorn gthread + WhiteNoise, the production-style server, not
   runserver) on a free port of 127.0.0.1 with its own defaults — one process per core, two
   threads each (``core_serve.py`` says why, not gunicorn's usual 2n+1; ``--workers`` and
   ``--threads`` change them) — and no task worker (``--task-workers 0``).
3. Baseline, in the same run and at the same concurrency: ``--residents`` clients each GET the
   public procedure list ``/m/452025/procedures/`` as many times as a resident makes requests
   (12). The issue names no peer for this figure; the nearest peer is the same server and
   database answering a read-only public page of a fixed size, so the ratio (apply p99 ÷ list
   p99) says what the apply flow costs beyond what the server, the machine and the client cost
   any page at that concurrency — on a shared machine the absolute milliseconds move with the
   neighbours' load, the ratio much less.
4. ``--residents`` (500) simulated residents start together, each a thread with its own HTTP
   session (``requests``; neither httpx nor aiohttp is in the venv), keep-alive, cookies, no
   think time, and do what a browser without JavaScript does (12 requests):
   GET the start page → POST "Start now" → for each page GET it, then POST its answers with
   the CSRF token and the hidden fields (``page``, ``submission``, ``revision``) read from the
   page's HTML; on the third page first POST the file with its "Upload the file" button
   (``--upload-mb`` (1) MiB of random bytes wrapped as a PDF, so the content check passes; a
   fresh file for each resident) and then Continue with the consent → GET the check page →
   POST "Accept and send" with its ``submit_key`` → GET the confirmation and read the
   reference number. Redirects are followed by hand so that each request is timed alone.
   An error is a status other than 2xx/3xx, a redirect to anywhere but the next step, a page
   showing an error summary or problem, a broken connection or a timeout (``--timeout``).
5. Counts in the database the submissions with status ``received`` and their attachments:
   "nothing lost" means as many as residents got a reference, every reference unique and on
   the confirmation page of one resident only, and every resident's file stored with the
   SHA-256 of the bytes sent.

Prints one JSON object: residents, requests, errors (with the first few described), p50/p95/
p99/max in milliseconds per request kind (``start_get``, ``start_post``, ``page_get``,
``page_post``, ``upload``, ``check_get``, ``submit``, ``done_get``) and overall, requests/s,
submissions counted vs expected, the baseline and the ratio, and PASS/FAIL against the targets
(no errors, p99 ≤ 500 ms for every kind, exact count). The client runs in this process on the
same cores as the server (with 500 threads it takes a share of them, as a client on the same
host would); only 127.0.0.1 is contacted. Not a test: nothing here runs in CI.

Kanmin runs as ``python -m kanmin.cli`` from this checkout (the venv's ``kanmin`` script may
be another worktree's).

Two readings of "500 concurrent residents" (``--think``):

- ``--think 0`` (the default): a closed loop, each resident sends its next request the moment
  the last answer arrives. The server then always has ~500 requests waiting, so by Little's
  law every request waits about 500 × (server CPU per request) ÷ cores: at the ~15 ms of CPU
  an apply request costs, 500 × 15 ms ÷ 2 cores ≈ 3.8 s, whatever the code does. p99 ≤ 500 ms
  here would need ≤ 2 ms of CPU per request on two cores. This run measures capacity and
  that nothing is lost at saturation.
- ``--think 10``: 500 residents applying at the same time as people do, each reading a page for
  5–15 s before the next request (the baseline clients too). 500 residents then offer about
  50 requests/s; each request's latency is its own cost plus what queueing there is. This is
  the reading of the issue's p99 target that a server can meet, and the one to compare with
  the target.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_catalog_search as catalog
from bench_catalog_api import tree_cpu_seconds

ROOT = Path(__file__).resolve().parents[1]

LG_CODE = "452025"
SLUG = "juminhyo-copy"
TARGET_P99_MS = 500.0
KINDS = (
    "start_get",
    "start_post",
    "page_get",
    "page_post",
    "upload",
    "check_get",
    "submit",
    "done_get",
)
REQUESTS_PER_RESIDENT = 12

SETUP = """
import json
from kanmin.core import services as core_services
from kanmin.core.models import Municipality
from kanmin.demo import data
from kanmin.demo.procedures import procedures_build
from kanmin.demo.procedures_apply import apply_forms_build
from kanmin.procedures.apply_services import spec_of
from kanmin.procedures.models import Form
from kanmin.procedures.formspec import parse
m = Municipality.objects.get(lg_code="{lg}")
by_code = {{}}
for order, (code, name_ja, name_en, parent) in enumerate(data.DEPARTMENTS):
    by_code[code] = core_services.department_create(municipality=m, actor=None, code=code,
        name_ja=name_ja, name_en=name_en, parent=by_code[parent] if parent else None,
        sort_order=order * 10)
added = procedures_build(municipality=m)
apply_forms_build(municipality=m)
form = Form.objects.get(municipality=m, slug="{slug}")
spec = parse(form.live_version.definition)
print(json.dumps({{"procedures": added, "pages": [p.id for p in spec.pages],
    "file_questions": [q.id for q in spec.questions() if q.type == "file"]}}))
"""

COUNT = """
import json
from kanmin.procedures.models import Attachment, Submission
received = Submission.all_tenants.filter(status="received")
refs = list(received.values_list("reference", flat=True))
files = list(Attachment.all_tenants.filter(submission__status="received")
    .values_list("submission__reference", "sha256", "size"))
print(json.dumps({"received": len(refs), "references": refs,
    "drafts": Submission.all_tenants.filter(status="draft").count(), "files": files}))
"""

# The answers of the form's first two pages (as a resident would type them; the postcode's
# town is filled by the server) and the consent of the third.
ANSWERS = {
    "applicant": {
        "name__family": "都城",
        "name__given": "花子",
        "name__family_kana": "ミヤコノジョウ",
        "name__given_kana": "ハナコ",
        "address__postcode": "885-0006",
        "address__town": "",
        "address__rest": "1-2-3",
        "phone": "090-1234-5678",
        "email": "",  # per resident, below
    },
    "request": {"copies": "2", "scope": "household", "purpose": "自動車の登録"},
    "identity": {"consent": "1"},
}

HIDDEN_RE = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>", re.IGNORECASE)
ATTR_RE = re.compile(r"\b(name|value)=\"([^\"]*)\"")
REFERENCE_RE = re.compile(r"class=\"apply-reference\">([^<]+)<")
EXCEPTION_RE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Refused|Invalid)\b.*:")
ERROR_MARKS = ('class="error-summary"', 'id="problem"')


def say(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kanmin_command(*args: str) -> list[str]:
    """``kanmin ARGS`` from this checkout (the venv's ``kanmin`` script may belong to another
    worktree: the venv is shared)."""
    return [sys.executable, "-m", "kanmin.cli", *args]


def kanmin(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        kanmin_command(*args), env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"kanmin {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell_json(env: dict[str, str], code: str) -> Any:
    return json.loads(kanmin(env, "shell", "-c", code).strip().splitlines()[-1])


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = kanmin_command("serve", "--bind", f"127.0.0.1:{port}", "--task-workers", "0")
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # Its access log goes to stderr: read it away so that the pipe never fills.
    # The exceptions it logs are counted by their last line (what went wrong).
    tail: list[str] = []
    exceptions: Counter[str] = Counter()

    def drain() -> None:
        assert server.stderr is not None
        for raw in server.stderr:
            line = raw.decode(errors="replace")
            tail.append(line)
            del tail[:-200]
            if EXCEPTION_RE.match(line):
                exceptions[re.sub(r"\d+", "N", line.strip())[:300]] += 1

    threading.Thread(target=drain, daemon=True).start()
    server.log_tail = tail  # type: ignore[attr-defined]
    server.exceptions = exceptions  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            time.sleep(0.5)
            sys.exit("kanmin serve stopped:\n" + "".join(tail)[-3000:])
        try:
            url = f"http://127.0.0.1:{port}/m/{LG_CODE}/procedures/"
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("kanmin serve did not answer within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def pdf_of(size: int) -> bytes:
    """``size`` bytes that the content check takes for a PDF: a PDF header, random bytes as
    a stream, the trailer."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Length 0>>stream\n"
    tail = b"\nendstream endobj\ntrailer<<>>\n%%EOF\n"
    return head + os.urandom(max(0, size - len(head) - len(tail))) + tail


def hidden_fields(page: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag in HIDDEN_RE.findall(page):
        attrs = dict(ATTR_RE.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


class Failed(Exception):
    pass


class Resident:
    """One resident's browser: a session with its cookies; every request timed alone."""

    def __init__(
        self, base: str, number: int, timeout: float, record: Any, think: float = 0.0
    ) -> None:
        self.base = base
        self.think = think
        self.rng = random.Random(number)
        self.number = number
        self.timeout = timeout
        self.record = record
        self.session = requests.Session()
        self.reference = ""
        self.sha256 = ""

    def request(
        self, kind: str, method: str, path: str, *, expect: str, **kwargs: Any
    ) -> requests.Response:
        """``expect``: "page" (a 200 without an error shown) or the end of the redirect's
        address ("" for any redirect). With ``--think``, the resident first reads the page
        (untimed)."""
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)
            # gunicorn closes a keep-alive connection idle for 2 s; a browser then opens a new
            # one (or retries on the reset). Reusing the closed socket is a client artifact.
            self.session.close()
        started = time.perf_counter()
        problem = ""
        response = None
        try:
            response = self.session.request(
                method,
                self.base + path,
                allow_redirects=False,
                timeout=self.timeout,
                **kwargs,
            )
            body = response.text if response.status_code == 200 else ""
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}: {exc}"[:200]
        elapsed = time.perf_counter() - started
        if response is not None and not problem:
            status = response.status_code
            if expect == "page":
                if status != 200:
                    problem = f"status {status}, expected 200"
                elif any(mark in body for mark in ERROR_MARKS):
                    found = re.search(r'<div class="error-summary".*?</div>', body, re.S)
                    problem = (
                        "the page shows an error: "
                        + re.sub(
                            r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0) if found else "")
                        )[:200]
                    )
            elif status not in (301, 302, 303):
                problem = f"status {status}, expected a redirect to …{expect}"
                if status == 200 and any(mark in body for mark in ERROR_MARKS):
                    problem += " (the page shows an error)"
            elif not response.headers.get("Location", "").endswith(expect):
                problem = f"redirect to {response.headers.get('Location')}, expected …{expect}"
        self.record(kind, elapsed, problem, self.number, method, path)
        if problem or response is None:
            raise Failed(problem)
        return response

    def apply(self, pages: list[str], upload_size: int) -> None:
        start = f"/m/{LG_CODE}/apply/{SLUG}/"
        page = self.request("start_get", "GET", start, expect="page").text
        fields = hidden_fields(page)
        location = self.request(
            "start_post",
            "POST",
            start,
            expect=f"/{pages[0]}/",
            data={"csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", "")},
        ).headers["Location"]
        for index, page_id in enumerate(pages):
            path = location
            page = self.request("page_get", "GET", path, expect="page").text
            fields = hidden_fields(page)
            answers = dict(ANSWERS.get(page_id, {}))
            if "email" in answers:
                answers["email"] = f"resident{self.number}@example.jp"
            if index == len(pages) - 1:
                # The file first, with its own button (the page comes back with the file
                # listed and a new form), then Continue with the consent. The file is made
                # here, not before the start: 500 residents' files at once would be 500 MB.
                upload = pdf_of(upload_size)
                self.sha256 = hashlib.sha256(upload).hexdigest()
                page = self.request(
                    "upload",
                    "POST",
                    path,
                    expect="page",
                    data={**fields, "action": "upload"},
                    files={"id_document": ("menkyosho.pdf", upload, "application/pdf")},
                ).text
                fields = hidden_fields(page)
            following = pages[index + 1] if index + 1 < len(pages) else "check"
            location = self.request(
                "page_post",
                "POST",
                path,
                expect=f"/{following}/",
                data={**fields, **answers, "action": "continue"},
            ).headers["Location"]
        page = self.request("check_get", "GET", location, expect="page").text
        fields = hidden_fields(page)
        done = self.request("submit", "POST", location, expect="/done/", data=fields).headers[
            "Location"
        ]
        page = self.request("done_get", "GET", done, expect="page").text
        found = REFERENCE_RE.search(page)
        if found is None:
            self.record("done_get", 0.0, "no reference number on the page", self.number, "", done)
            raise Failed("no reference")
        self.reference = html.unescape(found.group(1)).strip()


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[str, float, bool]] = []
        self.errors: list[str] = []

    def __call__(
        self, kind: str, elapsed: float, problem: str, who: int, method: str, path: str
    ) -> None:
        with self.lock:
            if elapsed:
                self.samples.append((kind, elapsed, not problem))
            if problem:
                self.errors.append(f"resident {who}: {kind} {method} {path}: {problem}")


def run_residents(
    base: str,
    count: int,
    pages: list[str],
    args: argparse.Namespace,
    first: int = 0,
    think: float | None = None,
) -> tuple[list[Resident], Recorder, float]:
    think = args.think if think is None else think
    recorder = Recorder()
    residents = [Resident(base, first + i, args.timeout, recorder, think) for i in range(count)]
    size = int(args.upload_mb * 1024 * 1024)
    gate = threading.Barrier(count + 1)

    def work(resident: Resident) -> None:
        gate.wait()
        try:
            resident.apply(pages, size)
        except Failed:
            pass
        finally:
            resident.session.close()

    threads = [threading.Thread(target=work, args=(r,), daemon=True) for r in residents]
    for t in threads:
        t.start()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return residents, recorder, time.perf_counter() - started


def run_baseline(
    base: str, count: int, per_client: int, timeout: float, think: float = 0.0
) -> tuple[Recorder, float]:
    """``count`` clients at once, each GETting the public procedure list ``per_client`` times."""
    recorder = Recorder()
    path = f"/m/{LG_CODE}/procedures/"
    gate = threading.Barrier(count + 1)
    sizes: set[int] = set()

    def work(number: int) -> None:
        session = requests.Session()
        rng = random.Random(number)
        gate.wait()
        for _ in range(per_client):
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)
                session.close()  # as the residents do, above
            started = time.perf_counter()
            problem = ""
            try:
                response = session.get(base + path, timeout=timeout, allow_redirects=False)
                if response.status_code != 200:
                    problem = f"status {response.status_code}"
                else:
                    sizes.add(len(response.content))
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {exc}"[:200]
            recorder("list_get", time.perf_counter() - started, problem, number, "GET", path)
        session.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    recorder.page_sizes = sorted(sizes)  # type: ignore[attr-defined]
    return recorder, time.perf_counter() - started


def figures(times_ok: list[tuple[float, bool]], elapsed: float | None = None) -> dict[str, Any]:
    times = sorted(t for t, _ok in times_ok)
    if not times:
        return {"requests": 0}

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 1)

    result: dict[str, Any] = {
        "requests": len(times),
        "errors": sum(1 for _t, ok in times_ok if not ok),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(times[-1] * 1000, 1),
    }
    if elapsed:
        result["requests_per_s"] = round(len(times) / elapsed, 1)
    return result


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=500)
    ap.add_argument("--upload-mb", type=float, default=1.0, help="size of each file in MiB")
    ap.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kanmin_bench_procedures"
    )
    ap.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: serve's)")
    ap.add_argument("--threads", type=int, default=0, help="threads per worker (default: serve's)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a request may take")
    ap.add_argument(
        "--warmup-residents",
        type=int,
        default=4,
        help="residents who apply before the measured ones (not timed; their submissions are "
        "counted with the others)",
    )
    ap.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a resident (and a baseline client) reads a page before the next "
        "request, drawn uniformly from 0.5× to 1.5× (not timed); 0: none, a closed loop",
    )
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kanmin-bench-procedures-"))
    if args.database == "sqlite":
        db_url = f"sqlite:///{work / 'bench_procedures.sqlite3'}"
    else:
        db_url = args.database_url
        base_url, _slash, name = db_url.rpartition("/")
        catalog.pg_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        catalog.pg_admin(base_url, f'CREATE DATABASE "{name}"')
    env = catalog.bench_env(work, db_url)
    env["KANMIN_STATIC_MANIFEST"] = "true"  # as `kanmin serve` runs in production
    env["PYTHONPATH"] = str(ROOT)
    env.pop("KANMIN_EMAIL_URL", None)  # receipts go to files in the data folder, never out
    res: dict[str, Any] = {
        "database": "postgresql" if args.database == "postgres" else "sqlite",
        "residents": args.residents,
        "upload_mb": args.upload_mb,
        "think_seconds": args.think,
        "cpus": os.cpu_count(),
        "server": "kanmin serve (gunicorn gthread + WhiteNoise), no task worker",
        "client": "threads with requests, one session per resident, in this process",
    }
    server = None
    try:
        say("migrating and adding the municipality, catalog and form")
        kanmin(env, "migrate", "--verbosity", "0")
        kanmin(env, "tenant", "add", LG_CODE, "都城市")
        setup = shell_json(env, SETUP.format(lg=LG_CODE, slug=SLUG))
        pages = setup["pages"]
        res["form"] = {"slug": SLUG, **setup}
        if len(pages) != 3 or setup["file_questions"] != ["id_document"]:
            sys.exit(f"the demo form changed: pages {pages}, files {setup['file_questions']}")
        port = free_port()
        server = start_server(args, env, port)
        workers = args.workers or os.cpu_count() or 1
        res["server_processes"] = {"workers": workers, "threads": args.threads or 2}
        base = f"http://127.0.0.1:{port}"

        say(f"warm-up: {args.warmup_residents} residents and the list page")
        warm, warm_rec, _ = run_residents(
            base, args.warmup_residents, pages, args, first=-1000, think=0.0
        )
        run_baseline(base, 4, 5, args.timeout)
        if warm_rec.errors:
            say("the warm-up had errors (see warmup_errors); measuring anyway")

        say(f"baseline: {args.residents} clients × {REQUESTS_PER_RESIDENT} GETs of the list")
        cpu = [tree_cpu_seconds(server.pid)]
        base_rec, base_elapsed = run_baseline(
            base, args.residents, REQUESTS_PER_RESIDENT, args.timeout, args.think
        )
        cpu.append(tree_cpu_seconds(server.pid))
        say(f"{args.residents} residents applying")
        residents, rec, elapsed = run_residents(base, args.residents, pages, args)
        cpu.append(tree_cpu_seconds(server.pid))
        say("counting")
        counted = shell_json(env, COUNT)
        res["warmup_errors"] = {"count": len(warm_rec.errors), "examples": warm_rec.errors[:3]}
        res["server_exceptions"] = dict(server.exceptions.most_common(5))  # type: ignore[attr-defined]
    finally:
        if server is not None:
            stop_server(server)
        if args.database == "postgres":
            base_url, _slash, name = db_url.rpartition("/")
            catalog.pg_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", str(work)], check=False)

    samples = rec.samples
    by_kind = {k: figures([(t, ok) for kk, t, ok in samples if kk == k]) for k in KINDS}
    overall = figures([(t, ok) for _k, t, ok in samples], elapsed)
    completed = [r for r in residents + warm if r.reference]
    measured_done = [r for r in residents if r.reference]
    references = [r.reference for r in completed]
    stored_refs = counted["references"]
    stored_files = {ref: (sha, size) for ref, sha, size in counted["files"]}
    files_ok = sum(
        1
        for r in completed
        if stored_files.get(r.reference, ("", 0))[0] == r.sha256
        and stored_files[r.reference][1] == int(args.upload_mb * 1024 * 1024)
    )
    exact = (
        counted["received"] == len(completed)
        and len(set(stored_refs)) == len(stored_refs)
        and len(set(references)) == len(references)
        and set(references) == set(stored_refs)
        and files_ok == len(completed)
        and len(counted["files"]) == len(completed)
    )
    baseline = figures([(t, ok) for _k, t, ok in base_rec.samples], base_elapsed)
    baseline["path"] = f"/m/{LG_CODE}/procedures/"
    baseline["page_bytes"] = base_rec.page_sizes  # type: ignore[attr-defined]
    res.update(
        requests=overall["requests"],
        errors=len(rec.errors),
        error_examples=rec.errors[:10],
        seconds=round(elapsed, 1),
        requests_per_s=overall.get("requests_per_s"),
        residents_completed=len(measured_done),
        submissions_per_minute=round(60 * len(measured_done) / elapsed, 1) if elapsed else None,
        by_kind=by_kind,
        overall=overall,
        count={
            "residents_with_reference": len(completed),
            "of_them_warmup": len([r for r in warm if r.reference]),
            "received_in_database": counted["received"],
            "references_unique": len(set(references)) == len(references),
            "files_stored_as_sent": files_ok,
            "attachments_of_received": len(counted["files"]),
            "drafts_left": counted["drafts"],
            "exact": exact,
        },
        baseline=baseline,
    )
    worst = max((f["p99_ms"] for f in by_kind.values() if f.get("requests")), default=0.0)
    # The server's CPU per request (its processes', from /proc): on a shared machine it moves
    # much less with the neighbours' load than the latencies do.
    base_cpu = sum(cpu[1]) - sum(cpu[0])
    apply_cpu = sum(cpu[2]) - sum(cpu[1])
    baseline["server_cpu_ms_per_request"] = round(1000 * base_cpu / max(1, baseline["requests"]), 1)
    res["server_cpu_ms_per_request"] = round(1000 * apply_cpu / max(1, overall["requests"]), 1)
    res["ratios"] = {
        "apply_p99_over_list_p99": round(overall["p99_ms"] / baseline["p99_ms"], 2)
        if baseline.get("p99_ms")
        else None,
        "worst_kind_p99_over_list_p99": round(worst / baseline["p99_ms"], 2)
        if baseline.get("p99_ms")
        else None,
        "worst_kind_p99_over_target": round(worst / TARGET_P99_MS, 2),
        "apply_cpu_over_list_cpu": round(
            res["server_cpu_ms_per_request"] / baseline["server_cpu_ms_per_request"], 2
        )
        if baseline["server_cpu_ms_per_request"]
        else None,
    }
    res["target"] = {"errors": 0, "p99_ms_every_kind": TARGET_P99_MS, "count": "exact"}
    res["checks"] = {
        "no_errors": not rec.errors and len(measured_done) == args.residents,
        "p99": worst <= TARGET_P99_MS,
        "nothing_lost": exact,
    }
    res["result"] = "PASS" if all(res["checks"].values()) else "FAIL"
    res["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
