"""The device model every hut driver implements.

Borrowed from XFS4IoT's Common interface and UnifiedPOS and cut down to what a
hut needs: one status vocabulary, device information with capabilities, three
health-check levels, lifetime counters that survive restarts, and events
(status changed, error with a recommended action, class-specific happenings
such as "card present").  Consumers subscribe to events and read ``state``;
they never poke a driver's internals (Home Assistant's entity model).

Events are delivered on the driver's own thread.  A UI marshals them onto its
main loop; the kiosk core treats them as plain values.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Mapping

from drivers.listeners import Listeners
from drivers.options import DriverOptions, validate
from drivers.options import OptionError as OptionError  # re-exported: the device model's option error
from drivers.storage import atomic_write

log = logging.getLogger(__name__)


class Status(enum.StrEnum):
    """What a device is doing, in one word.  ``unknown`` means "no answer"."""

    ONLINE = "online"
    OFFLINE = "offline"
    POWER_OFF = "power_off"
    NO_DEVICE = "no_device"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    BUSY = "busy"
    STARTING = "starting"
    UNKNOWN = "unknown"


class Action(enum.StrEnum):
    """Who has to do something about an error."""

    CLEAR = "clear"              # hut staff can fix it (paper, card left in reader)
    MAINTENANCE = "maintenance"  # an engineer has to come
    AUTO = "auto"                # recovers by itself


class HealthLevel(enum.StrEnum):
    """UnifiedPOS checkHealth levels."""

    INTERNAL = "internal"        # no visible effect
    EXTERNAL = "external"        # may print a slip or grab a frame


class DeviceFailure(Exception):
    """The drivers layer's one exception: a message a technician can act on.

    ``action`` says who should act; ``code`` keeps the device's raw code for
    the log, but the message always carries its meaning too.
    """

    def __init__(self, message: str, action: Action = Action.MAINTENANCE, code: str | None = None):
        super().__init__(message)
        self.action = action
        self.code = code


class DeviceBusy(DeviceFailure):
    """Another user (resident flow or maintenance self-test) holds the device."""

    def __init__(self, device: str, holder: str):
        super().__init__(f"{device} is in use by {holder}", Action.AUTO, "busy")
        self.holder = holder


@dataclass(frozen=True)
class DeviceInfo:
    """What the device is, and what it can report, so a screen can say
    "not supported" instead of a false OK."""

    model: str = "unknown"
    serial: str = "unknown"
    firmware: str = "unknown"
    capabilities: frozenset[str] = frozenset()

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "capabilities": sorted(self.capabilities),
        }


@dataclass(frozen=True)
class DeviceState:
    """A small value plus attributes (paper near end, cover open, card present)."""

    status: Status = Status.UNKNOWN
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "detail": dict(self.detail)}

    def diff(self, other: "DeviceState") -> dict[str, tuple[Any, Any]]:
        """What changed from ``self`` to ``other``: key -> (old, new)."""
        changes: dict[str, tuple[Any, Any]] = {}
        if self.status != other.status:
            changes["status"] = (self.status.value, other.status.value)
        for key in sorted(set(self.detail) | set(other.detail)):
            old, new = self.detail.get(key), other.detail.get(key)
            if old != new:
                changes[key] = (old, new)
        return changes


@dataclass(frozen=True)
class StatusChanged:
    device: str
    old: DeviceState
    new: DeviceState
    changes: Mapping[str, tuple[Any, Any]]


@dataclass(frozen=True)
class DeviceError:
    """Something went wrong; ``what`` is one line for a technician, ``action``
    who should act."""

    device: str
    what: str
    action: Action
    code: str | None = None


@dataclass(frozen=True)
class DeviceEvent:
    """A class-specific happening: ``card_present``, ``card_removed``,
    ``record`` (data = the parsed record), ``job_done``...  ``data`` may hold
    personal data: it must never be logged."""

    device: str
    kind: str
    data: Any = None

    def __repr__(self) -> str:  # keep personal data out of accidental logs
        return f"DeviceEvent(device={self.device!r}, kind={self.kind!r})"


Event = StatusChanged | DeviceError | DeviceEvent
Listener = Callable[[Event], None]


class Counters:
    """Lifetime statistics persisted across restarts (prints, cuts, reads...).

    Stored as a small JSON file written atomically (temp file + rename).  Writes
    are throttled to one per ``flush_interval`` seconds; ``flush()`` forces one
    and ``close`` of the device calls it.  A corrupt file is kept aside as
    ``.corrupt`` and counting restarts at zero rather than refusing to start.
    """

    def __init__(self, path: str | os.PathLike | None, flush_interval: float = 5.0):
        self.path = Path(path) if path is not None else None
        self.flush_interval = flush_interval
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}
        self._dirty = False
        self._last_flush = 0.0
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                self._values = {str(k): int(v) for k, v in data.items()}
            except (ValueError, TypeError, OSError) as exc:
                aside = self.path.with_suffix(self.path.suffix + ".corrupt")
                log.warning("counter file %s unreadable (%s); kept as %s, counting from zero",
                            self.path, exc, aside)
                with contextlib.suppress(OSError):
                    self.path.replace(aside)

    def incr(self, name: str, n: int = 1) -> int:
        with self._lock:
            value = self._values.get(name, 0) + n
            self._values[name] = value
            self._dirty = True
            due = time.monotonic() - self._last_flush >= self.flush_interval
        if due:
            self.flush()
        return value

    def get(self, name: str) -> int:
        with self._lock:
            return self._values.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._values)

    def flush(self) -> None:
        if self.path is None:
            return
        with self._lock:
            if not self._dirty:
                return
            payload = json.dumps(self._values, sort_keys=True)
            self._dirty = False
            self._last_flush = time.monotonic()
        atomic_write(self.path, payload.encode("utf-8"))


class Device:
    """Base of every driver.

    Subclasses set ``device_class`` ("idcard", "printer", ...), implement
    ``_open``/``_close``/``_check_health`` and call ``_set_state``,
    ``_report_error`` and ``_emit`` from their transport thread.  They also
    provide ``from_config(name, cfg, counters)`` and, when they take options,
    an ``Options`` model (a :class:`drivers.options.DriverOptions`).
    """

    device_class: ClassVar[str] = "device"

    def __init__(self, name: str, counters: Counters | None = None):
        self.name = name
        self.counters = counters if counters is not None else Counters(None)
        self._state = DeviceState(Status.UNKNOWN)
        self._info = DeviceInfo()
        self._listeners: Listeners[Event] = Listeners(f"device {name}")
        self._use_lock = threading.Lock()
        self._holder: str | None = None
        self._opened = False

    # -- configuration -------------------------------------------------
    # The driver's options table, declared as a model (drivers/options.py);
    # the default takes none.
    Options: ClassVar[type[DriverOptions]] = DriverOptions

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "Device":
        """Build (not open) the device from its ``[devices.<name>]`` table
        (``cfg`` is a ``kiosk.config.DeviceConfig``); every driver provides it."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from the config")

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise the ``options`` table (raises OptionError)."""
        return validate(cls.Options, options).model_dump()

    # -- state and info --------------------------------------------------
    @property
    def state(self) -> DeviceState:
        return self._state

    @property
    def status(self) -> Status:
        return self._state.status

    @property
    def info(self) -> DeviceInfo:
        return self._info

    # -- lifecycle -------------------------------------------------------
    def open(self) -> None:
        if self._opened:
            return
        self._set_state(Status.STARTING)
        try:
            self._open()
        except BaseException:
            # A driver that failed before saying what is wrong must not look
            # as if it were still starting.
            if self.status is Status.STARTING:
                self._set_state(Status.OFFLINE, reason="open failed")
            raise
        self._opened = True

    def close(self) -> None:
        if self._opened:
            try:
                self._close()
            finally:
                self._opened = False
                self.counters.flush()

    def __enter__(self) -> "Device":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def exclusive(self, holder: str, timeout: float = 0.0) -> Iterator["Device"]:
        """Hold the device for one operation (a resident flow or a self-test)."""
        acquired = self._use_lock.acquire(timeout=timeout) if timeout > 0 else self._use_lock.acquire(blocking=False)
        if not acquired:
            raise DeviceBusy(self.name, self._holder or "another user")
        self._holder = holder
        try:
            yield self
        finally:
            self._holder = None
            self._use_lock.release()

    @property
    def holder(self) -> str | None:
        return self._holder

    def check_health(self, level: HealthLevel | str = HealthLevel.INTERNAL) -> str:
        """One line for a human; "OK" when well.  Never raises for device
        trouble: the trouble is the answer."""
        level = HealthLevel(level)
        try:
            return self._check_health(level)
        except DeviceFailure as exc:
            return str(exc)

    # -- for subclasses --------------------------------------------------
    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _check_health(self, level: HealthLevel) -> str:
        raise NotImplementedError

    def _set_info(self, info: DeviceInfo) -> None:
        self._info = info

    def _set_state(self, status: Status, **detail: Any) -> None:
        new = DeviceState(Status(status), dict(detail))
        old = self._state
        changes = old.diff(new)
        if not changes:
            return
        self._state = new
        log.info("device %s: %s", self.name,
                 ", ".join(f"{k} {a}->{b}" for k, (a, b) in changes.items()))
        self._publish(StatusChanged(self.name, old, new, changes))

    def _report_error(self, what: str, action: Action | str, code: str | None = None) -> None:
        log.warning("device %s error (%s): %s", self.name, Action(action).value, what)
        self._publish(DeviceError(self.name, what, Action(action), code))

    def _emit(self, kind: str, data: Any = None) -> None:
        self._publish(DeviceEvent(self.name, kind, data))

    # -- subscription ----------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener(event)`` for every event, on the driver's thread; returns the unsubscribe call."""
        return self._listeners.subscribe(listener)

    def _publish(self, event: Event) -> None:
        self._listeners.publish(event)
