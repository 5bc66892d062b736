"""A PC/SC card reader: the social security card reader or the staff card reader.

One thread per reader waits on ``SCardGetStatusChange`` and turns what it
sees into the device model: ``no_device`` while pcscd does not list the
reader, ``hardware_error`` while pcscd itself is not running (recovering by
itself when it is back), ``online`` with ``card_present`` otherwise.  A card
that appears is read once, in exclusive mode (no other PC/SC client, and no
self-test through :meth:`Device.exclusive`, drives it meanwhile), by the
sans-I/O read in ``codec.py``.

Events: ``card_present``, ``card_removed``, ``record`` (data =
:class:`SocialSecurityRecord`) for the social security reader,
``staff_card`` (data = the UID bytes; the kiosk matches its keyed hash) for
the staff reader, and ``card_left`` from :meth:`remind_if_present`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any, ClassVar, Generator, Literal, Mapping, TypeVar

from pydantic import Field

from drivers.base import (
    Action,
    Counters,
    Device,
    DeviceBusy,
    DeviceFailure,
    DeviceInfo,
    HealthLevel,
    OptionError,
    Status,
)
from drivers.options import DriverOptions, Text
from drivers.smartcard import codec, pcsc
from drivers.smartcard.apdu import CardProtocolError

log = logging.getLogger(__name__)

T = TypeVar("T")
# pcscd polls a reader's card presence about every 0.4 s.
PRESENCE_SETTLE = 1.0


class SmartCardReader(Device):
    """社保卡读卡器 / 工作卡读卡器 on PC/SC; ``port`` is the reader's PC/SC name."""

    device_class: ClassVar[str] = "smartcard"
    transports: ClassVar[frozenset[str]] = frozenset({"pcsc"})

    class Options(DriverOptions):
        reads: Literal["social_security", "staff_uid"] = Field(
            "social_security", description='"social_security" (社会保障卡) or "staff_uid" (staff card UID)')
        wait_interval: float = Field(0.5, ge=0.05, le=5.0)
        reconnect_interval: float = Field(1.0, ge=0.05, le=60.0)
        busy_timeout: float = Field(2.0, ge=0.0, le=60.0)
        pcsc_socket: Text | None = Field(
            None, description="pcscd's socket when it is not the system's (a virtual hut's own pcscd); "
                              "default: the system's")

    def __init__(self, name: str, reader: str, counters: Counters | None = None,
                 options: Mapping[str, Any] | None = None):
        super().__init__(name, counters)
        if not reader:
            raise OptionError("port", 'the PC/SC reader name as pcsc_scan lists it, e.g. "Virtual PCD 00 00"')
        self.reader = reader
        self.options = self.check_options(options or {})
        self.reads: str = self.options["reads"]
        self.wait_interval: float = self.options["wait_interval"]
        self.reconnect_interval: float = self.options["reconnect_interval"]
        self.busy_timeout: float = self.options["busy_timeout"]
        self._set_info(DeviceInfo(model=f"PC/SC {reader}", capabilities=frozenset(
            {"social_security_card"} if self.reads == "social_security" else {"staff_card_uid"})))
        self._context: pcsc.Context | None = None
        self._known = 0                   # last event state, for SCardGetStatusChange
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._card_present = False
        self._delivered = False           # this card's record (or UID) went out
        self._failed = False              # this card's read failed and was reported
        self._left_reported = False
        self._service_down_reported = False

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "SmartCardReader":
        return cls(name, getattr(cfg, "port", None) or "", counters, dict(cfg.options or {}))

    # -- lifecycle -------------------------------------------------------------------
    def _open(self) -> None:
        pcsc.use_socket(self.options["pcsc_socket"])
        self._stop.clear()
        self._poll_once()  # the first status is known when open() returns
        self._thread = threading.Thread(target=self._run, name=f"smartcard-{self.name}", daemon=True)
        self._thread.start()

    def _close(self) -> None:
        self._stop.set()
        context = self._context
        if context is not None:
            context.cancel()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.wait_interval + 10)
            if thread.is_alive():
                # Stuck in a transmit that pcscd never answers: releasing the
                # context now would block on the same call, so leave it.
                log.warning("smartcard %s: reader thread did not stop; PC/SC context left open", self.name)
                self._context = None
        self._drop_context()
        self._set_state(Status.OFFLINE)

    def _drop_context(self) -> None:
        context, self._context = self._context, None
        self._known = 0
        if context is not None:
            context.release()

    # -- watching ----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._poll_once():
                self._stop.wait(self.reconnect_interval)

    def _poll_once(self) -> bool:
        """One round: make sure of pcscd and the reader, wait for a change,
        act on it.  False when the caller should wait before the next round."""
        try:
            if self._context is None:
                self._context = pcsc.Context()
            if self.reader not in self._context.readers():
                self._reader_missing()
                return False
            state = self._context.wait(self.reader, self._known, self.wait_interval if self._opened else 0)
            if self._stop.is_set():
                return True
            self._known = state.event_state
            if state.unknown:
                self._reader_missing()
                return False
            self._service_back()
            self._on_state(state.present)
            return True
        except pcsc.ServiceGone as exc:
            self._service_gone(exc)
        except pcsc.ReaderGone:
            self._reader_missing()
        except pcsc.PcscError as exc:
            log.warning("smartcard %s: %s", self.name, exc)
            self.counters.incr("comm_errors")
        return False

    def _service_gone(self, exc: pcsc.ServiceGone) -> None:
        self._drop_context()
        self._forget_card()
        self._set_state(Status.HARDWARE_ERROR, reason="pcscd_not_running", reader=self.reader)
        if not self._service_down_reported:
            self._service_down_reported = True
            self.counters.incr("pcscd_outages")
            self._report_error(str(exc), exc.action, exc.code)

    def _service_back(self) -> None:
        if self._service_down_reported:
            log.info("smartcard %s: pcscd answers again", self.name)
        self._service_down_reported = False

    def _reader_missing(self) -> None:
        self._known = 0
        self._forget_card()
        self._service_back()
        self._set_state(Status.NO_DEVICE, reader=self.reader)

    def _on_state(self, present: bool) -> None:
        if not present:
            self._forget_card()
            self._set_state(Status.ONLINE, card_present=False)
            return
        if not self._card_present:
            self._card_present, self._delivered, self._failed, self._left_reported = True, False, False, False
            self._set_state(Status.ONLINE, card_present=True)
            self._emit("card_present")
        self._set_state(Status.ONLINE, card_present=True)
        if not self._delivered and not self._failed:
            self._read_card()

    def _forget_card(self) -> None:
        if not self._card_present:
            return
        self._card_present, self._delivered, self._failed, self._left_reported = False, False, False, False
        if self.status == Status.ONLINE:
            self._set_state(Status.ONLINE, card_present=False)
        self._emit("card_removed")

    # -- reading ---------------------------------------------------------------------------
    def _read_card(self) -> None:
        assert self._context is not None
        try:
            with self.exclusive("card read", timeout=self.busy_timeout):
                card = self._context.connect(self.reader, exclusive=True)
                try:
                    if self.reads == "social_security":
                        result: Any = run_exchange(codec.read_social_security(dt.date.today()), card)
                    else:
                        result = run_exchange(codec.read_uid(), card)
                finally:
                    card.disconnect()
        except DeviceBusy:
            return  # a self-test holds the reader: the next round reads the card
        except (CardProtocolError, pcsc.CardGone) as exc:
            if exc.code == "short_reply" and self._pulled_out():
                exc = pcsc.CardGone()
            self._failed = True
            self.counters.incr("read_failures")
            if isinstance(exc, pcsc.CardGone):
                self.counters.incr("removed_mid_read")
            self._report_error(str(exc), exc.action, exc.code)
            return
        self._delivered = True
        self.counters.incr("reads")
        if self.reads == "social_security":
            log.info("smartcard %s: social security card read (version %s)", self.name, result.card_version)
            self._emit("record", result)
        else:
            log.info("smartcard %s: staff card read", self.name)
            self._emit("staff_card", result)

    def _pulled_out(self) -> bool:
        """After an empty reply: was the card pulled out?  Some readers (vpcd
        among them) answer a transmit to a vanished card with nothing rather
        than SCARD_W_REMOVED_CARD; pcscd notices the removal at its next
        presence poll, so give it a moment."""
        assert self._context is not None
        try:
            state = self._context.wait(self.reader, self._known, PRESENCE_SETTLE)
        except pcsc.PcscError:
            return False
        return not state.present

    # -- for the kiosk ---------------------------------------------------------------------
    @property
    def card_present(self) -> bool:
        return self._card_present

    def read_again(self) -> None:
        """Deliver the card in the reader once more (the identify step opened)."""
        self._delivered = False
        self._failed = False
        context = self._context
        if context is not None:
            context.cancel()  # wake the wait: read now, not at the next timeout

    def remind_if_present(self) -> bool:
        """At the end of a session: ``card_left`` (once per card) when a card
        still sits in the reader, for "请取走您的社保卡 / please take your card"."""
        if not self._card_present or self._left_reported:
            return False
        self._left_reported = True
        self._emit("card_left")
        return True

    def _check_health(self, level: HealthLevel) -> str:
        """``internal``: pcscd lists the reader.  ``external``: the card in it
        answers with its ATR.  A context of its own: the watching thread's
        may be blocked in a wait."""
        context = pcsc.Context()
        try:
            names = context.readers()
            if self.reader not in names:
                raise DeviceFailure(f"未找到读卡器 / PC/SC reader {self.reader!r} not found; pcscd lists "
                                    f"{', '.join(names) or 'no readers'}", Action.MAINTENANCE, "no_device")
            if level == HealthLevel.INTERNAL:
                return "OK"
            with self.exclusive("health check", timeout=self.busy_timeout):
                try:
                    card = context.connect(self.reader, exclusive=False)
                except pcsc.CardGone:
                    raise DeviceFailure("读卡器中无卡 / no card in the reader: insert one to test it", Action.CLEAR,
                                        "no_card") from None
                try:
                    return f"OK (ATR {card.atr().hex(' ').upper()})"
                finally:
                    card.disconnect()
        finally:
            context.release()


def run_exchange(exchange: Generator[bytes, bytes, T], card: pcsc.Card) -> T:
    """Drive a sans-I/O exchange over a connected card."""
    try:
        command = next(exchange)
        while True:
            command = exchange.send(card.transmit(command))
    except StopIteration as done:
        return done.value
