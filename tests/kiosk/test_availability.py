"""What the screens may offer, as a table: device states in, step modes out."""

from __future__ import annotations

import pytest

from drivers.base import Status
from kiosk.availability import Availability, decide
from kiosk.flows.services import BY_KEY, SERVICES, Step

ON, OFF, ERR, BUSY, UNK = Status.ONLINE, Status.OFFLINE, Status.USER_ERROR, Status.BUSY, Status.UNKNOWN
ALL_WELL = {"idcard": [ON], "printer": [ON], "camera": [ON], "smartcard": [ON], "health": [ON, ON]}


def with_(**kinds):
    return {**ALL_WELL, **kinds}


# (devices by kind, platform reachable, social security allowed by the matter) ->
# (identify, papers, slip, submit)
TABLE = [
    ("all well", ALL_WELL, True, False, ("id_card", "scan", "print", "online")),
    ("printer out of paper", with_(printer=[ERR]), True, False, ("id_card", "scan", "note_number", "online")),
    ("printer busy printing", with_(printer=[BUSY]), True, False, ("id_card", "scan", "print", "online")),
    ("printer silent", with_(printer=[UNK]), True, False, ("id_card", "scan", "note_number", "online")),
    ("no printer configured", {k: v for k, v in ALL_WELL.items() if k != "printer"}, True, False,
     ("id_card", "scan", "note_number", "online")),
    ("ID reader down, matter refuses the SSC", with_(idcard=[OFF]), True, False,
     ("counter", "scan", "print", "online")),
    ("ID reader down, matter accepts the SSC", with_(idcard=[OFF]), True, True,
     ("social_security", "scan", "print", "online")),
    ("ID reader and SSC reader down", with_(idcard=[ERR], smartcard=[OFF]), True, True,
     ("counter", "scan", "print", "online")),
    ("one of two ID readers down", with_(idcard=[OFF, ON]), True, False, ("id_card", "scan", "print", "online")),
    ("camera down", with_(camera=[Status.NO_DEVICE]), True, False, ("id_card", "bring_to_counter", "print", "online")),
    ("platform unreachable", ALL_WELL, False, False, ("id_card", "scan", "print", "queued")),
    ("platform not known yet", ALL_WELL, None, False, ("id_card", "scan", "print", "queued")),
    ("everything down", {}, False, True, ("counter", "bring_to_counter", "note_number", "queued")),
]


@pytest.mark.parametrize("what,devices,reach,ssc,expected", TABLE, ids=[row[0] for row in TABLE])
def test_filing_a_matter(what, devices, reach, ssc, expected):
    offer = decide(devices, reach).offers(BY_KEY["approval"], social_security_allowed=ssc)
    identify, papers, slip, submit = expected
    assert offer.usable, what
    assert offer.mode(Step.IDENTIFY) == identify
    assert offer.mode(Step.PAPERS) == papers
    assert offer.mode(Step.SUBMIT) == f"{submit}+{slip}"


def test_the_health_check_needs_a_measuring_device_and_nothing_else():
    assert decide(ALL_WELL, True).offers(BY_KEY["health"]).usable
    assert decide(with_(printer=[ERR], camera=[OFF]), False).offers(BY_KEY["health"]).mode(Step.RESULT) \
        == "note_number"
    assert not decide(with_(health=[OFF, Status.HARDWARE_ERROR]), True).offers(BY_KEY["health"]).usable
    assert decide(with_(health=[OFF, ON]), True).health_devices == 1


def test_every_service_is_still_offered_with_only_the_screen_working():
    """No device at all: every service but the health check still runs
    (guide printed -> noted, identity -> counter), none is a dead end."""
    nothing = decide({}, None)
    for svc in SERVICES:
        assert nothing.offers(svc).usable == (svc.key != "health")
    assert nothing == Availability()
