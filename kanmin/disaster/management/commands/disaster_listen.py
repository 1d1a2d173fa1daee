"""``kanmin disaster listen [--broker mqtt://host:port]``: store readings from MQTT devices.

Runs until stopped (Ctrl-C or SIGTERM: what was received is stored first). See
``kanmin.disaster.mqtt`` for how each reading is stored exactly once.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kanmin.core import conf
from kanmin.disaster.mqtt import Broker, Listener, default_client_id


class Command(BaseCommand):
    help = "Store sensor readings published to an MQTT broker, each exactly once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--broker",
            default=None,
            help="mqtt://[user:password@]host:port (default: KANMIN_MQTT_BROKER)",
        )
        parser.add_argument(
            "--client-id",
            default=None,
            help="fixed client id that names the persistent session (default: "
            "kanmin-disaster-<host name>); keep it across restarts",
        )
        parser.add_argument(
            "--municipality",
            default=None,
            help="only this municipality's topics: its code (全国地方公共団体コード), e.g. 452025",
        )
        parser.add_argument(
            "--share",
            default=None,
            help="share the subscription with other listeners of this group ($share/GROUP/…)",
        )
        parser.add_argument(
            "--topic-root", default="kanmin", help="first level of the topics (default kanmin)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="readings stored in one transaction at most (default 500)",
        )
        parser.add_argument(
            "--batch-wait", type=float, default=0.2, help="seconds to gather a batch"
        )
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=7 * 86400,
            help="seconds the broker keeps the session while the listener is away (default 7 days)",
        )
        parser.add_argument(
            "--lang",
            choices=("ja", "en"),
            default="ja",
            help="language of the messages (default ja)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            try:
                broker = Broker.parse(options["broker"] or conf.get("KANMIN_MQTT_BROKER"))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            if options["municipality"]:
                # A code typed wrong would subscribe to a topic no device publishes to, and the
                # listener would wait for good in silence: say so before connecting.
                options["municipality"] = _municipality_code(options["municipality"])

            def say(text: str) -> None:
                self.stdout.write(text)
                self.stdout.flush()

            listener = Listener(
                broker=broker,
                client_id=options["client_id"] or default_client_id(),
                root=options["topic_root"],
                municipality=options["municipality"],
                share=options["share"],
                batch_size=options["batch_size"],
                batch_wait=options["batch_wait"],
                session_expiry=options["session_expiry"],
                say=say,
            )

            def stop(_signum: int, _frame: Any) -> None:
                listener.stop()

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            listener.run()
            totals = listener.totals
            say(
                _(
                    "Stopped: %(stored)s stored, %(duplicate)s duplicates, "
                    "%(corrected)s corrections, %(refused)s refused."
                )
                % {k: totals.get(k, 0) for k in ("stored", "duplicate", "corrected", "refused")}
            )
            sys.stdout.flush()


def _municipality_code(code: str) -> str:
    """The code of a municipality of this deployment, or a CommandError saying what is wrong
    (in the active language)."""
    from kanmin.core import selectors as core_selectors
    from kanmin.core.errors import KanminError
    from kanmin.core.lg_code import LgCodeError, validate_lg_code

    try:
        code = validate_lg_code(code)
    except LgCodeError as exc:
        english = (translation.get_language() or "ja").startswith("en")
        raise CommandError(exc.message_en if english else exc.message_ja) from None
    try:
        core_selectors.municipality_get(lg_code=code)
    except KanminError as exc:
        raise CommandError(
            _("%(problem)s Add it with `kanmin tenant add CODE NAME`, or check the code.")
            % {"problem": exc.message}
        ) from None
    return code
