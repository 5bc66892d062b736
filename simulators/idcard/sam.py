"""A GA 467 SAM ID card reader on a pty, at real 115200-baud timing.

A pty delivers bytes instantly whatever baud rate is set, so the simulator
paces itself: a command is only "received" once its bytes would have crossed
the line, and replies are written in small chunks no earlier than each chunk
would have arrived (10 bits per byte).  That is what makes the benchmark's
line-time lower bound meaningful and makes timeouts behave as on hardware.

The serial path handed to the driver is a symlink in the workdir that is
re-pointed on replug, like a udev rule giving a USB adapter a stable name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import threading
import time
from pathlib import Path
from typing import Any, Callable

from drivers.idcard import codec
from simulators.idcard import cards
from simulators.idcard.photo import StandinUnavailable, build_standin
from simulators.pty import close_pty, open_pty

log = logging.getLogger(__name__)

FAULTS = ("none", "fragmented", "bad_checksum", "selftest_fail", "removed_mid_read", "no_reply", "garbage",
          "late_reply")
SAM_ID = bytes.fromhex("0500") + bytes.fromhex("0100") + (20101225).to_bytes(4, "little") \
    + (12345678).to_bytes(4, "little") + (1234567890).to_bytes(4, "little")


class IdCardSimulator:
    """The hut's ID card reader.  ``control()`` drives it from tests and the demo."""

    name = "idcard"
    description = "二代身份证阅读器 (GA 467 SAM) on a pty at 115200 8N1 / ID card reader simulator"

    def __init__(self, workdir: Path, baudrate: int = 115200, card_delay: float = 0.03,
                 command_delay: float = 0.002, seed: int | None = None):
        self.workdir = Path(workdir)
        self.baudrate = baudrate
        self.card_delay = card_delay          # SAM's processing time for card commands
        self.command_delay = command_delay    # for SAM-only commands (status, ID)
        self.late_by = 0.5                    # extra delay of a late_reply
        self.link = self.workdir / "idcard-sam"
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name = ""
        # Bumped on every plug.  The kernel hands out the freed fd numbers
        # again, so a reply still being written when the reader was unplugged
        # must be matched to its own connection by this, never by fd number:
        # otherwise it lands on the replugged pty as the answer to whatever
        # the reader asks first.
        self._plugs = 0
        self._card: dict[str, Any] | None = None
        self._placed_at: float | None = None
        self._selected = False
        self._halted = False                 # card already read while it stayed
        self.find_after_read = "found"       # or "fails": the SAM model's behaviour
        self._fault = "none"
        self._fault_count: int | None = None
        self._trace: list[dict[str, Any]] = []
        self._commands = 0
        self._started = False

    # -- hut contract --------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-sim", daemon=True)
        self._thread.start()
        self._started = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        with self._lock:
            self._unplug()
        self._started = False

    def where(self) -> str:
        return str(self.link)

    def config_patch(self) -> dict:
        options: dict[str, Any] = {"poll_interval": 0.2}
        try:  # the stand-in photo decoder, so cards placed with a photo_image decode end to end
            options["wlt_library"] = str(build_standin())
        except StandinUnavailable as exc:
            log.warning("idcard simulator: card photos will not decode: %s", exc)
        return {"devices": {"idcard": {"driver": "idcard.sam", "port": self.where(), "options": options}}}

    def control(self, action: str, **params: Any) -> dict:
        actions: dict[str, Callable[..., dict]] = {
            "place_card": self._place_card, "remove_card": self._remove_card,
            "set_fault": self._set_fault, "clear_fault": lambda: self._set_fault("none"),
            "unplug": self._do_unplug, "replug": self._do_replug,
            "set_delay": self._set_delay, "status": self._status, "list_cards": self._list_cards,
            "set_model": self._set_model,
        }
        if action not in actions:
            raise ValueError(f"unknown idcard action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    # -- control actions ---------------------------------------------------------
    def _place_card(self, card: str | dict = "resident", fingerprint_bytes: int | None = None,
                    **fields: Any) -> dict:
        if fingerprint_bytes is not None:
            fields["fingerprint_bytes"] = fingerprint_bytes
        made = cards.make_card(card, **fields)
        with self._lock:
            self._card = made
            self._selected = False
            self._halted = False
            self._placed_at = time.monotonic()
            self._trace = []
        return {"placed": made["type"], "uid": cards.uid(made).hex()}

    def _remove_card(self) -> dict:
        with self._lock:
            had = self._card is not None
            self._card = None
            self._selected = False
            self._halted = False
        return {"removed": had}

    def _set_fault(self, mode: str = "none", count: int | None = None, seconds: float | None = None) -> dict:
        """``count`` replies are hit (then the fault clears), or all of them.
        ``seconds`` is how late a ``late_reply`` comes: longer than the
        reader's timeout, it arrives while the reader waits for the next one."""
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; faults: {', '.join(FAULTS)}")
        with self._lock:
            self._fault = mode
            self._fault_count = None if count is None else int(count)
            if seconds is not None:
                self.late_by = float(seconds)
        return {"fault": mode, "count": count}

    def _set_model(self, find_after_read: str = "found") -> dict:
        """Real SAMs differ: some keep finding a card that was read and left
        on the reader, others answer "no card" until it is lifted (select
        still works).  The driver must cope with both."""
        if find_after_read not in ("found", "fails"):
            raise ValueError("find_after_read: 'found' or 'fails'")
        self.find_after_read = find_after_read
        return {"find_after_read": find_after_read}

    def _set_delay(self, seconds: float) -> dict:
        self.card_delay = float(seconds)
        return {"card_delay": self.card_delay}

    def _do_unplug(self) -> dict:
        with self._lock:
            self._unplug()
        return {"plugged": False}

    def _do_replug(self) -> dict:
        with self._lock:
            if self._master is None:
                self._plug()
        return {"plugged": True, "where": self.where(), "pty": self._slave_name}

    def _status(self) -> dict:
        with self._lock:
            return {"plugged": self._master is not None, "card": self._card["type"] if self._card else None,
                    "fault": self._fault, "fault_count": self._fault_count, "commands": self._commands,
                    "placed_at": self._placed_at, "trace": [dict(t) for t in self._trace],
                    "baudrate": self.baudrate, "card_delay": self.card_delay}

    def _list_cards(self) -> dict:
        return {"cards": sorted(cards.CARDS)}

    # -- pty ---------------------------------------------------------------------
    def _plug(self) -> None:
        self._master, self._slave = open_pty(self.link)
        self._plugs += 1
        self._slave_name = os.ttyname(self._slave)

    def _unplug(self) -> None:
        close_pty(self.link, self._master, self._slave)  # what pulling the USB adapter looks like
        self._master = self._slave = None

    # -- the SAM -------------------------------------------------------------------
    @property
    def byte_time(self) -> float:
        return 10.0 / self.baudrate

    def _line(self) -> tuple[int, int] | None:
        """(master fd, plug number) of the pty now plugged in; call with the lock held."""
        return None if self._master is None else (self._master, self._plugs)

    def _serve(self) -> None:
        decoder = codec.FrameDecoder("command")
        first_byte_at = 0.0
        line: tuple[int, int] | None = None
        while not self._stop.is_set():
            with self._lock:
                if self._line() != line:
                    line = self._line()
                    decoder = codec.FrameDecoder("command")
            if line is None:
                self._stop.wait(0.02)
                continue
            try:
                ready, _, _ = select.select([line[0]], [], [], 0.05)
                if not ready:
                    continue
                with self._lock:
                    if self._line() != line:  # unplugged (maybe replugged) meanwhile
                        continue
                    data = os.read(line[0], 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except (OSError, ValueError):  # unplugged under our feet
                line = None
                continue
            if not data:
                continue
            if decoder.buffered == 0:
                first_byte_at = time.monotonic()
            decoder.feed(data)
            while True:
                try:
                    for frame in decoder.events():
                        if isinstance(frame, codec.Command):
                            self._answer(line, frame, first_byte_at)
                        first_byte_at = time.monotonic()
                    break
                except codec.ProtocolError as exc:
                    sw3 = 0x10 if exc.kind == "checksum" else 0x11
                    self._send(line, codec.encode_reply(sw3), first_byte_at)

    def _consume_fault(self, *modes: str) -> str | None:
        """The active fault if it is one of ``modes``, counting it down."""
        with self._lock:
            if self._fault not in modes:
                return None
            fault = self._fault
            if self._fault_count is not None:
                self._fault_count -= 1
                if self._fault_count <= 0:
                    self._fault, self._fault_count = "none", None
            return fault

    def _answer(self, line: tuple[int, int], frame: codec.Command, received_from: float) -> None:
        # The command has only fully arrived once its bytes crossed the line.
        arrived = received_from + frame.size * self.byte_time
        self._sleep_until(arrived)
        with self._lock:
            self._commands += 1
            selftest_failed = self._fault == "selftest_fail"
            card = self._card
        key = frame.key
        card_command = key[0] in (0x20, 0x30)
        delay = self.card_delay if card_command else self.command_delay
        if selftest_failed:
            reply = codec.encode_reply(0x60)
        elif key in (codec.RESET_SAM, codec.SAM_STATUS, codec.SET_RF_FRAME) or key[0] == 0x60:
            if key[0] == 0x60:
                rates = {v: k for k, v in codec.BAUD_PARA.items()}
                if key[1] not in rates:
                    reply = codec.encode_reply(0x21)
                else:
                    reply = codec.encode_reply(0x90)
            else:
                reply = codec.encode_reply(0x90)
        elif key == codec.READ_SAM_ID:
            reply = codec.encode_reply(0x90, SAM_ID)
        elif key == codec.FIND_CARD:
            hidden = self._halted and self.find_after_read == "fails"
            reply = codec.encode_reply(0x9F, b"\x00" * 4) if card and not hidden else codec.encode_reply(0x80)
        elif key == codec.SELECT_CARD:
            if card:
                with self._lock:
                    self._selected = True
                reply = codec.encode_reply(0x90, cards.uid(card))
            else:
                reply = codec.encode_reply(0x81)
        elif key in (codec.READ_BASE, codec.READ_BASE_FP):
            if card and self._consume_fault("removed_mid_read"):
                with self._lock:
                    self._card = None
                    self._selected = False
                card = None
            if card is None or not self._selected:
                reply = codec.encode_reply(0x41)
            else:
                reply = codec.encode_reply(0x90, cards.base_info(card, key == codec.READ_BASE_FP))
                with self._lock:
                    self._halted = True
        elif key == codec.READ_ADDRESS:
            new_address = card.get("new_address") if card else None
            if card is None:
                reply = codec.encode_reply(0x41)
            elif not new_address:
                reply = codec.encode_reply(0x91)
            else:
                reply = codec.encode_reply(0x90, (new_address + " " * 35)[:35].encode("utf-16-le"))
        else:
            reply = codec.encode_reply(0x21)
        if card_command:
            with self._lock:
                self._trace.append({"cmd": f"{key[0]:02X}{key[1]:02X}", "received_at": received_from,
                                    "cmd_bytes": frame.size, "reply_bytes": len(reply),
                                    "delay": delay, "sw3": f"{reply[9]:02X}"})
        self._sleep_until(arrived + delay)
        self._send(line, reply, time.monotonic())

    def _send(self, line: tuple[int, int], reply: bytes, start: float) -> None:
        if self._consume_fault("no_reply"):
            return
        if self._consume_fault("late_reply"):
            time.sleep(self.late_by)
            start = time.monotonic()
        if self._consume_fault("bad_checksum"):
            reply = reply[:-1] + bytes((reply[-1] ^ 0x5A,))
        if self._consume_fault("garbage"):
            reply = self._rng.randbytes(self._rng.randint(1, 40)).replace(b"\xaa", b"\x55") + reply
        fragmented = self._consume_fault("fragmented") is not None
        pos = 0
        gaps = 0.0
        bt = self.byte_time
        while pos < len(reply):
            if fragmented:
                n = self._rng.randint(1, 17)
                gaps += self._rng.choice((0.0, 0.0, 0.001, 0.003))
            else:
                n = 32
            chunk = reply[pos:pos + n]
            pos += len(chunk)
            self._sleep_until(start + pos * bt + gaps)
            while chunk:
                with self._lock:
                    if self._line() != line:  # unplugged mid-reply: the rest is lost, as on a wire
                        return
                    try:
                        written = os.write(line[0], chunk)
                    except BlockingIOError:
                        written = 0
                    except OSError:
                        return
                chunk = chunk[written:]
                if chunk and not written:  # reader slow to drain: wait like a UART would
                    with contextlib.suppress(OSError, ValueError):
                        if select.select([], [line[0]], [], 0.5)[1]:
                            continue
                    return

    @staticmethod
    def _sleep_until(deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
