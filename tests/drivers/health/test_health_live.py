"""Live values over real ptys: what the cuff, the scale and the oximeter read
while they measure comes as ``progress`` events before the result, at most
five a second, and never reaches a log, the device's state or the record."""

from __future__ import annotations

import threading
import time

from drivers.health.device import HealthDevice, Progress
from drivers.health.records import LiveKind
from simulators.health import BloodPressureSimulator


class Timed:
    """A driver's events with the time each arrived."""

    def __init__(self, device):
        self.events = []
        self.ended = threading.Event()
        device.subscribe(self)

    def __call__(self, event):
        self.events.append((time.monotonic(), event))
        if getattr(event, "kind", None) in ("measurement", "measurement_failed"):
            self.ended.set()

    def wait_end(self, timeout=20.0):
        assert self.ended.wait(timeout), "no end of measurement"
        self.ended.clear()
        return self.events[-1][1]

    def progress(self):
        return [(at, e.data) for at, e in self.events if getattr(e, "kind", None) == "progress"]

    def live(self, kind):
        return [(p.step, dict(p.live)[kind]) for _, p in self.progress() if kind in dict(p.live)]


def rate_limited(seen, interval=HealthDevice.live_interval):
    """No two live events closer than the interval, so at most 5 in any second."""
    times = [at for at, p in seen.progress() if p.live]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= interval - 0.01 for gap in gaps), gaps
    assert all(sum(1 for t in times if start <= t < start + 1.0) <= 5 for start in times)
    return times


def test_progress_hides_its_values():
    progress = Progress("inflating", "袖带充气中", "Cuff inflating", ((LiveKind.CUFF_PRESSURE, 123.0),))
    assert "123" not in repr(progress) and "123" not in str(progress) and "cuff_pressure" in repr(progress)
    assert Progress("waiting", "", "").live == ()


def test_live_values_only_while_measuring_and_at_most_five_a_second(simulated):
    sim, bp = simulated(BloodPressureSimulator)
    sim.control("no_response")   # quiet: the test feeds the helper itself
    seen = Timed(bp)
    reading = ((LiveKind.CUFF_PRESSURE, 100.0),)
    bp._live(reading)            # nobody asked: nothing
    bp.start_measurement()
    deadline = time.monotonic() + 1.05
    while time.monotonic() < deadline:
        with bp._lock:
            bp._live(reading)
        time.sleep(0.005)
    bp.cancel_measurement()
    bp._live(reading)
    assert seen.wait_end().kind == "measurement_failed"
    times = rate_limited(seen)
    assert 5 <= len(times) <= 6 and all(p.step == "inflating" for _, p in seen.progress() if p.live)
