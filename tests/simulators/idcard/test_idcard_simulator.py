"""The SAM simulator seen from the wire: pyserial on its pty, raw frames."""

from __future__ import annotations

import os
import threading
import time

import pytest
import serial

from drivers.idcard import cardtext, codec
from drivers.idcard.codec import FrameDecoder, encode_command
from simulators.idcard import FAULTS, IdCardSimulator, cards


@pytest.fixture
def sim(tmp_path):
    s = IdCardSimulator(tmp_path, card_delay=0.01, seed=5)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def port(sim):
    p = serial.Serial(sim.where(), 115200, timeout=0.05)
    yield p
    p.close()


def exchange(port: serial.Serial, frame: bytes, timeout: float = 2.0) -> tuple[codec.Reply, list[bytes], float]:
    """Send ``frame``; return the reply, the chunks it arrived in, and the time taken."""
    port.reset_input_buffer()
    dec = FrameDecoder()
    chunks: list[bytes] = []
    start = time.monotonic()
    port.write(frame)
    deadline = start + timeout
    while time.monotonic() < deadline:
        data = port.read(port.in_waiting or 1)
        if not data:
            continue
        chunks.append(data)
        dec.feed(data)
        frames = list(dec.events())
        if frames:
            return frames[0], chunks, time.monotonic() - start
    raise AssertionError("no reply")


def test_find_card_bytes_exactly_as_published(sim, port):
    port.write(bytes.fromhex("AA AA AA 96 69 00 03 20 01 22"))
    got = b""
    deadline = time.monotonic() + 2
    while len(got) < 11 and time.monotonic() < deadline:
        got += port.read(11 - len(got))
    assert got == bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")
    sim.control("place_card", card="resident")
    port.write(bytes.fromhex("AA AA AA 96 69 00 03 20 01 22"))
    got = b""
    while len(got) < 15 and time.monotonic() < deadline + 2:
        got += port.read(15 - len(got))
    assert got == bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")


def test_full_read_sequence_and_line_timing(sim, port):
    sim.control("place_card", card="foreign_2023")
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x9F
    sel = exchange(port, encode_command(*codec.SELECT_CARD))[0]
    assert sel.sw3 == 0x90 and sel.data == cards.uid(cards.CARDS["foreign_2023"])
    reply, chunks, took = exchange(port, encode_command(*codec.READ_BASE))
    assert reply.size == 1295
    record = cardtext.parse_base_info(reply.raise_for_status().data)
    assert record.name == "马丽娅"
    # a pty is instant; the simulator must not be faster than 115200 baud
    line_time = (10 + 1295) * 10 / 115200
    assert took >= line_time + 0.01 - 0.002
    assert len(chunks) > 5  # paced, not one burst


def test_sam_commands(sim, port):
    assert exchange(port, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x90
    assert exchange(port, encode_command(*codec.RESET_SAM))[0].sw3 == 0x90
    sam_id = exchange(port, encode_command(*codec.READ_SAM_ID))[0]
    assert codec.format_sam_id(sam_id.data) == "05.01-20101225-0012345678-1234567890"
    assert exchange(port, encode_command(0x60, 0x00))[0].sw3 == 0x90
    assert exchange(port, encode_command(0x60, 0x09))[0].sw3 == 0x21
    assert exchange(port, encode_command(0x61, 0xFF, b"\x50"))[0].sw3 == 0x90
    assert exchange(port, encode_command(0x77, 0x01))[0].sw3 == 0x21


def test_host_frame_with_bad_checksum_gets_sw3_10(sim, port):
    bad = encode_command(*codec.FIND_CARD)[:-1] + b"\x00"
    assert exchange(port, bad)[0].sw3 == 0x10


def test_no_card_and_unselected_reads(sim, port):
    assert exchange(port, encode_command(*codec.SELECT_CARD))[0].sw3 == 0x81
    assert exchange(port, encode_command(*codec.READ_BASE))[0].sw3 == 0x41
    sim.control("place_card", card="resident")
    assert exchange(port, encode_command(*codec.READ_BASE))[0].sw3 == 0x41  # not selected yet
    assert exchange(port, encode_command(*codec.READ_ADDRESS))[0].sw3 == 0x91


def test_newest_address(sim, port):
    sim.control("place_card", card="resident", new_address="天津市红桥区新地址1号")
    reply = exchange(port, encode_command(*codec.READ_ADDRESS))[0]
    assert cardtext.parse_address(reply.data) == "天津市红桥区新地址1号"


def test_fingerprint_read(sim, port):
    sim.control("place_card", card="resident", fingerprint_bytes=512)
    exchange(port, encode_command(*codec.SELECT_CARD))
    reply = exchange(port, encode_command(*codec.READ_BASE_FP))[0]
    assert len(cardtext.parse_base_info(reply.data).fingerprint) == 512


def test_fragmented_fault_splits_replies(sim, port):
    sim.control("set_fault", mode="fragmented")
    sim.control("place_card", card="resident")
    reply, chunks, _ = exchange(port, encode_command(*codec.FIND_CARD))
    assert reply.sw3 == 0x9F and len(chunks) >= 2


def test_bad_checksum_fault_counts_down(sim, port):
    sim.control("set_fault", mode="bad_checksum", count=1)
    port.write(encode_command(*codec.SAM_STATUS))
    dec = FrameDecoder()
    deadline = time.monotonic() + 2
    with pytest.raises(codec.ProtocolError, match="checksum"):
        while time.monotonic() < deadline:   # until the whole (damaged) frame is in
            dec.feed(port.read(port.in_waiting or 1))
            assert not list(dec.events()), "a good frame despite the fault"
    assert sim.control("status")["fault"] == "none"
    assert exchange(port, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x90


def test_selftest_fault(sim, port):
    sim.control("set_fault", mode="selftest_fail")
    assert exchange(port, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x60
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x60


def test_removed_mid_read_fault(sim, port):
    sim.control("place_card", card="resident")
    sim.control("set_fault", mode="removed_mid_read", count=1)
    exchange(port, encode_command(*codec.SELECT_CARD))
    assert exchange(port, encode_command(*codec.READ_BASE))[0].sw3 == 0x41
    assert sim.control("status")["card"] is None
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x80


def test_no_reply_fault(sim, port):
    sim.control("set_fault", mode="no_reply", count=1)
    with pytest.raises(AssertionError, match="no reply"):
        exchange(port, encode_command(*codec.SAM_STATUS), timeout=0.3)
    assert exchange(port, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x90


def test_unplug_makes_the_port_vanish_and_replug_restores_it(sim, port):
    link = sim.where()
    sim.control("unplug")
    assert not os.path.exists(link)
    with pytest.raises(serial.SerialException):
        for _ in range(10):
            port.read(1)
            port.write(b"\x00")
    sim.control("replug")
    assert os.path.exists(link)
    with serial.Serial(link, 115200, timeout=0.05) as again:
        assert exchange(again, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x90


def test_control_contract(sim, tmp_path):
    with pytest.raises(ValueError, match="place_card"):
        sim.control("explode")
    with pytest.raises(ValueError, match="fragmented"):
        sim.control("set_fault", mode="meteor")
    with pytest.raises(ValueError, match="resident"):
        sim.control("place_card", card="passport")
    with pytest.raises(ValueError, match="longer"):
        sim.control("place_card", card="resident", name="很" * 16)
    assert set(sim.control("list_cards")["cards"]) == set(cards.CARDS)
    assert set(FAULTS) >= {"fragmented", "bad_checksum", "selftest_fail", "removed_mid_read"}
    patch = sim.config_patch()
    assert patch["devices"]["idcard"]["driver"] == "idcard.sam"
    assert patch["devices"]["idcard"]["port"] == sim.where() == str(tmp_path / "idcard-sam")
    assert sim.name == "idcard" and sim.description


def test_stop_is_idempotent_and_cleans_up(tmp_path):
    before = threading.active_count()
    s = IdCardSimulator(tmp_path)
    s.start()
    path = s.where()
    s.stop()
    s.stop()
    assert not os.path.exists(path)
    assert threading.active_count() == before


def test_every_preset_has_a_valid_number():
    from drivers.idcard.gb11643 import is_valid
    from drivers.idcard.records import foreign_2017_number_valid

    for name, card in cards.CARDS.items():
        check = foreign_2017_number_valid if card["type"] == "foreign_2017" else is_valid
        assert check(card["id_number"]), name


def test_model_that_stops_finding_a_read_card(sim, port):
    sim.control("set_model", find_after_read="fails")
    sim.control("place_card", card="resident")
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x9F
    exchange(port, encode_command(*codec.SELECT_CARD))
    assert exchange(port, encode_command(*codec.READ_BASE))[0].sw3 == 0x90
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x80   # read, still there
    assert exchange(port, encode_command(*codec.SELECT_CARD))[0].sw3 == 0x90  # select still works
    sim.control("place_card", card="resident")                               # lifted and placed again
    assert exchange(port, encode_command(*codec.FIND_CARD))[0].sw3 == 0x9F
    with pytest.raises(ValueError):
        sim.control("set_model", find_after_read="sometimes")


def test_late_reply_fault(sim, port):
    sim.control("set_fault", mode="late_reply", count=1, seconds=0.3)
    reply, _, took = exchange(port, encode_command(*codec.SAM_STATUS))
    assert reply.sw3 == 0x90 and took >= 0.3
    assert exchange(port, encode_command(*codec.SAM_STATUS))[2] < 0.1


def test_reply_in_flight_at_unplug_never_reaches_the_replugged_port(sim, port):
    """The freed pty fd numbers are handed out again on replug; a reply still
    being written must die with the old connection, as on a real wire."""
    sim.control("place_card", card="resident")
    sim.control("set_delay", seconds=0.3)
    before = sim.control("status")["commands"]
    port.write(encode_command(*codec.FIND_CARD))
    deadline = time.monotonic() + 2
    while sim.control("status")["commands"] == before:   # until the SAM is "processing" the find
        assert time.monotonic() < deadline, "the SAM never took the find"
        time.sleep(0.005)
    sim.control("unplug")
    sim.control("replug")
    with serial.Serial(sim.where(), 115200, timeout=0.05) as again:
        time.sleep(0.4)                  # the old find's reply would be due now
        assert again.read(100) == b""
        assert exchange(again, encode_command(*codec.SAM_STATUS))[0].sw3 == 0x90
