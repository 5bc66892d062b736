"""Simulated health devices on ptys, and drivers built from their config patch."""

from __future__ import annotations

import threading

import pytest

from simulators import health as sims


class Recorder:
    """Collects a driver's events; ``wait_end`` waits for the measurement's end."""

    def __init__(self, device):
        self.events = []
        self.ended = threading.Event()
        device.subscribe(self)

    def __call__(self, event):
        self.events.append(event)
        if getattr(event, "kind", None) in ("measurement", "measurement_failed"):
            self.ended.set()

    def kinds(self):
        return [getattr(e, "kind", type(e).__name__) for e in self.events]

    def steps(self):
        return [e.data.step for e in self.events if getattr(e, "kind", None) == "progress"]

    def wait_end(self, timeout=15.0):
        assert self.ended.wait(timeout), f"no end of measurement; events: {self.kinds()}"
        self.ended.clear()
        return self.events[-1]


@pytest.fixture
def simulated(tmp_path):
    """simulated(SimClass, **driver_option_overrides) -> (sim, driver), both started."""
    started = []

    def make(cls, speedup=10.0, **overrides):
        from drivers.health.line import LineHealthDevice
        from drivers.health.oximeter import PulseOximeter

        sim = cls(tmp_path, speedup=speedup)
        sim.start()
        started.append(sim)
        cfg = sim.config_patch()["devices"][sim.name]
        driver_cls = PulseOximeter if cfg["driver"] == "health.cms50d" else LineHealthDevice
        device = driver_cls(sim.name, cfg["port"], **{**cfg["options"], **overrides})
        device.open()
        started.append(device)
        return sim, device

    yield make
    for thing in reversed(started):
        thing.close() if hasattr(thing, "close") else thing.stop()


@pytest.fixture
def sim_classes():
    return sims
