"""The device monitor: every configured device's state in one place.

It subscribes to each driver's events (Home Assistant style: a state plus
attributes, published on change), keeps the latest state, the last error and
its recommended action per device, and produces the two views other parts
need: the technician's ``kiosk doctor`` table and the heartbeat's
``devices`` block for the central platform.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from drivers.base import Device, DeviceError, DeviceFailure, DeviceState, HealthLevel, Status, StatusChanged
from kiosk.config import Settings
from kiosk.devices import build_device
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

SETTLE_SECONDS = 3.0
_TRANSIENT = (Status.STARTING, Status.UNKNOWN)


def _where(cfg) -> str:
    return cfg.url or cfg.port or "-"


class DeviceMonitor:
    """Opens the configured devices and tracks their states."""

    def __init__(self, settings: Settings, build=build_device):
        self.settings = settings
        self._build = build
        self.devices: dict[str, Device] = {}
        self.load_errors: dict[str, str] = {}
        self.last_error: dict[str, DeviceError] = {}
        self._changed = threading.Condition()
        self._unsubscribe: list = []

    def open(self) -> "DeviceMonitor":
        for name, cfg in self.settings.devices.items():
            if not cfg.enabled:
                continue
            try:
                device = self._build(self.settings, name)
            except KioskError as exc:
                self.load_errors[name] = str(exc)
                log.error("device %s not loaded: %s", name, exc)
                continue
            self._unsubscribe.append(device.subscribe(self._on_event))
            self.devices[name] = device
            try:
                device.open()
            except DeviceFailure as exc:
                self.last_error[name] = DeviceError(name, str(exc), exc.action, exc.code)
                log.error("device %s did not open: %s", name, exc)
        return self

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for name, device in self.devices.items():
            try:
                device.close()
            except Exception:
                log.exception("device %s did not close cleanly", name)
        self.devices.clear()

    def __enter__(self) -> "DeviceMonitor":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_event(self, event: Any) -> None:
        if isinstance(event, DeviceError):
            self.last_error[event.device] = event
        if isinstance(event, (StatusChanged, DeviceError)):
            with self._changed:
                self._changed.notify_all()

    def wait_settled(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until no device is still starting (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(d.status in _TRANSIENT for d in self.devices.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(min(left, 0.1))

    def states(self) -> dict[str, DeviceState]:
        return {name: d.state for name, d in self.devices.items()}

    def heartbeat_devices(self) -> dict[str, Any]:
        """The heartbeat's view: status, detail, info, counters, last error."""
        out: dict[str, Any] = {}
        for name, device in self.devices.items():
            err = self.last_error.get(name)
            out[name] = {
                **device.state.as_dict(),
                "info": device.info.as_dict(),
                "counters": device.counters.snapshot(),
                "last_error": {"what": err.what, "action": err.action.value} if err else None,
            }
        for name, message in self.load_errors.items():
            out[name] = {"status": Status.NO_DEVICE.value, "detail": {}, "last_error":
                         {"what": message, "action": "maintenance"}}
        return out


def doctor_report(settings: Settings, level: str = "internal") -> list[dict[str, Any]]:
    """One row per configured device, for ``kiosk doctor``."""
    rows: list[dict[str, Any]] = []
    with DeviceMonitor(settings) as monitor:
        monitor.wait_settled()
        for name, cfg in settings.devices.items():
            row: dict[str, Any] = {"name": name, "driver": cfg.driver, "where": _where(cfg),
                                   "enabled": cfg.enabled, "detail": {}, "info": {"model": "-"}}
            device = monitor.devices.get(name)
            if not cfg.enabled:
                row.update(status="disabled", health="disabled in config")
            elif device is None:
                row.update(status=Status.NO_DEVICE.value, health=monitor.load_errors.get(name, "not loaded"))
            else:
                health = device.check_health(HealthLevel(level))
                row.update(status=device.status.value, detail=dict(device.state.detail),
                           info=device.info.as_dict(), health=health, counters=device.counters.snapshot())
                err = monitor.last_error.get(name)
                if err is not None:
                    row["last_error"] = {"what": err.what, "action": err.action.value}
            rows.append(row)
    return rows
