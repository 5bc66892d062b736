"""The FHIR R4 export of a visit's record, checked offline against the R4
rules that can be checked without a server: required elements, value sets,
the invariants Bundle bdl-1/bdl-7 and Observation obs-6/obs-7, the dateTime
and id formats, LOINC and UCUM systems and codes, known element names only,
and no identity but the keyed hash."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest

from drivers.health.records import Kind, measurement
from kiosk.checkup import classify
from kiosk.checkup.classify import GlucoseContext
from kiosk.checkup.fhir import bundle
from kiosk.checkup.visit import Visit
from kiosk.errors import KioskError

TABLE = classify.load_table()
REF = "ab" * 32
AT = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DEVICES = {"bp": {"model": "Omron HBP-9030", "serial": "BP2026001"}, "oximeter": {"model": "CMS50D+"}}

# FHIR R4 (4.0.1) datatypes: dateTime and instant (http://hl7.org/fhir/R4/datatypes.html), id.
DATETIME = re.compile(r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|"
                      r"3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?)?)?(Z|(\+|-)"
                      r"((0[0-9]|1[0-3]):[0-5][0-9]|14:00)?)?)?")
INSTANT = re.compile(r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|"
                     r"3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3])"
                     r":[0-5][0-9]|14:00))")
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Element names of R4 Bundle, Bundle.entry and Observation (the rest of the resource is not used).
BUNDLE_ELEMENTS = {"resourceType", "id", "meta", "implicitRules", "language", "identifier", "type", "timestamp",
                   "total", "link", "entry", "signature"}
ENTRY_ELEMENTS = {"id", "extension", "modifierExtension", "link", "fullUrl", "resource", "search", "request",
                  "response"}
OBSERVATION_ELEMENTS = {
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
    "identifier", "basedOn", "partOf", "status", "category", "code", "subject", "focus", "encounter",
    "effectiveDateTime", "effectivePeriod", "effectiveTiming", "effectiveInstant", "issued", "performer",
    "valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger", "valueRange",
    "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod", "dataAbsentReason",
    "interpretation", "note", "bodySite", "method", "specimen", "device", "referenceRange", "hasMember",
    "derivedFrom", "component"}
COMPONENT_ELEMENTS = {"id", "extension", "modifierExtension", "code", "valueQuantity", "dataAbsentReason",
                      "interpretation", "referenceRange"}
QUANTITY_ELEMENTS = {"id", "extension", "value", "comparator", "unit", "system", "code"}
STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch", "batch-response", "history",
                "searchset", "collection"}
EXPECTED = {  # LOINC code(s) -> (UCUM code, category)
    ("85354-9",): (None, "vital-signs"), ("8867-4",): ("/min", "vital-signs"), ("29463-7",): ("kg", "vital-signs"),
    ("8302-2",): ("cm", "vital-signs"), ("39156-5",): ("kg/m2", "vital-signs"), ("8280-0",): ("cm", "vital-signs"),
    ("8310-5",): ("Cel", "vital-signs"), ("2708-6", "59408-5"): ("%", "vital-signs"),
    ("15074-8",): ("mmol/L", "laboratory"),
}


def _record(context=GlucoseContext.FASTING) -> dict:
    visit = Visit(REF, context, "male")
    visit.give_consent(AT)
    mean = {"method": "mean", "readings": 2, "series": "128/82,132/84"}
    visit.keep_records("blood_pressure", [measurement(k, v, b"\x01", time=AT, **mean).with_source("bp", AT)
                                          for k, v in ((Kind.SYSTOLIC, 130), (Kind.DIASTOLIC, 83), (Kind.PULSE, 72))])
    visit.keep_records("height_weight", [measurement(Kind.WEIGHT, 63.5, b"", time=AT),
                                         measurement(Kind.HEIGHT, 165.0, b"", time=AT)])
    visit.keep_records("waist", [measurement(Kind.WAIST, 82.0, b"", time=AT)])
    visit.keep_records("temperature", [measurement(Kind.TEMPERATURE, 36.6, b"", time=AT)])
    visit.keep_records("spo2", [measurement(Kind.SPO2, 97, b"", time=AT).with_source("oximeter", AT)])
    visit.keep_records("glucose", [measurement(Kind.GLUCOSE, 5.4, b"", time=AT)])
    return {"serial": "HUT-TEST-01-261207-000001A", **visit.contract_body(TABLE, DEVICES)}


def _quantity_ok(q: dict) -> None:
    assert set(q) <= QUANTITY_ELEMENTS
    assert isinstance(q["value"], (int, float)) and not isinstance(q["value"], bool)
    assert q["system"] == "http://unitsofmeasure.org" and q["code"] in {"mm[Hg]", "/min", "kg", "cm", "kg/m2",
                                                                          "Cel", "%", "mmol/L"}
    assert q["unit"]


def _concept_ok(concept: dict) -> tuple[str, ...]:
    assert concept["coding"] and all(c["system"] == "http://loinc.org" and re.fullmatch(r"[0-9]{1,7}-[0-9]",
                                                                                        c["code"])
                                     for c in concept["coding"])
    assert all(c.get("display") for c in concept["coding"])
    return tuple(c["code"] for c in concept["coding"])


def test_the_bundle_follows_the_r4_rules():
    out = bundle(_record())
    json.dumps(out, allow_nan=False)
    assert set(out) <= BUNDLE_ELEMENTS and out["resourceType"] == "Bundle"
    assert out["type"] in BUNDLE_TYPES and out["type"] == "collection"
    assert "total" not in out                                   # bdl-1: total only for search and history
    assert ID.fullmatch(out["id"]) and INSTANT.fullmatch(out["timestamp"])
    urls = [e["fullUrl"] for e in out["entry"]]
    assert len(set(urls)) == len(urls) == 9                     # bdl-7: fullUrl unique
    seen = set()
    for entry in out["entry"]:
        assert set(entry) <= ENTRY_ELEMENTS and URN_UUID.fullmatch(entry["fullUrl"])
        obs = entry["resource"]
        assert set(obs) <= OBSERVATION_ELEMENTS and obs["resourceType"] == "Observation"
        assert ID.fullmatch(obs["id"]) and entry["fullUrl"] == f"urn:uuid:{obs['id']}"
        assert obs["status"] in STATUS and obs["status"] == "final"
        codes = _concept_ok(obs["code"])
        unit, category = EXPECTED[codes]
        seen.add(codes)
        [cat] = obs["category"]
        assert cat["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
        assert cat["coding"][0]["code"] == category
        assert DATETIME.fullmatch(obs["effectiveDateTime"]) and "T" in obs["effectiveDateTime"]
        assert obs["subject"] == {"identifier": {"system": "urn:hut-kiosk:resident-id-hash", "value": REF}}
        assert "dataAbsentReason" not in obs                     # obs-6: every observation has its value
        if unit is None:                                         # the panel: components, no value of its own
            assert "valueQuantity" not in obs
            assert [_concept_ok(c["code"]) for c in obs["component"]] == [("8480-6",), ("8462-4",)]
            for component in obs["component"]:
                assert set(component) <= COMPONENT_ELEMENTS and component["valueQuantity"]["code"] == "mm[Hg]"
                _quantity_ok(component["valueQuantity"])
                assert component["code"] != obs["code"]          # obs-7
        else:
            _quantity_ok(obs["valueQuantity"])
            assert obs["valueQuantity"]["code"] == unit and "component" not in obs
    assert seen == set(EXPECTED)


def test_values_devices_and_how_they_were_made():
    out = bundle(_record())
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in out["entry"]}
    bp = by_code["85354-9"]
    assert [c["valueQuantity"]["value"] for c in bp["component"]] == [130.0, 83.0]
    assert bp["component"][0]["valueQuantity"]["unit"] == "mmHg"
    assert bp["device"] == {"display": "Omron HBP-9030 BP2026001"}
    assert bp["note"] == [{"text": "method: mean; readings: 2; series: 128/82,132/84"}]
    assert by_code["2708-6"]["device"] == {"display": "CMS50D+"}
    assert "device" not in by_code["8280-0"]                      # typed on the keypad
    assert by_code["8310-5"]["valueQuantity"] == {"value": 36.6, "unit": "°C",
                                                  "system": "http://unitsofmeasure.org", "code": "Cel"}
    assert by_code["15074-8"]["note"] == [{"text": "Glucose sample: fasting sample (空腹)"}]
    assert by_code["39156-5"]["valueQuantity"]["value"] == 23.3
    assert by_code["15074-8"]["effectiveDateTime"] == AT.astimezone().isoformat(timespec="seconds")


def test_the_same_record_gives_the_same_bundle_and_another_serial_other_ids():
    record = _record()
    assert bundle(record) == bundle(copy.deepcopy(record))
    other = {**record, "serial": "HUT-TEST-01-261207-000002B"}
    assert {e["fullUrl"] for e in bundle(other)["entry"]}.isdisjoint(e["fullUrl"] for e in bundle(record)["entry"])


def test_no_identity_but_the_keyed_hash():
    record = _record()
    record["resident"]["name"] = "张建国"          # even a record that somehow carried one
    record["resident"]["id_number"] = "230108195001011234"
    text = json.dumps(bundle(record), ensure_ascii=False)
    assert "张建国" not in text and "230108195001011234" not in text and REF in text


def test_without_a_resident_there_is_no_subject():
    record = _record()
    record["resident"] = {}
    assert all("subject" not in e["resource"] for e in bundle(record)["entry"])


@pytest.mark.parametrize("garbage, words", [
    (None, "not a health record"), ([], "not a health record"), ({"observations": []}, "not a health record"),
    ({"measurements": [{"kind": "systolic", "value": 120}]}, "not a health record"),
    ({"observations": [{"kind": "pulse", "loinc": ["8867-4"], "value": 72, "unit": "/min"}]}, "measured_at"),
    ({"observations": [{"kind": "pulse", "loinc": "8867-4", "value": 72, "unit": "/min",
                        "measured_at": "2026-12-07T09:30:00+08:00"}]}, "loinc"),
    ({"observations": [{"kind": "pulse", "loinc": ["8867-4"], "value": "72", "unit": "/min",
                        "measured_at": "2026-12-07T09:30:00+08:00"}]}, "value"),
    ({"observations": [{"kind": "blood_pressure", "loinc": ["85354-9"],
                        "measured_at": "2026-12-07T09:30:00+08:00"}]}, "components"),
])
def test_what_is_not_a_record_is_a_clear_error(garbage, words):
    with pytest.raises(KioskError, match=words):
        bundle(garbage)
