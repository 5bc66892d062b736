"""The device monitor: every configured device's state in one place.

It subscribes to each driver's events (Home Assistant style: a state plus
attributes, published on change), keeps the latest state, the last error and
its recommended action per device, and produces the two views other parts
need: the technician's ``kiosk doctor`` table and the heartbeat's
``devices`` block for the central platform.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Mapping

from drivers.base import Device, DeviceError, DeviceFailure, DeviceState, HealthLevel, Status, StatusChanged
from kiosk.config import Settings
from kiosk.devices import build_device
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

SETTLE_SECONDS = 3.0
SNAPSHOT_NAME = "devices.json"
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
        out = {name: device_view(device, self.last_error.get(name)) for name, device in self.devices.items()}
        for name, message in self.load_errors.items():
            out[name] = {"status": Status.NO_DEVICE.value, "detail": {}, "last_error":
                         {"what": message, "action": "maintenance"}}
        return out


def device_view(device: Device, last_error: DeviceError | None = None) -> dict[str, Any]:
    """One device as the platform's heartbeat sees it (no personal data)."""
    return {
        **device.state.as_dict(),
        "info": device.info.as_dict(),
        "counters": device.counters.snapshot(),
        "last_error": {"what": last_error.what, "action": last_error.action.value} if last_error else None,
    }


class DeviceSnapshot:
    """The app's devices, written to ``<state_dir>/devices.json`` on every
    change (and on start), for the outbox worker's heartbeat.

    The app owns the devices (exclusive use); the worker is the one process
    that talks to the platform in the background.  A small file between them
    keeps both simple: no socket, no shared lock, and a stale file says by its
    age that the app is not running.  It holds statuses, device info and
    counters only.
    """

    def __init__(self, state_dir: Path, devices: Mapping[str, Device]):
        self.path = Path(state_dir) / SNAPSHOT_NAME
        self.devices = devices
        self.last_error: dict[str, DeviceError] = {}
        self._unsubscribe: list = []
        self._lock = threading.Lock()

    def start(self) -> "DeviceSnapshot":
        for device in list(self.devices.values()):
            self.watch(device)
        self.write()
        return self

    def watch(self, device: Device) -> None:
        self._unsubscribe.append(device.subscribe(self._on_event))

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def _on_event(self, event: Any) -> None:
        if isinstance(event, DeviceError):
            self.last_error[event.device] = event
        if isinstance(event, (StatusChanged, DeviceError)):
            self.write()

    def write(self) -> None:
        view = {name: device_view(d, self.last_error.get(name)) for name, d in list(self.devices.items())}
        data = json.dumps({"written_at": time.time(), "devices": view}, ensure_ascii=False).encode()
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_suffix(".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, self.path)
            except OSError as exc:  # a full disk must not stop a resident's visit
                log.warning("device snapshot not written (%s): %s", self.path, exc)


def read_snapshot(state_dir: Path, max_age: float, now: float | None = None) -> dict[str, Any]:
    """The devices block of a heartbeat from the app's snapshot.

    When the app has not written for ``max_age`` seconds its devices are
    reported ``unknown`` with the reason: the worker cannot vouch for them,
    and "no news" must not look like "all well".
    """
    path = Path(state_dir) / SNAPSHOT_NAME
    now = time.time() if now is None else now
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        written, devices = float(data["written_at"]), dict(data["devices"])
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("device snapshot %s unreadable: %s", path, exc)
        return {}
    age = now - written
    if age > max_age:
        for view in devices.values():
            view["status"] = Status.UNKNOWN.value
            view["detail"] = {"reason": f"kiosk app not running (last report {int(age)} s ago)"}
    return devices


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
