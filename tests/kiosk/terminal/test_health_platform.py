"""健康自测 end to end: the terminal enqueues the record in a real encrypted
outbox on disk, a real outbox worker (a thread, as its own process would)
sends it to the reference platform, which validates the coded observations;
the next visit by the same resident draws the first one's values from the
platform's history.  Nothing of the resident or the values is left on disk
in clear text."""

from __future__ import annotations

import time
from dataclasses import replace

from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.services.health.flow import HealthState
from simulators.platform.testing import client_for
from tests.kiosk.terminal.test_filing_platform import Worker
from tests.kiosk.terminal.test_health_visit import ALL, bp_reading, measure, open_health, wait_interval
from tests.terminal_kit import DEVICES, HEALTH_DEVICES, TerminalKit, card

NAME, ID_NUMBER = "赵桂芳", "230108194503051234"


def confirmed(worker, count, timeout=15.0):
    deadline = time.monotonic() + timeout
    while worker.outbox.status()["confirmed"] < count:
        assert time.monotonic() < deadline, "the platform did not confirm the health record"
        time.sleep(0.05)


def visit(kit, systolic, diastolic, glucose):
    """One identified visit: blood pressure (two readings) and fasting glucose."""
    flow = open_health(kit)
    kit.reader.place(card(name=NAME, id_number=ID_NUMBER))
    kit.run_until(lambda: flow.state is HealthState.CONSENT, "the consent after the card")
    assert flow.agree()
    flow.toggle("blood_pressure")
    flow.toggle("glucose")
    assert flow.start()
    assert flow.skip_rest()
    bp_reading(kit, flow, systolic, diastolic)
    wait_interval(kit, flow)
    bp_reading(kit, flow, systolic, diastolic)
    assert flow.next_item()
    assert flow.glucose_when("fasting")
    measure(kit, flow, "glucometer", glucose=glucose)
    assert flow.next_item()
    assert kit.step is Step.RESULT
    return flow


def test_a_health_record_reaches_the_platform_and_comes_back_as_history(make_settings, platform, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    settings = make_settings(DEVICES + HEALTH_DEVICES)
    settings = replace(settings, secrets=replace(settings.secrets, id_hash_keys=terminal.id_hash_keys))
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal)
    with Worker(folder, terminal, platform.url) as worker, \
            TerminalKit(settings, outbox=outbox, client=client, devices=ALL) as kit:
        kit.settle()
        kit.terminal.refresh_availability()
        first = visit(kit, 152, 94, 6.4)
        kit.run_until(lambda: first.view.record in ("sent", "queued") and first.view.history != "loading",
                      "the record handed over")
        assert first.view.history == "none"              # her first visit: nothing earlier to draw
        confirmed(worker, 1)
        kit.terminal.home("done")
        kit.reader.take()
        kit.settle()

        # The platform kept it as coded observations, found by the same proof the progress query uses.
        [record] = client.health_history(terminal.id_hash_keys.lookup_hashes(ID_NUMBER))
        codes = {code for o in record["observations"] for code in o["loinc"]}
        assert {"85354-9", "15074-8"} <= codes, codes
        glucose = next(o for o in record["observations"] if o["kind"] == "glucose")
        assert glucose["unit"] == "mmol/L" and glucose["value"] == 6.4 and glucose["glucose_context"] == "fasting"
        pressure = next(o for o in record["observations"] if o["kind"] == "blood_pressure")
        assert {c["kind"]: c["value"] for c in pressure["components"]} == {"systolic": 152, "diastolic": 94}

        second = visit(kit, 138, 86, 5.9)
        kit.run_until(lambda: second.view.history not in ("", "loading"), "the earlier results")
        assert second.view.history == "shown"
        systolic = next(t for t in second.view.trends if t.kind == "systolic")
        assert [v for _d, v in systolic.points] == [152, 138]     # her first visit, then today
        confirmed(worker, 2)
        kit.terminal.home("done")
    outbox.close()

    for path in tmp_path.rglob("*"):
        if path.is_file() and "platform" not in path.parts:
            data = path.read_bytes()
            for secret in (NAME, ID_NUMBER):
                assert secret.encode() not in data, f"{secret} in clear text in {path}"
