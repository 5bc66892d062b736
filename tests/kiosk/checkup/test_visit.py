"""The measurement session state machine and the visit's record: consent,
classification words, the contract body, the slip, and no values in reprs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from drivers.health import gatt
from drivers.health.records import CodecError, Kind, Measurement, Special, measurement
from drivers.printer.slip import layout, plain_text
from kiosk import slips
from kiosk.checkup import classify
from kiosk.checkup.classify import GlucoseContext
from kiosk.checkup.session import TRANSITIONS, Event, MeasurementSession, State, display
from kiosk.checkup.visit import Visit
from kiosk.errors import KioskError

TABLE = classify.load_table()
REF = "ab" * 32
BP = bytes.fromhex("00" "8C00" "5A00" "6E00")   # 140/90 mmHg, MAP 110 (SFLOAT)


def test_every_transition_in_the_table_and_nothing_else():
    for state in State:
        for event in Event:
            session = MeasurementSession("blood_pressure")
            session.state = state
            if (state, event) in TRANSITIONS:
                _send(session, event)
                assert session.state is TRANSITIONS[(state, event)]
            else:
                with pytest.raises(KioskError):
                    _send(session, event)


def _send(session: MeasurementSession, event: Event) -> None:
    if event is Event.START:
        session.start()
    elif event is Event.CANCEL:
        session.cancel()
    elif event is Event.PROGRESS:
        session.progress("充气", "inflating")
    elif event is Event.RESULT:
        session.result(gatt.blood_pressure(BP))
    else:
        session.failure("cuff_leak", "漏气", "leak")


def test_a_result_without_the_needed_values_is_a_failure_to_retry():
    session = MeasurementSession("blood_pressure")
    session.start()
    session.result(gatt.blood_pressure(bytes.fromhex("00" "FF07" "5A00" "6E00")))  # systolic NaN
    assert session.state is State.FAILED and session.view().can_start


def test_view_shows_values_as_displayed_but_repr_hides_them():
    session = MeasurementSession("blood_pressure")
    session.start()
    session.result(gatt.blood_pressure(BP))
    view = session.view()
    assert dict(view.shown)["systolic"] == "140 mmHg"
    assert "140" not in repr(view) and "140" not in repr(session)


def test_no_measurement_without_separate_consent():
    visit = Visit(REF)
    with pytest.raises(KioskError, match="consent"):
        visit.session("blood_pressure")
    visit.refuse_consent()
    with pytest.raises(KioskError, match="consent"):
        visit.session("blood_pressure")


def _visit_with_bp() -> Visit:
    visit = Visit(REF)
    visit.give_consent(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc))
    session = visit.session("blood_pressure")
    session.start()
    session.result([r.with_source("bp (test)", dt.datetime(2026, 11, 30, 9, 1)) for r in gatt.blood_pressure(BP)])
    visit.keep(session)
    return visit


def test_contract_body_carries_consent_loinc_and_words():
    body = _visit_with_bp().contract_body(TABLE, {"bp (test)": {"model": "BP-100", "serial": "SN-7"}})
    assert body["resident"] == {"id_hash": REF}
    assert body["consent"]["given"] is True and body["consent"]["at"] == "2026-11-30T09:00:00+00:00"
    panel = next(o for o in body["observations"] if o["kind"] == "blood_pressure")
    assert panel["loinc"] == ["85354-9"] and "value" not in panel
    assert panel["components"] == [
        {"kind": "systolic", "loinc": ["8480-6"], "value": 140.0, "unit": "mm[Hg]"},
        {"kind": "diastolic", "loinc": ["8462-4"], "value": 90.0, "unit": "mm[Hg]"}]
    assert panel["raw_hex"] == BP.hex()
    assert panel["device"] == {"name": "bp (test)", "model": "BP-100", "serial": "SN-7"}
    assert panel["measured_at"] == dt.datetime(2026, 11, 30, 9, 1).astimezone().isoformat(timespec="seconds")
    assert body["classification"] == [{"test": "blood_pressure", "category": "grade_1",
                                       "label_zh": "1级高血压（轻度）", "label_en": "Grade 1 hypertension (mild)",
                                       "urgent": False}]
    json.dumps(body)  # the outbox stores JSON


def test_submit_refused_without_consent_and_enqueued_with_it():
    class FakeOutbox:
        def __init__(self):
            self.items = []

        def enqueue(self, kind, body, attachments=()):
            self.items.append((kind, body))
            return "receipt"

    outbox = FakeOutbox()
    visit = _visit_with_bp()
    assert visit.submit(outbox, TABLE) == "receipt" and outbox.items[0][0] == "health_record"
    visit.refuse_consent()
    with pytest.raises(KioskError, match="consent"):
        visit.submit(outbox, TABLE)


def test_slip_prints_values_classification_words_and_the_note():
    text = "\n".join(plain_text(layout(slips.health_report(_visit_with_bp().slip_data(TABLE)), 48), 48))
    assert "140 mmHg" in text and "1级高血压（轻度）" in text and "Grade 1 hypertension" in text
    assert "仅供参考，不作诊断依据" in text


def test_visit_repr_hides_identity_and_values():
    visit = _visit_with_bp()
    assert REF not in repr(visit) and "140" not in repr(visit)
    [result] = visit.results(TABLE)
    assert "140" not in repr(result) and "高血压" not in repr(result)


def test_bmi_computed_from_weight_and_height_when_the_scale_sends_none():
    from drivers.health import lineproto

    fmt = lineproto.line_format({"pattern": r"^W(?P<w>[0-9.]+)H(?P<h>[0-9.]+)$",
                                 "fields": {"w": {"kind": "weight", "unit": "kg"},
                                            "h": {"kind": "height", "unit": "cm"}}})
    visit = Visit()
    visit.give_consent()
    session = visit.session("height_weight")
    session.start()
    session.result(lineproto.decode_line(fmt, b"W71.9H170.0"))   # BMI 24.88 -> shown 24.9
    visit.keep(session)
    [result] = visit.results(TABLE)
    assert result.classification.category == "overweight"
    assert dict(result.shown) == {"weight": "71.9 kg", "height": "170.0 cm", "bmi": "24.9 kg/m²"}


TZ = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 12, 7, 9, 30, tzinfo=TZ)


def _typed(kind: Kind, value: float, **context) -> Measurement:
    return measurement(kind, value, b"", time=AT, **context)


def _visit(context=None, sex=None) -> Visit:
    visit = Visit(REF, glucose_context=context, sex=sex)
    visit.give_consent(AT)
    return visit


def test_waist_is_a_kind_with_its_loinc_unit_and_bounds():
    record = _typed(Kind.WAIST, 82.0)
    assert (record.loinc, record.unit) == ("8280-0", "cm")
    for bad in (29.9, 250.1):
        with pytest.raises(CodecError):
            measurement(Kind.WAIST, bad, b"")
    assert display(record) == "82.0 cm"


def test_keep_records_files_the_typed_waist_and_the_bp_mean_replacing_by_kind():
    visit = _visit(sex="male")
    mean = {"method": "mean", "readings": 3, "series": "150/96,138/88,140/90"}
    visit.keep_records("blood_pressure", [_typed(Kind.SYSTOLIC, 139, **mean), _typed(Kind.DIASTOLIC, 89, **mean),
                                          _typed(Kind.PULSE, 70, **mean)])
    visit.keep_records("waist", [_typed(Kind.WAIST, 88.0)])
    visit.keep_records("waist", [_typed(Kind.WAIST, 91.0)])     # typed again: replaces
    assert [m.kind for m in visit.measurements] == [Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE, Kind.WAIST]
    [bp, waist] = visit.results(TABLE)
    assert (bp.test, bp.classification.category) == ("blood_pressure", "high_normal")
    assert (waist.test, waist.classification.category, dict(waist.shown)) == ("waist", "central_obesity",
                                                                             {"waist": "91.0 cm"})
    panel = visit.contract_body(TABLE)["observations"][0]
    assert panel["context"] == mean


def test_keep_records_refuses_without_consent_an_unknown_test_or_missing_values():
    visit = Visit(REF)
    with pytest.raises(KioskError, match="consent"):
        visit.keep_records("waist", [_typed(Kind.WAIST, 80.0)])
    visit.give_consent()
    with pytest.raises(KioskError, match="unknown health test"):
        visit.keep_records("hearing", [_typed(Kind.WAIST, 80.0)])
    with pytest.raises(KioskError, match="diastolic"):
        visit.keep_records("blood_pressure", [_typed(Kind.SYSTOLIC, 120)])
    assert visit.measurements == []


def test_a_record_without_a_time_is_stamped_when_filed():
    visit = _visit()
    before = dt.datetime.now().astimezone()
    visit.keep_records("waist", [measurement(Kind.WAIST, 80.0, b"")])
    assert visit.measurements[0].time is not None and visit.measurements[0].time >= before


def test_waist_is_classed_only_when_the_sex_is_known():
    visit = _visit()
    visit.keep_records("waist", [_typed(Kind.WAIST, 86.0)])
    assert visit.results(TABLE) == []
    visit.sex = "female"
    assert visit.results(TABLE)[0].classification.category == "central_obesity"
    visit.sex = "male"
    assert visit.results(TABLE)[0].classification.category == "pre_central_obesity"


@pytest.mark.parametrize("context, category", [(None, "normal"), (GlucoseContext.RANDOM, "normal"),
                                               (GlucoseContext.FASTING, "high"),
                                               (GlucoseContext.AFTER_MEAL, "impaired")])
def test_glucose_is_classed_by_the_visits_context(context, category):
    visit = _visit(context)
    visit.keep_records("glucose", [_typed(Kind.GLUCOSE, 8.0)])
    [result] = visit.results(TABLE)
    assert result.classification.category == category
    glucose = visit.contract_body(TABLE)["observations"][0]
    assert glucose["glucose_context"] == (context or GlucoseContext.RANDOM).value


def test_every_kind_is_an_observation_with_its_loinc_and_ucum_unit():
    visit = _visit(GlucoseContext.FASTING, "female")
    visit.keep_records("blood_pressure", [_typed(Kind.SYSTOLIC, 128), _typed(Kind.DIASTOLIC, 82),
                                          _typed(Kind.MEAN_ARTERIAL, 97), _typed(Kind.PULSE, 72)])
    visit.keep_records("height_weight", [_typed(Kind.WEIGHT, 63.5), _typed(Kind.HEIGHT, 165.0)])
    visit.keep_records("waist", [_typed(Kind.WAIST, 82.0)])
    visit.keep_records("temperature", [_typed(Kind.TEMPERATURE, 36.6)])
    visit.keep_records("spo2", [_typed(Kind.SPO2, 97), measurement(Kind.PULSE, None, b"", Special.NAN, time=AT)])
    visit.keep_records("glucose", [_typed(Kind.GLUCOSE, 5.4)])
    body = visit.contract_body(TABLE)
    coded = {o["kind"]: (o["loinc"], o.get("unit")) for o in body["observations"]}
    assert coded == {
        "blood_pressure": (["85354-9"], None), "mean_arterial": (["8478-0"], "mm[Hg]"), "pulse": (["8867-4"], "/min"),
        "height": (["8302-2"], "cm"), "weight": (["29463-7"], "kg"), "bmi": (["39156-5"], "kg/m2"),
        "waist": (["8280-0"], "cm"), "temperature": (["8310-5"], "Cel"), "spo2": (["2708-6", "59408-5"], "%"),
        "glucose": (["15074-8"], "mmol/L"),
    }   # the pulse the oximeter could not read (NaN) left the cuff's pulse in place, and is not sent itself
    bmi = next(o for o in body["observations"] if o["kind"] == "bmi")
    assert bmi["value"] == 23.3 and bmi["context"] == {"method": "calculated from weight and height"}
    assert {o["measured_at"] for o in body["observations"]} == {AT.astimezone().isoformat(timespec="seconds")}
    assert next(o for o in body["observations"] if o["kind"] == "pulse")["value"] == 72
    assert body["glucose_context"] == "fasting" and body["consent"]["version"]
    assert "device" not in next(o for o in body["observations"] if o["kind"] == "waist")   # typed, no device


def test_an_anonymous_visit_is_never_submitted():
    class Outbox:
        def enqueue(self, kind, body, attachments=()):  # pragma: no cover - must not be reached
            raise AssertionError("an anonymous record reached the outbox")

    visit = Visit()
    visit.give_consent()
    visit.keep_records("temperature", [_typed(Kind.TEMPERATURE, 36.5)])
    with pytest.raises(KioskError, match="anonymous"):
        visit.submit(Outbox(), TABLE)


def test_slip_data_carries_hut_queued_urgent_and_a_qr_without_identity():
    visit = _visit(GlucoseContext.FASTING, "male")
    visit.keep_records("blood_pressure", [_typed(Kind.SYSTOLIC, 182), _typed(Kind.DIASTOLIC, 96),
                                          _typed(Kind.PULSE, 72)])
    visit.keep_records("glucose", [_typed(Kind.GLUCOSE, 5.44)])
    data = visit.slip_data(TABLE, "张建国", "230108195001011234", hut="天河小屋", queued=True)
    assert data["hut"] == "天河小屋" and data["queued"] is True
    urgent = [r for r in data["results"] if r.get("urgent")]
    assert [r["item_en"] for r in urgent] == ["Blood pressure"]
    assert data["qr"] == f"HK1|{AT.astimezone().isoformat(timespec='minutes')}|BP=182/96;P=72;GLU=5.4F"
    assert REF not in data["qr"] and "张" not in data["qr"] and "1234" not in data["qr"]
