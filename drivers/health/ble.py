"""Bluetooth LE health devices that follow the Bluetooth SIG profiles
(Blood Pressure, Weight Scale, Health Thermometer, Pulse Oximeter, Glucose),
through bleak.  bleak is an optional extra (``pip install .[ble]``): a hut
without BLE devices never loads it.

A measurement connects, subscribes to the profile's measurement
characteristic (notifications or indications), takes the first value that
decodes, and disconnects: a kiosk device is shared by every resident, so it
is not kept bonded to one session.  Configured as::

    [devices.bp]
    driver = "health.ble"
    url = "ble://C4:7C:8D:6A:2B:11"
    options = { codec = "gatt-bp" }
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from typing import Any, Callable, ClassVar, Literal

from drivers.base import Action, Counters, DeviceFailure, DeviceInfo, HealthLevel, OptionError, Status
from drivers.health import gatt
from drivers.health.device import HealthDevice, SerialOptions
from drivers.health.records import CodecError, Kind

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^ble://([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f-]{36})$")
MEASURES = {"gatt-bp": {Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.MEAN_ARTERIAL, Kind.PULSE},
            "gatt-weight": {Kind.WEIGHT, Kind.HEIGHT, Kind.BMI}, "gatt-temperature": {Kind.TEMPERATURE},
            "gatt-plx-spot": {Kind.SPO2, Kind.PULSE}, "gatt-glucose": {Kind.GLUCOSE}}


def uuid16(number: int) -> str:
    """The full 128-bit UUID of a Bluetooth SIG 16-bit characteristic."""
    return f"0000{number:04x}-0000-1000-8000-00805f9b34fb"


class BleOptions(SerialOptions):
    codec: Literal["gatt-bp", "gatt-weight", "gatt-temperature", "gatt-plx-spot", "gatt-glucose"]


def _bleak_client(address: str) -> Any:
    try:
        from bleak import BleakClient
    except ImportError:
        raise DeviceFailure("bleak is not installed: pip install 'hut-kiosk[ble]' for Bluetooth LE devices",
                            Action.MAINTENANCE, "no_ble_stack") from None
    return BleakClient(address)


class BleHealthDevice(HealthDevice):
    """``driver = "health.ble"``: one Bluetooth SIG health characteristic."""

    transports: ClassVar[frozenset[str]] = frozenset({"ble"})
    Options: ClassVar[type[BleOptions]] = BleOptions
    options: BleOptions

    def __init__(self, name: str, address: str, counters: Counters | None = None,
                 client_factory: Callable[[str], Any] = _bleak_client, **options: Any):
        super().__init__(name, address, counters, **options)
        self.client_factory = client_factory
        self.decode = gatt.CODECS[self.options.codec]
        self.characteristic = uuid16(gatt.CHARACTERISTICS[self.options.codec])
        self.measures = frozenset(MEASURES[self.options.codec])
        self.model = f"Bluetooth LE ({self.options.codec})"
        self._stop_session: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "BleHealthDevice":
        match = _ADDRESS.match(cfg.url or "")
        if match is None:
            raise OptionError("url", 'the device address as "ble://AA:BB:CC:DD:EE:FF"', cfg.url)
        return cls(name, match.group(1), counters, **dict(cfg.options or {}))

    # The link exists only while a measurement runs.
    def _connect(self) -> bool:
        if self.status in (Status.UNKNOWN, Status.STARTING, Status.OFFLINE):
            self._set_info(DeviceInfo(model=self.model, capabilities=frozenset(k.value for k in self.measures)))
            self._set_state(Status.ONLINE)
        return True

    def _disconnect(self) -> None:
        self._cancel()
        thread = self._thread
        if thread is not None:
            thread.join(10)

    def _begin(self) -> None:
        self._thread = threading.Thread(target=asyncio.run, args=(self._session(),), name=f"ble-{self.name}",
                                        daemon=True)
        self._thread.start()

    def _cancel(self) -> None:
        loop, stop = self._loop, self._stop_session
        if loop is not None and stop is not None:
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the session ended meanwhile and closed its loop
                pass

    async def _session(self) -> None:
        self._loop, self._stop_session = asyncio.get_running_loop(), asyncio.Event()
        stop = self._stop_session
        client = None
        try:
            client = self.client_factory(self.port)
            await client.connect()
            await client.start_notify(self.characteristic, lambda _sender, data: self._received(bytes(data)))
            if not self.measuring:
                return  # cancelled or timed out while connecting
            self._heard()
            self._progress("measuring")
            await stop.wait()
        except DeviceFailure as exc:
            log.warning("health %s: %s", self.name, exc)
            self._fail("no_data")
        except Exception as exc:  # bleak raises its own and the OS's errors; all mean "no link"
            log.info("health %s: Bluetooth LE link failed (%s)", self.name, type(exc).__name__)
            self._fail("no_data")
        finally:
            self._loop = self._stop_session = None
            if client is not None:
                try:
                    await client.disconnect()
                except Exception:  # already gone
                    log.debug("health %s: disconnect after a lost link", self.name)

    def _on_bytes(self, data: bytes) -> None:
        try:
            records = self.decode(data)
        except CodecError as exc:
            self.counters.incr("rejected_values")
            log.info("health %s: characteristic value rejected (%s)", self.name, exc.what)
            return
        if records:
            self._deliver(records)
            self._cancel()

    def _check_health(self, level: HealthLevel) -> str:
        if self.status is Status.NO_DEVICE:
            raise DeviceFailure(f"设备无响应 / {self.name} did not connect in its last measurement",
                                Action.MAINTENANCE, "no_data")
        return "OK (connects per measurement)"
