"""The device model every driver shares: status events with their diff,
errors with an action, exclusive use, health text, persisted counters."""

from __future__ import annotations

import json
import threading

import pytest

from drivers.base import (
    Action,
    Counters,
    Device,
    DeviceBusy,
    DeviceError,
    DeviceEvent,
    DeviceFailure,
    DeviceInfo,
    HealthLevel,
    OptionError,
    Status,
    StatusChanged,
)


class Lamp(Device):
    """A tiny device for the model's own tests."""

    device_class = "lamp"

    def __init__(self, name="lamp", counters=None, fail_open=False):
        super().__init__(name, counters)
        self.fail_open = fail_open
        self.broken = False

    def _open(self):
        if self.fail_open:
            raise DeviceFailure("lamp not found on /dev/null0", Action.MAINTENANCE, "no_device")
        self._set_info(DeviceInfo("L-1", "S123", "1.0", frozenset({"dimmer"})))
        self._set_state(Status.ONLINE, bulb="ok")

    def _close(self):
        self._set_state(Status.OFFLINE)

    def _check_health(self, level):
        if self.broken:
            raise DeviceFailure("bulb burnt out: replace the bulb (E27, 5 W)", Action.CLEAR)
        return "OK"


def test_status_events_carry_the_diff():
    lamp = Lamp()
    seen = []
    lamp.subscribe(seen.append)
    lamp.open()
    lamp._set_state(Status.ONLINE, bulb="ok")  # no change: no event
    lamp._set_state(Status.USER_ERROR, bulb="burnt")
    changes = [e.changes for e in seen if isinstance(e, StatusChanged)]
    assert changes == [
        {"status": ("unknown", "starting")},
        {"status": ("starting", "online"), "bulb": (None, "ok")},
        {"status": ("online", "user_error"), "bulb": ("ok", "burnt")},
    ]
    assert lamp.status is Status.USER_ERROR and lamp.state.detail == {"bulb": "burnt"}
    assert lamp.info.supports("dimmer") and not lamp.info.supports("colour")


def test_errors_and_events_reach_listeners_and_a_broken_listener_does_not_stop_others():
    lamp = Lamp()
    seen = []

    def bad(_event):
        raise RuntimeError("listener bug")

    lamp.subscribe(bad)
    unsubscribe = lamp.subscribe(seen.append)
    lamp._report_error("cover open: close the cover", Action.CLEAR, "cover")
    lamp._emit("card_present", {"name": "张三"})
    assert isinstance(seen[0], DeviceError) and seen[0].action is Action.CLEAR
    assert isinstance(seen[1], DeviceEvent) and seen[1].kind == "card_present"
    assert "张三" not in repr(seen[1])
    unsubscribe()
    lamp._emit("x")
    assert len(seen) == 2


def test_health_check_returns_a_line_not_an_exception():
    lamp = Lamp()
    lamp.open()
    assert lamp.check_health("internal") == "OK"
    lamp.broken = True
    assert lamp.check_health(HealthLevel.EXTERNAL) == "bulb burnt out: replace the bulb (E27, 5 W)"
    with pytest.raises(ValueError):
        lamp.check_health("thorough")


def test_exclusive_use_keeps_a_self_test_off_a_busy_device():
    lamp = Lamp()
    inside = threading.Event()
    release = threading.Event()

    def resident_flow():
        with lamp.exclusive("resident flow"):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=resident_flow)
    t.start()
    assert inside.wait(5)
    with pytest.raises(DeviceBusy) as info:
        with lamp.exclusive("maintenance self-test"):
            pass
    assert "resident flow" in str(info.value)
    release.set()
    t.join()
    with lamp.exclusive("maintenance self-test"):
        assert lamp.holder == "maintenance self-test"


def test_counters_survive_a_restart(tmp_path):
    path = tmp_path / "counters" / "printer.json"
    c = Counters(path, flush_interval=3600)
    c.incr("prints")
    c.incr("prints", 2)
    c.incr("cuts")
    lamp = Lamp(counters=c)
    lamp.open()
    lamp.close()  # close flushes
    again = Counters(path)
    assert again.snapshot() == {"prints": 3, "cuts": 1}
    assert again.incr("prints") == 4


def test_corrupt_counter_file_is_kept_aside_and_counting_goes_on(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{not json")
    c = Counters(path, flush_interval=0)
    assert c.snapshot() == {}
    assert (tmp_path / "c.json.corrupt").exists()
    c.incr("reads")
    assert json.loads(path.read_text()) == {"reads": 1}


def test_default_options_reject_unknown_keys():
    assert Lamp.check_options({}) == {}
    with pytest.raises(OptionError) as info:
        Lamp.check_options({"speed": 3})
    assert info.value.key == "speed"


def test_open_failure_is_a_device_failure_with_an_action():
    lamp = Lamp(fail_open=True)
    with pytest.raises(DeviceFailure) as info:
        lamp.open()
    assert info.value.action is Action.MAINTENANCE and "/dev/null0" in str(info.value)
