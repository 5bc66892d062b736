"""A serial health device on a pty: the plumbing the five simulators share.

The pty's slave side is set to the device's real serial settings (speed,
data bits, parity, stop bits) and the simulator paces what it writes to that
speed (start bit + data + parity + stop bits per byte), so timeouts behave as
on the wire.  ``status`` reports the settings the port has now, so a test can
check that the driver opened it as the real device needs.

The driver sees the port through a symlink in the hut's folder (as a udev
rule names a USB adapter); ``unplug`` closes the master, which looks like a
pulled cable.

A device has one output line, so its script is bound to the plug it was
started on: every plug gets a number, bytes are read and handed to the
device (``_dispatch``) only while that plug is still in, under the lock that
``unplug`` takes.  A command read just before an unplug therefore either
starts its script before the unplug ends it, or is dropped with the cable;
it never starts a script after a replug, where its lines would interleave
with those of the next measurement byte by byte.
"""

from __future__ import annotations

import logging
import os
import select
import termios
import threading
import time
from pathlib import Path
from typing import Any, Callable

from simulators.pty import close_pty, open_pty

log = logging.getLogger(__name__)

_SPEEDS = {1200: termios.B1200, 2400: termios.B2400, 4800: termios.B4800, 9600: termios.B9600,
           19200: termios.B19200, 38400: termios.B38400, 57600: termios.B57600, 115200: termios.B115200}


class PtyDevice:
    """Owns one pty and a serving thread; subclasses react to what the
    driver writes (``_on_bytes``) and queue output with ``_send``."""

    name = "health"
    description = ""
    baudrate, bytesize, parity, stopbits = 9600, 8, "N", 1

    def __init__(self, workdir: Path, speedup: float = 1.0):
        self.workdir = Path(workdir)
        self.link = self.workdir / f"health-{self.name}"
        self.speedup = speedup   # >1 runs scripted delays faster (tests); pacing stays real
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._timers: list[threading.Timer] = []
        self._generation = 0   # bumped by every script change: stale timers stay silent
        self._plugs = 0        # bumped by every plug: bytes read from an older one are dropped
        self.mode = "normal"   # or a fault name, or "no_response"
        self.received = 0

    # -- hut contract --------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"sim-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._cancel_timers()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        with self._lock:
            self._unplug()

    def where(self) -> str:
        return str(self.link)

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions: dict[str, Callable[..., dict[str, Any]]] = {
            "status": self._status, "unplug": self._do_unplug, "replug": self._do_replug,
            "no_response": lambda: self._set_mode("no_response"), "clear": lambda: self._set_mode("normal"),
            **self.actions(),
        }
        if action not in actions:
            raise ValueError(f"unknown {self.name} action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    def actions(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {}

    # -- script -----------------------------------------------------------------
    def _set_mode(self, mode: str) -> dict[str, Any]:
        with self._lock:
            self.mode = mode
            self._end_script()
        return {"mode": mode}

    def _end_script(self) -> None:
        """What the device still had scheduled to say is not said."""
        with self._lock:
            self._generation += 1
        self._cancel_timers()

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay`` (scripted device time), unless the
        script changes meanwhile."""
        with self._lock:
            generation = self._generation

        def fire() -> None:
            with self._lock:
                if generation != self._generation or self._stop.is_set():
                    return
            action()

        timer = threading.Timer(delay / self.speedup, fire)
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _cancel_timers(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    # -- pty -----------------------------------------------------------------------
    def _plug(self) -> None:
        self._master, self._slave = open_pty(self.link, self._line_settings)
        self._plugs += 1

    def _line_settings(self, slave: int) -> None:
        """The device's serial settings on the slave, as the real device's port has them."""
        attrs = termios.tcgetattr(slave)
        attrs[2] &= ~(termios.CSIZE | termios.PARENB | termios.PARODD | termios.CSTOPB)
        attrs[2] |= {7: termios.CS7, 8: termios.CS8}[self.bytesize]
        attrs[2] |= {"N": 0, "E": termios.PARENB, "O": termios.PARENB | termios.PARODD}[self.parity]
        attrs[2] |= termios.CSTOPB if self.stopbits == 2 else 0
        attrs[4] = attrs[5] = _SPEEDS[self.baudrate]
        termios.tcsetattr(slave, termios.TCSANOW, attrs)

    def _unplug(self) -> None:
        close_pty(self.link, self._master, self._slave)  # what pulling the USB adapter looks like
        self._master = self._slave = None

    def _do_unplug(self) -> dict[str, Any]:
        """The cable goes: what the device was about to send is lost with it,
        so the script in progress ends too (otherwise its late lines would
        race the next measurement after a replug)."""
        with self._lock:
            self._end_script()
            self._unplug()
        return {"plugged": False}

    def _do_replug(self) -> dict[str, Any]:
        with self._lock:
            if self._master is None:
                self._plug()
        return {"plugged": True, "where": self.where()}

    def port_settings(self) -> dict[str, Any]:
        """The serial settings the port has now (as the driver set them)."""
        with self._lock:
            if self._slave is None:
                return {}
            attrs = termios.tcgetattr(self._slave)
        cflag = attrs[2]
        speed = {v: k for k, v in _SPEEDS.items()}.get(attrs[5], attrs[5])
        # Linux ptys force CS8 and clear PARENB whatever is asked, but keep
        # PARODD: odd parity is still visible, even parity is not.
        parity = "O" if cflag & termios.PARODD else ("E" if cflag & termios.PARENB else "N")
        size = {termios.CS7: 7, termios.CS8: 8}.get(cflag & termios.CSIZE, 0)
        return {"baudrate": speed, "bytesize": size, "parity": parity, "stopbits": 2 if cflag & termios.CSTOPB else 1}

    def _status(self) -> dict[str, Any]:
        with self._lock:
            return {"plugged": self._master is not None, "mode": self.mode, "received": self.received,
                    "port": self.port_settings(), "expected": {"baudrate": self.baudrate, "bytesize": self.bytesize,
                                                               "parity": self.parity, "stopbits": self.stopbits}}

    # -- the wire --------------------------------------------------------------------
    @property
    def byte_time(self) -> float:
        bits = 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits
        return bits / self.baudrate

    def _send(self, data: bytes, script: int | None = None) -> None:
        """Write ``data`` paced to the line speed; silently dropped when
        unplugged or told not to respond.  ``script`` is the generation of
        the script sending it: once that script ends (unplug, cancel) the
        rest of the line is cut, and never reaches the next plug."""
        chunk = max(1, int(0.005 / self.byte_time))
        for i in range(0, len(data), chunk):
            part = data[i:i + chunk]
            with self._lock:
                master = self._master
                if master is None or not self._may_send(script):
                    return
                try:
                    os.write(master, part)
                except (BlockingIOError, OSError):
                    return
            time.sleep(len(part) * self.byte_time)

    def _may_send(self, script: int | None = None) -> bool:
        """Whether the device's line is up for a byte of ``script`` (None:
        output that belongs to no script, such as a streaming probe's)."""
        with self._lock:
            if self._master is None or self.mode == "no_response":
                return False
            return script is None or script == self._generation

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                master, plug = self._master, self._plugs
            if master is None:
                self._stop.wait(0.02)
                continue
            try:
                # Outside the lock (it would stall _send); a stale fd only
                # wakes the loop, _read checks the plug before touching it.
                ready, _, _ = select.select([master], [], [], 0.05)
            except (OSError, ValueError):
                self._stop.wait(0.02)
                continue
            if not ready:
                self._tick()
                continue
            if not self._read(plug):
                self._stop.wait(0.02)

    def _read(self, plug: int) -> bool:
        """Read what the driver wrote on ``plug`` and hand it to the device;
        False when that plug is gone (its fd number may already belong to
        the next plug, whose bytes are not this read's to take)."""
        with self._lock:
            if plug != self._plugs or self._master is None:
                return False
            try:
                data = os.read(self._master, 4096)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False
            return self._dispatch(data, plug)

    def _dispatch(self, data: bytes, plug: int) -> bool:
        """Hand ``data`` read on ``plug`` to the device, unless the cable was
        pulled since: a device does not act on a command it never got."""
        with self._lock:
            if plug != self._plugs or self._master is None:
                return False
            if data:
                self.received += len(data)
                self._on_bytes(data)
            return True

    def _tick(self) -> None:
        """Called about every 50 ms when the driver is quiet."""

    def _on_bytes(self, data: bytes) -> None:
        """What the driver wrote (commands)."""
