"""The reader against the simulated SAM on a real pty: every card type,
the wiring of the presence rules (the rules themselves are walked with plain
values in test_idcard_presence.py), every fault mode, unplug/replug."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from drivers.base import Action, Counters, DeviceError, DeviceEvent, OptionError, Status
from drivers.idcard.device import IdCardReader
from drivers.idcard.records import CardType


@pytest.mark.parametrize("card,kind,name", [
    ("resident", CardType.RESIDENT, "李秀英"),
    ("hk_mo_tw", CardType.HK_MO_TW, "陈家明"),
    ("foreign_2017", CardType.FOREIGN_2017, "史密斯"),
    ("foreign_2023", CardType.FOREIGN_2023, "马丽娅"),
])
def test_reads_every_card_type(sim, reader, recorder, card, kind, name):
    assert reader.status == Status.ONLINE
    sim.control("place_card", card=card)
    recorder.wait_kind("record")
    record = recorder.records()[0]
    assert record.card_type is kind and record.name == name and record.id_number_valid
    assert len(record.photo) == 1024
    assert recorder.kinds()[:2] == ["card_present", "record"]
    assert reader.counters.get("reads") == 1


def test_card_placed_removed_and_placed_again(sim, reader, recorder):
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    assert reader.card_present and reader.state.detail["card_present"] is True
    sim.control("remove_card")
    recorder.wait_kind("card_removed")
    assert not reader.card_present and reader.state.detail["card_present"] is False
    sim.control("place_card", card="resident")
    recorder.wait_kind("record", 2)
    assert recorder.kinds() == ["card_present", "record", "card_removed", "card_present", "record"]


def test_card_swapped_between_polls_is_read(sim, make_reader, recorder):
    make_reader(poll_interval=0.3)
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    sim.control("place_card", card="foreign_2017")  # no gap at all
    recorder.wait_kind("record", 2)
    assert [r.card_type.value for r in recorder.records()] == ["resident", "foreign_2017"]
    assert "card_removed" in recorder.kinds()


def test_card_left_reminder_once_per_card(sim, reader, recorder):
    assert reader.remind_if_present() is False
    sim.control("place_card", card="hk_mo_tw")
    recorder.wait_kind("record")
    assert reader.remind_if_present() is True
    assert reader.remind_if_present() is False
    assert recorder.kinds().count("card_left") == 1
    sim.control("remove_card")
    recorder.wait_kind("card_removed")
    assert reader.remind_if_present() is False
    sim.control("place_card", card="resident")
    recorder.wait_kind("record", 2)
    assert reader.remind_if_present() is True
    assert recorder.kinds().count("card_left") == 2


def test_health_checks_and_info(reader):
    assert reader.check_health("internal") == "OK"
    assert reader.check_health("external") == "OK (SAM ID 05.01-20101225-0012345678-1234567890)"
    assert reader.info.serial == "05.01-20101225-0012345678-1234567890"
    assert reader.info.supports("read_base_info")


def test_fragmented_replies(sim, reader, recorder):
    sim.control("set_fault", mode="fragmented")
    sim.control("place_card", card="foreign_2023")
    recorder.wait_kind("record")
    assert recorder.records()[0].name_en == "GONZALEZ MARTINEZ, MARIA DEL CARMEN ALEJANDRA"
    assert not recorder.errors()


def test_garbage_before_replies(sim, reader, recorder):
    sim.control("set_fault", mode="garbage")
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    assert recorder.records()[0].id_number == "120101195001011281"


def test_one_corrupted_checksum_is_retried(sim, reader, recorder):
    sim.control("place_card", card="resident")
    recorder.wait_kind("card_present")
    # corrupt the next reply, whichever command it answers
    sim.control("set_fault", mode="bad_checksum", count=1)
    recorder.wait_kind("record")
    assert reader.counters.get("comm_errors") >= 1
    assert recorder.records()[0].name == "李秀英"


def test_persistent_corruption_then_recovery_serves_next_card(sim, reader, recorder):
    sim.control("set_fault", mode="bad_checksum")
    recorder.wait_status("unknown", timeout=8)
    assert reader.counters.get("comm_errors") >= 3
    error = recorder.wait(lambda e: isinstance(e, DeviceError) and "does not answer" in e.what)
    assert "checksum" in error.what and "校验" in error.what
    sim.control("clear_fault")
    recorder.wait_transition("unknown", "online")
    sim.control("place_card", card="foreign_2017")
    recorder.wait_kind("record")


def test_no_reply_times_out_and_recovers(sim, reader, recorder):
    sim.control("set_fault", mode="no_reply", count=2)
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    assert reader.counters.get("comm_errors") >= 2


def test_selftest_failure_is_hardware_error_and_recovers(sim, make_reader, recorder):
    sim.control("set_fault", mode="selftest_fail")
    reader = make_reader()
    assert reader.status == Status.HARDWARE_ERROR
    error = recorder.errors()[0]
    assert error.action == Action.MAINTENANCE and "SW3 60" in error.what and "自检" in error.what
    assert "SAM" in reader.check_health("internal") and "60" in reader.check_health("internal")
    sim.control("clear_fault")
    recorder.wait_transition("hardware_error", "online")
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")


def test_selftest_failure_while_running(sim, reader, recorder, wait_commands):
    sim.control("set_fault", mode="selftest_fail")
    recorder.wait_transition("online", "hardware_error", timeout=8)
    assert reader.state.detail.get("sw3") == "60"
    error = recorder.wait(lambda e: isinstance(e, DeviceError) and e.action == Action.MAINTENANCE)
    assert "SW3 60" in error.what and "self-test" in error.what
    sim.control("place_card", card="resident")
    wait_commands(6)  # several polls: a failed SAM reads no card and reports the fault once
    assert recorder.records() == [] and len(recorder.errors()) == 1
    sim.control("clear_fault")
    recorder.wait_transition("hardware_error", "online")
    recorder.wait_kind("record")


def test_card_removed_mid_read_then_next_card(sim, reader, recorder):
    sim.control("set_fault", mode="removed_mid_read", count=1)
    sim.control("place_card", card="resident")
    recorder.wait_kind("card_removed")
    assert recorder.records() == []
    errors = recorder.errors()
    assert errors and errors[0].action == Action.CLEAR and "41" in errors[0].what
    assert reader.counters.get("read_failures") == 1
    sim.control("place_card", card="hk_mo_tw")
    recorder.wait_kind("record")
    assert recorder.records()[0].card_type is CardType.HK_MO_TW


def test_unplug_and_replug(sim, reader, recorder):
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    sim.control("unplug")
    recorder.wait_status("no_device")
    assert "card_removed" in recorder.kinds()
    assert "no ID card reader" in reader.check_health("internal") or "disconnected" in reader.check_health()
    error = recorder.wait(lambda e: isinstance(e, DeviceError) and e.code == "unplugged")
    assert error.action == Action.AUTO and "disconnected" in error.what
    sim.control("remove_card")
    sim.control("replug")
    recorder.wait_transition("no_device", "online")
    sim.control("place_card", card="foreign_2023")
    recorder.wait_kind("record", 2)
    assert recorder.records()[1].card_type is CardType.FOREIGN_2023


def test_no_port_is_no_device_and_comes_up_when_it_appears(sim, make_reader, recorder):
    sim.control("unplug")
    reader = make_reader()
    assert reader.status == Status.NO_DEVICE
    assert "no ID card reader" in reader.check_health()
    sim.control("replug")
    recorder.wait_transition("no_device", "online")


def test_fingerprint_option_reads_30_10(sim, make_reader, recorder):
    reader = make_reader(fingerprint=True)
    assert reader.info.supports("fingerprint")
    sim.control("place_card", card="resident", fingerprint_bytes=1024)
    recorder.wait_kind("record")
    assert len(recorder.records()[0].fingerprint) == 1024


def test_slow_sam_processing_within_read_timeout(sim, make_reader, recorder):
    make_reader(read_timeout=2.0)
    sim.control("set_delay", seconds=0.25)
    sim.control("place_card", card="resident")
    recorder.wait_kind("record", timeout=8)
    assert recorder.records()[0].valid_from == dt.date(2015, 1, 1)


def test_close_stops_threads_and_goes_offline(sim, make_reader):
    import threading

    before = {t.name for t in threading.enumerate()}
    reader = make_reader()
    reader.close()
    assert reader.status == Status.OFFLINE
    leftover = {t.name for t in threading.enumerate()} - before
    assert not leftover


@pytest.mark.parametrize("options,key", [
    ({"poll_interval": 0}, "poll_interval"),
    ({"poll_interval": "fast"}, "poll_interval"),
    ({"retries": 1.5}, "retries"),
    ({"baudrate": 12345}, "baudrate"),
    ({"fingerprint": "yes"}, "fingerprint"),
    ({"colour": "red"}, "colour"),
])
def test_bad_options_name_the_key(options, key):
    with pytest.raises(OptionError) as e:
        IdCardReader.check_options(options)
    assert e.value.key == key


def test_from_config(tmp_path):
    cfg = SimpleNamespace(name="idcard", driver="idcard.sam", port="/dev/ttyUSB9", url=None, enabled=True,
                          options={"poll_interval": 0.5})
    reader = IdCardReader.from_config("idcard", cfg, Counters(tmp_path / "c.json"))
    assert reader.port == "/dev/ttyUSB9" and reader.poll_interval == 0.5 and reader.retries == 2
    assert IdCardReader.transports == frozenset({"serial"}) and IdCardReader.device_class == "idcard"
    with pytest.raises(OptionError):
        IdCardReader.from_config("idcard", SimpleNamespace(port=None, options={}), Counters(None))


def test_record_event_repr_hides_the_record(sim, reader, recorder):
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    event = next(e for e in recorder.events if isinstance(e, DeviceEvent) and e.kind == "record")
    assert "李秀英" not in repr(event) and "1281" not in repr(event)


def test_read_again_delivers_the_card_still_on_the_reader(sim, reader, recorder):
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    reader.read_again()
    recorder.wait_kind("record", 2)
    assert recorder.kinds() == ["card_present", "record", "record"]


def test_sam_that_stops_finding_a_read_card(sim, reader, recorder, wait_commands):
    """Some SAMs answer "no card" to find once a card has been read, until it
    is lifted; the card is still there and must not be reported removed."""
    sim.control("set_model", find_after_read="fails")
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    wait_commands(8)  # finds that miss it, each followed by a select that keeps it
    trace = sim.control("status")["trace"]
    assert any(t["cmd"] == "2001" and t["sw3"] == "80" for t in trace)  # find really failed
    assert recorder.kinds() == ["card_present", "record"]
    assert reader.remind_if_present() is True
    sim.control("remove_card")
    recorder.wait_kind("card_removed")
    sim.control("place_card", card="resident")
    recorder.wait_kind("record", 2)


def test_late_reply_is_never_taken_for_the_next_command(sim, reader, recorder, wait_commands):
    """The reply to a timed-out find arrives while the reader waits for the
    retry's answer; the retry's own reply then arrives while it waits for
    select.  A reader that took that stray find reply as the card's serial
    would see a "different" card on the next poll and report it twice."""
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    sim.control("remove_card")
    recorder.wait_kind("card_removed")
    # a find times out (command_timeout 0.3 s) before its reply comes
    sim.control("set_fault", mode="late_reply", count=1, seconds=0.45)
    sim.control("place_card", card="foreign_2017")
    recorder.wait_kind("record", 2)
    wait_commands(6)  # several more polls with the card still there
    assert recorder.kinds() == ["card_present", "record", "card_removed", "card_present", "record"]
    assert reader.counters.get("comm_errors") >= 1
    assert recorder.records()[1].card_type is CardType.FOREIGN_2017
