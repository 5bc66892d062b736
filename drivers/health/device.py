"""What every health-check device driver shares: one measurement at a time,
started by the kiosk, with a timeout, a cancel, progress the screen can show,
and device faults mapped to a status and an action.

A driver feeds its codec's results into :meth:`HealthDevice._progress`,
:meth:`_deliver` and :meth:`_fail`; this class turns them into events:

* ``progress`` — data = :class:`Progress` (step, Chinese and English prompt,
  and the device's live reading while it measures: values, never log)
* ``measurement`` — data = tuple of :class:`Measurement` (values: never log)
* ``measurement_failed`` — data = :class:`Failure`

Exactly one of the last two ends every started measurement, timeouts and
cancels included, so a screen waiting on a session can never hang.  Readings
that arrive while no measurement runs are dropped unseen: nobody asked for
them, and health data is not kept "just in case".
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Iterable

import serial
import serial.threaded
from pydantic import Field

from drivers.base import Action, Counters, Device, DeviceFailure, DeviceInfo, HealthLevel, Status
from drivers.health.records import Kind, Live, Measurement
from drivers.options import DriverOptions, validate

log = logging.getLogger(__name__)

# step -> (Chinese prompt, English prompt)
PROGRESS: dict[str, tuple[str, str]] = {
    "waiting": ("请按提示开始测量", "Follow the prompt to start"),
    "inflating": ("袖带充气中，请保持安静、不要说话", "Cuff inflating, keep still and quiet"),
    "deflating": ("正在放气测量，请保持不动", "Deflating and measuring, keep still"),
    "measuring": ("正在测量，请保持不动", "Measuring, keep still"),
    "step_on": ("请脱鞋站上秤台，站直", "Take off your shoes and stand straight on the scale"),
    "hold_still": ("请站稳，不要晃动", "Stand still"),
    "finger_out": ("未检测到手指，请将手指放入血氧夹", "Finger not detected, put a finger in the clip"),
    "insert_strip": ("请插入试纸", "Insert a test strip"),
    "apply_blood": ("请将血样滴到试纸上", "Apply the blood sample to the strip"),
    "aim": ("请将体温计对准额头", "Hold the thermometer to your forehead"),
}

# fault -> (status, action, Chinese prompt, English prompt)
FAULTS: dict[str, tuple[Status, Action, str, str]] = {
    "cuff_leak": (Status.USER_ERROR, Action.CLEAR, "袖带漏气，请重新绑好袖带后再测",
                  "Cuff leak: wrap the cuff again and retry"),
    "cuff_loose": (Status.USER_ERROR, Action.CLEAR, "袖带过松，请绑紧后再测", "Cuff too loose: tighten it and retry"),
    "movement": (Status.USER_ERROR, Action.CLEAR, "测量时身体移动，请保持不动后重测",
                 "You moved during the measurement: keep still and retry"),
    "overrange": (Status.USER_ERROR, Action.CLEAR, "超出测量范围，请重新测量", "Out of range: measure again"),
    "strip_error": (Status.USER_ERROR, Action.CLEAR, "试纸错误，请更换试纸", "Strip error: use a new strip"),
    "low_battery": (Status.HARDWARE_ERROR, Action.CLEAR, "设备电量不足，请联系工作人员",
                    "Battery low: ask the staff"),
    "probe_error": (Status.HARDWARE_ERROR, Action.MAINTENANCE, "血氧探头故障，请联系工作人员",
                    "Oximeter probe fault: ask the staff"),
    "device_error": (Status.HARDWARE_ERROR, Action.MAINTENANCE, "设备故障，请联系工作人员",
                     "Device fault: ask the staff"),
    "no_data": (Status.NO_DEVICE, Action.MAINTENANCE, "设备无响应，请联系工作人员",
                "The device does not answer: ask the staff"),
    "timeout": (Status.ONLINE, Action.AUTO, "测量超时，请重新测量", "The measurement timed out: measure again"),
    "cancelled": (Status.ONLINE, Action.AUTO, "测量已取消", "Measurement cancelled"),
}


@dataclass(frozen=True, repr=False)
class Progress:
    """A step of the measurement, and what the device shows meanwhile.

    ``live`` is empty for a step change alone; otherwise (kind, value) pairs
    in :data:`~drivers.health.records.LIVE_UNITS`, at most one per kind: the
    cuff's pressure while it inflates and deflates, the scale's weight before
    it settles, SpO2 and pulse while the oximeter settles.  For the screen
    only: never a result, never kept (health data: the repr hides it)."""

    step: str
    text_zh: str
    text_en: str
    live: Live = ()

    def __repr__(self) -> str:
        kinds = ",".join(kind.value for kind, _ in self.live)
        return f"Progress(step={self.step!r}, live=[{kinds}], values=<hidden>)"

    __str__ = __repr__


@dataclass(frozen=True)
class Failure:
    reason: str
    status: Status
    action: Action
    text_zh: str
    text_en: str


def failure(reason: str) -> Failure:
    status, action, zh, en = FAULTS[reason]
    return Failure(reason, status, action, zh, en)


class SerialOptions(DriverOptions):
    """Options every serial health device takes."""

    measure_timeout: Annotated[float, Field(gt=0, le=600)] = 90.0
    no_data_timeout: Annotated[float, Field(gt=0, le=600)] = 10.0


class _Feed(serial.threaded.Protocol):
    """serial.threaded's protocol half: hands bytes to the driver, and tells
    it when the port vanished (an unplugged USB adapter)."""

    def __init__(self, owner: "HealthDevice"):
        self.owner = owner
        self.transport: serial.threaded.ReaderThread | None = None

    def connection_made(self, transport: serial.threaded.ReaderThread) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.owner._received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.owner._link_lost(self.transport)


class HealthDevice(Device):
    """Base of the serial health drivers (pyserial ``ReaderThread`` transport)."""

    device_class = "health"
    transports: ClassVar[frozenset[str]] = frozenset({"serial"})
    measures: frozenset[Kind] = frozenset()   # what it measures (its capabilities)
    model: str = "serial health device"
    Options: ClassVar[type[SerialOptions]] = SerialOptions
    serial_settings: dict[str, Any]
    live_interval: ClassVar[float] = 0.2   # seconds between live readings: at most 5 a second

    def __init__(self, name: str, port: str, counters: Counters | None = None, **options: Any):
        super().__init__(name, counters)
        self.port = port
        self.options = validate(self.Options, options)
        self._lock = threading.RLock()
        self._serial: serial.Serial | None = None
        self._reader: serial.threaded.ReaderThread | None = None
        self._active = False
        self._generation = 0
        self._bytes_seen = False
        self._done = threading.Event()
        self._result: tuple[Measurement, ...] | Failure | None = None
        self._live_at = -math.inf

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "HealthDevice":
        return cls(name, cfg.port, counters, **dict(cfg.options or {}))

    # -- transport -------------------------------------------------------------
    def _open(self) -> None:
        self._connect()

    def _close(self) -> None:
        self.cancel_measurement()
        self._disconnect()
        self._set_state(Status.OFFLINE)

    def _connect(self) -> bool:
        with self._lock:
            if self._reader is not None:
                return True
            try:
                port = serial.Serial(self.port, timeout=None, write_timeout=1, **self.serial_settings)
            except (serial.SerialException, OSError, ValueError) as exc:
                log.info("health %s: port %s not available (%s)", self.name, self.port, exc)
                self._set_state(Status.NO_DEVICE, port=self.port)
                return False
            reader = serial.threaded.ReaderThread(port, lambda: _Feed(self))
            reader.daemon = True
            reader.start()
            reader.connect()
            self._serial, self._reader = port, reader
            self._set_info(DeviceInfo(model=self.model, capabilities=frozenset(k.value for k in self.measures)))
            self._set_state(Status.ONLINE)
            return True

    def _disconnect(self) -> None:
        with self._lock:
            reader, port = self._reader, self._serial
            self._reader = self._serial = None
        if reader is not None:
            try:
                reader.stop()
            except Exception:  # the thread may already be gone with the port
                log.debug("health %s: reader thread already gone", self.name)
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _link_lost(self, reader: serial.threaded.ReaderThread | None) -> None:
        with self._lock:
            if reader is None or reader is not self._reader:
                return  # our own close, or an old connection
            port, self._reader, self._serial = self._serial, None, None
        # Closed now, not whenever the garbage collector gets to it (the
        # reader thread's exception keeps it in a reference cycle): an
        # adapter whose old tty is still held open comes back under a new
        # name.  We are on the reader thread, whose loop has ended, so
        # there is no read to stop first.
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
        self._set_state(Status.NO_DEVICE, port=self.port)
        self.counters.incr("disconnects")
        self._fail("no_data")

    def _write(self, data: bytes) -> None:
        port = self._serial
        if port is None:
            return
        try:
            port.write(data)
        except (serial.SerialException, OSError) as exc:
            log.info("health %s: write failed (%s)", self.name, exc)

    def _received(self, data: bytes) -> None:
        with self._lock:
            if not self._active:
                return  # nobody asked: readings are dropped unseen
            self._bytes_seen = True
            self._on_bytes(data)

    def _heard(self) -> None:
        """The device showed it is there without sending a value yet (a BLE
        link came up): no "no data" failure for this measurement."""
        with self._lock:
            if self._active:
                self._bytes_seen = True

    @property
    def measuring(self) -> bool:
        return self._active

    # -- one measurement ------------------------------------------------------------
    def start_measurement(self, timeout: float | None = None) -> None:
        """Begin one measurement; its end comes as a ``measurement`` or
        ``measurement_failed`` event (also after ``timeout`` seconds)."""
        with self._lock:
            if self._active:
                raise DeviceFailure(f"{self.name}: a measurement is already running", Action.AUTO, "busy")
            if not self._connect():
                raise DeviceFailure(f"未找到设备 / no health device at {self.port}", Action.MAINTENANCE, "no_device")
            self._generation += 1
            generation = self._generation
            self._active, self._bytes_seen, self._result = True, False, None
            self._live_at = -math.inf
            self._done.clear()
            self._set_state(Status.BUSY, measuring=True)
            self._begin()
        limit = timeout if timeout is not None else self.options.measure_timeout
        threading.Thread(target=self._watch, args=(generation, limit), name=f"health-{self.name}-timer",
                         daemon=True).start()

    def cancel_measurement(self) -> None:
        with self._lock:
            if self._active:
                self._cancel()
                self._fail("cancelled")

    def measure(self, timeout: float | None = None) -> tuple[Measurement, ...]:
        """Blocking form for the CLI: the records, or DeviceFailure."""
        self.start_measurement(timeout)
        self._done.wait()
        result = self._result
        if isinstance(result, Failure):
            raise DeviceFailure(f"{result.text_zh} / {result.text_en}", result.action, result.reason)
        assert result is not None
        return result

    def _watch(self, generation: int, limit: float) -> None:
        no_data_at = time.monotonic() + min(limit, self.options.no_data_timeout)
        deadline = time.monotonic() + limit
        while not self._done.wait(0.05):
            now = time.monotonic()
            with self._lock:
                if generation != self._generation or not self._active:
                    return
                if now >= no_data_at and not self._bytes_seen:
                    self._fail("no_data")
                    return
                if now >= deadline:
                    self._cancel()
                    self._fail("timeout")
                    return

    # -- for subclasses ---------------------------------------------------------------
    def _begin(self) -> None:
        """Reset the codec and tell the device to start (if it takes commands)."""

    def _cancel(self) -> None:
        """Tell the device to stop (if it takes commands)."""

    def _on_bytes(self, data: bytes) -> None:
        raise NotImplementedError

    def _progress(self, step: str, live: Live = ()) -> None:
        """Report a step once (a device repeating "inflating" is one prompt),
        with the live reading that came with it, if any (see :meth:`_live`:
        the same rate holds for a reading that comes with a new step)."""
        if self.state.detail.get("step") == step:
            self._live(live)
            return
        zh, en = PROGRESS[step]
        with self._lock:
            # A new step always goes out; the reading with it only within the rate.
            now = time.monotonic()
            if live and self._active and now - self._live_at >= self.live_interval:
                self._live_at = now
            else:
                live = ()
        self._set_state(Status.BUSY, measuring=True, step=step)
        self._emit("progress", Progress(step, zh, en, live))

    def _live(self, live: Live) -> None:
        """Show what the device reads meanwhile (cuff pressure, an unsettled
        weight) as a ``progress`` event of the current step.  Only while a
        measurement runs, and at most one every ``live_interval`` seconds:
        the others are dropped (a screen cannot show 60 numbers a second,
        and the next one comes soon).  The values go to the listeners only:
        not into the device's state, which is logged and snapshotted."""
        if not live:
            return
        with self._lock:
            now = time.monotonic()
            if not self._active or now - self._live_at < self.live_interval:
                return
            self._live_at = now
            step = str(self.state.detail.get("step") or "measuring")
        zh, en = PROGRESS[step]
        self._emit("progress", Progress(step, zh, en, tuple(live)))

    def _deliver(self, records: Iterable[Measurement]) -> None:
        with self._lock:
            if not self._active:
                return
            now = dt.datetime.now().replace(microsecond=0)
            source = f"{self.name} ({self.model})"
            result = tuple(r.with_source(source, now) for r in records)
            self._active, self._result = False, result
            self.counters.incr("measurements")
            self._set_state(Status.ONLINE)
            self._done.set()
        log.info("health %s: measurement done (%d values)", self.name, len(result))
        self._emit("measurement", result)

    def _fail(self, reason: str) -> None:
        with self._lock:
            if not self._active:
                return
            result = failure(reason)
            self._active, self._result = False, result
            if reason not in ("cancelled", "timeout"):
                self.counters.incr("failures")
            detail: dict[str, Any] = {}
            if result.status is not Status.ONLINE:
                detail = {"fault": reason, "prompt_zh": result.text_zh, "prompt_en": result.text_en}
            if result.status is Status.NO_DEVICE:
                detail["port"] = self.port
            self._set_state(result.status, **detail)
            self._done.set()
        if reason != "cancelled":
            self._report_error(f"{result.text_zh} / {result.text_en} ({self.name} at {self.port})", result.action,
                               reason)
        self._emit("measurement_failed", result)

    def _check_health(self, level: HealthLevel) -> str:
        if self._reader is None and not self._connect():
            raise DeviceFailure(f"未找到设备 / no health device at {self.port}", Action.MAINTENANCE, "no_device")
        if self.status is Status.NO_DEVICE:
            raise DeviceFailure(f"设备无响应 / {self.name} sent no data in its last measurement", Action.MAINTENANCE,
                                "no_data")
        return "OK"
