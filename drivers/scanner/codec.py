"""The code scanner's bytes and keystrokes into codes: no I/O, no clock.

A fixed-mount 2D scanner sends each code it decodes followed by a suffix it
was configured with (CR, LF, CR LF, TAB, or none).  In USB-COM mode (CDC-ACM)
that arrives as bytes on a serial port; in USB HID keyboard mode it arrives
as key presses, which :class:`KeyDecoder` turns back into the same bytes by
the US HID usage table (the scanner "types" on a US layout whatever the
console or X keymap says, so the kiosk must not ask the keymap).

:class:`CodeAssembler` does the rest for both: it collects bytes until the
suffix, and refuses what is not a code a resident can have shown:

* a code longer than ``max_length`` bytes (a 10 KB burst of noise): dropped
  at once and everything up to the next suffix with it, never buffered;
* a code cut off without its suffix: dropped after ``idle_gap`` seconds of
  silence (with no suffix configured, silence *is* the end of a code);
* bytes that are not UTF-8 text, or that hold control characters: refused;
* the same code again within ``repeat_window`` seconds: one event only (a
  phone held under the window is read many times a second).

Times are passed in (``now``): the transport owns the clock, so a test
replays a burst without sleeping.  ``counts`` says what was refused, for the
device's counters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

MAX_LENGTH = 4096        # bytes; an e-ID code is a few hundred, a slip's QR under 100
IDLE_GAP = 0.3           # seconds of silence that end (or cut off) a code
REPEAT_WINDOW = 1.5      # seconds within which the same code again is the same scan


class Suffix(enum.StrEnum):
    """What the scanner sends after each code (its configuration)."""

    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    TAB = "tab"
    NONE = "none"        # nothing: a code ends with ``idle_gap`` of silence

    @property
    def ends(self) -> bytes:
        """The bytes that end a code.  CR, LF and CR LF all end a line at
        either byte (a scanner set to CR that sends CR LF gives no empty
        code: empty lines are skipped)."""
        return {"tab": b"\t", "none": b""}.get(self.value, b"\r\n")


class Refusal(enum.StrEnum):
    TOO_LONG = "too_long"        # longer than max_length
    CUT_OFF = "cut_off"          # no suffix before the idle gap
    NOT_TEXT = "not_text"        # not UTF-8, or control characters, or a key the table does not know
    REPEAT = "repeat"            # the same code again within the repeat window


@dataclass(frozen=True, repr=False)
class Code:
    """One scanned code, as text.  It may be an e-ID code: never logged."""

    text: str

    def __repr__(self) -> str:
        return f"Code({len(self.text)} characters)"


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    length: int          # bytes received for it (a too-long one: at least max_length + 1)


Event = Code | Refused


@dataclass
class CodeAssembler:
    """Bytes in (``feed``), codes and refusals out (``events``)."""

    suffix: Suffix = Suffix.CR
    max_length: int = MAX_LENGTH
    idle_gap: float = IDLE_GAP
    repeat_window: float = REPEAT_WINDOW
    counts: dict[str, int] = field(default_factory=dict)
    _buffer: bytearray = field(default_factory=bytearray)
    _skipping: int = 0            # bytes of a too-long code dropped so far (0: not skipping)
    _garbled: bool = False        # the current code had a key the table does not know
    _last_byte: float | None = None
    _last_code: tuple[str, float] | None = None
    _events: list[Event] = field(default_factory=list)

    def feed(self, data: bytes, now: float) -> None:
        """Bytes as they arrived at ``now`` (seconds, any monotonic origin)."""
        if not data:
            return
        self.idle(now)   # a gap before these bytes ends what came before them
        ends = self.suffix.ends
        for byte in data:
            if ends and byte in ends:
                self._end(now)
            elif self._skipping:
                self._skipping += 1
            else:
                self._buffer.append(byte)
                if len(self._buffer) > self.max_length:
                    self._skipping = len(self._buffer)
                    self._buffer.clear()
                    self._refuse(Refusal.TOO_LONG, self._skipping)
        self._last_byte = now

    def garble(self, now: float) -> None:
        """The keystroke decoder met a key it cannot turn into text: the code
        being typed is refused at its suffix (never passed on with a hole)."""
        self.idle(now)
        if not self._skipping:
            self._garbled = True
        self._last_byte = now

    def idle(self, now: float) -> None:
        """No byte since the last feed: after ``idle_gap``, a pending code
        ends (no suffix configured) or is dropped as cut off."""
        if self._last_byte is None or now - self._last_byte < self.idle_gap:
            return
        if self._buffer and self.suffix is Suffix.NONE:
            self._end(self._last_byte)
        elif self._buffer or self._garbled:
            self._refuse(Refusal.CUT_OFF, len(self._buffer))
        self._reset()
        self._last_byte = None

    def events(self) -> list[Event]:
        """What was assembled since the last call, oldest first."""
        found, self._events = self._events, []
        return found

    @property
    def pending(self) -> int:
        """Bytes waiting for their suffix."""
        return len(self._buffer)

    def _end(self, now: float) -> None:
        raw, skipped, garbled = bytes(self._buffer), self._skipping, self._garbled
        self._reset()
        if skipped or (not raw and not garbled):
            return   # the end of a too-long code (already refused), or an empty line
        text = _text(raw)
        if text is None or garbled:
            self._refuse(Refusal.NOT_TEXT, len(raw))
            return
        last = self._last_code
        if last is not None and last[0] == text and now - last[1] < self.repeat_window:
            self._last_code = (text, now)   # held under the window: the window slides
            self._refuse(Refusal.REPEAT, len(raw))
            return
        self._last_code = (text, now)
        self._count("codes")
        self._events.append(Code(text))

    def _reset(self) -> None:
        self._buffer.clear()
        self._skipping = 0
        self._garbled = False

    def _refuse(self, reason: Refusal, length: int) -> None:
        self._count(reason.value)
        self._events.append(Refused(reason, length))

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


def _text(raw: bytes) -> str | None:
    """The code's text, or None: not UTF-8, or holding a control character
    (a scanner's garbage, or two codes run together with a stray byte)."""
    try:
        text = raw.decode("utf-8").strip(" ")
    except UnicodeDecodeError:
        return None
    if not text or any(not ch.isprintable() for ch in text):
        return None
    return text


# -- USB HID keyboard mode -------------------------------------------------------------
# Linux input key codes (linux/input-event-codes.h) -> (unshifted, shifted) on the
# US layout, which is what a HID scanner sends whatever the terminal's keymap.
US_KEYS = {
    2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(", 11: "0)",
    12: "-_", 13: "=+", 16: "qQ", 17: "wW", 18: "eE", 19: "rR", 20: "tT", 21: "yY", 22: "uU",
    23: "iI", 24: "oO", 25: "pP", 26: "[{", 27: "]}", 30: "aA", 31: "sS", 32: "dD", 33: "fF",
    34: "gG", 35: "hH", 36: "jJ", 37: "kK", 38: "lL", 39: ";:", 40: "'\"", 41: "`~", 43: "\\|",
    44: "zZ", 45: "xX", 46: "cC", 47: "vV", 48: "bB", 49: "nN", 50: "mM", 51: ",<", 52: ".>",
    53: "/?", 57: "  ",
    # the keypad (some scanners type digits there)
    71: "77", 72: "88", 73: "99", 74: "--", 75: "44", 76: "55", 77: "66", 78: "++", 79: "11",
    80: "22", 81: "33", 82: "00", 83: "..", 55: "**", 98: "//",
}
KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
# Keys that carry no character and change nothing: held modifiers a scanner
# may send around a code (Ctrl, Alt, Meta) and Num Lock.
_IGNORED = frozenset({29, 97, 56, 100, 125, 126, 69})
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2


class KeyDecoder:
    """Key events (Linux key code, value: 1 down, 0 up, 2 autorepeat) into
    the bytes the scanner meant, fed to an assembler.  Shift (either) and
    Caps Lock are followed here, not asked of the system; Enter and Tab
    become CR and TAB, so the assembler's suffix applies as on a serial line."""

    def __init__(self, assembler: CodeAssembler):
        self.assembler = assembler
        self._shift: set[int] = set()
        self._caps = False

    def key(self, code: int, value: int, now: float) -> None:
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            (self._shift.add if value else self._shift.discard)(code)
            return
        if value != KEY_DOWN:
            return   # key up; a scanner does not autorepeat, a stuck key must not type twice
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return
        if code in _IGNORED:
            return
        if code in (KEY_ENTER, KEY_KPENTER):
            self.assembler.feed(b"\r", now)
        elif code == KEY_TAB:
            self.assembler.feed(b"\t", now)
        elif code in US_KEYS:
            pair = US_KEYS[code]
            plain, shifted = pair[0], pair[1]
            upper = bool(self._shift)
            if plain.isalpha() and self._caps:
                upper = not upper
            self.assembler.feed((shifted if upper else plain).encode("ascii"), now)
        else:
            self.assembler.garble(now)

    def events(self) -> list[Event]:
        return self.assembler.events()
