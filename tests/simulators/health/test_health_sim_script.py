"""The simulators' own rules for one output line, checked without a
serving thread (the test is the thread) and without waiting: a command
read on a plug that was pulled since starts nothing, a new start command
ends the script in progress, and a script cut by an unplug says nothing
on the next plug.  Each was a way for two measurements' lines to
interleave byte by byte after a replug."""

from __future__ import annotations

import pytest

from simulators.health import BloodPressureSimulator, ThermometerSimulator


@pytest.fixture
def bp(tmp_path):
    # Not started: no serving thread.  So slow that no scripted line fires
    # while a test looks at what was scheduled.
    sim = BloodPressureSimulator(tmp_path, speedup=0.001)
    sim.control("replug")
    yield sim
    sim.stop()


def live(sim):
    return [t for t in sim._timers if not t.finished.is_set()]


def test_a_command_read_before_an_unplug_starts_nothing_after_the_replug(bp):
    read_on = bp._plugs
    bp.control("unplug")
    bp.control("replug")
    assert bp._dispatch(b"START\r\n", read_on) is False
    assert live(bp) == [] and bp.control("status")["commands"] == []
    assert bp._dispatch(b"START\r\n", bp._plugs) is True
    assert len(live(bp)) == 1 and bp.control("status")["commands"] == ["START"]   # its first line


def test_an_unplug_ends_the_script_in_progress(bp):
    bp._dispatch(b"START\r\n", bp._plugs)
    scheduled = live(bp)
    bp.control("unplug")
    assert live(bp) == [] and all(t.finished.is_set() for t in scheduled)


def test_a_new_start_ends_the_measurement_in_progress(tmp_path):
    thermo = ThermometerSimulator(tmp_path, speedup=0.001)   # its driver has no cancel command
    thermo.control("replug")
    try:
        thermo._dispatch(b"READ\r\n", thermo._plugs)
        first = live(thermo)
        thermo._dispatch(b"READ\r\n", thermo._plugs)
        assert all(t.finished.is_set() for t in first) and len(live(thermo)) == 1
    finally:
        thermo.stop()


def test_a_line_of_a_script_cut_by_an_unplug_never_reaches_the_next_plug(bp):
    bp._dispatch(b"START\r\n", bp._plugs)
    script = bp._generation        # a timer of this script has passed its check...
    bp.control("unplug")           # ...when the cable goes
    assert not bp._may_send(script)
    bp.control("replug")
    assert not bp._may_send(script)
    assert bp._may_send(None)      # output of no script (a streaming probe) goes out
    bp._dispatch(b"START\r\n", bp._plugs)
    assert bp._may_send(bp._generation)


def test_a_stop_command_ends_the_script(bp):
    bp._dispatch(b"START\r\n", bp._plugs)
    script = bp._generation
    bp._dispatch(b"STOP\r\n", bp._plugs)
    assert live(bp) == [] and not bp._may_send(script)
