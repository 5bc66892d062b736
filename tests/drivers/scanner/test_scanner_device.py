"""The scanner's drivers against the pty simulator (USB-COM) and the evdev-like feed (HID)."""

from __future__ import annotations

import queue
import time

import pytest

from drivers.base import Counters, DeviceError, DeviceEvent, Status
from drivers.scanner.device import HidCodeScanner, SerialCodeScanner
from simulators.scanner import FakeInputDevice, ScannerSimulator

ECODE = "EID1.eyJ0IjoxfQ.c2ln"


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def listen(device) -> queue.Queue:
    events: queue.Queue = queue.Queue()
    device.subscribe(events.put)
    return events


def next_code(events: queue.Queue, timeout=3.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            event = events.get(timeout=0.05)
        except queue.Empty:
            continue
        if isinstance(event, DeviceEvent) and event.kind == "code":
            return event.data
    raise AssertionError("no code arrived")


@pytest.fixture
def sim(tmp_path):
    simulator = ScannerSimulator(tmp_path)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def scanner(sim, tmp_path):
    device = SerialCodeScanner("code_scanner", sim.where(), Counters(tmp_path / "counters.json"),
                               idle_gap=0.15, reconnect_interval=0.1)
    yield device
    device.close()


def test_a_scanned_code_is_an_event_with_its_text(sim, scanner):
    events = listen(scanner)
    scanner.open()
    assert wait_for(lambda: scanner.status is Status.ONLINE)
    sim.control("scan", code=ECODE)
    assert next_code(events) == ECODE
    assert scanner.counters.get("codes") == 1
    assert "code" in scanner.info.capabilities and scanner.check_health() == "OK"


def test_a_burst_of_one_code_is_one_event_and_bad_input_is_counted(sim, scanner):
    events = listen(scanner)
    scanner.open()
    assert wait_for(lambda: scanner.status is Status.ONLINE)
    sim.control("scan", code=ECODE, repeat=4)
    sim.control("raw", b64="//79DQ==")                 # ff fe fd CR: not text
    sim.control("raw", data="X" * 10_240 + "\r")       # 10 KB
    sim.control("raw", data="EID1.cut-off-without-its-suffix")
    time.sleep(0.4)                                    # the scanner is silent past the idle gap
    sim.control("scan", code="HUTAPP:next", repeat=1)  # after the gap: a clean code
    assert next_code(events) == ECODE
    assert next_code(events) == "HUTAPP:next"
    assert wait_for(lambda: scanner.counters.get("refused_repeat") == 3)
    counts = {name: scanner.counters.get(name) for name in
              ("codes", "refused_not_text", "refused_too_long", "refused_cut_off")}
    assert counts == {"codes": 2, "refused_not_text": 1, "refused_too_long": 1, "refused_cut_off": 1}


def test_unplugged_then_plugged_back(sim, scanner):
    events = listen(scanner)
    scanner.open()
    assert wait_for(lambda: scanner.status is Status.ONLINE)
    sim.control("unplug")
    assert wait_for(lambda: scanner.status is Status.NO_DEVICE)
    assert scanner.counters.get("disconnects") == 1
    errors = []
    while not events.empty():
        event = events.get()
        if isinstance(event, DeviceError):
            errors.append(event.code)
    assert errors == ["unplugged"]
    sim.control("plug")
    assert wait_for(lambda: scanner.status is Status.ONLINE)
    sim.control("scan", code=ECODE)
    assert next_code(events) == ECODE


def test_no_port_is_no_device(tmp_path):
    device = SerialCodeScanner("code_scanner", str(tmp_path / "missing"), reconnect_interval=0.1)
    try:
        device.open()
        assert wait_for(lambda: device.status is Status.NO_DEVICE)
        assert device.check_health().startswith("no_device")
    finally:
        device.close()


def test_options_are_checked():
    from drivers.base import OptionError

    assert SerialCodeScanner.check_options({"suffix": "tab"})["suffix"] == "tab"
    with pytest.raises(OptionError):
        SerialCodeScanner.check_options({"suffix": "semicolon"})


# -- HID keyboard mode ------------------------------------------------------------------
def test_hid_mode_grabs_its_device_and_decodes_keystrokes():
    plugged = [FakeInputDevice(), FakeInputDevice()]
    opened: list[FakeInputDevice] = []

    def opener(path):
        if not plugged:
            raise FileNotFoundError(path)
        opened.append(plugged.pop(0))
        return opened[-1]

    device = HidCodeScanner("code_scanner", "/dev/input/by-id/usb-Newland-event-kbd", opener=opener,
                            idle_gap=0.15, reconnect_interval=0.05)
    events = listen(device)
    try:
        device.open()
        assert wait_for(lambda: device.status is Status.ONLINE)
        first = opened[0]
        assert first.grabbed                       # its keys type nowhere else
        first.type("HUTAPP:S-0001/AbC")
        assert next_code(events) == "HUTAPP:S-0001/AbC"
        first.type(ECODE, suffix="")               # cut off: no Enter
        time.sleep(0.4)
        first.unplug()
        assert wait_for(lambda: len(opened) == 2 and device.status is Status.ONLINE)
        assert first.closed and device.counters.get("refused_cut_off") == 1
        opened[1].type(ECODE)
        assert next_code(events) == ECODE
    finally:
        device.close()
        for fake in opened:
            fake.dispose()
    assert not opened[1].grabbed and opened[1].closed
