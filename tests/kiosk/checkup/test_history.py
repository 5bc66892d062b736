"""parse_history: the platform's answer to the trend chart's series, with
malformed entries skipped, garbage refused in a sentence, and no value in a repr."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.health.records import Kind
from kiosk.checkup.history import parse_history
from kiosk.errors import KioskError


def _entry(day: int, systolic=130, diastolic=85, weight=64.0, glucose=None, month=11):
    at = f"2026-{month:02d}-{day:02d}T09:30:00+08:00"
    observations = [
        {"kind": "blood_pressure", "loinc": ["85354-9"], "measured_at": at, "components": [
            {"kind": "systolic", "loinc": ["8480-6"], "value": systolic, "unit": "mm[Hg]"},
            {"kind": "diastolic", "loinc": ["8462-4"], "value": diastolic, "unit": "mm[Hg]"}]},
        {"kind": "weight", "loinc": ["29463-7"], "value": weight, "unit": "kg", "measured_at": at},
    ]
    if glucose is not None:
        observations.append({"kind": "glucose", "loinc": ["15074-8"], "value": glucose, "unit": "mmol/L",
                             "measured_at": at, "glucose_context": "fasting"})
    return {"number": f"JK202611{day:02d}X", "received_at": at, "measured_at": at, "observations": observations}


def test_series_per_kind_oldest_first_from_the_newest_first_answer():
    answer = {"health_records": [_entry(20, 142, 91, 65.5, 6.3), _entry(10, 138, 88, 65.0), _entry(1, 135, 86)]}
    history = parse_history(answer)
    assert history.visits == 3 and history
    assert history.series(Kind.SYSTOLIC) == ((dt.date(2026, 11, 1), 135.0), (dt.date(2026, 11, 10), 138.0),
                                             (dt.date(2026, 11, 20), 142.0))
    assert history.series(Kind.DIASTOLIC)[-1] == (dt.date(2026, 11, 20), 91.0)
    assert history.series(Kind.WEIGHT) == ((dt.date(2026, 11, 1), 64.0), (dt.date(2026, 11, 10), 65.0),
                                           (dt.date(2026, 11, 20), 65.5))
    assert history.series(Kind.GLUCOSE) == ((dt.date(2026, 11, 20), 6.3),)
    assert history.series(Kind.SPO2) == ()
    assert parse_history(answer["health_records"]).series(Kind.WEIGHT) == history.series(Kind.WEIGHT)


def test_at_most_the_last_ten_visits():
    history = parse_history([_entry(d, systolic=100 + d) for d in range(1, 16)])
    assert history.visits == 10
    assert [v for _, v in history.series(Kind.SYSTOLIC)] == [100.0 + d for d in range(6, 16)]


def test_malformed_entries_and_values_are_skipped():
    bad_value = _entry(5)
    bad_value["observations"][1]["value"] = "64"              # a string weight
    bad_value["observations"][0]["components"][0]["value"] = True
    answer = [
        _entry(1),
        "not a record", None, 42, {"observations": "none"}, {"measured_at": "2026-11-02T09:00:00+08:00"},
        {"measured_at": "yesterday", "observations": [{"kind": "weight", "value": 70}]},       # no usable time
        {"measured_at": "2026-11-03T09:00:00", "observations": [{"kind": "weight", "value": 70}]},   # no offset
        {"measured_at": "2026-11-04T09:00:00+08:00", "observations": [{"kind": "hearing", "value": 1},
                                                                      {"kind": "weight", "value": 1e400}]},
        bad_value,
    ]
    history = parse_history(answer)
    assert history.visits == 2
    assert history.series(Kind.WEIGHT) == ((dt.date(2026, 11, 1), 64.0),)
    assert history.series(Kind.SYSTOLIC) == ((dt.date(2026, 11, 1), 130.0),)
    assert history.series(Kind.DIASTOLIC) == ((dt.date(2026, 11, 1), 85.0), (dt.date(2026, 11, 5), 85.0))


def test_a_visit_without_its_own_time_takes_its_measurements_time():
    entry = _entry(7)
    del entry["measured_at"]
    assert parse_history([entry]).series(Kind.WEIGHT) == ((dt.date(2026, 11, 7), 64.0),)


def test_nothing_yet_is_an_empty_history():
    history = parse_history({"health_records": []})
    assert history.visits == 0 and not history and history.series(Kind.SYSTOLIC) == ()


@pytest.mark.parametrize("garbage", [None, "", "<html>502</html>", 17, {"applications": []},
                                     {"health_records": "many"}, ["a", "b", 3]])
def test_garbage_is_refused_in_a_sentence(garbage):
    with pytest.raises(KioskError, match="health history"):
        parse_history(garbage)


def test_repr_hides_every_value():
    history = parse_history([_entry(1, 187, 113, 71.3, 17.9)])
    for text in (repr(history), str(history)):
        assert text == "History(visits=1, values=<hidden>)"
        assert not any(v in text for v in ("187", "113", "71.3", "17.9"))
