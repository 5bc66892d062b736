"""The demo's 健康自测 part: one identified visit through every health device
of the virtual hut, photographed.

The resident (the hut's "resident" card) has been here before: four earlier
visits are filed first, through the outbox and the platform like any
record, so the results screen draws her trend.  Then the visit: the
consent, every item, blood pressure's rest offered and skipped, two readings
a minute apart (the minute fast-forwarded on the demo's clock), the scale,
the waist typed after the tape's picture, the thermometer, the oximeter,
glucose after "fasting"; the results with one high value and the chart;
the health slip.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from simulators.demo.script import SETTLE, FastForwardClock, Script, Until, hut_control

# (months ago, systolic, diastolic, weight kg, fasting glucose mmol/L): a pressure creeping up
EARLIER = ((8, 128, 80, 62.0, 5.6), (6, 132, 83, 62.4, 5.9), (4, 136, 86, 62.9, 6.0), (2, 141, 88, 63.2, 6.2))


def file_earlier_visits(app: Any, id_number: str) -> int:
    """The resident's earlier visits, into the app's outbox (the outbox worker
    carries them to the platform as it carries every record)."""
    from drivers.health.records import Kind, measurement
    from kiosk.checkup.visit import GlucoseContext, Visit

    keys, outbox = app.terminal.settings.secrets.id_hash_keys, app.terminal.outbox
    if not keys or outbox is None:
        return 0
    flow = app.terminal.flow("health")
    now = dt.datetime.now().astimezone()
    for months, systolic, diastolic, weight, glucose in EARLIER:
        when = now - dt.timedelta(days=30 * months)
        visit = Visit(resident_ref=keys.filing_hash(id_number)[0], glucose_context=GlucoseContext.FASTING,
                      sex="female")
        visit.give_consent(when)
        visit.keep_records("blood_pressure", [measurement(Kind.SYSTOLIC, systolic, b"", time=when),
                                              measurement(Kind.DIASTOLIC, diastolic, b"", time=when),
                                              measurement(Kind.PULSE, 72, b"", time=when)])
        visit.keep_records("height_weight", [measurement(Kind.WEIGHT, weight, b"", time=when),
                                             measurement(Kind.HEIGHT, 158.0, b"", time=when)])
        visit.keep_records("glucose", [measurement(Kind.GLUCOSE, glucose, b"", time=when)])
        visit.submit(outbox, flow.references)
    return len(EARLIER)


def health_walkthrough(app: Any, clock: FastForwardClock, control_url: str, shot: Callable[[str, str], None],
                       devices: dict[str, Any], drained: Callable[[], Script],
                       log: Callable[[str], None]) -> Script:
    """``drained()`` waits until the outbox worker has sent what is queued."""
    from simulators.idcard.cards import CARDS

    needed = {"idcard", "bp", "scale", "thermometer", "oximeter", "glucometer"}
    if not needed <= set(devices):
        log(f"  skipped the health visit: this hut has no {', '.join(sorted(needed - set(devices)))}")
        return
    if file_earlier_visits(app, CARDS["resident"]["id_number"]):
        yield from drained()
    terminal = app.terminal
    flow = terminal.flow("health")

    def state() -> str:
        return str(flow.view.state.value)

    def control(device: str, action: str, **params: Any) -> None:
        hut_control(control_url, device, action, **params)

    yield Until(lambda: (terminal.refresh_availability(), app.availability.health_devices >= 5)[1],
                "the five health devices", 30)
    app.go_home("resident")
    app.open_service("health")
    yield Until(lambda: app.sm.current == "consent", "the health check's first step")
    yield SETTLE
    shot("40-health-who", "健康自测: place a card to keep the results in your record, or measure without identifying")
    control("idcard", "place_card", card="resident")
    yield Until(lambda: state() == "consent", "the consent after the card", 20)
    yield SETTLE
    shot("40a-health-consent", "The separate consent for health data (PIPL art. 29), read aloud")
    flow.agree()
    yield Until(lambda: app.sm.current == "health_items", "the items")
    flow.choose_all()
    yield SETTLE
    shot("41-health-items", "Choose what to measure, or all: a device that is down is shown with the reason")
    flow.start()
    yield Until(lambda: state() == "rest", "the rest before blood pressure")
    yield SETTLE
    shot("42-health-bp-rest", "Blood pressure: five minutes' seated rest offered with a countdown (skippable)")
    flow.skip_rest()
    yield Until(lambda: state() == "guide", "the cuff's picture")
    yield SETTLE
    shot("43-health-bp-guide", "How to sit and where the cuff goes: a picture and one spoken sentence")
    control("bp", "reading", systolic=152, diastolic=94, pulse=76)
    flow.measure()
    yield Until(lambda: flow.view.prompt_zh.startswith("袖带充气"), "the cuff inflating", 15)
    yield 0.8
    shot("43a-health-bp-measuring", "Live from the monitor: the cuff inflating, the pressure rising")
    yield Until(lambda: state() == "interval", "the minute between readings", 40)
    yield SETTLE
    shot("44-health-bp-interval", "The first reading; the second comes a minute later (the guideline's two readings)")
    control("bp", "reading", systolic=148, diastolic=92, pulse=74)
    clock.offset += 61.0                                   # the minute, fast-forwarded
    yield Until(lambda: state() == "guide", "the second reading's guide", 10)
    flow.measure()
    yield Until(lambda: state() == "item_done", "blood pressure done", 40)
    yield SETTLE
    shot("45-health-bp-done", "Blood pressure: the mean of the two readings")

    flow.next_item()
    yield Until(lambda: state() == "guide" and flow.view.current == "height_weight", "the scale's picture")
    yield SETTLE
    shot("46-health-scale-guide", "The scale: take off your shoes and stand still")
    flow.measure()
    control("scale", "reading", weight=63.6, height=158.0)
    yield Until(lambda: state() == "item_done", "weighed", 30)
    control("scale", "step_off")

    flow.next_item()
    yield Until(lambda: state() == "guide" and flow.view.current == "waist", "the tape's picture")
    yield SETTLE
    shot("47-health-waist-guide", "Waist: where the tape goes, then the number is typed")
    flow.measure()
    for digit in "84":
        flow.type_digit(digit)
    yield SETTLE
    shot("47a-health-waist-keypad", "The waist in cm on the big keypad")
    flow.confirm_waist()
    yield Until(lambda: state() == "item_done", "the waist kept")

    flow.next_item()
    yield Until(lambda: state() == "guide" and flow.view.current == "temperature", "the thermometer")
    control("thermometer", "reading", temperature=36.5)
    flow.measure()
    yield Until(lambda: state() == "item_done", "the temperature", 30)
    flow.next_item()
    yield Until(lambda: state() == "guide" and flow.view.current == "spo2", "the oximeter")
    yield SETTLE
    shot("48-health-oximeter-guide", "The oximeter: clip it on the index finger, keep the hand still")
    control("oximeter", "reading", spo2=97, pulse=72)
    flow.measure()
    yield Until(lambda: state() == "item_done", "the oxygen", 40)
    flow.next_item()
    yield Until(lambda: state() == "context", "the glucose question")
    yield SETTLE
    shot("49-health-glucose-question", "Glucose: when did you last eat? (its cut-offs depend on it)")
    flow.glucose_when("fasting")
    yield Until(lambda: state() == "guide", "the strip's picture")
    control("glucometer", "reading", glucose=6.3)
    flow.measure()
    yield Until(lambda: state() == "item_done", "the glucose", 40)
    flow.next_item()

    yield Until(lambda: app.sm.current == "result" and flow.view.history not in ("", "loading"),
                "the results and her earlier ones", 30)
    yield SETTLE
    shot("49a-health-results", "Every result in words on its scale, one high (grade 1 hypertension); "
         "for reference only, not a diagnosis")
    scroll = app.screens["result"].ids.result_scroll
    scroll.ids.view.scroll_y = 0
    yield SETTLE
    shot("49b-health-history", "Her earlier results from the platform as a trend, today's value last")
    flow.print()
    yield Until(lambda: flow.view.slip in ("printed", "failed"), "the health slip", 30)
    yield SETTLE
    shot("49c-health-slip-printed", "The health slip: masked identity, each item and its class, a QR with the values")
    app.go_home("done")
    control("idcard", "remove_card")
    yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
