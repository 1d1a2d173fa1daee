"""The MQTT listener (`kanmin disaster listen`) against the real Mosquitto broker: a listener
killed with SIGKILL mid-stream and started again loses nothing the broker delivered and stores
nothing twice; a broker that is down or goes away is retried, and the listener says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.operations.instance import kanmin_path, new_instance, row, shell, wait_for

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own instance on a SQLite file; once is enough",
)

BROKER = ("127.0.0.1", 1883)
STATIONS = [f"s{i:02d}" for i in range(10)]
SETUP = """
from kanmin.core.models import Municipality
from kanmin.disaster import services
m = Municipality.objects.get(lg_code="452025")
for code in {codes!r}:
    services.station_create(municipality=m, actor=None, code=code, name_ja=code,
        kind="river_level", unit="m")
print("ok")
"""


def _broker_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Output:
    """What a listener prints, read as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)


def listen(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], Output]:
    process = subprocess.Popen(
        [kanmin_path(), "disaster", "listen", "--lang", "en", "--batch-size", "50", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, Output(process)


def publisher(port: int = BROKER[1]) -> paho.Client:
    client = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}"
    )
    client.max_inflight_messages_set(100)
    client.connect(BROKER[0], port)
    client.loop_start()
    return client


def stored(env: dict[str, str]) -> int:
    found = row(env, "SELECT count(*) FROM disaster_observation")
    return int(found[0]) if found else 0


def test_listener_killed_mid_stream_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    if not _broker_up(*BROKER):
        pytest.fail("Mosquitto is not running on localhost:1883 (scripts/test.sh starts it)")
    env, _ = new_instance(tmp_path / "site")
    assert shell(env, SETUP.format(codes=STATIONS)) == "ok"
    root = f"kt-{uuid.uuid4().hex[:10]}"  # this test's own topics on the shared broker
    client_id = f"kanmin-test-{uuid.uuid4().hex[:10]}"
    args = ("--topic-root", root, "--client-id", client_id)

    sent: dict[tuple[str, str], float] = {}
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)

    def publish(client: paho.Client, numbers: range) -> None:
        infos = []
        for n in numbers:
            station = STATIONS[n % len(STATIONS)]
            observed_at = (start + dt.timedelta(minutes=n)).isoformat()
            value = round(1 + (n % 500) / 100, 2)
            sent[(station, observed_at)] = value
            payload = json.dumps({"observed_at": observed_at, "value": value})
            infos.append(
                client.publish(f"{root}/452025/stations/{station}/observations", payload, qos=1)
            )
            if n % 100 == 99:
                time.sleep(0.05)  # a steady stream, not one burst
        for info in infos:
            info.wait_for_publish(timeout=60)
            assert info.is_published()

    listener, out = listen(env, *args)
    client = publisher()
    try:
        wait_for("the listener to subscribe", lambda: out.has("Listening on"), 60)
        # The stream starts; the listener is killed in the middle of it.
        feeder = threading.Thread(target=publish, args=(client, range(0, 600)))
        feeder.start()
        wait_for("some readings to be stored", lambda: stored(env) >= 200, 60)
        os.kill(listener.pid, signal.SIGKILL)
        listener.wait(timeout=30)
        at_kill = stored(env)
        feeder.join()
        assert 0 < at_kill < 600, "the kill did not fall in the middle of the stream"
        # More readings arrive while no listener runs: the broker keeps them for the session
        # (Mosquitto keeps up to max_queued_messages, 1000 by default: this stays below).
        publish(client, range(600, 900))
        assert stored(env) == at_kill
        listener, out = listen(env, *args)
        wait_for("the session to resume", lambda: out.has("the session was kept"), 60)
        wait_for(
            f"every reading to be stored ({stored(env)} of {len(sent)}, {at_kill} at the kill)",
            lambda: stored(env) >= len(sent),
            120,
        )
        time.sleep(1.5)  # anything delivered twice would be stored by now
    finally:
        client.loop_stop()
        client.disconnect()
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=60)

    assert stored(env) == len(sent) == 900
    versions = row(env, "SELECT count(*), max(version) FROM disaster_observation")
    assert versions == (900, 1)
    path = env["KANMIN_DATABASE_URL"].removeprefix("sqlite:///")
    import sqlite3

    with sqlite3.connect(path) as db:
        got = {
            (code, observed_at): value
            for code, observed_at, value in db.execute(
                "SELECT s.code, o.observed_at, o.value FROM disaster_observation o"
                " JOIN disaster_station s ON s.id = o.station_id"
            )
        }
    assert len(got) == 900
    # Each reading arrived with the value that was sent for its station and time.
    for (code, observed_at), value in sent.items():
        key = (code, observed_at.replace("T", " ").replace("+00:00", ""))
        assert key in got, key
        assert abs(float(got[key]) - value) < 1e-9


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_listener_waits_for_a_broker_that_is_down_and_comes_back(tmp_path: Path) -> None:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).exists():
        pytest.fail("mosquitto is not installed (scripts/test.sh installs it)")
    env, _ = new_instance(tmp_path / "site")
    assert shell(env, SETUP.format(codes=["s00"])) == "ok"
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    root = f"kt-{uuid.uuid4().hex[:10]}"
    listener, out = listen(
        env, "--broker", f"mqtt://127.0.0.1:{port}", "--topic-root", root, "--client-id", "kt"
    )
    broker = None
    try:
        # Down at start: retried with back-off, and said.
        wait_for("the listener to say it retries", lambda: out.count("Cannot reach") >= 2, 60)
        broker = subprocess.Popen([mosquitto, "-c", str(config)], stderr=subprocess.DEVNULL)
        wait_for("the listener to connect", lambda: out.has("Listening on"), 90)
        # The broker goes away and comes back.
        broker.terminate()
        broker.wait(timeout=30)
        wait_for("the listener to notice", lambda: out.has("Lost the connection"), 60)
        broker = subprocess.Popen([mosquitto, "-c", str(config)], stderr=subprocess.DEVNULL)
        wait_for("the listener to reconnect", lambda: out.count("Listening on") >= 2, 90)
        client = publisher(port)
        now = dt.datetime.now(dt.UTC).isoformat()
        client.publish(
            f"{root}/452025/stations/s00/observations",
            json.dumps({"observed_at": now, "value": 1.5}),
            qos=1,
        ).wait_for_publish(timeout=30)
        client.loop_stop()
        client.disconnect()
        wait_for("the reading to be stored", lambda: stored(env) == 1, 60)
    finally:
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=60)
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=30)
