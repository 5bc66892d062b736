"""Health devices in kiosk.toml: the config file names a bad option's key."""

from __future__ import annotations

import textwrap

import pytest

from kiosk import config
from kiosk.errors import KioskError
from tests.site_config import write_site


def load(tmp_path, devices: str):
    return config.load(write_site(tmp_path, textwrap.dedent(devices), terminal_id="DL-XY-0007"))


def test_health_devices_load(tmp_path):
    settings = load(tmp_path, """\
        [devices.scale]
        driver = "health.line"
        port = "/dev/ttyUSB2"
        options = { preset = "tanita", first_step = "step_on" }

        [devices.oximeter]
        driver = "health.cms50d"
        port = "/dev/ttyUSB3"

        [devices.thermometer]
        driver = "health.ble"
        url = "ble://C4:7C:8D:6A:2B:11"
        options = { codec = "gatt-temperature" }
        """)
    assert settings.devices["scale"].options["preset"] == "tanita"
    assert settings.devices["thermometer"].url == "ble://C4:7C:8D:6A:2B:11"


@pytest.mark.parametrize("devices, key", [
    ("""\
        [devices.bp]
        driver = "health.line"
        port = "/dev/ttyUSB1"
        [devices.bp.options.format]
        pattern = '^W(?P<w>[0-9.]+)$'
        fields = { w = { kind = "weight", unit = "mmHg" } }
        """, "fields.w.unit"),
    ("""\
        [devices.oximeter]
        driver = "health.cms50d"
        port = "/dev/ttyUSB3"
        options = { stable_samples = 0 }
        """, "stable_samples"),
    ("""\
        [devices.bp]
        driver = "health.ble"
        options = { codec = "gatt-bp" }
        """, "url"),
])
def test_bad_health_options_name_their_key(tmp_path, devices, key):
    with pytest.raises(KioskError, match=key.replace(".", r"\.")):
        load(tmp_path, devices)
