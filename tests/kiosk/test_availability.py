"""What the screens may offer, as a table: device states in, step modes out."""

from __future__ import annotations

import pytest

from drivers.base import Status
from kiosk.devices.availability import Availability
from kiosk.devices.availability import decide as decide_records
from kiosk.devices.owner import DeviceRecord
from kiosk.flows.services import BY_KEY, SERVICES, Step


def decide(devices_by_kind, reach=None):
    """The rules fed as the owner feeds them: one record per device; the
    smart-card readers here read social security cards."""
    records = []
    for kind, statuses in devices_by_kind.items():
        caps = ["social_security_card"] if kind == "smartcard" else []
        records += [DeviceRecord(f"{kind}{i}", f"{kind}.x", kind, "-", status.value, info={"capabilities": caps})
                    for i, status in enumerate(statuses)]
    return decide_records(records, reach)


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


def test_a_staff_card_reader_is_no_way_for_a_resident_to_identify():
    staff = DeviceRecord("staffcard", "smartcard.pcsc", "smartcard", "Virtual PCD 00 01", "online",
                         info={"capabilities": ["staff_card_uid"]})
    ssc = DeviceRecord("smartcard", "smartcard.pcsc", "smartcard", "Virtual PCD 00 00", "online",
                       info={"capabilities": ["social_security_card"]})
    approval = BY_KEY["approval"]
    assert decide_records([staff]).offers(approval, social_security_allowed=True).mode(Step.IDENTIFY) == "counter"
    assert decide_records([staff, ssc]).offers(approval, social_security_allowed=True).mode(Step.IDENTIFY) \
        == "social_security"
    disabled = DeviceRecord("printer", "printer.escpos", "printer", "-", "disabled")
    assert not decide_records([disabled]).slip


def test_every_capability_a_kind_offers_is_one_the_rules_know():
    from kiosk.devices import kinds
    from kiosk.devices.availability import CAPABILITIES

    offered = {o.what for k in kinds.all_kinds() for o in k.offers}
    assert offered == CAPABILITIES  # none unknown (a typo would never count), none that no kind offers
