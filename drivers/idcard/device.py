"""The ID card reader: the GA 467 codec run over pyserial.

pyserial's ``serial.threaded.ReaderThread`` owns the port and feeds bytes to
a protocol object (:class:`SamLink`) that turns them into replies; a polling
thread runs find -> select -> read and turns replies into device events.  The
split keeps the codec free of I/O and lets one thread block on a reply while
another reads the wire.  What the answers mean for the card on the reader is
decided by :class:`~drivers.idcard.presence.CardPresence`, a machine without
I/O that the polling thread only feeds and obeys.

Card rules the kiosk relies on: ``card_present`` when a card appears,
``record`` (data = :class:`IdCardRecord`) once per card while it stays,
``card_removed`` when it goes, and ``card_left`` (once) when the UI calls
:meth:`IdCardReader.remind_if_present` at the end of a session;
:meth:`IdCardReader.read_again` delivers the card on the reader once more.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from typing import Any, ClassVar, Literal

import serial
import serial.threaded
from pydantic import Field

from drivers.base import Action, Counters, Device, DeviceFailure, DeviceInfo, HealthLevel, OptionError, Status
from drivers.idcard import cardtext, codec
from drivers.idcard.link import LOST, LinkLost, SamLink
from drivers.idcard.presence import COMMANDS, CardPresence, Do, Seen
from drivers.idcard.records import IdCardRecord
from drivers.idcard.wlt import WltDecoder
from drivers.options import DriverOptions, Name, Text, validate

log = logging.getLogger(__name__)

SILENT_POLLS = 3  # unanswered polls in a row before the reader is reported silent


class IdCardOptions(DriverOptions):
    """How the driver paces a SAM reader; the defaults suit the common
    115200-baud readers."""

    poll_interval: float = Field(default=0.2, ge=0.05, le=5)        # seconds between find-card polls
    command_timeout: float = Field(default=0.5, ge=0.05, le=10)     # seconds to wait for a short reply
    read_timeout: float = Field(default=3.0, ge=0.2, le=30)         # seconds to wait for the card data reply
    retries: int = Field(default=2, ge=0, le=10)                    # after a damaged or missing reply
    removal_polls: int = Field(default=2, ge=1, le=20)              # empty polls before a card counts as removed
    reconnect_interval: float = Field(default=1.0, ge=0.05, le=60)  # seconds between attempts to reopen the port
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 115200  # the rates codec.BAUD_PARA can set
    fingerprint: bool = False                               # read base info with fingerprint (30 10)
    # The vendor's WLT photo decoder (a shared library with ``int unpack(char *wlt, char *bmp, int save)``);
    # none installed: records carry no decoded photo and the face check is skipped, never faked.
    wlt_library: Text | None = Field(default=None, description="the path of the vendor's WLT decoder library")
    wlt_symbol: Name = "unpack"                             # its decode function


class IdCardReader(Device):
    """二代身份证阅读器 on a serial port (RS-232 or USB-serial, 115200 8N1)."""

    device_class = "idcard"
    transports: ClassVar[frozenset[str]] = frozenset({"serial"})
    Options: ClassVar[type[DriverOptions]] = IdCardOptions

    def __init__(self, name: str, port: str, counters: Counters | None = None, **options: Any):
        super().__init__(name, counters)
        self.port = port
        opts = validate(IdCardOptions, options)
        self.options = opts.model_dump()
        self.poll_interval, self.command_timeout, self.read_timeout = (opts.poll_interval, opts.command_timeout,
                                                                       opts.read_timeout)
        self.retries, self.removal_polls, self.reconnect_interval = (opts.retries, opts.removal_polls,
                                                                     opts.reconnect_interval)
        self.baudrate, self.fingerprint = opts.baudrate, opts.fingerprint
        # Loaded once, at start.  A library that does not load costs the photo, not the reader:
        # the error is reported when the reader opens and cards are still read.
        self._wlt: WltDecoder | None = None
        self._wlt_problem: DeviceFailure | None = None
        if opts.wlt_library:
            try:
                self._wlt = WltDecoder(opts.wlt_library, opts.wlt_symbol)
            except DeviceFailure as exc:
                self._wlt_problem = exc
        self._serial: serial.Serial | None = None
        self._reader: serial.threaded.ReaderThread | None = None
        self._link: SamLink | None = None
        self._txn = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._presence = CardPresence(self.removal_polls, SILENT_POLLS)
        # The polling thread feeds the machine; remind_if_present and
        # read_again come from the kiosk's thread.  Reentrant: a listener may
        # call read_again from inside an event.
        self._presence_lock = threading.RLock()

    # -- configuration -------------------------------------------------------------
    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "IdCardReader":
        if not getattr(cfg, "port", None):
            raise OptionError("port", "the reader's serial port, e.g. /dev/ttyUSB0")
        return cls(name, cfg.port, counters, **dict(cfg.options or {}))

    # -- lifecycle -------------------------------------------------------------------
    def _open(self) -> None:
        if self._wlt_problem is not None:
            self._report_error(str(self._wlt_problem), self._wlt_problem.action, self._wlt_problem.code)
        self._stop.clear()
        self._connect()
        self._thread = threading.Thread(target=self._run, name=f"idcard-{self.name}", daemon=True)
        self._thread.start()

    def _close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.read_timeout + 5)
            self._thread = None
        self._disconnect()
        self._set_state(Status.OFFLINE)

    def _connect(self) -> bool:
        try:
            port = serial.Serial(self.port, self.baudrate, timeout=None, write_timeout=1)
        except (serial.SerialException, OSError, ValueError) as exc:
            if self.status != Status.NO_DEVICE:
                log.info("idcard %s: port %s not available (%s)", self.name, self.port, exc)
            self._set_state(Status.NO_DEVICE, port=self.port)
            return False
        link = SamLink()
        reader = serial.threaded.ReaderThread(port, lambda: link)
        reader.daemon = True
        reader.start()
        reader.connect()
        self._serial, self._reader, self._link = port, reader, link
        try:
            self._check_sam(initial=True)
        except LinkLost:
            self._disconnect()
            self._set_state(Status.NO_DEVICE, port=self.port)
            return False
        return True

    def _disconnect(self) -> None:
        reader, port = self._reader, self._serial
        self._reader = self._serial = self._link = None
        if reader is not None:
            try:
                reader.stop()
            except Exception:  # the thread may already be gone with the port
                pass
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _check_sam(self, initial: bool = False) -> bool:
        """SAM status (11 FF): 60 means the security module failed its
        self-test, which no retry fixes: hardware_error for an engineer."""
        try:
            reply = self._transact(codec.SAM_STATUS)
        except codec.ProtocolError as exc:
            self._set_state(Status.UNKNOWN, reason="no_answer")
            if initial:
                self._report_error(f"身份证阅读器无应答 / ID card reader does not answer: {exc}", Action.MAINTENANCE,
                                   exc.code)
            return False
        if reply.sw3 != codec.SW3_OK:
            err = codec.ProtocolError.from_sw3(reply.sw3)
            if self.status != Status.HARDWARE_ERROR:
                self._set_state(Status.HARDWARE_ERROR, sw3=f"{reply.sw3:02X}")
                self._report_error(f"身份证阅读器故障 / ID card reader fault: {err}", Action.MAINTENANCE, err.code)
            return False
        if self._info.serial == "unknown":
            try:
                sam_id = codec.format_sam_id(self._transact(codec.READ_SAM_ID).raise_for_status().data)
                caps = {"find_card", "select_card", "read_base_info"}
                caps |= {"fingerprint"} if self.fingerprint else set()
                caps |= {"photo_decode"} if self._wlt is not None else set()
                self._set_info(DeviceInfo(model="GA 467 SAM", serial=sam_id, capabilities=frozenset(caps)))
            except codec.ProtocolError:
                pass
        with self._presence_lock:
            self._feed(Seen.SAM_OK)
            self._set_state(Status.ONLINE, card_present=self._presence.card_present)
        return True

    # -- one command -------------------------------------------------------------------
    def _transact(self, command: tuple[int, int], data: bytes = b"", timeout: float | None = None,
                  retries: int | None = None) -> codec.Reply:
        """Send one command and wait for its reply, retrying after a damaged,
        missing or stray reply (flushing in between).  Raises ProtocolError
        when every attempt failed, LinkLost when the port vanished."""
        if timeout is None:
            timeout = self.read_timeout if command[0] == 0x30 else self.command_timeout
        attempts = 1 + (self.retries if retries is None else retries)
        frame = codec.encode_command(command[0], command[1], data)
        last: codec.ProtocolError | None = None
        with self._txn:
            for attempt in range(attempts):
                link, port = self._link, self._serial
                if link is None or port is None or link.lost.is_set():
                    raise LinkLost()
                if attempt:
                    link.flush()
                try:
                    port.write(frame)
                except (serial.SerialException, OSError) as exc:
                    raise LinkLost() from exc
                try:
                    return self._await(link, command, time.monotonic() + timeout)
                except codec.ProtocolError as exc:
                    last = exc
                    self.counters.incr("comm_errors")
                    log.debug("idcard %s: %02X%02X attempt %d failed: %s", self.name, *command, attempt + 1,
                              exc.en)
            if link is not None and port is not None:
                link.flush()
        assert last is not None
        raise last

    def _await(self, link: SamLink, command: tuple[int, int], deadline: float) -> codec.Reply:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise codec.ProtocolError("timeout", "等待应答超时", f"no reply to {command[0]:02X} {command[1]:02X}")
            try:
                item = link.replies.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is LOST:
                link.replies.put(LOST)
                raise LinkLost()
            if isinstance(item, codec.ProtocolError):
                raise item
            if not codec.can_answer(command, item):
                log.debug("idcard %s: stray reply dropped", self.name)
                continue
            return item

    # -- polling -------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                if self._link is None:
                    if not self._connect():
                        self._stop.wait(self.reconnect_interval)
                        continue
                if self.status in (Status.HARDWARE_ERROR, Status.UNKNOWN):
                    if not self._check_sam():
                        self._stop.wait(self.poll_interval)
                        continue
                self._poll_once()
            except LinkLost:
                self._on_link_lost()
                continue
            except codec.ProtocolError as exc:
                self._on_silence(exc)
            self._stop.wait(max(0.0, self.poll_interval - (time.monotonic() - started)))

    def _on_link_lost(self) -> None:
        self._disconnect()
        with self._presence_lock:
            self._feed(Seen.LOST)
        self._set_state(Status.NO_DEVICE, port=self.port)

    def _on_silence(self, exc: codec.ProtocolError) -> None:
        with self._presence_lock:
            self._feed(Seen.SILENT, error=exc)

    def _poll_once(self) -> None:
        found = self._transact(codec.FIND_CARD)
        if found.sw3 in (0x60, 0x66):  # the SAM itself failed: status says so
            self._check_sam()
            return
        if found.sw3 == codec.SW3_NO_CARD:
            seen = Seen.FIND_EMPTY
        else:
            if found.sw3 != codec.SW3_CARD_FOUND:
                found.raise_for_status()
            seen = Seen.FIND_CARD
        with self._presence_lock:
            command = _command(self._feed(seen))
        while command is not None:
            command = self._send(command)

    def _send(self, command: Do) -> Do | None:
        """Send the command the machine asked for and feed it the answer;
        returns the next command it asks for, if any."""
        if command is Do.SEND_READ:
            return self._read_card()
        selected = self._transact(codec.SELECT_CARD)
        ok = selected.sw3 == codec.SW3_OK
        if command is Do.SEND_SELECT:
            seen = Seen.SELECTED if ok else Seen.SELECT_FAILED
        else:  # many SAMs stop finding a card once read: select tells if it is still there
            seen = Seen.CONFIRMED if ok else Seen.NOT_CONFIRMED
        with self._presence_lock:
            return _command(self._feed(seen, selected.data if ok else b""))

    def _read_card(self) -> Do | None:
        command = codec.READ_BASE_FP if self.fingerprint else codec.READ_BASE
        try:
            reply = self._transact(command).raise_for_status()
            record = cardtext.parse_base_info(reply.data)
        except codec.ProtocolError as exc:
            self.counters.incr("read_failures")
            if self._link is not None and self._serial is not None:
                self._link.flush()
            with self._presence_lock:
                return _command(self._feed(Seen.READ_FAILED, error=exc))
        self.counters.incr("reads")
        record = self._with_photo(record)
        log.info("idcard %s: card read (%s)", self.name, record.card_type.value)
        with self._presence_lock:
            return _command(self._feed(Seen.READ_OK, record=record))

    def _with_photo(self, record: IdCardRecord) -> IdCardRecord:
        """The record with its photo decoded in memory, when a decoder is
        installed.  A photo the decoder refuses leaves the record without one
        (the face check then says it cannot be done): the card text is still good."""
        if self._wlt is None or not any(record.photo):
            return record   # no photo data on this read: nothing to decode, and no decoder failure
        try:
            return dataclasses.replace(record, photo_bmp=self._wlt.decode(record.photo))
        except DeviceFailure as exc:
            self.counters.incr("photo_decode_failures")
            log.warning("idcard %s: card photo not decoded: %s", self.name, exc)
            return record

    def _feed(self, seen: Seen, uid: bytes = b"", *, record: Any = None,
              error: codec.ProtocolError | None = None) -> tuple[Do, ...]:
        """Feed the presence machine (holding ``_presence_lock``) and carry
        out the events it asks for; the commands are for the caller."""
        todo = self._presence.feed(seen, uid)
        for do in todo:
            if do is Do.EMIT_CARD_PRESENT:
                self._set_state(Status.ONLINE, card_present=True)
                self._emit("card_present")
            elif do is Do.EMIT_CARD_REMOVED:
                if self.status == Status.ONLINE:
                    self._set_state(Status.ONLINE, card_present=False)
                self._emit("card_removed")
            elif do is Do.EMIT_RECORD:
                self._emit("record", record)
            elif do is Do.EMIT_CARD_LEFT:
                self._emit("card_left")
            elif do is Do.REPORT_READ_FAILURE:
                assert error is not None
                self._report_error(f"读卡失败，请重新放置身份证 / card read failed, place the card again: {error}",
                                   Action.CLEAR, error.code)
            elif do is Do.REPORT_SILENT:
                assert error is not None
                if self.status == Status.ONLINE:
                    self._set_state(Status.UNKNOWN, reason="no_answer")
                    self._report_error(f"身份证阅读器无应答 / ID card reader does not answer: {error}", Action.AUTO,
                                       error.code)
            elif do is Do.REPORT_LOST:
                self._set_state(Status.NO_DEVICE, port=self.port)
                self.counters.incr("disconnects")
                self._report_error(f"身份证阅读器已断开 / ID card reader disconnected ({self.port}); "
                                   "it reconnects by itself", Action.AUTO, "unplugged")
        return todo

    # -- for the kiosk -------------------------------------------------------------------
    @property
    def card_present(self) -> bool:
        return self._presence.card_present

    def remind_if_present(self) -> bool:
        """Called when a resident's session ends: emits ``card_left`` (once
        per card) if the card is still on the reader, so the screen can say
        "请取走您的身份证 / please take your card"."""
        with self._presence_lock:
            return Do.EMIT_CARD_LEFT in self._feed(Seen.REMIND)

    def read_again(self) -> None:
        """Deliver the card on the reader once more (no need to lift it).

        The once-per-card rule drops a card placed before the resident chose
        a service; the identify step calls this when it opens.  Nothing is
        cached: the card is simply read again on the next poll.
        """
        with self._presence_lock:
            self._feed(Seen.READ_AGAIN)

    def _check_health(self, level: HealthLevel) -> str:
        if self._link is None:
            raise DeviceFailure(f"未找到身份证阅读器 / no ID card reader at {self.port}", Action.MAINTENANCE,
                                "no_device")
        try:
            if level == HealthLevel.INTERNAL:
                self._transact(codec.SAM_STATUS).raise_for_status()
                return "OK"
            sam_id = codec.format_sam_id(self._transact(codec.READ_SAM_ID).raise_for_status().data)
            return f"OK (SAM ID {sam_id})"
        except LinkLost:
            raise DeviceFailure(f"身份证阅读器已断开 / ID card reader disconnected ({self.port})",
                                Action.AUTO, "unplugged") from None


def _command(todo: tuple[Do, ...]) -> Do | None:
    """The command the presence machine wants sent next (at most one)."""
    return next((do for do in todo if do in COMMANDS), None)
