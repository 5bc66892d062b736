"""The device owner: one registry of every configured device, opened in the
background, whose records the app, doctor, the snapshot and the heartbeat read."""

from __future__ import annotations

import json
import threading
import time

import pytest

from drivers.base import Action, Device, DeviceFailure, DeviceInfo, Status
from kiosk.devices.owner import DeviceOwner
from kiosk.devices.registry import configured_device
from kiosk.devices.snapshot import read_snapshot
from kiosk.errors import KioskError


class FakeDevice(Device):
    """A device whose open can be held back or fail, as a test needs."""

    def __init__(self, name, kind="printer", gate=None, fail=False):
        super().__init__(name)
        self.device_class = kind
        self.gate, self.fail = gate, fail

    def _open(self):
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise DeviceFailure("serial port /dev/ttyX: no such device", Action.MAINTENANCE, "no_port")
        self._set_info(DeviceInfo("M-1", "S-1", "1.0", frozenset({"cut"})))
        self._set_state(Status.ONLINE, paper="ok")

    def _close(self):
        self._set_state(Status.OFFLINE)

    def _check_health(self, level):
        return "OK"


DEVICES = """
[devices.idcard]
driver = "idcard.sam"
port = "/dev/ttyUSB-none"
[devices.printer]
driver = "printer.escpos"
url = "tcp://127.0.0.1:9"
[devices.spare]
driver = "printer.escpos"
url = "tcp://127.0.0.1:9"
enabled = false
"""


def test_every_configured_device_gets_a_record_and_a_slow_one_does_not_hold_up_start(make_settings):
    gate = threading.Event()
    built = {"idcard": FakeDevice("idcard", "idcard", gate=gate), "printer": FakeDevice("printer")}
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, name: built[name])
    owner.start()  # returns although the reader's open is still blocked
    try:
        records = owner.records()
        assert list(records) == ["idcard", "printer", "spare"]
        assert records["spare"].status == "disabled" and not records["spare"].enabled
        deadline = time.monotonic() + 10
        while owner.record("printer").status != "online":
            assert time.monotonic() < deadline, "the printer did not open while the reader was held"
            time.sleep(0.02)
        assert owner.record("idcard").status == "starting"  # still opening
        gate.set()
        owner.wait_settled(timeout=5)
        rec = owner.record("idcard")
        assert rec.status == "online" and rec.kind == "idcard" and rec.info["model"] == "M-1"
        assert [d.name for d in owner.devices_of_kind("printer")] == ["printer"]
        assert {(r.kind, r.status) for r in owner.records().values()} == {
            ("idcard", "online"), ("printer", "online"), ("printer", "disabled")}
    finally:
        gate.set()
        owner.stop()
    assert owner.record("printer").status == "offline"


@pytest.mark.slow  # waits out real intervals: make test, not make check
def test_failures_are_records_with_the_action_not_exceptions(make_settings):
    def build(settings, name):
        if name == "idcard":
            raise KioskError("driver 'idcard.sam' cannot be loaded: no module")
        return FakeDevice(name, fail=True)

    with DeviceOwner(make_settings(DEVICES), build=build) as owner:
        owner.wait_settled(timeout=5)
        idcard, printer = owner.record("idcard"), owner.record("printer")
    assert idcard.status == "no_device" and "cannot be loaded" in idcard.last_error.what
    assert printer.last_error.what == "serial port /dev/ttyX: no such device"
    assert printer.last_error.action == "maintenance" and printer.status == "offline"
    assert owner.heartbeat_devices()["printer"]["last_error"] == {
        "what": "serial port /dev/ttyX: no such device", "action": "maintenance"}


def test_one_event_stream_for_all_devices(make_settings):
    seen = []
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n, "idcard" if n == "idcard" else "printer"))
    owner.subscribe(seen.append)
    owner.start(background=False)
    owner.device("printer")._emit("job_done", {"id": 1})
    owner.device("printer")._report_error("paper roll is out: load a new roll", Action.CLEAR, "paper_end")
    owner.stop()
    kinds = [(type(e).__name__, e.device) for e in seen]
    assert ("DeviceEvent", "printer") in kinds and ("DeviceError", "printer") in kinds
    assert ("StatusChanged", "idcard") in kinds
    assert owner.record("printer").last_error.action == "clear"


def test_snapshot_is_written_on_change_and_refreshed_while_idle(make_settings, tmp_path):
    """An idle kiosk must not look dead to the worker: the file is rewritten
    every interval even when nothing changes."""
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n), snapshot_dir=tmp_path,
                        snapshot_interval=0.5)
    owner.start(background=False)
    try:
        first = json.loads((tmp_path / "devices.json").read_text())["written_at"]
        assert read_snapshot(tmp_path, max_age=60)["printer"]["status"] == "online"
        deadline = time.monotonic() + 10
        while json.loads((tmp_path / "devices.json").read_text())["written_at"] == first:
            assert time.monotonic() < deadline, "the snapshot was not refreshed while idle"
            time.sleep(0.1)
        owner.device("printer")._set_state(Status.USER_ERROR, paper="end")
        assert read_snapshot(tmp_path, max_age=60)["printer"]["detail"] == {"paper": "end"}
    finally:
        owner.stop()
    assert read_snapshot(tmp_path, max_age=60)["printer"]["status"] == "offline"


def test_card_events_never_reach_the_snapshot(make_settings, tmp_path):
    owner = DeviceOwner(make_settings(DEVICES), build=lambda s, n: FakeDevice(n, "idcard"), snapshot_dir=tmp_path)
    owner.start(background=False)
    owner.device("idcard")._emit("record", {"name": "张三", "id_number": "230108199001011234"})
    owner.stop()
    text = (tmp_path / "devices.json").read_text(encoding="utf-8")
    assert "张三" not in text and "230108199001011234" not in text


def test_a_command_finds_its_configured_device_or_says_which_is_missing(make_settings):
    settings = make_settings(DEVICES)
    assert configured_device(settings, {"printer.escpos"}, "receipt printer") == "printer"
    assert configured_device(settings, {"printer.escpos"}, "receipt printer", "printer") == "printer"
    for name, words in (("spare", "disabled"), ("idcard", "is not a receipt printer"), ("nope", "no device")):
        with pytest.raises(KioskError, match=words):
            configured_device(settings, {"printer.escpos"}, "receipt printer", name)
    with pytest.raises(KioskError, match='no camera configured .*driver = "camera.opencv"'):
        configured_device(settings, {"camera.opencv"}, "camera")


OXIMETER = """
[devices.oximeter]
driver = "health.cms50d"
port = "/dev/ttyUSB3"
"""


class FlakyOpen(FakeDevice):
    """Fails to open ``failures`` times (a port not there yet, then a wrong setting), then opens."""

    def __init__(self, name, failures):
        super().__init__(name, "health")
        self.failures = list(failures)
        self.attempts = 0

    def _open(self):
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        super()._open()


def test_a_device_that_did_not_open_at_start_is_tried_again_and_says_why_in_words(make_settings, caplog):
    import termios

    device = FlakyOpen("oximeter", [FileNotFoundError(2, "No such file or directory", "/dev/ttyUSB3"),
                                    termios.error(22, "Invalid argument")])
    owner = DeviceOwner(make_settings(OXIMETER), build=lambda s, name: device, open_retry=(0.05, 0.2))
    owner.start()
    try:
        deadline = time.monotonic() + 10
        while owner.record("oximeter").status != "online":
            assert time.monotonic() < deadline, "the device was not tried again"
            time.sleep(0.01)
        assert device.attempts == 3
        said = [r.getMessage() for r in caplog.records if "did not open" in r.getMessage()]
        assert len(said) == 2, said                        # once per cause, not once per attempt
        assert "the device is not there (/dev/ttyUSB3)" in said[0]
        assert "refused the serial settings (EINVAL)" in said[1]
        assert owner.record("oximeter").last_error.what.startswith("open failed: the port refused")
    finally:
        owner.stop()


def test_open_failure_words_name_the_cause():
    import termios

    from kiosk.devices.owner import open_failure_words

    assert "refused the serial settings (EINVAL)" in open_failure_words(termios.error(22, "Invalid argument"))
    assert "permission denied" in open_failure_words(PermissionError(13, "Permission denied", "/dev/ttyS0"))
    assert open_failure_words(RuntimeError("firmware said no")) == "RuntimeError: firmware said no"


def test_stopping_the_owner_ends_the_retries(make_settings):
    device = FlakyOpen("oximeter", [OSError(5, "Input/output error")] * 1000)
    owner = DeviceOwner(make_settings(OXIMETER), build=lambda s, name: device, open_retry=(0.05, 0.05))
    owner.start()
    deadline = time.monotonic() + 5
    while device.attempts < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    owner.stop()            # returns: the opener thread saw the stop
    attempts = device.attempts
    time.sleep(0.2)
    assert device.attempts == attempts
