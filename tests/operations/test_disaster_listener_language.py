"""`kanmin disaster listen` tells its operator what the broker does in the operator's language:
Japanese unless `--lang en` is given (as every `kanmin` command: the language comes from
`--lang`, not from the shell's LANG). The real command against the real Mosquitto broker on
localhost:1883, and against a port where no broker listens for "down, retrying".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.operations.instance import kanmin_path, new_instance, wait_for

pytestmark = pytest.mark.skipif(
    os.environ.get("KANMIN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own instance on a SQLite file; once is enough",
)

BROKER = ("127.0.0.1", 1883)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env, _ = new_instance(tmp_path_factory.mktemp("listener-language") / "site")
    return env


class Listener:
    """A `kanmin disaster listen` process and the lines it printed so far."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [kanmin_path(), "disaster", "listen", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


@pytest.fixture
def started(instance: dict[str, str]) -> Iterator[list[Listener]]:
    listeners: list[Listener] = []
    yield listeners
    for listener in listeners:
        listener.stop()


def _ja(msgid: str, **values: object) -> str:
    with translation.override("ja"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no Japanese for {msgid!r}"
    return text % values


def _unique() -> tuple[list[str], str, str]:
    """Arguments for this test's own topics and session on the shared broker, the client id
    and the topic root."""
    tag = uuid.uuid4().hex[:10]
    root, client_id = f"kt-{tag}", f"kanmin-test-{tag}"
    return ["--topic-root", root, "--client-id", client_id], client_id, root


def _broker_up() -> bool:
    with socket.socket() as s:
        return s.connect_ex(BROKER) == 0


def test_a_broker_that_is_down_is_retried_and_said_in_japanese(instance, started) -> None:
    broker = f"mqtt://127.0.0.1:{_free_port()}"  # nothing listens there
    # The shell's language is English: the command still speaks Japanese, its default.
    env = {**instance, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}
    args, client_id, _root = _unique()
    listener = Listener(env, "--broker", broker, *args)
    started.append(listener)
    first = _ja("Cannot reach the broker %(broker)s; retrying in %(s)s s.", broker=broker, s=1)
    second = _ja("Cannot reach the broker %(broker)s; retrying in %(s)s s.", broker=broker, s=2)
    wait_for("the listener to say it cannot reach the broker", lambda: listener.said(first), 60)
    # Back-off: the next attempt waits longer, and says so.
    wait_for("the second retry", lambda: listener.said(second), 60)
    assert listener.said(_ja("Connecting to %(broker)s as %(id)s…", broker=broker, id=client_id))
    assert "ブローカー" in first and "再試行" in first
    assert not any("Cannot reach" in line for line in listener.lines)


def test_connected_and_stopped_are_said_in_japanese(instance, started) -> None:
    if not _broker_up():
        pytest.fail("Mosquitto is not running on localhost:1883 (scripts/test.sh starts it)")
    broker = f"mqtt://{BROKER[0]}:{BROKER[1]}"
    args, _client_id, root = _unique()
    listener = Listener(instance, "--broker", broker, "--lang", "ja", *args)
    started.append(listener)
    connected = _ja("Connected to %(broker)s; a new session.", broker=broker)
    topic = f"{root}/+/stations/+/observations"
    listening = _ja("Listening on %(topic)s.", topic=topic)
    wait_for("the listener to say it is connected", lambda: listener.said(connected), 60)
    wait_for("the listener to say what it listens on", lambda: listener.said(listening), 60)
    listener.stop()
    stopped = _ja(
        "Stopped: %(stored)s stored, %(duplicate)s duplicates, %(corrected)s corrections, "
        "%(refused)s refused.",
        stored=0,
        duplicate=0,
        corrected=0,
        refused=0,
    )
    wait_for("the listener to say it stopped", lambda: listener.said(stopped), 30)
    assert "接続しました" in connected


def test_english_when_asked(instance, started) -> None:
    broker = f"mqtt://127.0.0.1:{_free_port()}"
    listener = Listener(instance, "--broker", broker, "--lang", "en", *_unique()[0])
    started.append(listener)
    wait_for(
        "the English message",
        lambda: listener.said(f"Cannot reach the broker {broker}; retrying in 1 s."),
        60,
    )
    assert not any("再試行" in line for line in listener.lines)
