"""The PC/SC reader against the real pcscd with vpcd virtual cards."""

from __future__ import annotations

import pytest

from drivers.base import DeviceError, Status
from drivers.smartcard.device import SmartCardReader
from simulators.smartcard.cards import DEFAULT_PERSON
from tests.smartcard_fixtures import Recorder

pytestmark = pytest.mark.pcsc

SS_READER = "Virtual PCD 00 00"
STAFF_READER = "Virtual PCD 00 01"
FAST = {"wait_interval": 0.1, "reconnect_interval": 0.1}


@pytest.fixture
def reader(slots, tmp_path):
    from drivers.base import Counters

    device = SmartCardReader("sscard", SS_READER, Counters(tmp_path / "counters.json"), options=FAST)
    events = Recorder()
    device.subscribe(events)
    device.open()
    try:
        yield device, events, slots
    finally:
        device.close()


@pytest.mark.parametrize("card", ["social_security", "social_security_v2", "social_security_mf",
                                  "social_security_chained"])
def test_every_variant_reads_through_pcscd(reader, card):
    device, events, sim = reader
    sim.control("insert", card=card)
    record = events.kind("record").data
    assert (record.card_type.value, record.id_number, record.name) == \
        ("social_security", DEFAULT_PERSON["id_number"], "王秀英")
    assert record.card_version == ("2.00" if card in ("social_security_v2", "social_security_mf") else "3.00")
    assert device.state.detail["card_present"] is True


def test_insert_and_remove_events(reader):
    device, events, sim = reader
    assert device.status is Status.ONLINE and device.state.detail == {"card_present": False}
    sim.control("insert", card="social_security")
    events.kind("record")
    sim.control("remove")
    events.kind("card_removed")
    assert events.kinds() == ["card_present", "record", "card_removed"]
    assert device.state.detail == {"card_present": False}
    assert device.counters.get("reads") == 1


@pytest.mark.parametrize("card,code,words", [
    ("social_security_expired", "expired", "expired on"),
    ("blank", "not_social_security", "not a social security card"),
    ("staff", "not_social_security", "not a social security card"),
])
def test_unusable_cards_give_a_clear_error_and_no_record(reader, card, code, words):
    device, events, sim = reader
    sim.control("insert", card=card, reader="social_security")
    error = events.error()
    assert error.code == code and words in error.what
    assert "record" not in events.kinds()
    assert device.status is Status.ONLINE  # the reader is fine; the card is not


def test_card_pulled_out_mid_read(reader):
    device, events, sim = reader
    sim.control("insert", card="social_security", remove_after=5)
    error = events.error()
    assert error.code == "removed_mid_read" and "pulled out" in error.what
    events.kind("card_removed")
    assert "record" not in events.kinds()
    assert device.counters.get("removed_mid_read") == 1
    mark = events.mark()
    sim.control("insert", card="social_security")
    assert events.kind("record", after=mark).data.name == "王秀英"


def test_random_replies_never_stop_the_reader(reader):
    """Fuzzing cards through pcscd and vpcd (replies of 1 to 300 bytes,
    61xx/6Cxx storms, mute cards): each read ends in an error or a record,
    and the reader still reads a good card afterwards.  The codec tests
    throw thousands more at the same code without pcscd."""
    device, events, sim = reader
    for seed in range(6):
        mark = events.mark()
        sim.control("insert", card="fuzz", seed=seed)
        events.wait(lambda e: isinstance(e, DeviceError) or getattr(e, "kind", None) == "record", after=mark)
        sim.control("remove")
        events.kind("card_removed", after=mark)
    mark = events.mark()
    sim.control("insert", card="social_security")
    assert events.kind("record", after=mark).data.id_number == DEFAULT_PERSON["id_number"]
    assert device.status is Status.ONLINE


def test_pcscd_stopped_and_restarted_while_the_kiosk_runs(reader):
    device, events, sim = reader
    if not sim.pcscd.owned:
        pytest.skip("pcscd was already running when the tests started; it is not the tests' to stop")
    sim.control("insert", card="social_security")
    events.kind("record")
    mark = events.mark()
    sim.control("stop_pcscd")
    changed = events.status("hardware_error", after=mark)
    assert changed.new.detail["reason"] == "pcscd_not_running"
    error = events.error(after=mark)
    assert error.code == "pcscd_down" and "pcscd is not running" in error.what
    assert "card_removed" in events.kinds()[-2:]
    assert "pcscd" in device.check_health("internal")
    sim.control("start_pcscd")
    events.status("online", after=mark, timeout=10)
    # the card stayed in the slot: it is seen and read again
    assert events.kind("record", after=mark, timeout=10).data.name == "王秀英"
    assert device.counters.get("pcscd_outages") == 1


def test_open_without_pcscd_is_hardware_error(slots):
    if not slots.pcscd.owned:
        pytest.skip("pcscd was already running when the tests started; it is not the tests' to stop")
    slots.control("stop_pcscd")
    try:
        device = SmartCardReader("sscard", SS_READER, options=FAST)
        events = Recorder()
        device.subscribe(events)
        device.open()
        try:
            assert device.status is Status.HARDWARE_ERROR
            assert events.error().code == "pcscd_down"
        finally:
            device.close()
    finally:
        slots.control("start_pcscd")


def test_health_checks(reader):
    device, events, sim = reader
    assert device.check_health("internal") == "OK"
    assert "no card in the reader" in device.check_health("external")
    sim.control("insert", card="social_security")
    events.kind("record")
    assert device.check_health("external") == "OK (ATR 3B 6C 00 00 0A 0B 0C 0D 0E 0F 56 53 43 43)"


def test_absent_reader_is_no_device(slots):
    device = SmartCardReader("sscard", "Virtual PCD 00 07", options=FAST)
    device.open()
    try:
        assert device.status is Status.NO_DEVICE
        health = device.check_health("internal")
        assert "not found" in health and SS_READER in health
    finally:
        device.close()


def test_a_self_test_holding_the_reader_delays_the_read(reader):
    device, events, sim = reader
    with device.exclusive("self-test"):
        sim.control("insert", card="social_security")
        events.kind("card_present")
        assert "record" not in events.kinds()
    events.kind("record")


def test_read_again_and_reminder(reader):
    device, events, sim = reader
    sim.control("insert", card="social_security")
    events.kind("record")
    mark = events.mark()
    device.read_again()
    events.kind("record", after=mark)
    assert device.remind_if_present() is True
    assert device.remind_if_present() is False
    assert events.kinds().count("card_left") == 1


def test_staff_card_uid(slots):
    device = SmartCardReader("staffcard", STAFF_READER, options={**FAST, "reads": "staff_uid"})
    events = Recorder()
    device.subscribe(events)
    device.open()
    try:
        slots.control("insert", card="staff", uid="04112233445566")
        assert events.kind("staff_card").data == bytes.fromhex("04112233445566")
    finally:
        device.close()
