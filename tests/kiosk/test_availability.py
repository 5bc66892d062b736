"""What the screens may offer, as a table: device states in, step modes out."""

from __future__ import annotations

import pytest

from drivers.base import Status
from kiosk.devices.availability import Availability
from kiosk.devices.availability import decide as decide_records
from kiosk.devices.owner import DeviceRecord


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
    available = decide(devices, reach)
    identify, papers, slip, submit = expected
    assert available.identify(ssc).value == identify, what
    assert available.papers.value == papers
    assert (available.slip_mode.value, available.submit.value) == (slip, submit)


def test_the_health_check_needs_a_measuring_device_and_nothing_else():
    assert decide(ALL_WELL, True).measure.value == "measure"
    assert decide(with_(printer=[ERR], camera=[OFF]), False).measure.value == "measure"
    assert decide(with_(health=[OFF, Status.HARDWARE_ERROR]), True).measure.value == "unavailable"
    assert decide(with_(health=[OFF, ON]), True).health_devices == 1


def test_with_only_the_screen_working_nothing_is_a_dead_end():
    """No device at all: identity at the counter, papers to the counter, the
    number to note down, the filing queued."""
    nothing = decide({}, None)
    assert nothing == Availability()
    assert (nothing.identify(True).value, nothing.papers.value, nothing.slip_mode.value, nothing.submit.value) == (
        "counter", "bring_to_counter", "note_number", "queued")


def test_a_staff_card_reader_is_no_way_for_a_resident_to_identify():
    staff = DeviceRecord("staffcard", "smartcard.pcsc", "smartcard", "Virtual PCD 00 01", "online",
                         info={"capabilities": ["staff_card_uid"]})
    ssc = DeviceRecord("smartcard", "smartcard.pcsc", "smartcard", "Virtual PCD 00 00", "online",
                       info={"capabilities": ["social_security_card"]})
    assert decide_records([staff]).identify(social_security_allowed=True).value == "counter"
    assert decide_records([staff, ssc]).identify(social_security_allowed=True).value == "social_security"
    disabled = DeviceRecord("printer", "printer.escpos", "printer", "-", "disabled")
    assert not decide_records([disabled]).slip


def test_every_capability_a_kind_offers_is_one_the_rules_know():
    from kiosk.devices import kinds
    from kiosk.devices.availability import CAPABILITIES

    offered = {o.what for k in kinds.all_kinds() for o in k.offers}
    assert offered == CAPABILITIES  # none unknown (a typo would never count), none that no kind offers
