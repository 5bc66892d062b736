"""The identify step: "please place your ID card", as a state machine.

Kept out of the screen so every rule a resident depends on can be tested with
plain ``DeviceEvent`` objects and a fake reader, no display: the record goes
to the ``Session`` and nowhere else (the screen gets only the masked name and
number), a card placed before the step opens is asked for again, and a card
the previous resident left on the reader is pointed out ("please take your
card") and never taken as the next resident's.

The flow is not thread-safe on purpose: its owner calls it from one thread
(the Kivy app marshals driver events onto its clock first), and listeners are
called on that same thread, which is the only one allowed to touch widgets.

States while the step is open::

    waiting ──card_present──▶ reading ──record──▶ identified ──confirm──▶ closed
       ▲  ▲                      │                     (identity in the Session)
       │  └─────card_present──── failed ◀── DeviceError / card_removed
       └── reader back ── reader_unavailable ◀── reader down (unless identified)

``closed`` is the step not being on screen: reader events then only keep
``card_on_reader`` and the ``card_reminder`` up to date.  ``end()`` (the visit
is over: home, back, idle timeout) drops the record and asks the readers to
report a card still lying on them (``card_left``), which raises the reminder
until ``card_removed``.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.base import DeviceError, DeviceEvent, Status, StatusChanged
from kiosk.flows.machine import FlowMachine
from kiosk.flows.service import N_, CardRequest
from kiosk.flows.session import Session
from kiosk.identity import Evidence, Identity

log = logging.getLogger(__name__)

# "unknown" is a reader that stopped answering: for the resident it cannot read a card either.
READER_DOWN = frozenset({Status.OFFLINE, Status.POWER_OFF, Status.NO_DEVICE, Status.HARDWARE_ERROR,
                         Status.UNKNOWN})


class IdentifyState(enum.StrEnum):
    CLOSED = "closed"                          # the step is not on screen
    WAITING = "waiting"                        # "please place your ID card"
    READING = "reading"                        # a card is there, its record not yet
    IDENTIFIED = "identified"                  # masked name and number shown, Continue offered
    FAILED = "failed"                          # "could not be read, place it again"
    READER_UNAVAILABLE = "reader_unavailable"  # "ask the hut staff for help"
    CARD_NOT_ACCEPTED = "card_not_accepted"    # a social security card where the ID card is required


@dataclass(frozen=True)
class IdentifyView:
    """What a screen may show: the state plus attributes, never the record.

    ``card_on_reader`` and ``card_reminder`` hold in every state: the home
    screen shows the reminder after the step has closed.
    """

    state: IdentifyState = IdentifyState.CLOSED
    reader_available: bool = False
    card_on_reader: bool = False
    card_reminder: bool = False
    masked_name: str = ""
    masked_id: str = ""

    def __repr__(self) -> str:  # masked already, but a view has no business in logs
        return (f"IdentifyView(state={self.state.value!r}, reader_available={self.reader_available}, "
                f"card_on_reader={self.card_on_reader}, card_reminder={self.card_reminder})")


class CardReader(Protocol):
    """What the flow asks of an ID card reader (``drivers.idcard.device.IdCardReader``)."""

    name: str

    def read_again(self) -> None: ...

    def remind_if_present(self) -> bool: ...


_OPEN = (IdentifyState.WAITING, IdentifyState.READING, IdentifyState.IDENTIFIED, IdentifyState.FAILED,
         IdentifyState.READER_UNAVAILABLE, IdentifyState.CARD_NOT_ACCEPTED)
ID_CARD_ONLY = CardRequest(frozenset({Evidence.ID_CARD}))


# What the voice says at the identify step, by the availability's identify mode.
LINES: dict[tuple[str, str], str] = {
    ("identify", ""): N_("Please place your card on the reader"),
    ("identify", "id_card"): N_("Please place your ID card on the reader"),
    ("identify", "social_security"): N_("Please insert your social security card"),
    ("identify", "counter"): N_("Cards cannot be read here now. Please ask at the counter"),
}


class IdentifyFlow(FlowMachine[IdentifyState, IdentifyView]):
    """The identify step of one terminal, across visits.

    Intents: ``start(request)`` (the step opens), ``confirm()`` (Continue),
    ``cancel()`` (Back), ``end()`` (the visit is over).  Events: ``handle(event)``
    for anything a reader publishes, ``reader_status(status)`` for a status
    read directly (after ``open()``).  ``view`` is the current value;
    ``subscribe`` is called with every changed value.  ``card_on_reader``,
    ``card_reminder`` and ``reader_available`` are attributes that change in
    any state; the table moves only ``state``.
    """

    TRANSITIONS = {
        **{(s, "start"): IdentifyState.WAITING for s in IdentifyState},
        **{(s, "card_not_accepted"): IdentifyState.CARD_NOT_ACCEPTED
           for s in (IdentifyState.WAITING, IdentifyState.READING, IdentifyState.FAILED)},
        (IdentifyState.CARD_NOT_ACCEPTED, "card_present"): IdentifyState.READING,
        **{(s, "start_without_reader"): IdentifyState.READER_UNAVAILABLE for s in IdentifyState},
        (IdentifyState.WAITING, "card_present"): IdentifyState.READING,
        (IdentifyState.FAILED, "card_present"): IdentifyState.READING,
        **{(s, "record"): IdentifyState.IDENTIFIED for s in _OPEN},
        (IdentifyState.READING, "read_failed"): IdentifyState.FAILED,
        **{(s, "reader_down"): IdentifyState.READER_UNAVAILABLE
           for s in (IdentifyState.WAITING, IdentifyState.READING, IdentifyState.FAILED)},
        (IdentifyState.READER_UNAVAILABLE, "reader_up"): IdentifyState.WAITING,
        (IdentifyState.IDENTIFIED, "confirm"): IdentifyState.CLOSED,
        **{(s, "cancel"): IdentifyState.CLOSED for s in IdentifyState},
    }

    def __init__(self, session: Session, readers: list[CardReader] | None = None):
        super().__init__(IdentifyView())
        self.session = session
        self.readers: list[Any] = list(readers or [])
        self.request = ID_CARD_ONLY
        self._statuses: dict[str, Status] = {}  # each reader's last status

    def attach(self, reader: CardReader) -> None:
        """A reader the resident may use; its current status counts at once."""
        self.readers.append(reader)
        status = getattr(reader, "status", None)
        if isinstance(status, Status):
            self._statuses[reader.name] = status
            self._readers_changed()

    @property
    def _open(self) -> bool:
        return self._view.state is not IdentifyState.CLOSED

    # -- intents -------------------------------------------------------------------
    def start(self, request: CardRequest = ID_CARD_ONLY) -> None:
        """The identify step opens: "place your card", no trace of anyone before.

        A card placed before the resident chose a service was not kept, so the
        readers are asked to deliver it again instead of making them lift it.
        Not a card the previous resident left behind, though: the next person
        must not be shown someone else's identity.  ``request`` says which
        cards count here; another card (a social security card where the ID
        card is required) is refused with its own words.
        """
        self.request = request
        self._fire("start" if self._view.reader_available else "start_without_reader", masked_name="", masked_id="")
        if self._view.card_reminder:
            return
        for reader in list(self.readers):
            read_again = getattr(reader, "read_again", None)
            if read_again is None:
                continue
            try:
                read_again()
            except Exception:  # one broken reader must not keep the step from opening
                log.exception("reader %s: read_again failed", getattr(reader, "name", "?"))

    def confirm(self) -> Identity | None:
        """Continue: the identity stays in the session for the service's own
        flow and the step closes; None (nothing happens) unless a resident is identified."""
        identity = self.session.identity
        if identity is None or not self._fire("confirm", masked_name="", masked_id=""):
            return None
        return identity

    def cancel(self) -> None:
        """The resident backs out of the step: their record is dropped at once."""
        self.session.forget_resident()
        self._fire("cancel", masked_name="", masked_id="")

    def end(self) -> None:
        """The visit is over (home, timeout): forget the resident and ask every
        reader to report a card still lying on it, which raises the reminder."""
        self.cancel()
        for reader in list(self.readers):
            remind = getattr(reader, "remind_if_present", None)
            if remind is None:
                continue
            try:
                remind()
            except Exception:
                log.exception("reader %s: card reminder failed", getattr(reader, "name", "?"))

    # -- events --------------------------------------------------------------------
    def handle(self, event: Any) -> None:
        """One reader event, on the owner's thread."""
        if isinstance(event, StatusChanged):
            self._statuses[event.device] = event.new.status
            self._readers_changed()
        elif isinstance(event, DeviceError):
            self._fire("read_failed")
        elif isinstance(event, DeviceEvent):
            self._card_event(event)

    def _readers_changed(self) -> None:
        """The step can read a card while any of the readers can."""
        usable = [status for status in self._statuses.values() if status not in READER_DOWN]
        self.reader_status(usable[0] if usable else next(iter(self._statuses.values()), Status.UNKNOWN))

    def reader_status(self, status: Status) -> None:
        available = status not in READER_DOWN
        if not self._fire("reader_up" if available else "reader_down", reader_available=available):
            self._set(reader_available=available)

    def _card_event(self, event: DeviceEvent) -> None:
        kind = event.kind
        if kind == "card_left":
            self._set(card_reminder=True)
        elif kind == "card_removed":
            if not self._fire("read_failed", card_on_reader=False, card_reminder=False):
                self._set(card_on_reader=False, card_reminder=False)
        elif kind == "card_present":
            if not self._fire("card_present", card_on_reader=True):
                self._set(card_on_reader=True)
        elif kind == "record":
            self._set(card_on_reader=True)
            # On the home screen a read card is not kept anywhere; while the
            # reminder is up, the card lying there is the previous resident's.
            if self._open and event.data is not None and not self._view.card_reminder:
                identity = Identity.from_card(event.data)
                if identity.evidence not in self.request.accepts:
                    self.session.forget_resident()
                    self._fire("card_not_accepted", masked_name="", masked_id="")
                else:
                    self._identified(identity)

    def _identified(self, identity: Identity) -> None:
        self.session.identify(identity)
        self._fire("record", masked_name=identity.masked_name, masked_id=identity.masked_id)
        log.info("resident identified for service %s", self.session.service)
