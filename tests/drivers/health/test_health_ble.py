"""The Bluetooth LE driver with a stand-in for bleak's client (there is no
radio here); the values are spec-written characteristic values."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from drivers.base import Status
from drivers.health.ble import BleHealthDevice, uuid16
from drivers.options import OptionError
from tests.drivers.health.conftest import Recorder

BP = bytes.fromhex("00" "7800" "5000" "5D00")   # 120/80 mmHg, MAP 93


class FakeClient:
    """bleak.BleakClient's connect / start_notify / disconnect, sending
    ``values`` as notifications once subscribed."""

    def __init__(self, values, fail_connect=False):
        self.values, self.fail_connect = values, fail_connect
        self.subscribed, self.disconnected = None, False

    async def connect(self):
        if self.fail_connect:
            raise OSError("device not found")

    async def start_notify(self, uuid, callback):
        self.subscribed = uuid

        async def send():
            for value in self.values:
                await asyncio.sleep(0.01)
                callback(None, bytearray(value))

        asyncio.get_running_loop().create_task(send())

    async def disconnect(self):
        self.disconnected = True


def _device(client, **options):
    return BleHealthDevice("bp", "C4:7C:8D:6A:2B:11", client_factory=lambda address: client,
                           **{"codec": "gatt-bp", **options})


def test_reading_over_ble():
    client = FakeClient([b"\x00\x01", BP])   # a malformed value first: skipped
    device = _device(client)
    seen = Recorder(device)
    device.open()
    device.start_measurement(timeout=5)
    end = seen.wait_end()
    assert {r.kind.value: r.value for r in end.data} == {"systolic": 120.0, "diastolic": 80.0,
                                                         "mean_arterial": 93.0}
    assert client.subscribed == uuid16(0x2A35) == "00002a35-0000-1000-8000-00805f9b34fb"
    assert device.counters.get("rejected_values") == 1
    assert device.status is Status.ONLINE
    device.close()
    assert client.disconnected


def test_no_connection_is_no_device_and_a_quiet_device_times_out():
    device = _device(FakeClient([], fail_connect=True))
    seen = Recorder(device)
    device.open()
    device.start_measurement(timeout=5)
    assert seen.wait_end().data.reason == "no_data" and device.status is Status.NO_DEVICE
    quiet = FakeClient([])
    device.client_factory = lambda address: quiet
    device.start_measurement(timeout=0.5)
    assert seen.wait_end().data.reason == "timeout"
    device.close()
    assert quiet.disconnected


def test_config_needs_a_ble_url():
    with pytest.raises(OptionError) as err:
        BleHealthDevice.from_config("bp", SimpleNamespace(url="tcp://1.2.3.4:1", options={"codec": "gatt-bp"}),
                                    counters=None)
    assert err.value.key == "url"
    device = BleHealthDevice.from_config("bp", SimpleNamespace(url="ble://C4:7C:8D:6A:2B:11",
                                                               options={"codec": "gatt-temperature"}), counters=None)
    assert device.port == "C4:7C:8D:6A:2B:11"
