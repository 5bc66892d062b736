"""Drivers against the simulated devices on real ptys: progress, readings,
faults mapped to statuses, timeouts, cancel, and recovery."""

from __future__ import annotations

import pytest

from drivers.base import Action, DeviceFailure, Status
from drivers.health.device import Failure
from simulators.health import (
    BloodPressureSimulator,
    GlucometerSimulator,
    OximeterSimulator,
    ScaleSimulator,
    ThermometerSimulator,
)
from tests.drivers.health.conftest import Recorder


def values(records):
    return {r.kind.value: r.value for r in records}


def test_blood_pressure_measurement_with_progress(simulated):
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("reading", systolic=142, diastolic=91, pulse=80)
    seen = Recorder(bp)
    bp.start_measurement()
    end = seen.wait_end()
    assert end.kind == "measurement"
    assert values(end.data) == {"systolic": 142.0, "diastolic": 91.0, "pulse": 80.0}
    # The device's own "inflating" is not a second prompt: one step-only event
    # each; the cuff's pressure comes in further events of the same step.
    assert [e.data.step for e in seen.events if getattr(e, "kind", None) == "progress" and not e.data.live] \
        in (["inflating", "deflating"], ["inflating"])   # deflating may come with a pressure
    assert [s for i, s in enumerate(seen.steps()) if i == 0 or seen.steps()[i - 1] != s] == ["inflating", "deflating"]
    assert all(r.device.startswith("bp") and r.time is not None for r in end.data)
    assert bp.status is Status.ONLINE
    assert sim.control("status")["port"] == {"baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}


def test_cuff_leak_is_a_user_error_with_a_prompt_and_the_next_measurement_works(simulated):
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("fault", kind="cuff_leak")
    seen = Recorder(bp)
    bp.start_measurement()
    end = seen.wait_end()
    assert end.kind == "measurement_failed"
    assert isinstance(end.data, Failure) and end.data.reason == "cuff_leak"
    assert bp.status is Status.USER_ERROR
    assert "袖带" in bp.state.detail["prompt_zh"] and end.data.action is Action.CLEAR
    sim.control("clear")
    bp.start_measurement()
    assert seen.wait_end().kind == "measurement"
    assert bp.status is Status.ONLINE


def test_no_data_is_no_device_and_recovers(simulated):
    sim, thermo = simulated(ThermometerSimulator, no_data_timeout=0.5)
    sim.control("no_response")
    seen = Recorder(thermo)
    thermo.start_measurement()
    end = seen.wait_end()
    assert end.data.reason == "no_data" and thermo.status is Status.NO_DEVICE
    sim.control("clear")
    thermo.start_measurement()
    end = seen.wait_end()
    assert values(end.data) == {"temperature": 36.6}


def test_device_stopping_mid_measurement_times_out_cleanly(simulated):
    sim, gluco = simulated(GlucometerSimulator, speedup=1.0)
    seen = Recorder(gluco)
    gluco.start_measurement(timeout=1.0)  # the strip prompt comes at 0.2 s, the result only at 4.2 s
    end = seen.wait_end()
    assert end.data.reason == "timeout" and "insert_strip" in seen.steps()
    assert gluco.status is Status.ONLINE
    sim.speedup = 20.0
    gluco.start_measurement()
    assert values(seen.wait_end().data) == {"glucose": 5.6}


def test_cancel_ends_the_measurement_and_tells_the_device(simulated):
    sim, bp = simulated(BloodPressureSimulator, speedup=1.0)
    seen = Recorder(bp)
    bp.start_measurement()
    with pytest.raises(DeviceFailure, match="already running"):
        bp.start_measurement()  # one at a time
    bp.cancel_measurement()
    end = seen.wait_end()
    assert end.data.reason == "cancelled" and bp.status is Status.ONLINE
    import time
    deadline = time.monotonic() + 5
    while sim.control("status")["commands"] != ["START", "STOP"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.control("status")["commands"] == ["START", "STOP"]


def test_scale_prints_while_someone_stands_on_it(simulated):
    sim, scale = simulated(ScaleSimulator)
    seen = Recorder(scale)
    scale.start_measurement()
    sim.control("reading", weight=72.3, height=175.0)
    end = seen.wait_end()
    assert values(end.data) == {"weight": 72.3, "height": 175.0, "bmi": 23.6}
    assert seen.steps()[0] == "step_on"


def test_oximeter_prompts_for_a_finger_then_reports_a_settled_reading(simulated):
    sim, oxi = simulated(OximeterSimulator, stable_samples=30)
    seen = Recorder(oxi)
    oxi.start_measurement()
    import time
    deadline = time.monotonic() + 5
    while "finger_out" not in seen.steps() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "finger_out" in seen.steps()
    sim.control("reading", spo2=96, pulse=88)
    end = seen.wait_end()
    got = values(end.data)
    assert got["spo2"] == 96.0 and abs(got["pulse"] - 88.0) <= 1   # the simulator's pulse wobbles by one
    assert sim.control("status")["port"] == {"baudrate": 19200, "bytesize": 8, "parity": "O", "stopbits": 1}


def test_oximeter_probe_error_is_a_hardware_error(simulated):
    sim, oxi = simulated(OximeterSimulator, probe_error_samples=10)
    sim.control("fault", kind="probe_error")
    seen = Recorder(oxi)
    oxi.start_measurement()
    end = seen.wait_end()
    assert end.data.reason == "probe_error" and oxi.status is Status.HARDWARE_ERROR


def test_readings_nobody_asked_for_are_dropped(simulated):
    sim, scale = simulated(ScaleSimulator)
    seen = Recorder(scale)
    sim.control("reading", weight=80.0)
    import time
    time.sleep(0.3)
    assert "measurement" not in seen.kinds()
    scale.start_measurement()
    assert values(seen.wait_end().data)["weight"] == 80.0


def test_blocking_measure_raises_a_device_failure(simulated):
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("fault", kind="movement")
    with pytest.raises(DeviceFailure) as err:
        bp.measure()
    assert err.value.code == "movement"


def test_missing_port_is_no_device(tmp_path):
    from drivers.health.line import LineHealthDevice

    device = LineHealthDevice("bp", str(tmp_path / "nothing"), preset="tanita")
    device.open()
    assert device.status is Status.NO_DEVICE
    with pytest.raises(DeviceFailure, match="no health device"):
        device.start_measurement()
    device.close()


def test_options_are_validated(tmp_path):
    from drivers.health.line import LineHealthDevice
    from drivers.options import OptionError

    with pytest.raises(OptionError) as err:
        LineHealthDevice("x", "/dev/null", preset="tanita", baudrate=12345)
    assert err.value.key == "baudrate"
    with pytest.raises(OptionError):
        LineHealthDevice("x", "/dev/null")  # neither preset nor format


def test_values_never_reach_the_log(simulated, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("reading", systolic=173, diastolic=103, pulse=67)
    seen = Recorder(bp)
    bp.start_measurement()
    end = seen.wait_end()
    logging.getLogger("test").info("events: %r, records: %r", seen.events, end.data)
    assert values(end.data)["systolic"] == 173.0
    assert "173" not in caplog.text and "103" not in caplog.text


def test_oximeter_that_stops_streaming_mid_measurement_times_out_and_recovers(simulated):
    import time

    sim, oxi = simulated(OximeterSimulator, stable_samples=30)
    seen = Recorder(oxi)
    oxi.start_measurement(timeout=1.5)   # finger out: the probe streams "no finger" packets
    deadline = time.monotonic() + 5
    while "finger_out" not in seen.steps() and time.monotonic() < deadline:
        time.sleep(0.02)
    sim.control("no_response")           # then its cable comes out mid-measurement
    end = seen.wait_end()
    assert end.data.reason == "timeout" and oxi.status is Status.ONLINE
    sim.control("reading", spo2=97, pulse=70)
    oxi.start_measurement(timeout=10)
    got = values(seen.wait_end().data)
    assert got["spo2"] == 97.0 and abs(got["pulse"] - 70.0) <= 1   # the simulator's pulse wobbles by one


def _unplugged_mid_measurement(simulated):
    sim, bp = simulated(BloodPressureSimulator, speedup=1.0)
    seen = Recorder(bp)
    bp.start_measurement()
    port = bp._serial
    sim.control("unplug")   # the USB adapter is pulled while the cuff inflates
    end = seen.wait_end()
    assert end.data.reason == "no_data" and bp.status is Status.NO_DEVICE
    assert bp.counters.get("disconnects") == 1
    assert port is not None and not port.is_open   # the old tty is let go at once, not at some garbage collection
    with pytest.raises(DeviceFailure, match="no health device"):
        bp.start_measurement()   # still unplugged
    return sim, bp, seen


def test_unplugged_mid_measurement_is_no_device(simulated):
    _unplugged_mid_measurement(simulated)


def test_a_replug_after_an_unplug_recovers(simulated):
    # The START sent just before the unplug must not start a second script
    # on the new plug (simulators/health/base.py); when it did, the two
    # scripts' lines interleaved and every line after the replug was rejected.
    sim, bp, seen = _unplugged_mid_measurement(simulated)
    sim.control("replug")
    sim.speedup = 20.0
    bp.start_measurement()
    assert values(seen.wait_end().data)["systolic"] == 128.0
    assert bp.counters.get("rejected_lines") == 0


def test_a_garbled_line_after_a_replug_is_rejected_and_the_next_whole_line_counts(simulated):
    """What a real device may send after a replug: the tail of a line cut by
    the unplug, or two lines run together.  The driver rejects each and the
    measurement goes on (it still ends, at the latest by its timeout).  The
    bytes are fed as the reader thread feeds them, so nothing waits on the
    device's timing."""
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("no_response")   # the simulator stays quiet; the test is the device
    seen = Recorder(bp)
    bp.start_measurement()
    bp._received(b"082,072,5C\r\n")                 # the tail of a line cut by the unplug
    bp._received(b"P,DR,128,0EF\r\n")               # two lines run together
    assert bp.measuring and bp.counters.get("rejected_lines") == 2
    body = b"R,131,084,070,"
    checksum = 0
    for byte in body:
        checksum ^= byte
    bp._received(body + f"{checksum:02X}\r\n".encode())
    end = seen.wait_end(timeout=0)
    assert end.kind == "measurement" and values(end.data) == {"systolic": 131.0, "diastolic": 84.0, "pulse": 70.0}
