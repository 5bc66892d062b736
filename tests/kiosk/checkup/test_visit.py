"""The measurement session state machine and the visit's record: consent,
classification words, the contract body, the slip, and no values in reprs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from drivers.health import gatt
from drivers.printer.slip import layout, plain_text
from kiosk import slips
from kiosk.checkup import classify
from kiosk.checkup.session import TRANSITIONS, Event, MeasurementSession, State
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
    body = _visit_with_bp().contract_body(TABLE)
    assert body["resident"] == {"id_hash": REF}
    assert body["consent"]["given"] is True and body["consent"]["at"] == "2026-11-30T09:00:00+00:00"
    systolic = next(m for m in body["measurements"] if m["kind"] == "systolic")
    assert (systolic["value"], systolic["unit"], systolic["loinc"]) == (140.0, "mmHg", "8480-6")
    assert systolic["raw_hex"] == BP.hex() and systolic["device"] == "bp (test)"
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
