"""The reference platform and a health record: the kiosk's record as it
leaves a visit is filed; consent, a resident, the LOINC codes, the UCUM
units, finite and plausible numbers are checked beyond the schema; and the
records come back only to a query with the resident's own hash."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from drivers.health.records import Kind, measurement
from kiosk.central.client import CentralError
from kiosk.checkup import classify
from kiosk.checkup.classify import GlucoseContext
from kiosk.checkup.history import parse_history
from kiosk.checkup.visit import Visit
from simulators.platform.testing import Terminal, client_for, start_platform

TABLE = classify.load_table()
ME, SOMEONE_ELSE = "cd" * 32, "ef" * 32
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    terminal = Terminal()
    server = start_platform(tmp_path_factory.mktemp("platform"), terminal)
    try:
        yield client_for(server.url, terminal)
    finally:
        server.stop()


def _visit(day: int = 7, systolic: float = 128, resident: str = ME) -> Visit:
    """Every item, as the flow files it: the BP mean, the waist typed in, devices' readings."""
    at = dt.datetime(2026, 11, day, 9, 30, tzinfo=TZ)
    visit = Visit(resident, GlucoseContext.FASTING, "female")
    visit.give_consent(at)
    mean = {"method": "mean", "readings": 2, "series": "128/82,132/84"}
    visit.keep_records("blood_pressure", [measurement(k, v, b"", time=at, **mean) for k, v in
                                          ((Kind.SYSTOLIC, systolic), (Kind.DIASTOLIC, 83), (Kind.PULSE, 72))])
    visit.keep_records("height_weight", [measurement(Kind.WEIGHT, 63.5, b"\x01", time=at),
                                         measurement(Kind.HEIGHT, 165.0, b"\x01", time=at)])
    visit.keep_records("waist", [measurement(Kind.WAIST, 82.0, b"", time=at)])
    visit.keep_records("temperature", [measurement(Kind.TEMPERATURE, 36.6, b"", time=at)])
    visit.keep_records("spo2", [measurement(Kind.SPO2, 97, b"", time=at)])
    visit.keep_records("glucose", [measurement(Kind.GLUCOSE, 5.4, b"", time=at)])
    return visit


def _record(serial: str, visit: Visit | None = None) -> dict:
    return {"serial": serial, **(visit or _visit()).contract_body(TABLE, {})}


def _post(client, body, key):
    return client.submit("health_record", json.dumps(body, allow_nan=True).encode(), key)


def test_a_whole_visit_as_the_kiosk_sends_it_is_filed(client):
    body = _record("HUT-TEST-01-H1")
    assert {o["kind"] for o in body["observations"]} == {"blood_pressure", "pulse", "weight", "height", "bmi", "waist",
                                                         "temperature", "spo2", "glucose"}
    assert _post(client, body, "k-good-0001")["number"].startswith("JK")


def _changed(path: tuple, value) -> dict:
    body = _record("HUT-TEST-01-H2")
    target = body
    for part in path[:-1]:   # "kind=spo2": the observation of that kind
        target = next(o for o in target if o["kind"] == part[5:]) if part.startswith("kind=") else target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize("path, value, code", [
    (("consent", "given"), False, "CONSENT_MISSING"),
    (("resident", "id_hash"), KeyError, "RESIDENT_MISSING"),
    (("observations", "kind=spo2", "loinc"), ["59408-5"], "WRONG_LOINC"),       # 2708-6 is needed too
    (("observations", "kind=weight", "loinc"), ["8302-2"], "WRONG_LOINC"),      # height's code on a weight
    (("observations", "kind=blood_pressure", "loinc"), ["55284-4"], "WRONG_LOINC"),
    (("observations", "kind=temperature", "unit"), "°C", "WRONG_UNIT"),         # UCUM is Cel
    (("observations", "kind=weight", "unit"), "[lb_av]", "WRONG_UNIT"),
    (("observations", "kind=weight", "value"), 750, "OUT_OF_RANGE"),
    (("observations", "kind=waist", "value"), 12, "OUT_OF_RANGE"),
    (("observations", "kind=spo2", "value"), 101, "OUT_OF_RANGE"),
    (("observations", "kind=glucose", "glucose_context"), "after_dinner", "VALIDATION"),
    (("observations", "kind=pulse", "measured_at"), "2026-11-07T09:30:00", "VALIDATION"),   # no offset
    (("observations", "kind=pulse", "measured_at"), KeyError, "VALIDATION"),
])
def test_refused_with_a_code_that_says_what(client, path, value, code):
    body = _changed(path, value)
    with pytest.raises(CentralError) as err:
        _post(client, body, f"k-bad-{code.lower()}-{abs(hash(str(path) + str(value)))}")
    assert err.value.code == code and err.value.status == 422


def test_a_panel_needs_both_components_and_no_value(client):
    body = _record("HUT-TEST-01-H3")
    panel = next(o for o in body["observations"] if o["kind"] == "blood_pressure")
    broken = copy.deepcopy(body)
    next(o for o in broken["observations"] if o["kind"] == "blood_pressure")["components"][1]["kind"] = "systolic"
    with pytest.raises(CentralError) as err:
        _post(client, broken, "k-panel-two-systolic")
    assert err.value.code == "VALIDATION" and "components" in str(err.value)
    panel["value"] = 120
    with pytest.raises(CentralError) as err:
        _post(client, body, "k-panel-with-value")
    assert err.value.code == "VALIDATION"


def test_a_bare_systolic_observation_is_refused(client):
    body = _record("HUT-TEST-01-H4")
    body["observations"].append({"kind": "systolic", "loinc": ["8480-6"], "value": 120, "unit": "mm[Hg]",
                                 "measured_at": "2026-11-07T09:30:00+08:00"})
    with pytest.raises(CentralError) as err:
        _post(client, body, "k-bare-systolic")
    assert err.value.code == "VALIDATION" and "observations/9/kind" in str(err.value)


def test_nan_never_reaches_the_checks(client):
    body = _changed(("observations", "kind=spo2", "value"), float("nan"))
    with pytest.raises(CentralError) as err:
        _post(client, body, "k-nan-spo2")
    assert err.value.code == "MALFORMED_JSON"


def test_history_comes_back_only_to_the_residents_own_hash(tmp_path):
    terminal = Terminal()
    server = start_platform(tmp_path / "platform", terminal)
    try:
        client = client_for(server.url, terminal)
        # Twelve visits on twelve days (filed out of order: a queued record arrives late), one of someone else.
        days = [3, 1, 2, *range(4, 13)]
        for day in days:
            _post(client, _record(f"HUT-TEST-01-V{day:02d}", _visit(day, systolic=100 + day)), f"k-visit-{day:04d}")
        _post(client, _record("HUT-TEST-01-X1", _visit(20, systolic=170, resident=SOMEONE_ELSE)), "k-other-0001")

        mine = client.health_history([ME, "00" * 32])
        assert len(mine) == 10
        assert [r["measured_at"][:10] for r in mine] == [f"2026-11-{d:02d}" for d in range(12, 2, -1)]
        assert all("device" not in o and "raw_hex" not in o for r in mine for o in r["observations"])
        history = parse_history(mine)
        assert history.visits == 10
        assert history.series(Kind.SYSTOLIC) == tuple((dt.date(2026, 11, d), 100.0 + d) for d in range(3, 13))
        assert history.series(Kind.DIASTOLIC)[-1] == (dt.date(2026, 11, 12), 83.0)
        assert history.series(Kind.WEIGHT)[0] == (dt.date(2026, 11, 3), 63.5)
        assert history.series(Kind.GLUCOSE)[0] == (dt.date(2026, 11, 3), 5.4)

        assert client.health_history("12" * 32) == []
        theirs = client.health_history(SOMEONE_ELSE)
        assert [r["measured_at"][:10] for r in theirs] == ["2026-11-20"]
        with pytest.raises(CentralError) as err:
            client.health_history("not-a-hash")
        assert err.value.code == "VALIDATION"
    finally:
        server.stop()
