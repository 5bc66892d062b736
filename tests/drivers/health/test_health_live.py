"""Live values over real ptys: what the cuff, the scale and the oximeter read
while they measure comes as ``progress`` events before the result, at most
five a second, and never reaches a log, the device's state or the record."""

from __future__ import annotations

import json
import logging
import re
import threading
import time

from drivers.health.device import HealthDevice, Progress
from drivers.health.records import LiveKind
from kiosk.checkup import classify
from kiosk.checkup.visit import Visit
from simulators.health import BloodPressureSimulator, OximeterSimulator, ScaleSimulator


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


def only_before_the_end(seen, device):
    """Every live value came before the result, none after it (the scale
    keeps printing and the oximeter keeps streaming)."""
    ends = [i for i, (_, e) in enumerate(seen.events) if getattr(e, "kind", "") in ("measurement", "measurement_failed")]
    time.sleep(0.4)
    assert ends == [len(seen.events) - 1], seen.events[ends[0]:]
    assert not device.measuring and "step" not in device.state.detail


def test_the_cuff_pressure_rises_while_inflating_and_falls_while_deflating(simulated):
    sim, bp = simulated(BloodPressureSimulator, speedup=2.0)   # the 5.2 s script in 2.6 s: ~5 live values a second
    sim.control("reading", systolic=141, diastolic=93, pulse=77)
    seen = Timed(bp)
    bp.start_measurement()
    end = seen.wait_end()
    assert end.kind == "measurement"
    pressures = seen.live(LiveKind.CUFF_PRESSURE)
    inflating = [p for step, p in pressures if step == "inflating"]
    deflating = [p for step, p in pressures if step == "deflating"]
    assert len(inflating) >= 3 and len(deflating) >= 5, pressures
    assert inflating == sorted(inflating) and deflating == sorted(deflating, reverse=True)
    assert max(p for _, p in pressures) <= 141 + 30 and min(deflating) >= 93 - 15
    assert all(set(dict(p.live)) <= {LiveKind.CUFF_PRESSURE} for _, p in seen.progress())
    rate_limited(seen)
    only_before_the_end(seen, bp)
    assert "live" not in repr(bp.state.detail) and bp.counters.get("rejected_lines") == 0


def test_the_scale_shows_the_weight_settling_before_the_result(simulated):
    sim, scale = simulated(ScaleSimulator, speedup=2.0)   # a line every 0.25 s: each one shown
    seen = Timed(scale)
    scale.start_measurement()
    sim.control("reading", weight=72.3, height=175.0)
    end = seen.wait_end()
    assert {r.kind.value: r.value for r in end.data}["weight"] == 72.3
    weights = seen.live(LiveKind.WEIGHT)
    # Stepping on: short of the weight, over it, then the result once three lines agree.
    assert [step for step, _ in weights] == ["hold_still"] * len(weights) and len(weights) >= 2
    assert weights[0][1] < 72.3 - 10 and any(w > 72.3 for _, w in weights)
    assert [p.step for _, p in seen.progress()][0] == "step_on"
    rate_limited(seen)
    only_before_the_end(seen, scale)


def test_the_oximeter_shows_spo2_and_pulse_settling_at_most_five_a_second(simulated):
    sim, oxi = simulated(OximeterSimulator, speedup=1.0, stable_samples=60)   # 60 packets a second
    seen = Timed(oxi)
    oxi.start_measurement()
    sim.control("reading", spo2=96, pulse=70)
    end = seen.wait_end()
    got = {r.kind.value: r.value for r in end.data}
    assert got["spo2"] == 96.0
    spo2 = [v for _, v in seen.live(LiveKind.SPO2)]
    pulse = [v for _, v in seen.live(LiveKind.PULSE)]
    assert len(spo2) == len(pulse) >= 5
    assert spo2[0] < 96 and spo2[-1] == 96 and pulse[0] > 72   # settling: up to the SpO2, down to the pulse
    times = rate_limited(seen)
    assert len(times) <= 5 * (times[-1] - times[0]) + 1
    only_before_the_end(seen, oxi)


def test_no_live_value_reaches_a_log_or_the_record(simulated, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    sim, bp = simulated(BloodPressureSimulator, speedup=2.0)
    sim.control("reading", systolic=141, diastolic=93, pulse=77)
    visit = Visit("ab" * 32)
    visit.give_consent()
    session = visit.session("blood_pressure")
    seen = Timed(bp)

    def as_the_flow_does(event):   # kiosk/services/health/flow.py: prompts from progress, records from the result
        if event.kind == "progress":
            session.progress(event.data.text_zh, event.data.text_en)
        elif event.kind == "measurement":
            session.result(event.data)

    bp.subscribe(as_the_flow_does)
    session.start()
    bp.start_measurement()
    seen.wait_end()
    visit.keep(session)
    live = {v for _, p in seen.progress() for _, v in p.live}
    assert len(live) >= 8
    logging.getLogger("test").info("events: %r", [e for _, e in seen.events])
    logging.getLogger("test").info("progress: %r %s", seen.progress()[-1][1], seen.progress()[-1][1])
    text = "\n".join(r.getMessage() for r in caplog.records).replace(str(tmp_path), "<tmp>")
    assert text and not [v for v in live | {141.0, 93.0, 77.0} if re.search(rf"\b{v:g}\b", text)]

    body = json.dumps(visit.contract_body(classify.load_table()))
    values = [c["value"] for o in visit.contract_body(classify.load_table())["observations"]
              for c in [o, *o.get("components", [])] if "value" in c]
    assert sorted(values) == [77.0, 93.0, 141.0] and "cuff" not in body
    assert all(r.kind.value != "cuff_pressure" for r in session.records)


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
