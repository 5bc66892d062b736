"""``kiosk health decode|classify|measure`` as a technician runs them."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from simulators.hut import Hut


def run(kiosk_cmd, *args, config=None):
    env = dict(os.environ)
    argv = [*kiosk_cmd, *(["--config", str(config)] if config else []), "health", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("codec, hexdata, expected", [
    ("gatt-bp", "00 7800 5000 5D00", [{"kind": "systolic", "value": 120.0, "unit": "mmHg", "loinc": "8480-6"},
                                      {"kind": "diastolic", "value": 80.0, "unit": "mmHg", "loinc": "8462-4"},
                                      {"kind": "mean_arterial", "value": 93.0, "unit": "mmHg", "loinc": "8478-0"}]),
    ("gatt-temperature", "00FFFF7F00", [{"kind": "temperature", "value": None, "unit": "°C", "loinc": "8310-5",
                                         "special": "NaN"}]),
    ("cms50d", "85 40 03 48 62", [{"kind": "spo2", "value": 98.0, "unit": "%", "loinc": "59408-5"},
                                  {"kind": "pulse", "value": 72.0, "unit": "/min", "loinc": "8867-4"}]),
])
def test_decode(kiosk_cmd, codec, hexdata, expected):
    done = run(kiosk_cmd, "decode", "--codec", codec, *hexdata.split())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


@pytest.mark.parametrize("args", [["--codec", "gatt-bp", "zz"], ["--codec", "gatt-bp", "0078"]])
def test_decode_bad_input_is_one_line(kiosk_cmd, args):
    done = run(kiosk_cmd, "decode", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, category, zh", [
    # The ranges themselves are tested in test_classify.py; here the options reach them.
    (["--systolic", "150", "--diastolic", "105"], "grade_2", "2级高血压（中度）"),
    (["--bmi", "23.95"], "overweight", "超重"),
    (["--spo2", "93"], "low", "血氧饱和度偏低"),
    (["--temperature", "37.3"], "fever", "发热"),
    (["--glucose", "11.1", "--random"], "high", "随机血糖偏高，请就医复查"),
    (["--glucose", "7.8", "--after-meal"], "impaired", "糖耐量异常"),
    (["--glucose", "7.8", "--fasting"], "high", "空腹血糖偏高，请就医复查"),
    (["--waist", "86", "--sex", "male"], "pre_central_obesity", "中心型肥胖前期"),
    (["--waist", "86", "--sex", "female"], "central_obesity", "中心型肥胖"),
])
def test_classify(kiosk_cmd, args, category, zh):
    done = run(kiosk_cmd, "classify", *args)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["category"], out["label_zh"]) == (category, zh) and out["label_en"]
    assert out["urgent"] is False


def test_classify_says_when_it_is_urgent(kiosk_cmd):
    done = run(kiosk_cmd, "classify", "--glucose", "17.0", "--after-meal")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["urgent"] is True


@pytest.mark.parametrize("args", [["--systolic", "120"], ["--glucose", "5"], ["--spo2", "nan"], ["--waist", "80"],
                                  ["--glucose", "5", "--fasting", "--after-meal"]])
def test_classify_needs_exactly_one_reading(kiosk_cmd, args):
    done = run(kiosk_cmd, "classify", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_measure_drives_the_whole_path(kiosk_cmd, tmp_path):
    """Device -> records -> classification -> encrypted outbox -> platform, and the slip."""
    with Hut(tmp_path / "hut", only=["platform", "bp"], options={"bp": {"speedup": 20.0}}) as hut:
        hut.control("bp", "reading", systolic=162, diastolic=95, pulse=77)
        done = run(kiosk_cmd, "measure", "bp", "--consent", "--resident-ref", "ef" * 32, "--submit", "--slip",
                   "--fhir", config=hut.config_path)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert {m["kind"]: m["value"] for m in out["measurements"]} == {"systolic": 162.0, "diastolic": 95.0,
                                                                         "pulse": 77.0}
        assert out["classification"][0]["category"] == "grade_2"
        slip = "\n".join(out["slip"])
        assert "2级高血压（中度）" in slip and "仅供参考，不作诊断依据" in slip
        assert "袖带充气中" in done.stderr   # progress shown while measuring
        assert "家庭医生可扫码读取本次数值" in slip   # the slip carries the values' QR
        [panel, pulse] = [e["resource"] for e in out["fhir"]["entry"]]
        assert [c["valueQuantity"]["value"] for c in panel["component"]] == [162.0, 95.0]
        assert pulse["code"]["coding"][0]["code"] == "8867-4"
        assert panel["subject"]["identifier"]["value"] == "ef" * 32

        drained = subprocess.run([*kiosk_cmd, "--config", str(hut.config_path), "outbox", "drain", "--timeout", "30"],
                                 capture_output=True, text=True, timeout=60)
        assert drained.returncode == 0, drained.stderr
        store = hut["platform"].server.store
        filed = store.by_serial(hut.terminal_id, out["serial"])
        assert filed is not None and filed["kind"] == "health_record"
        # Nothing of the reading in the outbox folder in clear text.
        for path in (hut.state_dir / "outbox").rglob("*"):
            if path.is_file():
                assert b"8480-6" not in path.read_bytes()


def test_measure_refuses_submit_without_consent_and_reports_faults(kiosk_cmd, tmp_path):
    with Hut(tmp_path / "hut", only=["bp"], options={"bp": {"speedup": 20.0}}) as hut:
        done = run(kiosk_cmd, "measure", "bp", "--submit", config=hut.config_path)
        assert done.returncode == 2 and "consent" in done.stderr
        hut.control("bp", "fault", kind="cuff_leak")
        done = run(kiosk_cmd, "measure", "bp", config=hut.config_path)
        assert done.returncode == 2 and "cuff_leak" in done.stderr and "袖带漏气" in done.stderr
        done = run(kiosk_cmd, "measure", "printer", config=hut.config_path)
        assert done.returncode == 2 and "[devices.printer]" in done.stderr


def test_fhir_turns_a_saved_record_into_a_bundle(kiosk_cmd, tmp_path):
    at = "2026-12-07T09:30:00+08:00"
    record = {"serial": "S-1", "resident": {"id_hash": "ef" * 32}, "measured_at": at,
              "observations": [{"kind": "glucose", "loinc": ["15074-8"], "value": 6.4, "unit": "mmol/L",
                                "measured_at": at, "glucose_context": "after_meal"}]}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    for source, stdin in ((str(path), None), ("-", json.dumps(record))):
        argv = [*kiosk_cmd, "health", "fhir", source]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, input=stdin)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["resourceType"] == "Bundle" and out["type"] == "collection"
        [entry] = out["entry"]
        assert entry["resource"]["valueQuantity"]["code"] == "mmol/L"
        assert entry["resource"]["category"][0]["coding"][0]["code"] == "laboratory"


@pytest.mark.parametrize("content, words", [(None, "cannot read"), ("{not json", "not JSON"),
                                            ('{"measurements": []}', "not a health record")])
def test_fhir_refuses_what_is_not_a_record_in_one_line(kiosk_cmd, tmp_path, content, words):
    path = tmp_path / "record.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = run(kiosk_cmd, "fhir", str(path))
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
