"""Issue #15 benchmark: sensor readings over MQTT, stored exactly once, and the dashboard query.

    .venv/bin/python benchmarks/bench_disaster_ingest.py --minutes 2     # quick look
    .venv/bin/python benchmarks/bench_disaster_ingest.py                 # 10 minutes, as asked

On a throw-away PostgreSQL database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/kanmin_bench_disaster, dropped and made again) and a
Mosquitto broker of its own (a free port; ``--broker`` to use another):

1. migrates, adds 都城市, ``--devices`` (1000) river stations, and for ``--dashboard-stations``
   (50) of them 72 h of 10-minute history;
2. starts ``kanmin disaster listen`` (a real process) and ``--devices`` simulated devices that
   each publish one reading every ``--interval`` s (10) for ``--minutes`` (10) at QoS 1, over
   ``--connections`` (20) MQTT connections;
3. at 40 % of the time kills the listener with SIGKILL, waits ``--down-seconds`` (5) and
   starts it again;
4. at 60 % publishes a burst of ``--burst`` (100,000) back-filled readings (times before the
   run) from the same devices, as fast as the broker takes them, while the live stream goes on;
5. waits until every reading the broker acknowledged is stored, then checks: stored = sent,
   each (station, time) exactly once, every value as sent, nothing refused;
6. times the dashboard query (``selectors.observations_recent``: the last 72 h of 50
   stations) ``--dashboard-runs`` (200) times in a fresh process and reports p50/p95.

Prints one JSON object. Not a test: nothing here runs in CI.

The broker of its own runs with ``max_queued_messages 1000000``: Mosquitto's default (1000)
drops what piles up beyond it for a session that is away or slower than the devices, and the
burst or the outage would lose readings at the broker, before Kanmin sees them (docs/disaster.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
KANMIN = str(ROOT / ".venv" / "bin" / "kanmin")
ROOT_TOPIC = "bench"
LG_CODE = "452025"

SETUP = """
import datetime as dt, json, random
from django.utils import timezone
from kanmin.core.models import Municipality
from kanmin.disaster import services
from kanmin.disaster.intake import Incoming
from kanmin.disaster.models import Station
m = Municipality.objects.get(lg_code="{lg}")
Station.all_tenants.bulk_create([
    Station(municipality=m, code=f"d{{i:04d}}", name_ja=f"観測所{{i}}", kind="river_level",
            unit="m") for i in range({devices})
])
stations = list(Station.all_tenants.filter(municipality=m).order_by("code")[:{dashboard}])
now = timezone.now().replace(second=0, microsecond=0)
rng = random.Random(1)
for s in stations:
    level = 1.0
    readings = []
    for k in range(72 * 6, 0, -1):
        level = max(0.1, min(9.0, level + rng.uniform(-0.05, 0.06)))
        readings.append(Incoming(station=s, observed_at=now - dt.timedelta(minutes=10 * k),
                                 value=round(level, 2), quality="final"))
    services.observation_ingest(readings=readings, source="file", municipality=m)
print(json.dumps([s.pk for s in stations]))
"""

DASHBOARD = """
import json, statistics, time
from kanmin.core.models import Municipality
from kanmin.disaster import selectors
m = Municipality.objects.get(lg_code="{lg}")
ids = {ids}
times, rows = [], 0
for _ in range({runs}):
    t = time.perf_counter()
    recent = selectors.observations_recent(municipality=m, stations=ids, hours=72)
    times.append((time.perf_counter() - t) * 1000)
    rows = sum(len(v) for v in recent.values())
times.sort()
print(json.dumps({{"runs": len(times), "rows": rows, "stations": len(recent),
    "p50_ms": round(statistics.median(times), 2),
    "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    "max_ms": round(times[-1], 2)}}))
"""


def say(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([KANMIN, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"kanmin {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict[str, str], code: str) -> str:
    return run(env, "shell", "-c", code).strip().splitlines()[-1]


def fresh_database(url: str) -> None:
    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def count(url: str, sql: str) -> Any:
    with psycopg.connect(url) as db:
        row = db.execute(sql).fetchone()
        return row[0] if row and len(row) == 1 else row


class Publishers:
    """``connections`` MQTT clients sharing the simulated devices; counts what the broker
    acknowledged (PUBACK) as sent."""

    def __init__(self, host: str, port: int, connections: int) -> None:
        self.clients = []
        self.lock = threading.Lock()
        self.sent: dict[tuple[str, str], float] = {}
        self.pending: list[tuple[Any, tuple[str, str], float]] = []
        self.published = 0
        for n in range(connections):
            client = paho.Client(
                callback_api_version=CallbackAPIVersion.VERSION2,
                client_id=f"bench-pub-{n}-{os.getpid()}",
            )
            client.max_inflight_messages_set(200)
            client.max_queued_messages_set(0)
            client.connect(host, port)
            client.loop_start()
            self.clients.append(client)

    def publish(self, device: int, observed_at: dt.datetime, value: float) -> None:
        client = self.clients[device % len(self.clients)]
        station = f"d{device:04d}"
        stamp = observed_at.isoformat()
        payload = json.dumps({"observed_at": stamp, "value": value})
        info = client.publish(f"{ROOT_TOPIC}/{LG_CODE}/stations/{station}/observations", payload, 1)
        with self.lock:
            self.pending.append((info, (station, stamp), value))
            self.published += 1

    def settle(self) -> None:
        """Wait for the broker's acknowledgements; what it acknowledged counts as sent."""
        with self.lock:
            pending, self.pending = self.pending, []
        for info, key, value in pending:
            info.wait_for_publish(timeout=120)
            if info.is_published():
                self.sent[key] = value

    def close(self) -> None:
        for client in self.clients:
            client.loop_stop()
            client.disconnect()


def start_listener(env: dict[str, str], broker: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            KANMIN,
            "disaster",
            "listen",
            "--broker",
            broker,
            "--lang",
            "en",
            "--client-id",
            "bench-listener",
            "--topic-root",
            ROOT_TOPIC,
        ],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main() -> None:
    # A benchmark stopped with SIGTERM still stops its listener and broker (finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--down-seconds", type=float, default=5)
    parser.add_argument("--dashboard-stations", type=int, default=50)
    parser.add_argument("--dashboard-runs", type=int, default=200)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kanmin_bench_disaster"
    )
    parser.add_argument("--broker", default=None, help="mqtt://host:port (default: its own)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-disaster-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KANMIN_")}
    env.update(
        KANMIN_PROFILE="dev",
        KANMIN_DATA_DIR=str(work),
        KANMIN_DATABASE_URL=args.database_url,
        KANMIN_SECRET_KEY="bench-only",  # noqa: S106 - a throw-away database
        KANMIN_ENCRYPTION_KEYS="kNTKF0I_iTSsM5Oz6ei_T7Xk3GZ2VLCy4aooS-lbrlc=",
    )
    broker_process = None
    if args.broker is None:
        port = free_port()
        config = work / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 1000000\n"
        )
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        broker_process = subprocess.Popen([mosquitto, "-c", str(config)], stderr=subprocess.DEVNULL)
        broker, host = f"mqtt://127.0.0.1:{port}", ("127.0.0.1", port)
        time.sleep(0.5)
    else:
        broker = args.broker
        rest = broker.split("://", 1)[-1].rsplit("@", 1)[-1]
        host = (rest.split(":")[0], int(rest.split(":")[1]) if ":" in rest else 1883)

    figures: dict[str, Any] = {
        "devices": args.devices,
        "interval_s": args.interval,
        "minutes": args.minutes,
        "burst": args.burst,
        "database": "postgresql",
    }
    listener = None
    publishers = None
    try:
        say("setting up the database")
        fresh_database(args.database_url)
        run(env, "migrate", "--verbosity", "0")
        run(env, "tenant", "add", LG_CODE, "都城市")
        t = time.perf_counter()
        dashboard_ids = json.loads(
            shell(
                env,
                SETUP.format(lg=LG_CODE, devices=args.devices, dashboard=args.dashboard_stations),
            )
        )
        figures["setup_s"] = round(time.perf_counter() - t, 1)
        history = count(args.database_url, "SELECT count(*) FROM disaster_observation")

        say(f"set up in {figures['setup_s']} s; {history} rows of history; streaming")
        log = work / "listener.log"
        listener = start_listener(env, broker, log)
        # Readings published before the first subscription are kept for no one (MQTT): the
        # devices start once the listener listens. After that the session keeps them.
        deadline = time.monotonic() + 60
        while "Listening on" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or listener.poll() is not None:
                raise SystemExit("the listener did not subscribe:\n" + log.read_text())
            time.sleep(0.2)
        publishers = Publishers(*host, args.connections)
        rng = random.Random(2)
        levels = [1.0 + rng.random() for _ in range(args.devices)]
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=2)
        ticks = int(args.minutes * 60 / args.interval)
        kill_tick, burst_tick = int(ticks * 0.4), int(ticks * 0.6)
        burst_thread = None
        burst_timing: dict[str, float] = {}
        samples: list[tuple[float, int, int]] = []  # (seconds, published, stored)
        sampling = threading.Event()

        def sample() -> None:
            begin = time.perf_counter()
            while not sampling.wait(1.0):
                stored_now = count(
                    args.database_url,
                    "SELECT count(*) FROM disaster_observation WHERE source = 'mqtt'",
                )
                samples.append((time.perf_counter() - begin, publishers.published, stored_now))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def burst() -> None:
            begin = time.perf_counter()
            per_device = -(-args.burst // args.devices)
            sent = 0
            for k in range(per_device):
                # Back-filled: before the run, one reading a device every interval.
                observed_at = start - dt.timedelta(seconds=args.interval * (k + 1))
                for device in range(args.devices):
                    if sent == args.burst:
                        break
                    publishers.publish(device, observed_at, round(1 + (k % 100) / 100, 2))
                    sent += 1
            burst_timing["publish_s"] = time.perf_counter() - begin

        for tick in range(ticks):
            tick_start = start + dt.timedelta(seconds=tick * args.interval)
            if tick % 6 == 0:
                say(f"tick {tick} of {ticks}; {len(publishers.sent)} acknowledged so far")
            if tick == kill_tick:
                say("SIGKILL to the listener")
                os.kill(listener.pid, signal.SIGKILL)
                listener.wait()
                figures["killed_at_stored"] = count(
                    args.database_url,
                    "SELECT count(*) FROM disaster_observation WHERE source = 'mqtt'",
                )
                restart_at = time.monotonic() + args.down_seconds
            if tick == burst_tick:
                burst_thread = threading.Thread(target=burst)
                burst_timing["start"] = time.perf_counter()
                burst_thread.start()
            for device in range(args.devices):
                # Each device at its own offset within the interval.
                due = tick_start + dt.timedelta(seconds=args.interval * device / args.devices)
                wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
                if wait > 0:
                    time.sleep(wait)
                levels[device] = max(0.1, min(9.0, levels[device] + rng.uniform(-0.02, 0.021)))
                publishers.publish(
                    device,
                    due.replace(microsecond=0) if args.interval >= 1 else due,
                    round(levels[device], 2),
                )
                if (
                    tick >= kill_tick
                    and listener.poll() is not None
                    and time.monotonic() >= restart_at
                ):
                    listener = start_listener(env, broker, log)
            if tick % 6 == 5:
                publishers.settle()
        if listener.poll() is not None:
            listener = start_listener(env, broker, log)
        if burst_thread is not None:
            burst_thread.join()
        publishers.settle()
        published_at = time.perf_counter()
        expected = len(publishers.sent)
        say(f"published; {expected} acknowledged by the broker; waiting for the listener")
        deadline = time.monotonic() + 900
        stored = 0
        while time.monotonic() < deadline:
            stored = count(
                args.database_url, "SELECT count(*) FROM disaster_observation WHERE source = 'mqtt'"
            )
            if stored >= expected:
                break
            if int(time.monotonic()) % 10 == 0:
                say(f"{stored} of {expected} stored")
            time.sleep(0.5)
        figures["drain_after_last_publish_s"] = round(time.perf_counter() - published_at, 1)
        sampling.set()
        sampler.join()
        if "start" in burst_timing:
            figures["burst_publish_s"] = round(burst_timing["publish_s"], 1)
        # Backlog: published but not yet stored. After the burst, how long until the listener
        # had caught up (backlog under one interval's readings), and its best rate.
        backlog = [(t, p - st) for t, p, st in samples]
        figures["max_backlog"] = max((b for _t, b in backlog), default=0)
        peak = max(backlog, key=lambda x: x[1], default=(0.0, 0))
        caught_up = next((t for t, b in backlog if t > peak[0] and b <= args.devices), None)
        figures["caught_up_after_peak_s"] = (
            None if caught_up is None else round(caught_up - peak[0])
        )
        rates = [
            (b[2] - a[2]) / (b[0] - a[0])
            for a, b in zip(samples, samples[5:], strict=False)
            if b[0] > a[0]
        ]
        figures["peak_store_rate_per_s"] = round(max(rates, default=0))
        time.sleep(3)  # anything delivered twice would be stored by now
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=120)

        stored = count(
            args.database_url, "SELECT count(*) FROM disaster_observation WHERE source = 'mqtt'"
        )
        distinct = count(
            args.database_url,
            "SELECT count(*) FROM (SELECT DISTINCT station_id, observed_at FROM"
            " disaster_observation WHERE source = 'mqtt') t",
        )
        max_version = count(args.database_url, "SELECT max(version) FROM disaster_observation")
        refused = count(args.database_url, "SELECT count(*) FROM disaster_intakerefusal")
        with psycopg.connect(args.database_url) as db:
            got = {
                (code, at.astimezone(dt.UTC).isoformat()): float(value)
                for code, at, value in db.execute(
                    "SELECT s.code, o.observed_at, o.value FROM disaster_observation o"
                    " JOIN disaster_station s ON s.id = o.station_id WHERE o.source = 'mqtt'"
                )
            }
        wrong = sum(
            1 for key, value in publishers.sent.items() if abs(got.get(key, -1e9) - value) > 1e-9
        )
        figures.update(
            sent_acknowledged_by_broker=expected,
            live_sent=args.devices * ticks,
            stored=stored,
            distinct_station_times=distinct,
            max_version=max_version,
            missing_or_wrong_value=wrong,
            refused=refused,
            history_rows=history,
            exact=stored == expected == distinct and wrong == 0 and max_version == 1,
            listener_said=[
                line
                for line in log.read_text(errors="replace").splitlines()
                if "Connected" in line or "Stopped" in line or "Cannot" in line or "Lost" in line
            ],
        )
        figures["dashboard_72h_50_stations"] = json.loads(
            shell(
                env,
                DASHBOARD.format(lg=LG_CODE, ids=dashboard_ids, runs=args.dashboard_runs),
            )
        )
    finally:
        if publishers is not None:
            publishers.close()
        if listener is not None and listener.poll() is None:
            listener.kill()
        if broker_process is not None:
            broker_process.terminate()
            broker_process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
