"""The health devices in the virtual hut: started with it, written into its
kiosk.toml, scripted through its HTTP control API, measured by the drivers
the kiosk builds from that config."""

from __future__ import annotations

import json
import urllib.request

import pytest

from drivers.base import Status
from simulators.hut import Hut

HEALTH = ["bp", "scale", "thermometer", "oximeter", "glucometer"]


@pytest.fixture
def health_hut(tmp_path):
    with Hut(tmp_path / "hut", only=HEALTH,
             options={name: {"speedup": 20.0} for name in HEALTH}) as hut:
        yield hut


def _post(hut, path, body):
    req = urllib.request.Request(hut.control_url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_every_health_device_is_configured_and_measures(health_hut):
    from kiosk import config
    from kiosk.devices.registry import build_device

    settings = config.load(health_hut.config_path)
    assert {settings.devices[n].driver for n in HEALTH} == {"health.line", "health.cms50d"}
    _post(health_hut, "/control/bp/reading", {"systolic": 118, "diastolic": 76, "pulse": 66})
    _post(health_hut, "/control/glucometer/reading", {"glucose": 6.4})
    expected = {"bp": {"systolic": 118.0, "diastolic": 76.0, "pulse": 66.0}, "thermometer": {"temperature": 36.6},
                "glucometer": {"glucose": 6.4}}
    for name, want in expected.items():
        device = build_device(settings, name)
        device.open()
        try:
            assert {r.kind.value: r.value for r in device.measure()} == want
            assert device.status is Status.ONLINE
        finally:
            device.close()


def test_control_api_refuses_unknown_actions_and_bad_values(health_hut):
    import urllib.error

    for path, body in (("/control/bp/explode", {}), ("/control/oximeter/reading", {"spo2": 140}),
                       ("/control/bp/fault", {"kind": "fire"}), ("/control/scale/reading", {"weight": "heavy"})):
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(health_hut, path, body)
        assert err.value.code == 400


def test_status_shows_every_health_device(health_hut):
    with urllib.request.urlopen(health_hut.control_url + "/status", timeout=5) as resp:
        status = json.loads(resp.read())
    assert set(HEALTH) <= set(status["simulators"])
    assert _post(health_hut, "/control/oximeter/status", {})["expected"]["parity"] == "O"
