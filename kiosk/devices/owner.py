"""The device owner: builds, opens and watches every configured device.

One registry of device states that the app, ``kiosk doctor``, the state
snapshot (and through it the heartbeat), the availability rules and the
maintenance screens all read.  Each device has one current
:class:`DeviceRecord` (Home Assistant's entity state: a small value plus
attributes) and the owner republishes every device event on one stream, so a
consumer subscribes once instead of to each driver.

Opening happens on a thread per device: a slow or missing device never holds
up the home screen.  Adding a device kind means its driver package with its
manifest (kiosk/devices/kinds.py finds it); nothing here or in the screens
changes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from drivers.base import Action, Device, DeviceError, DeviceFailure, Event, HealthLevel, Status, StatusChanged
from drivers.listeners import Listeners
from kiosk.config import DeviceConfig, Settings
from kiosk.devices import kinds
from kiosk.devices.health_log import EVENTS_NAME, UPTIME_COUNTER, DeviceHealthLog
from kiosk.devices.registry import build_device
from kiosk.devices.snapshot import write_snapshot
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

SETTLE_SECONDS = 3.0
# A device that does not open at start (unplugged, powered off, a wrong port)
# is tried again: after 2 s, then twice as long each time, at most every minute.
OPEN_RETRY = (2.0, 60.0)
_TRANSIENT = (Status.STARTING, Status.UNKNOWN)
# The snapshot is rewritten at least this often even when nothing changes, so
# the outbox worker can tell a quiet kiosk from a dead one.
MAX_SNAPSHOT_INTERVAL = 30.0
DISABLED = "disabled"


@dataclass(frozen=True)
class LastError:
    what: str
    action: str
    at: float
    code: str | None = None  # the driver's problem code, for kiosk.devices.advice (not sent: the contract has what/action)

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "action": self.action}


@dataclass(frozen=True)
class DeviceRecord:
    """One device as everyone outside the drivers sees it (no personal data).

    ``status`` is a :class:`Status` value, or ``"disabled"`` for a device the
    config switched off; ``kind`` is the driver's device class ("idcard",
    "printer", ...) so rules can ask for "the printers" without naming them.
    """

    name: str
    driver: str
    kind: str
    where: str
    status: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)
    last_error: LastError | None = None

    @property
    def enabled(self) -> bool:
        return self.status != DISABLED

    def as_dict(self) -> dict[str, Any]:
        """The heartbeat's and the snapshot's view of the device."""
        return {
            "status": self.status,
            "detail": dict(self.detail),
            "info": dict(self.info),
            "counters": dict(self.counters),
            "last_error": self.last_error.as_dict() if self.last_error else None,
        }


Listener = Callable[[Event], None]


def _where(cfg: DeviceConfig) -> str:
    return cfg.url or cfg.port or "-"


class DeviceOwner:
    """Every configured device, opened in the background and watched.

    ``snapshot_dir`` (``kiosk run`` passes the state folder) makes the owner
    leave ``devices.json`` there for the outbox worker's heartbeat: on every
    change and at least every ``snapshot_interval`` seconds.  Only the app
    passes it: ``kiosk doctor`` must not overwrite the app's report.  With
    it the owner also keeps the device event log there (kiosk.devices.health_log)
    and counts each device's time online into its lifetime counters.
    """

    def __init__(self, settings: Settings, *, build: Callable[[Settings, str], Device] = build_device,
                 snapshot_dir: Path | None = None, snapshot_interval: float | None = None,
                 clock: Callable[[], float] = time.time, open_retry: tuple[float, float] = OPEN_RETRY):
        """``open_retry``: (first, longest) seconds between attempts to open a
        device that failed to open."""
        self.settings = settings
        self.open_retry = open_retry
        self._build = build
        self._clock = clock
        self._devices: dict[str, Device] = {}
        self._records: dict[str, DeviceRecord] = {}
        self._errors: dict[str, LastError] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listeners: Listeners[Event] = Listeners("the device owner")
        self._unsubscribe: list[Callable[[], None]] = []
        self._openers: list[threading.Thread] = []
        self._stop = threading.Event()
        self.snapshot_dir = snapshot_dir
        interval = snapshot_interval or min(settings.platform.heartbeat_seconds / 2, MAX_SNAPSHOT_INTERVAL)
        self.snapshot_interval = max(0.5, interval)
        self._refresher: threading.Thread | None = None
        self.health_log = DeviceHealthLog(snapshot_dir / EVENTS_NAME if snapshot_dir else None, clock=clock)
        self._online_since: dict[str, float] = {}

    # -- lifecycle ------------------------------------------------------------
    def start(self, *, background: bool = True) -> "DeviceOwner":
        """Build every configured device and open the enabled ones (each on
        its own thread when ``background``; in turn otherwise)."""
        self._stop.clear()
        for name, cfg in self.settings.devices.items():
            if not cfg.enabled:
                self._records[name] = DeviceRecord(name, cfg.driver, kinds.kind_of(cfg.driver), _where(cfg), DISABLED)
                continue
            try:
                device = self._build(self.settings, name)
            except KioskError as exc:
                self._load_failed(cfg, str(exc))
                continue
            except Exception as exc:  # a broken driver must not keep the kiosk from starting
                log.exception("device %s cannot be built", name)
                self._load_failed(cfg, f"driver failed to load: {type(exc).__name__}")
                continue
            self.attach(device, cfg)
        for device in list(self._devices.values()):
            if background:
                opener = threading.Thread(target=self._open, args=(device,), name=f"open-{device.name}",
                                          daemon=True)
                self._openers.append(opener)
                opener.start()
            else:
                self._open(device)
        if self.snapshot_dir is not None:
            self.write_snapshot()
            self._refresher = threading.Thread(target=self._refresh, name="device-snapshot", daemon=True)
            self._refresher.start()
        return self

    def attach(self, device: Device, cfg: DeviceConfig | None = None) -> None:
        """Own a built (not yet opened) device; tests hand in their own here."""
        cfg = cfg or self.settings.devices.get(device.name) or DeviceConfig(name=device.name,
                                                                            driver=f"{device.device_class}.test")
        with self._lock:
            self._devices[device.name] = device
            self._records[device.name] = self._record_of(device, cfg)
        self._unsubscribe.append(device.subscribe(self._on_event))

    def _open(self, device: Device) -> None:
        """Open ``device``; until it opens (or the owner stops), try again with
        a growing pause, the last error saying in words why it did not."""
        delay, said = self.open_retry[0], ""
        while not self._stop.is_set():
            try:
                device.open()
            except DeviceFailure as exc:
                error = DeviceError(device.name, str(exc), exc.action, exc.code)
            except Exception as exc:
                error = DeviceError(device.name, f"open failed: {open_failure_words(exc)}", Action.MAINTENANCE,
                                    "open_failed")
            else:
                if said:
                    log.info("device %s opened after all", device.name)
                self._refresh_record(device.name)
                return
            self._remember_error(error)
            self._refresh_record(device.name)
            if error.what != said:   # once per cause, not once per attempt
                log.error("device %s did not open: %s; trying again every %g s at most", device.name, error.what,
                          self.open_retry[1])
                said = error.what
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.open_retry[1])

    def stop(self) -> None:
        self._stop.set()
        for opener in self._openers:
            opener.join(timeout=10)
        self._openers.clear()
        if self._refresher is not None:
            self._refresher.join(timeout=5)
            self._refresher = None
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self.count_uptime()
        for name, device in list(self._devices.items()):
            try:
                device.close()
            except Exception:  # closing one must not stop closing the others
                log.exception("device %s did not close cleanly", name)
            self._refresh_record(name)
        if self.snapshot_dir is not None:
            self.write_snapshot()

    def __enter__(self) -> "DeviceOwner":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reading --------------------------------------------------------------
    def records(self) -> dict[str, DeviceRecord]:
        """Every configured device's current record, in config order."""
        with self._lock:
            for name in self._devices:
                self._records[name] = self._record_of(self._devices[name])
            return dict(self._records)

    def record(self, name: str) -> DeviceRecord | None:
        return self.records().get(name)

    def device(self, name: str) -> Device | None:
        return self._devices.get(name)

    def devices_of_kind(self, kind: str) -> list[Device]:
        """The built devices of one class ("idcard", "printer", ...), config order."""
        return [d for d in self._devices.values() if d.device_class == kind]

    def first_of_kind(self, kind: str) -> Device | None:
        """The device of one class a step uses (the first configured), or None."""
        return next((d for d in self._devices.values() if d.device_class == kind), None)

    def devices_offering(self, capability: str) -> list[Device]:
        """The built devices whose kind offers ``capability`` (an availability
        capability: "slip", "id_card"...; kinds' manifests say which), and
        that report what the offer needs, config order."""
        out = []
        for device in self._devices.values():
            kind = kinds.kind(device.device_class)
            offers = kind.offers if kind is not None else ()
            if any(o.what == capability and (not o.needs or device.info.supports(o.needs)) for o in offers):
                out.append(device)
        return out

    def first_offering(self, capability: str) -> Device | None:
        """The device a step uses for ``capability`` (the first configured), or None."""
        return next(iter(self.devices_offering(capability)), None)

    def heartbeat_devices(self) -> dict[str, Any]:
        """The heartbeat's ``devices`` block."""
        return {name: rec.as_dict() for name, rec in self.records().items()}

    def wait_settled(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until no device is still starting and every open attempt has
        recorded its outcome (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (any(d.status in _TRANSIENT for d in self._devices.values())
                   or any(t.is_alive() for t in self._openers)):  # an open failure is recorded after its status
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(min(left, 0.1))

    def check_health(self, name: str, level: HealthLevel) -> str:
        device = self._devices.get(name)
        if device is None:
            record = self._records.get(name)
            return record.last_error.what if record and record.last_error else "not loaded"
        return device.check_health(level)

    # -- the event stream -------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener(event)`` for every device's events, on the driver's thread;
        returns the unsubscribe call."""
        return self._listeners.subscribe(listener)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, DeviceError):
            self._remember_error(event)
        if isinstance(event, (StatusChanged, DeviceError)):
            self._refresh_record(event.device)
            self._log_health(event)
        self._listeners.publish(event)
        # Card and job events (DeviceEvent) carry personal data: never into the snapshot.
        if isinstance(event, (StatusChanged, DeviceError)) and self.snapshot_dir is not None:
            self.write_snapshot()

    # -- internals ----------------------------------------------------------------
    def _record_of(self, device: Device, cfg: DeviceConfig | None = None) -> DeviceRecord:
        old = self._records.get(device.name)
        cfg = cfg or self.settings.devices.get(device.name)
        driver = cfg.driver if cfg else (old.driver if old else device.device_class)
        where = _where(cfg) if cfg else (old.where if old else "-")
        state = device.state
        return DeviceRecord(name=device.name, driver=driver, kind=device.device_class, where=where,
                            status=state.status.value, detail=dict(state.detail), info=device.info.as_dict(),
                            counters=device.counters.snapshot(), last_error=self._errors.get(device.name))

    def _refresh_record(self, name: str) -> None:
        with self._changed:
            device = self._devices.get(name)
            if device is not None:
                self._records[name] = self._record_of(device)
            self._changed.notify_all()

    def _remember_error(self, event: DeviceError) -> None:
        with self._lock:
            self._errors[event.device] = LastError(event.what, event.action.value, self._clock(), event.code)

    def _load_failed(self, cfg: DeviceConfig, message: str) -> None:
        log.error("device %s not loaded: %s", cfg.name, message)
        error = LastError(message, "maintenance", self._clock())
        with self._lock:
            self._errors[cfg.name] = error
            self._records[cfg.name] = DeviceRecord(cfg.name, cfg.driver, kinds.kind_of(cfg.driver), _where(cfg),
                                                   Status.NO_DEVICE.value, last_error=error)

    def write_snapshot(self) -> None:
        if self.snapshot_dir is not None:
            write_snapshot(self.snapshot_dir, self.heartbeat_devices(), self._clock())

    def _refresh(self) -> None:
        while not self._stop.wait(self.snapshot_interval):
            self.count_uptime()
            self.write_snapshot()

    def _log_health(self, event: StatusChanged | DeviceError) -> None:
        if isinstance(event, StatusChanged):
            self.count_uptime()
            self.health_log.record(event.device, event.new.status.value)
        else:
            record = self._records.get(event.device)
            self.health_log.record(event.device, record.status if record else Status.UNKNOWN.value,
                                   event.what, event.action.value)

    def count_uptime(self) -> None:
        """Add each device's time online since the last count to its lifetime
        ``online_seconds`` (whole seconds).  Called on every status change
        and every snapshot, and only by the app's owner (the one with a
        ``snapshot_dir``): doctor's brief look is not the kiosk's uptime."""
        if self.snapshot_dir is None:
            return
        now = self._clock()
        with self._lock:
            for name, device in self._devices.items():
                since = self._online_since.pop(name, None)
                if since is not None and now > since:
                    whole = int(now - since)
                    if whole:
                        device.counters.incr(UPTIME_COUNTER, whole)
                    since += whole
                if device.status == Status.ONLINE:
                    self._online_since[name] = since if since is not None else now


def open_failure_words(exc: BaseException) -> str:
    """Why a device did not open, in words a technician can act on (not "error")."""
    import errno
    import os

    number = getattr(exc, "errno", None)
    if number is None and exc.args and isinstance(exc.args[0], int):
        number = exc.args[0]     # termios.error and friends carry (errno, text) as their arguments
    name = errno.errorcode.get(number, "") if isinstance(number, int) else ""
    if name == "ENOENT":
        return f"the device is not there ({getattr(exc, 'filename', None) or 'no such file'}): check the cable and the port"
    if name in ("EACCES", "EPERM"):
        return "permission denied: the kiosk user may not open it (its group, the udev rule)"
    if name == "EBUSY":
        return "the device is in use by another program"
    if name == "EINVAL":
        return "the port refused the serial settings (EINVAL): is this the right device for this port?"
    if name:
        return f"{os.strerror(number)} ({name})"  # type: ignore[arg-type]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
