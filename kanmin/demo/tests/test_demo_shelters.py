"""The demo's shelters: a dozen designated places inside the city, marked as fictional, and
the openings of two past typhoons, each on the order it answered, with their counts."""

from __future__ import annotations

import io

import pytest

from kanmin import standards
from kanmin.core import datasets
from kanmin.core.models import Municipality
from kanmin.demo import data, disaster
from kanmin.disaster import selectors

pytestmark = pytest.mark.django_db


def test_the_demo_shelters_and_their_openings(miyakonojo: Municipality) -> None:
    main = next(s for s in disaster.STATIONS if s.code == disaster.MAIN_STATION)
    disaster._station(main, municipality=miyakonojo, actor=None)
    disaster.record_demo_decisions(municipality=miyakonojo, actor=None)
    assert disaster.shelters_build(municipality=miyakonojo) == {"shelters": 13, "openings": 5}
    south, west, north, east = data.MUNICIPALITY_AREA
    states = selectors.shelter_states(municipality=miyakonojo)
    assert len(states) == 13
    for state in states:
        shelter = state.shelter
        assert south < float(shelter.latitude) < north and west < float(shelter.longitude) < east
        assert "デモ" in shelter.note and not state.is_open
    assert sum(s.shelter.welfare for s in states) == 1
    openings = list(selectors.shelter_openings(municipality=miyakonojo))
    assert len(openings) == 5
    for opening in openings:
        assert opening.decision is not None and opening.decision.action == "issue"
        assert opening.decision.decided_at <= opening.opened_at < opening.closed_at
    # One filled up (庄内地区公民館, August 2024): the pages then say "full".
    full = [o.shelter.code for o in openings if o.peak_evacuees >= o.shelter.capacity]
    assert full == ["452025-0007"]
    # The open data of the demo passes the standard's own check.
    provider = datasets.by_slug("evacuation_space")
    report = standards.validate_table(
        io.BytesIO(datasets.rows_csv(provider, miyakonojo)), "evacuation_space", workers=1
    )
    assert report.valid and report.rows == 12, [i.message("en") for i in report.errors]
    # Running it again adds nothing.
    assert disaster.shelters_build(municipality=miyakonojo) == {"shelters": 0, "openings": 0}
