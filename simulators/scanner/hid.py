"""An evdev-like input device for the HID driver's tests: what a scanner in
USB HID keyboard mode types, as key events on a readable file descriptor.

/dev/uinput does not exist on the machines the tests run on, so this stands
in for ``evdev.InputDevice``: ``fileno()`` is a pipe that ``select`` waits
on, ``read()`` gives events with ``type``, ``code`` and ``value``, ``grab``
is recorded (the driver must grab the device it reads), and ``unplug()``
makes ``read`` fail as a device pulled out does.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass

from drivers.scanner.codec import US_KEYS

EV_KEY = 1
# US layout: character -> (key code, shift)
_US: dict[str, tuple[int, bool]] = {}
for _code, _pair in US_KEYS.items():   # the driver's own table: the main rows come before the keypad
    _US.setdefault(_pair[0], (_code, False))
    _US.setdefault(_pair[1], (_code, True))
KEY_LEFTSHIFT, KEY_ENTER, KEY_TAB = 42, 28, 15


@dataclass(frozen=True)
class KeyEvent:
    type: int
    code: int
    value: int


def keystrokes(text: str, suffix: str = "enter") -> list[KeyEvent]:
    """The key events a US-layout HID scanner sends for ``text`` and its suffix."""
    events: list[KeyEvent] = []
    for ch in text:
        code, shift = _US[ch]
        if shift:
            events.append(KeyEvent(EV_KEY, KEY_LEFTSHIFT, 1))
        events += [KeyEvent(EV_KEY, code, 1), KeyEvent(EV_KEY, code, 0)]
        if shift:
            events.append(KeyEvent(EV_KEY, KEY_LEFTSHIFT, 0))
    end = {"enter": KEY_ENTER, "tab": KEY_TAB}.get(suffix)
    if end is not None:
        events += [KeyEvent(EV_KEY, end, 1), KeyEvent(EV_KEY, end, 0)]
    return events


class FakeInputDevice:
    def __init__(self, path: str = "/dev/input/by-id/usb-Newland_scanner-event-kbd"):
        self.path = path
        self.grabbed = False
        self.closed = False
        self._events: deque[KeyEvent] = deque()
        self._lock = threading.Lock()
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        self._gone = False

    # -- what the driver calls --------------------------------------------------------
    def fileno(self) -> int:
        return self._r

    def read(self) -> list[KeyEvent]:
        if self._gone:
            raise OSError(19, "No such device")
        with self._lock:
            try:
                os.read(self._r, 65536)
            except BlockingIOError:
                pass
            found = list(self._events)
            self._events.clear()
        if not found:
            raise BlockingIOError
        return found

    def grab(self) -> None:
        if self._gone:
            raise OSError(19, "No such device")
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        self.closed = True

    # -- what a test does ---------------------------------------------------------------
    def send(self, events: list[KeyEvent]) -> None:
        with self._lock:
            self._events.extend(events)
        os.write(self._w, b"!")

    def type(self, text: str, suffix: str = "enter") -> None:
        self.send(keystrokes(text, suffix))

    def unplug(self) -> None:
        self._gone = True
        os.write(self._w, b"!")

    def dispose(self) -> None:
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
