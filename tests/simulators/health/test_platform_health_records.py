"""The reference platform's checks of a health record: consent, finite and
plausible numbers (beyond the schema)."""

from __future__ import annotations

import json

import pytest

from kiosk.central.client import CentralError
from simulators.platform.testing import Terminal, client_for, start_platform


@pytest.fixture
def client(tmp_path):
    terminal = Terminal()
    server = start_platform(tmp_path / "platform", terminal)
    try:
        yield client_for(server.url, terminal)
    finally:
        server.stop()


def _record(serial="HUT-TEST-01-H1", **changes):
    body = {"serial": serial, "resident": {"id_hash": "cd" * 32},
            "consent": {"given": True, "at": "2026-11-30T09:00:00+00:00"},
            "measurements": [{"kind": "systolic", "value": 128, "unit": "mmHg", "loinc": "8480-6"},
                             {"kind": "diastolic", "value": None, "special": "NaN", "unit": "mmHg"}]}
    body.update(changes)
    return body


def _post(client, body, key):
    return client.submit("health_record", json.dumps(body, allow_nan=True).encode(), key)


def test_a_complete_record_is_filed(client):
    assert _post(client, _record(), "k-good-0001")["number"].startswith("JK")


@pytest.mark.parametrize("change, code", [
    ({"consent": {"given": False, "at": "2026-11-30T09:00:00+00:00"}}, "CONSENT_MISSING"),
    # NaN and Infinity are not JSON: the platform's parser refuses them before validation.
    ({"measurements": [{"kind": "spo2", "value": float("nan")}]}, "MALFORMED_JSON"),
    ({"measurements": [{"kind": "weight", "value": 1e308}]}, "VALIDATION"),
    ({"measurements": [{"kind": "temperature", "value": 3700}]}, "VALIDATION"),
    ({"measurements": [{"kind": "glucose", "value": None}]}, "VALIDATION"),
    ({"measurements": [{"kind": "blood_pressure", "values": {"sys": float("inf")}}]}, "MALFORMED_JSON"),
])
def test_refused(client, change, code):
    with pytest.raises(CentralError) as err:
        _post(client, _record(serial="HUT-TEST-01-H2", **change), "k-bad-" + code.lower() + str(len(str(change))))
    assert err.value.code == code
