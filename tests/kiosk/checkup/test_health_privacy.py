"""Health values never reach a log or a file outside the encrypted outbox:
every object of the health path has a repr without values or classes, the
whole path logs nothing of them, and the outbox's files hold no value in
clear text."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from drivers.health.records import Kind, measurement
from kiosk.checkup import classify
from kiosk.checkup.classify import GlucoseContext
from kiosk.checkup.fhir import bundle
from kiosk.checkup.history import parse_history
from kiosk.checkup.session import MeasurementSession
from kiosk.checkup.visit import Visit
from kiosk.outbox.store import Outbox

TABLE = classify.load_table()
REF = "ab" * 32
AT = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
# Values no clock, serial or key would contain by chance, and the words they are classed with.
VALUES = {Kind.SYSTOLIC: 187, Kind.DIASTOLIC: 113, Kind.PULSE: 97, Kind.WAIST: 93.7, Kind.GLUCOSE: 17.3}
SECRETS = ("187", "113", "93.7", "17.3", "3级高血压", "Grade 3", "中心型肥胖", "Central obesity", REF)


def _visit() -> Visit:
    visit = Visit(REF, GlucoseContext.AFTER_MEAL, "male")
    visit.give_consent(AT)
    visit.keep_records("blood_pressure", [measurement(k, VALUES[k], b"", time=AT, method="mean", readings=2,
                                                      series="187/113,188/112")
                                          for k in (Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE)])
    visit.keep_records("waist", [measurement(Kind.WAIST, VALUES[Kind.WAIST], b"", time=AT)])
    session = visit.session("glucose")
    session.start()
    session.result([measurement(Kind.GLUCOSE, VALUES[Kind.GLUCOSE], b"", time=AT)])
    visit.keep(session)
    return visit


def _clean(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{leaked} in {text!r}"


def test_no_repr_of_the_health_path_shows_a_value_a_class_or_the_resident():
    visit = _visit()
    session = MeasurementSession("glucose")
    session.start()
    session.result([measurement(Kind.GLUCOSE, VALUES[Kind.GLUCOSE], b"", time=AT)])
    results = visit.results(TABLE)
    history = parse_history([{"measured_at": AT.isoformat(), "observations": [
        {"kind": "glucose", "value": VALUES[Kind.GLUCOSE], "measured_at": AT.isoformat()}]}])
    objects = [visit, session, session.view(), history, *visit.measurements, *results,
               *(r.classification for r in results)]
    assert all(r.classification.urgent for r in results if r.test != "waist")   # the values are the telling ones
    for thing in objects:
        _clean(repr(thing))
        _clean(str(thing))


def test_the_whole_path_logs_nothing_of_the_values(caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    visit = _visit()
    outbox = Outbox(tmp_path / "outbox", secrets.token_bytes(32), "HUT-TEST-01")
    try:
        visit.submit(outbox, TABLE, {"": {"model": "x"}})
        record = visit.contract_body(TABLE)
        bundle(record)
        visit.slip_data(TABLE, "张建国", "230108195001011234", hut="小屋", queued=True)
        parse_history([record])
    finally:
        outbox.close()
    assert "187" in str(record)                 # the record itself holds them (this test could fail)
    _clean(caplog.text)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"8480-6" not in data and b"mm[Hg]" not in data and REF.encode() not in data, path
