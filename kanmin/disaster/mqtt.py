"""The MQTT listener behind ``kanmin disaster listen``: readings from devices through a broker.

Devices publish to ``kanmin/<municipality code>/stations/<station code>/observations`` at QoS 1
a JSON object ``{"observed_at": "<ISO 8601 with offset>", "value": <number>}`` (``quality``
may be added). Who may publish to which topic is the broker's business (its users and ACLs).

Each reading is stored exactly once, however the listener or the broker stops:

- the session is persistent (MQTT 5, ``clean_start`` off, a session expiry, a fixed client id),
  so the broker keeps what arrives while the listener is away and re-sends what it delivered
  but never saw acknowledged;
- acknowledgements are manual (paho's ``manual_ack``): a message is acknowledged only after the
  transaction that stores its reading has committed. A listener killed before the commit loses
  nothing (the broker sends the message again); killed between the commit and the
  acknowledgement, it receives the message again and ``observation_ingest`` finds the same
  value for the same station and time: a duplicate, not stored twice.

Messages are taken in batches (up to ``batch_size``, or what arrived within ``batch_wait``
seconds) and stored with one transaction per batch. A broker that is down at start or goes
away is retried with back-off (1 s doubling up to 60 s), and so is a database that fails.

The broker must be able to hold what piles up while the listener is away or slower than the
devices: Mosquitto keeps at most ``max_queued_messages`` (1000 by default) per session and
drops the rest. See docs/disaster.md for the settings to use.
"""

from __future__ import annotations

import json
import queue
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from django.db import DatabaseError, close_old_connections
from django.utils import translation
from django.utils.translation import gettext as _
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from kanmin.disaster import intake, services
from kanmin.disaster.intake import Incoming, RateLimiter, Refused
from kanmin.disaster.models import Refusal, Source

RETRY_MIN = 1.0
RETRY_MAX = 60.0
# Unacknowledged messages the broker may send at once: the most a batch can hold.
RECEIVE_MAXIMUM = 1000


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> Broker:
        """``mqtt://[user:password@]host[:port]`` (a bare ``host:port`` also works)."""
        if "://" not in url:
            url = "mqtt://" + url
        parts = urlsplit(url)
        problem = _("Give the broker as mqtt://host:port, e.g. mqtt://127.0.0.1:1883.")
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(problem)
        try:
            port = parts.port or 1883  # urllib: "Port could not be cast to integer value as …"
        except ValueError:
            raise ValueError(problem) from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __str__(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def topic_pattern(root: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(root)}/([^/]+)/stations/([^/]+)/observations$")


def subscription(root: str, municipality: str | None, share: str | None) -> str:
    topic = f"{root}/{municipality or '+'}/stations/+/observations"
    return f"$share/{share}/{topic}" if share else topic


def reading_from_message(
    topic: str, payload: bytes, pattern: re.Pattern[str], limiter: RateLimiter, ref: Any = None
) -> Incoming:
    """The Incoming for one MQTT message: named by its topic, or already refused."""
    where = topic[:300]
    raw = payload[:500].decode("utf-8", errors="replace")
    match = pattern.match(topic)
    if match is None:
        return Incoming(where=where, raw=raw, ref=ref, refusal=Refused(Refusal.UNKNOWN_STATION))
    lg_code, station_code = match.groups()
    reading = Incoming(lg_code=lg_code, station_code=station_code, where=where, raw=raw, ref=ref)
    if not limiter.allow(topic):
        reading.refusal = Refused(
            Refusal.RATE_LIMITED, quiet=not limiter.first_refusal, limit=limiter.limit
        )
        return reading
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        reading.refusal = Refused(Refusal.MALFORMED, detail=str(exc)[:200])
        return reading
    if not isinstance(body, dict):
        reading.refusal = Refused(Refusal.MALFORMED, detail="")
        return reading
    reading.observed_at = body.get("observed_at")
    reading.value = body.get("value")
    reading.quality = body.get("quality")
    return reading


class Listener:
    """Subscribe, store in batches, acknowledge after commit; ``run()`` until ``stop()``."""

    def __init__(
        self,
        *,
        broker: Broker,
        client_id: str,
        root: str = "kanmin",
        municipality: str | None = None,
        share: str | None = None,
        batch_size: int = 500,
        batch_wait: float = 0.2,
        session_expiry: int = 86400,
        say: Callable[[str], None] = print,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        self.topic = subscription(root, municipality, share)
        self.pattern = topic_pattern(root)
        self.batch_size = max(1, min(batch_size, RECEIVE_MAXIMUM))
        self.batch_wait = batch_wait
        self.session_expiry = session_expiry
        self._say = say
        # paho calls back from its own thread, where the command's language is not active.
        self.language = translation.get_language() or "ja"
        self.inbox: queue.Queue[paho.MQTTMessage] = queue.Queue()
        self.stopping = threading.Event()
        self.limiter = RateLimiter(limit=intake.readings_per_minute())
        self.lookup = services.StationLookup()
        self.totals: Counter[str] = Counter()
        self._failures = 0
        self.client = self._client()

    # -- the connection (paho's network thread) ----------------------------------------------
    def _client(self) -> paho.Client:
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        client.reconnect_delay_set(min_delay=int(RETRY_MIN), max_delay=int(RETRY_MAX))
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def say(self, message: Callable[[], str]) -> None:
        """Say a message, composed in the listener's language whichever thread calls."""
        with translation.override(self.language):
            self._say(message())

    def _retry_in(self) -> int:
        return int(min(RETRY_MAX, RETRY_MIN * 2 ** max(0, self._failures - 1)))

    def _on_connect(self, client: paho.Client, _data: Any, flags: Any, code: Any, _p: Any) -> None:
        if code.is_failure:
            self._failures += 1
            self.say(
                lambda: (
                    _(
                        "The broker %(broker)s refused the connection (%(reason)s); "
                        "retrying in %(s)s s."
                    )
                    % {"broker": self.broker, "reason": code, "s": self._retry_in()}
                )
            )
            return
        self._failures = 0
        resumed = bool(getattr(flags, "session_present", False))
        self.say(
            lambda: (
                (
                    _("Connected to %(broker)s; the session was kept, waiting readings follow.")
                    if resumed
                    else _("Connected to %(broker)s; a new session.")
                )
                % {"broker": self.broker}
            )
        )
        client.subscribe(self.topic, options=SubscribeOptions(qos=1))
        self.say(lambda: _("Listening on %(topic)s.") % {"topic": self.topic})

    def _on_connect_fail(self, _client: paho.Client, _data: Any) -> None:
        self._failures += 1
        self.say(
            lambda: (
                _("Cannot reach the broker %(broker)s; retrying in %(s)s s.")
                % {"broker": self.broker, "s": self._retry_in()}
            )
        )

    def _on_disconnect(self, _c: paho.Client, _d: Any, _f: Any, code: Any, _p: Any) -> None:
        if self.stopping.is_set():
            return
        self._failures += 1
        self.say(
            lambda: (
                _("Lost the connection to %(broker)s (%(reason)s); reconnecting in %(s)s s.")
                % {"broker": self.broker, "reason": code, "s": self._retry_in()}
            )
        )

    def _on_message(self, _client: paho.Client, _data: Any, message: paho.MQTTMessage) -> None:
        self.inbox.put(message)

    # -- storing (the main thread) -----------------------------------------------------------
    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.say(
            lambda: (
                _("Connecting to %(broker)s as %(id)s…")
                % {"broker": self.broker, "id": self.client_id}
            )
        )
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Store batches until ``stop()``; then store what was received, and disconnect."""
        self.start()
        try:
            while not self.stopping.is_set():
                batch = self._next_batch(timeout=0.5)
                if batch:
                    self.store(batch)
            batch = self._next_batch(timeout=0)
            while batch:
                self.store(batch)
                batch = self._next_batch(timeout=0)
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def _next_batch(self, timeout: float) -> list[paho.MQTTMessage]:
        try:
            first = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def store(self, batch: list[paho.MQTTMessage]) -> None:
        """Store one batch in one transaction, then acknowledge its messages."""
        readings = [
            reading_from_message(m.topic, bytes(m.payload), self.pattern, self.limiter, ref=m)
            for m in batch
        ]
        delay = RETRY_MIN
        while True:
            try:
                results = services.observation_ingest(
                    readings=readings, source=Source.MQTT, lookup=self.lookup
                )
                break
            except DatabaseError as exc:
                # Nothing was acknowledged: the broker keeps the messages if we die waiting.
                error, seconds = str(exc).strip()[:200], int(delay)
                self.say(
                    lambda: (
                        _("The database failed (%(error)s); retrying in %(s)s s.")
                        % {"error": error, "s": seconds}  # noqa: B023 - called at once
                    )
                )
                close_old_connections()
                if self.stopping.wait(delay):
                    return
                delay = min(RETRY_MAX, delay * 2)
        for result in results:
            self.totals[result.outcome] += 1
        for message in batch:
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)


def default_client_id() -> str:
    return f"kanmin-disaster-{socket.gethostname()}"[:64]
