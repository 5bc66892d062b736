"""健康自测 through the terminal, in process: the home tile, a card or none,
the consent, the items, each device's path (blood pressure's readings, the
glucose question, the waist typed), faults and retries, the results, the
record in the outbox, the slip, and what a taken card or the idle timeout
leaves behind (nothing)."""

from __future__ import annotations

import pytest

from kiosk.flows.service import Step
from kiosk.services.health.flow import HealthState
from kiosk.terminal.view import TerminalState
from tests.terminal_kit import DEVICES, HEALTH_DEVICES, card

ALL = ("idcard", "ssc", "printer", "camera", "front_camera", "speaker", "bp", "scale", "thermometer", "oximeter",
       "glucometer")


class Outbox:
    """The outbox's enqueue, kept in memory (the real one is in test_health_record_reaches_the_platform)."""

    def __init__(self):
        self.queued = []

    def enqueue(self, kind, body, attachments=()):
        self.queued.append((kind, body))
        return type("Queued", (), {"serial": f"T-{len(self.queued)}"})()


class Platform:
    def __init__(self, history=None, fail=False):
        self.history = history or []
        self.fail = fail
        self.asked = []

    def health_history(self, id_hashes, budget=None):
        self.asked.append(list(id_hashes))
        if self.fail:
            raise ConnectionError("down")
        return self.history


@pytest.fixture
def health_kit(make_kit):
    """A terminal with the health devices beside the others, and the district's look-up keys."""
    from kiosk.privacy import IdHashKeys

    def make(**options):
        options.setdefault("outbox", Outbox())
        options.setdefault("client", Platform())
        options.setdefault("devices", ALL)
        return make_kit(devices_toml=DEVICES + HEALTH_DEVICES, id_hash_keys=IdHashKeys(1, b"k" * 32), **options)

    return make


def open_health(kit):
    kit.terminal.open_service("health")
    kit.at(Step.HEALTH_START)
    return kit.terminal.flow("health")


def temperature_identified(kit):
    """An identified, consenting visit that measured the temperature and is on its results."""
    flow = identified(kit)
    assert flow.agree()
    flow.toggle("temperature")
    assert flow.start()
    measure(kit, flow, "thermometer", temperature=36.6)
    assert flow.next_item()
    return flow


def anonymous_visit(kit, *keys):
    """Measure without identifying: these items chosen and started."""
    flow = open_health(kit)
    assert flow.anonymous()
    for key in keys:
        assert flow.toggle(key), key
    assert flow.start()
    return flow


def identified(kit, record=None):
    flow = open_health(kit)
    kit.reader.place(record or card())
    kit.run_until(lambda: flow.state is HealthState.CONSENT, "the consent after the card")
    return flow


def measure(kit, flow, device, **values):
    assert flow.measure()
    kit.run_until(lambda: kit.health[device].measuring, f"the {device} to start")
    kit.health[device].progress("measuring")
    kit.health[device].deliver(**values)
    kit.settle()


def bp_reading(kit, flow, systolic, diastolic, pulse=72):
    measure(kit, flow, "bp", systolic=systolic, diastolic=diastolic, pulse=pulse)


def wait_interval(kit, flow):
    assert flow.state is HealthState.INTERVAL
    assert not flow.measure(), "the next reading waits for the minute between readings"
    for _ in range(4):    # the terminal ticks a few times a second: the resident is busy, not gone
        kit.clock.advance(16)
        kit.terminal.tick()
    kit.run_until(lambda: flow.state is HealthState.GUIDE, "the next reading's guide")


def test_an_identified_resident_measures_everything_and_the_record_goes_to_the_outbox(health_kit):
    outbox = Outbox()
    kit = health_kit(outbox=outbox, client=Platform(history=[]))
    flow = identified(kit, card(name="王秀兰", id_number="110105194412310023"))
    assert kit.view.step is Step.CONSENT and flow.view.masked_name == "王**"
    assert flow.agree()
    assert kit.step is Step.HEALTH_ITEMS
    assert all(o.available for o in flow.view.offers)
    assert flow.choose_all()
    assert flow.view.chosen == ("blood_pressure", "height_weight", "waist", "temperature", "spo2", "glucose")
    assert flow.start()
    # blood pressure: the rest is offered, skipped; two readings a minute apart, 4 mmHg apart: their mean
    assert flow.state is HealthState.REST
    assert flow.skip_rest()
    bp_reading(kit, flow, 130, 84)
    wait_interval(kit, flow)
    bp_reading(kit, flow, 126, 80)
    assert flow.state is HealthState.ITEM_DONE
    assert dict(flow.view.shown)["systolic"] == "128 mmHg" and dict(flow.view.shown)["diastolic"] == "82 mmHg"
    assert flow.next_item()
    measure(kit, flow, "scale", weight=63.5, height=165.0, bmi=23.3)
    assert flow.next_item()
    assert flow.state is HealthState.GUIDE and flow.view.current == "waist"    # the picture first
    assert flow.measure()
    assert flow.state is HealthState.WAIST
    for d in "82":
        flow.type_digit(d)
    assert flow.confirm_waist()        # the card said she is a woman: her cut-offs
    assert flow.next_item()
    measure(kit, flow, "thermometer", temperature=36.6)
    assert flow.next_item()
    measure(kit, flow, "oximeter", spo2=97, pulse=70)
    assert flow.next_item()
    assert flow.state is HealthState.CONTEXT
    assert flow.glucose_when("fasting")
    measure(kit, flow, "glucometer", glucose=5.4)
    assert flow.next_item()
    kit.run_until(lambda: flow.view.record in ("sent", "queued") and flow.view.history == "none", "the record saved")
    assert kit.step is Step.RESULT
    tests = [line.test for line in flow.view.results]
    assert tests == ["blood_pressure", "height_weight", "temperature", "spo2", "glucose", "waist"] or \
        set(tests) == {"blood_pressure", "height_weight", "temperature", "spo2", "glucose", "waist"}
    assert not flow.view.urgent
    [(kind, body)] = outbox.queued
    assert kind == "health_record"
    assert body["consent"]["given"] is True
    assert "王秀兰" not in repr(body) and "110105194412310023" not in repr(body)
    assert body["resident"]["id_hash"]
    # the slip: masked, printed
    assert flow.print()
    kit.run_until(lambda: flow.view.slip == "printed", "the slip")
    text = repr(kit.printer.printed[-1]) + str(kit.printer.printed[-1])
    assert "110105194412310023" not in text


def test_a_third_blood_pressure_reading_when_the_first_two_differ_and_the_mean_of_the_closest_two(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "blood_pressure")
    flow.skip_rest()
    bp_reading(kit, flow, 150, 90)
    wait_interval(kit, flow)
    bp_reading(kit, flow, 138, 88)          # 12 mmHg apart: a third
    wait_interval(kit, flow)
    assert flow.view.reading == 3
    bp_reading(kit, flow, 136, 86)          # closest to the second
    assert flow.state is HealthState.ITEM_DONE
    assert dict(flow.view.shown)["systolic"] == "137 mmHg"
    assert dict(flow.view.shown)["diastolic"] == "87 mmHg"


def test_an_urgent_value_says_see_a_doctor_today_and_is_spoken(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "spo2")
    measure(kit, flow, "oximeter", spo2=86, pulse=110)
    flow.next_item()
    assert flow.state is HealthState.RESULTS
    assert flow.view.urgent
    [line] = flow.view.results
    assert line.urgent and line.flag == "low"
    assert kit.terminal.last_spoken.startswith("One of your results needs a doctor today")


def test_a_cuff_error_then_a_retry_and_after_two_failures_the_staff_are_offered(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "blood_pressure")
    flow.skip_rest()
    assert flow.measure()
    kit.run_until(lambda: kit.health["bp"].measuring)
    kit.health["bp"].fail("cuff_loose")
    kit.run_until(lambda: flow.state is HealthState.FAILED, "the fault on screen")
    assert flow.view.prompt_zh == "袖带过松，请绑紧后再测" and not flow.view.ask_staff
    assert flow.measure()
    kit.run_until(lambda: kit.health["bp"].measuring)
    kit.health["bp"].fail("movement")
    kit.run_until(lambda: flow.view.failures == 2, "the second fault")
    assert flow.view.ask_staff
    assert kit.terminal.last_spoken.startswith("The measurement did not succeed again")
    assert flow.measure()       # still possible to try again
    kit.run_until(lambda: kit.health["bp"].measuring)
    kit.health["bp"].deliver(systolic=122, diastolic=78, pulse=66)
    kit.run_until(lambda: flow.state is HealthState.INTERVAL)


def test_an_item_whose_device_is_down_is_listed_with_the_reason_and_cannot_be_chosen(health_kit):
    kit = health_kit()
    kit.health["glucometer"].unplug()
    kit.settle()
    kit.terminal.refresh_availability()
    flow = open_health(kit)
    flow.anonymous()
    glucose = next(o for o in flow.view.offers if o.key == "glucose")
    assert not glucose.available and glucose.reason.startswith("The device is not working now")
    assert not flow.toggle("glucose")
    flow.choose_all()
    assert "glucose" not in flow.view.chosen and len(flow.view.chosen) == 5


def test_an_anonymous_visit_sends_nothing_and_its_slip_has_no_name(health_kit):
    outbox, platform = Outbox(), Platform()
    kit = health_kit(outbox=outbox, client=platform)
    flow = anonymous_visit(kit, "temperature")
    measure(kit, flow, "thermometer", temperature=39.4)
    flow.next_item()
    assert flow.view.record == "anonymous" and flow.view.urgent
    assert outbox.queued == [] and platform.asked == []
    assert flow.print()
    kit.run_until(lambda: flow.view.slip == "printed")
    kit.terminal.home("done")
    assert flow.view.results == () and flow._visit.measurements == []


def test_declining_the_consent_measures_without_saving(health_kit):
    outbox = Outbox()
    kit = health_kit(outbox=outbox)
    flow = identified(kit)
    assert flow.decline()
    assert flow.view.masked_name == "" and not flow.view.identified
    flow.toggle("temperature")
    flow.start()
    measure(kit, flow, "thermometer", temperature=36.5)
    flow.next_item()
    assert flow.view.record == "declined" and outbox.queued == []


def test_the_card_taken_mid_visit_wipes_the_values(health_kit):
    kit = health_kit()
    flow = identified(kit)
    flow.agree()
    flow.toggle("temperature")
    flow.toggle("spo2")
    flow.start()
    measure(kit, flow, "thermometer", temperature=36.8)
    assert flow.state is HealthState.ITEM_DONE
    kit.reader.take()
    kit.run_until(lambda: flow.state is HealthState.WIPED, "the values wiped")
    assert flow.view.shown == () and flow.view.done == () and flow._visit.measurements == []
    assert kit.step is Step.RESULT


def test_the_idle_timeout_ends_a_visit_and_nothing_remains(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "temperature")
    measure(kit, flow, "thermometer", temperature=36.8)
    kit.clock.advance(kit.terminal.idle.warning_after + 1)
    kit.run_until(lambda: kit.view.idle_warning, "the warning first")
    kit.clock.advance(kit.terminal.idle.timeout_after)
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home after the timeout")
    assert flow.state is HealthState.CLOSED and flow._visit.measurements == []


def test_a_measurement_in_progress_holds_the_idle_timer(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "blood_pressure")
    assert flow.start_rest()
    for _ in range(10):      # five minutes of rest, longer than the idle timeout
        kit.clock.advance(29)
        kit.settle()
        kit.terminal.tick()
    assert kit.view.state is TerminalState.SERVICE and not kit.view.idle_warning
    kit.clock.advance(20)
    kit.run_until(lambda: flow.state is HealthState.GUIDE, "the rest over")


def test_the_waist_typed_is_checked_and_asks_the_sex_when_no_card_said_it(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "waist")
    assert flow.measure()
    assert flow.state is HealthState.WAIST
    for d in "9":
        flow.type_digit(d)
    assert not flow.confirm_waist() and flow.view.notice == "out_of_range"
    flow.type_digit("2")
    assert not flow.confirm_waist() and flow.view.notice == "choose_sex"
    assert flow.set_sex("male")
    assert flow.confirm_waist()
    flow.next_item()
    [line] = flow.view.results
    assert line.test == "waist" and line.category != "normal"     # 92 cm: a man's central obesity


def test_the_history_is_drawn_for_an_identified_resident(health_kit):
    history = [{"measured_at": f"2026-{m:02d}-01T09:00:00+08:00",
                "observations": [{"kind": "blood_pressure", "measured_at": f"2026-{m:02d}-01T09:00:00+08:00",
                                  "components": [{"kind": "systolic", "value": 130 + m, "unit": "mm[Hg]"},
                                                 {"kind": "diastolic", "value": 80 + m, "unit": "mm[Hg]"}]}]}
               for m in range(1, 6)]
    platform = Platform(history=history)
    kit = health_kit(client=platform)
    flow = temperature_identified(kit)
    kit.run_until(lambda: flow.view.history not in ("", "loading"), "the history")
    assert platform.asked and len(platform.asked[0][0]) == 64
    assert flow.view.history == "shown", flow.view.history
    kinds = {t.kind for t in flow.view.trends}
    assert {"systolic", "diastolic"} <= kinds


def test_the_platform_down_leaves_the_history_unavailable_and_the_record_queued(health_kit):
    outbox = Outbox()
    kit = health_kit(outbox=outbox, client=Platform(fail=True))
    flow = temperature_identified(kit)
    kit.run_until(lambda: flow.view.history == "unavailable" and flow.view.record == "queued")
    assert len(outbox.queued) == 1


def test_the_earlier_results_are_asked_for_before_todays_record_is_handed_over(health_kit):
    """Once in the outbox, the record may reach the platform before the question does, and the
    platform then answers with today's visit among the earlier ones: today drawn twice (seen in
    a make test run). The question goes first; the record follows once it is answered."""
    import time

    outbox = Outbox()

    class SlowPlatform(Platform):
        def health_history(self, id_hashes, budget=None):
            time.sleep(0.3)                      # the district's answer takes a moment
            self.queued_when_asked = len(outbox.queued)
            return super().health_history(id_hashes, budget)

    platform = SlowPlatform(history=[])
    kit = health_kit(outbox=outbox, client=platform)
    flow = temperature_identified(kit)
    kit.run_until(lambda: flow.view.record in ("sent", "queued") and flow.view.history == "none", "the record saved")
    assert platform.queued_when_asked == 0 and len(outbox.queued) == 1


def test_a_device_unplugged_mid_measurement_says_so(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "spo2")
    assert flow.measure()
    kit.run_until(lambda: kit.health["oximeter"].measuring)
    kit.health["oximeter"].unplug()
    kit.run_until(lambda: flow.state is HealthState.FAILED, "the fault")
    assert flow.view.notice == "device_gone"


def test_back_from_a_measurement_cancels_the_device(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "temperature")
    assert flow.measure()
    kit.run_until(lambda: kit.health["thermometer"].measuring)
    kit.terminal.back()
    assert flow.state is HealthState.GUIDE and kit.health["thermometer"].cancelled == 1
    kit.terminal.back()
    assert flow.state is HealthState.ITEMS


def test_a_printer_out_of_paper_keeps_the_results_on_screen_and_can_try_again(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "temperature")
    measure(kit, flow, "thermometer", temperature=36.8)
    flow.next_item()
    kit.printer.fail = True
    assert flow.print()
    kit.run_until(lambda: flow.view.slip == "failed", "the failed slip")
    assert flow.state is HealthState.RESULTS and flow.view.results     # still on screen, nothing lost
    kit.printer.fail = False                                          # staff put paper in
    assert flow.print()
    kit.run_until(lambda: flow.view.slip == "printed", "the slip printed the second time")


def test_without_a_printer_the_results_stay_until_done(health_kit):
    kit = health_kit(devices=tuple(d for d in ALL if d != "printer"))
    flow = anonymous_visit(kit, "temperature")
    measure(kit, flow, "thermometer", temperature=36.8)
    flow.next_item()
    assert flow.view.slip == "none" and not flow.view.can_print
    assert not flow.print()
    kit.clock.advance(30)             # reading, well inside the idle time: nothing moves on by itself
    kit.terminal.tick()
    assert flow.state is HealthState.RESULTS and flow.view.results and kit.step is Step.RESULT


def test_the_minute_between_blood_pressure_readings_can_take_the_seated_items(health_kit):
    """Cuff on, seated: temperature and blood oxygen fit in the minute before the second reading."""
    kit = health_kit()
    flow = anonymous_visit(kit, "blood_pressure", "temperature", "spo2")
    flow.skip_rest()
    bp_reading(kit, flow, 136, 86)
    assert flow.state is HealthState.INTERVAL
    assert flow.view.meanwhile == ("temperature", "spo2")
    assert not flow.measure_meanwhile("glucose")
    kit.clock.advance(10)
    kit.terminal.tick()
    assert flow.measure_meanwhile("temperature")
    assert flow.state is HealthState.GUIDE and flow.view.current == "temperature" and flow.view.paused
    measure(kit, flow, "thermometer", temperature=36.7)
    assert flow.state is HealthState.ITEM_DONE
    assert flow.next_item()                         # back to blood pressure: the rest of its minute
    assert flow.state is HealthState.INTERVAL and flow.view.current == "blood_pressure"
    assert flow.view.reading == 2 and 0 < flow.view.seconds_left <= 50
    assert flow.view.meanwhile == ("spo2",)
    assert flow.measure_meanwhile("spo2")
    assert flow.measure()
    kit.run_until(lambda: kit.health["oximeter"].measuring, "the oximeter to start")
    for _ in range(4):                               # the finger in the clip longer than the minute
        kit.clock.advance(15)
        kit.terminal.tick()
    kit.health["oximeter"].deliver(spo2=97, pulse=70)
    kit.settle()
    assert flow.next_item()
    assert flow.state is HealthState.GUIDE and flow.view.current == "blood_pressure" and flow.view.reading == 2
    bp_reading(kit, flow, 132, 84)
    assert flow.state is HealthState.ITEM_DONE
    assert dict(flow.view.shown)["systolic"] == "134 mmHg"       # the two readings' mean
    assert flow.next_item()
    assert kit.step is Step.RESULT
    assert {line.test for line in flow.view.results} == {"blood_pressure", "temperature", "spo2"}


def test_the_cuff_pressure_rises_on_screen_while_it_measures_and_goes_with_the_result(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "blood_pressure")
    flow.skip_rest()
    assert flow.measure()
    kit.run_until(lambda: kit.health["bp"].measuring, "the cuff to start")
    for pressure in (40, 95, 160):
        kit.health["bp"].progress("inflating", cuff_pressure=pressure)
        kit.settle()
        assert dict(flow.view.live) == {"cuff_pressure": f"{pressure} mmHg"}
    kit.health["bp"].progress("deflating")              # a step change alone keeps the last value shown
    kit.settle()
    assert flow.view.prompt_zh.startswith("正在放气") and dict(flow.view.live) == {"cuff_pressure": "160 mmHg"}
    kit.health["bp"].deliver(systolic=128, diastolic=82, pulse=70)
    kit.settle()
    assert flow.state is HealthState.INTERVAL and flow.view.live == ()
    assert "160" not in repr(flow.view)


def test_a_reading_of_another_kind_is_refused_in_words_and_the_retry_counts(health_kit):
    kit = health_kit()
    flow = anonymous_visit(kit, "temperature")
    assert flow.measure()
    kit.run_until(lambda: kit.health["thermometer"].measuring, "the thermometer to start")
    kit.health["thermometer"].deliver(spo2=97)          # a misconfigured device: not a temperature
    kit.settle()
    assert flow.state is HealthState.FAILED and flow.view.notice == "wrong_device"
    assert flow.view.results == () and flow._visit.measurements == []
    measure(kit, flow, "thermometer", temperature=36.4)
    assert flow.state is HealthState.ITEM_DONE and dict(flow.view.shown)["temperature"].startswith("36.4")
