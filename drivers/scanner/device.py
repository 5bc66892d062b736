"""The fixed-mount 2D code scanner under the screen (扫码器), in its two USB modes.

* ``code_scanner.serial``: USB-COM (CDC-ACM, ``/dev/ttyACM*``), read with pyserial;
* ``code_scanner.hid``: USB HID keyboard mode, read with evdev from that one
  input device, grabbed (EVIOCGRAB) so its keystrokes never reach the screen
  as typing, and decoded by the US HID table (``codec.KeyDecoder``), not by
  the console's or X's keymap.

Both feed one :class:`~drivers.scanner.codec.CodeAssembler` on their own
thread and publish each code as ``DeviceEvent(kind="code", data=<text>)``,
as a card reader publishes a record: the code may be an e-ID code, so the
event's data is never logged.  A port that disappears (the cable pulled)
is ``no_device`` until it comes back; every refusal of the codec is counted.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from typing import Any, Callable, ClassVar, Literal, Protocol

from pydantic import Field

from drivers.base import Action, Counters, Device, DeviceInfo, HealthLevel, OptionError, Status
from drivers.options import DriverOptions
from drivers.scanner.codec import Code, CodeAssembler, KeyDecoder, Refused, Suffix

log = logging.getLogger(__name__)

EV_KEY = 1   # linux/input-event-codes.h


class ScannerOptions(DriverOptions):
    suffix: Literal["cr", "lf", "crlf", "tab", "none"] = Field(
        "cr", description="what the scanner sends after each code: cr, lf, crlf, tab or none")
    max_length: int = Field(4096, ge=16, le=65536, description="longest code in bytes; longer ones are refused")
    idle_gap: float = Field(0.3, ge=0.02, le=5.0, description="seconds of silence that end (or cut off) a code")
    repeat_window: float = Field(1.5, ge=0.0, le=10.0, description="the same code again within this is one scan")
    reconnect_interval: float = Field(1.0, ge=0.05, le=60.0)


class CodeScanner(Device):
    """What both modes share: the assembler, the events, the counters, the
    reconnecting thread.  Subclasses say how to open the port and read it."""

    device_class: ClassVar[str] = "code_scanner"
    Options: ClassVar[type[DriverOptions]] = ScannerOptions
    mode: ClassVar[str] = ""

    def __init__(self, name: str, port: str, counters: Counters | None = None, *, suffix: str = "cr",
                 max_length: int = 4096, idle_gap: float = 0.3, repeat_window: float = 1.5,
                 reconnect_interval: float = 1.0, **extra: Any):
        super().__init__(name, counters)
        self.port = port
        self.reconnect_interval = reconnect_interval
        self.assembler = CodeAssembler(Suffix(suffix), max_length, idle_gap, repeat_window)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reason = "not opened"

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "CodeScanner":
        if not getattr(cfg, "port", None):
            raise OptionError("port", "the scanner's device, e.g. /dev/kiosk/code_scanner")
        return cls(name, cfg.port, counters, **dict(cfg.options or {}))

    # -- lifecycle -------------------------------------------------------------------
    def _open(self) -> None:
        self._stop.clear()
        self._set_info(DeviceInfo(model=f"2D code scanner ({self.mode})", capabilities=frozenset({"code", self.mode})))
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def _close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.reconnect_interval + 2)
            self._thread = None

    def _check_health(self, level: HealthLevel) -> str:
        return "OK" if self.status is Status.ONLINE else f"{self.status.value}: {self._reason}"

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._connect()
            except OSError as exc:
                self._lost(f"{self.port} not available ({type(exc).__name__})", Status.NO_DEVICE)
                self._stop.wait(self.reconnect_interval)
                continue
            self._reason = "reading"
            self._set_state(Status.ONLINE, mode=self.mode)
            try:
                while not self._stop.is_set():
                    self._read_once()
                    self._deliver()
            except OSError as exc:
                self.counters.incr("disconnects")
                self._report_error(f"the scanner on {self.port} went away ({type(exc).__name__})", Action.CLEAR,
                                   "unplugged")
                self._lost("unplugged", Status.NO_DEVICE)
            finally:
                self._disconnect()
        self._disconnect()

    def _lost(self, reason: str, status: Status) -> None:
        self._reason = reason
        self._set_state(status, port=self.port)

    def _deliver(self) -> None:
        """The assembler's events: codes to the listeners, refusals to the counters."""
        self.assembler.idle(time.monotonic())
        for event in self.assembler.events():
            if isinstance(event, Code):
                self.counters.incr("codes")
                self._emit("code", event.text)
            elif isinstance(event, Refused):
                self.counters.incr(f"refused_{event.reason.value}")
                log.info("scanner %s: a code refused (%s, %d bytes)", self.name, event.reason.value, event.length)

    # -- for subclasses ------------------------------------------------------------------
    def _connect(self) -> None:
        raise NotImplementedError

    def _read_once(self) -> None:
        """Wait at most a fraction of the idle gap for input and feed it."""
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError


class SerialCodeScanner(CodeScanner):
    """USB-COM mode: a CDC-ACM port, one code per suffix."""

    mode = "serial"

    class Options(ScannerOptions):
        baudrate: int = Field(115200, ge=1200, le=921600, description="ignored by CDC-ACM; for a real UART")

    def __init__(self, name: str, port: str, counters: Counters | None = None, *, baudrate: int = 115200, **kw: Any):
        super().__init__(name, port, counters, **kw)
        self.baudrate = baudrate
        self._serial: Any = None

    def _connect(self) -> None:
        import serial

        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=min(0.05, self.assembler.idle_gap / 3))
        except (serial.SerialException, ValueError) as exc:
            raise OSError(str(exc)) from None
        self._serial.reset_input_buffer()   # what lay in the port before the kiosk listened is no scan now

    def _read_once(self) -> None:
        import serial

        try:
            data = self._serial.read(max(1, self._serial.in_waiting or 1))
            if self._serial.in_waiting:
                data += self._serial.read(self._serial.in_waiting)
        except serial.SerialException as exc:
            raise OSError(str(exc)) from None
        if data:
            self.assembler.feed(data, time.monotonic())
        elif not os.path.exists(self.port):
            raise OSError(f"{self.port} is gone")

    def _disconnect(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except Exception:  # closing a port that is gone
                pass
            self._serial = None


class InputDevice(Protocol):
    """What the HID driver uses of ``evdev.InputDevice`` (the tests' fake has the same)."""

    def fileno(self) -> int: ...

    def read(self) -> Any: ...

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def close(self) -> None: ...


def _evdev_open(path: str) -> InputDevice:
    import evdev

    return evdev.InputDevice(path)


class HidCodeScanner(CodeScanner):
    """USB HID keyboard mode: the scanner's own event device, grabbed, decoded by the US table.

    ``opener(path)`` gives the input device (evdev's by default; the tests
    hand in an evdev-like feed)."""

    mode = "hid"

    def __init__(self, name: str, port: str, counters: Counters | None = None, *,
                 opener: Callable[[str], InputDevice] = _evdev_open, **kw: Any):
        super().__init__(name, port, counters, **kw)
        self.opener = opener
        self.decoder = KeyDecoder(self.assembler)
        self._input: InputDevice | None = None

    def _connect(self) -> None:
        device = self.opener(self.port)
        try:
            device.grab()   # this one device only: its keys no longer type anywhere else
        except OSError:
            device.close()
            raise
        self._input = device

    def _read_once(self) -> None:
        assert self._input is not None
        ready, _, _ = select.select([self._input.fileno()], [], [], min(0.05, self.assembler.idle_gap / 3))
        if not ready:
            return
        try:
            events = list(self._input.read())
        except BlockingIOError:
            return
        now = time.monotonic()
        for event in events:
            if event.type == EV_KEY:
                self.decoder.key(event.code, event.value, now)

    def _disconnect(self) -> None:
        device, self._input = self._input, None
        if device is None:
            return
        for step in (device.ungrab, device.close):
            try:
                step()
            except OSError:   # a device unplugged cannot be released: it is gone anyway
                pass
