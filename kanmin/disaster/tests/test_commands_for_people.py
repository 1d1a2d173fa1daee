"""What ``kanmin disaster listen`` and ``kanmin disaster backtest`` say when something typed is
wrong: what is wrong and what to do, in Japanese or English, before anything is connected."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kanmin.disaster import services
from kanmin.disaster.mqtt import Broker
from kanmin.disaster.tests import factories
from kanmin.disaster.tests.test_criteria import T0, h

pytestmark = pytest.mark.django_db


def _refused(command: str, *args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(command, *args, stdout=io.StringIO())
    return str(refused.value)


@pytest.mark.parametrize(
    ("broker", "lang", "expected"),
    [
        ("mqtt://127.0.0.1:notaport", "en", "Give the broker as mqtt://host:port"),
        ("mqtt://127.0.0.1:99999", "en", "Give the broker as mqtt://host:port"),
        ("mqtt://127.0.0.1:notaport", "ja", "mqtt://ホスト:ポート"),
    ],
)
def test_a_broker_address_typed_wrong_says_how_to_write_it(broker, lang, expected):
    message = _refused("disaster_listen", "--broker", broker, "--lang", lang)
    assert expected in message and "cast to integer" not in message


def test_the_listener_refuses_a_municipality_code_it_cannot_serve(miyakonojo: Any) -> None:
    # A code that cannot be one: its check digit or prefecture, in the chosen language.
    assert "prefecture code" in _refused(
        "disaster_listen", "--municipality", "999999", "--lang", "en"
    )
    assert "都道府県コード" in _refused("disaster_listen", "--municipality", "999999")
    # A real code of a municipality this deployment does not hold: what to do about it.
    message = _refused("disaster_listen", "--municipality", "131016", "--lang", "en")
    assert "131016" in message and "kanmin tenant add" in message
    assert "kanmin tenant add" in _refused("disaster_listen", "--municipality", "131016")


def test_broker_parse_keeps_its_one_message() -> None:
    with pytest.raises(ValueError, match="mqtt://"):
        Broker.parse("mqtt://host:port")
    assert Broker.parse("mqtt://127.0.0.1").port == 1883


def test_one_event_is_one_event(miyakonojo: Any) -> None:
    station = factories.station(miyakonojo, code="one")
    services.reference_levels_set(
        municipality=miyakonojo,
        actor=None,
        station=station,
        standby="1.0",
        caution="2.0",
        evacuation="3.0",
        danger="4.0",
        valid_from=T0.replace(year=2020),
    )
    levels = [0.5, 0.8, 1.2, 1.8, 2.4, 1.6, 0.9, 0.6] + [0.5] * 12
    services.observation_history_add(
        municipality=miyakonojo,
        station=station,
        readings=[(h(i), str(v)) for i, v in enumerate(levels)],
    )
    out = io.StringIO()
    args = ("--municipality", "452025", "--station", "one", "--lang", "en")
    call_command("disaster_backtest", *args, stdout=out)
    assert "1 event (at or above 1.00 m)" in out.getvalue()
