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
    TWO_CARDS = "two_cards"                    # a card read while another lies on the other reader: "take it away"


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
    # two_cards: which card to take away (the evidence its reader reads: id_card | social_security_card)
    other_card: str = ""
    # The e-ID code at the scanner (kiosk/identity_codes.py): "" (no scanner, or this step
    # takes no code), "offered" ("or show your e-ID code"), "offline" (not available now).
    code_mode: str = ""
    # What became of the last code shown: "" | "verifying" | a Refusal value (expired, used, ...).
    code_state: str = ""

    def __repr__(self) -> str:  # masked already, but a view has no business in logs
        return (f"IdentifyView(state={self.state.value!r}, reader_available={self.reader_available}, "
                f"card_on_reader={self.card_on_reader}, card_reminder={self.card_reminder})")


class CardReader(Protocol):
    """What the flow asks of an ID card reader (``drivers.idcard.device.IdCardReader``)."""

    name: str

    def read_again(self) -> None: ...

    def remind_if_present(self) -> bool: ...


_OPEN = (IdentifyState.WAITING, IdentifyState.READING, IdentifyState.IDENTIFIED, IdentifyState.FAILED,
         IdentifyState.READER_UNAVAILABLE, IdentifyState.CARD_NOT_ACCEPTED, IdentifyState.TWO_CARDS)
ID_CARD_ONLY = CardRequest(frozenset({Evidence.ID_CARD}))


# What the voice says at the identify step, by the availability's identify mode.
LINES: dict[tuple[str, str], str] = {
    ("identify", ""): N_("Please place your card on the reader"),
    ("identify", "id_card"): N_("Please place your ID card on the reader"),
    ("identify", "social_security"): N_("Please insert your social security card"),
    ("identify", "counter"): N_("Cards cannot be read here now. Please ask at the counter"),
    # A code shown to the scanner that identified nobody (the view's code_state; the screen's words too).
    ("identify", "code_expired"): N_("The code is only valid for one minute. Please refresh it on your phone and show "
                                     "it again."),
    ("identify", "code_used"): N_("This code has been used already. Please refresh it on your phone and show it "
                                  "again."),
    ("identify", "code_unknown"): N_("This code could not be recognised. Please show your e-ID code again or use your "
                                     "card."),
    ("identify", "code_not_id"): N_("This is not an e-ID code. Please open your e-ID code on your phone, or use your "
                                    "card."),
    ("identify", "code_failed"): N_("Your code could not be checked just now. Please show it again or use your card."),
    ("identify", "code_offline"): N_("Identification by e-ID code is not available now. Please use your card."),
    ("identify", "code_not_accepted"): N_("This service cannot use this code. Please use your ID card."),
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
        **{(s, "two_cards"): IdentifyState.TWO_CARDS for s in _OPEN},
        (IdentifyState.TWO_CARDS, "one_card"): IdentifyState.WAITING,
        (IdentifyState.IDENTIFIED, "confirm"): IdentifyState.CLOSED,
        **{(s, "cancel"): IdentifyState.CLOSED for s in IdentifyState},
    }

    def __init__(self, session: Session, readers: list[CardReader] | None = None):
        super().__init__(IdentifyView())
        self._scanner = (False, False)          # (a code scanner works, the platform is reachable)
        self.session = session
        self.readers: list[Any] = list(readers or [])
        self.request = ID_CARD_ONLY
        self._statuses: dict[str, Status] = {}  # each reader's last status
        self._reads: dict[str, Evidence] = {}   # what each reader reads
        self._present: set[str] = set()         # the readers a card lies on
        self._left: set[str] = set()            # ... left there by the previous resident (the reminder)
        self._waiting_card: tuple[str, Identity] | None = None   # read while another card lay there

    def attach(self, reader: Any, reads: Evidence = Evidence.ID_CARD) -> None:
        """A reader the resident may use (``reads``: the card it reads); its
        current status counts at once."""
        self.readers.append(reader)
        self._reads[reader.name] = reads
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
        self._waiting_card = None
        available = self._available() if self._statuses else self._view.reader_available
        self._fire("start" if available else "start_without_reader", reader_available=available, masked_name="",
                   masked_id="", other_card="", code_state="", code_mode=self._code_mode())
        for reader in list(self.readers):
            if reader.name in self._left:
                continue   # the previous resident's card: never read for the next one
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
        self._waiting_card = None
        self._fire("cancel", masked_name="", masked_id="", other_card="", code_state="")

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

    # -- codes shown at the scanner ---------------------------------------------------
    def code_accepted(self, evidence: Evidence) -> bool:
        """Whether a code's identity counts at this step: the request takes
        codes and the card the code stands for."""
        card = {Evidence.E_ID_CODE: Evidence.ID_CARD,
                Evidence.E_SOCIAL_SECURITY_CODE: Evidence.SOCIAL_SECURITY_CARD}.get(evidence)
        return self.request.codes and (card in self.request.accepts or evidence in self.request.accepts)

    def _code_mode(self) -> str:
        scanner, online = self._scanner
        if not scanner or not self.request.codes or not (self.request.accepts & {Evidence.ID_CARD,
                                                                                  Evidence.SOCIAL_SECURITY_CARD}):
            return ""
        return "offered" if online else "offline"

    def scanner_status(self, scanner: bool, online: bool) -> None:
        """What the terminal knows now: a code scanner works, the platform can be asked."""
        self._scanner = (scanner, online)
        self._set(code_mode=self._code_mode() if self._open else "")

    @property
    def waits_for_code(self) -> bool:
        """A code shown now would be verified: the step is open, no resident
        identified yet, and the step offers codes."""
        return self._view.state in (IdentifyState.WAITING, IdentifyState.FAILED, IdentifyState.READER_UNAVAILABLE,
                                    IdentifyState.CARD_NOT_ACCEPTED) and self._view.code_mode == "offered"

    def code_verifying(self) -> None:
        self._set(code_state="verifying")

    def code_refused(self, refusal: str) -> None:
        """The code identified nobody (``kiosk.identity_codes.Refusal``'s value)."""
        if self._open:
            self._set(code_state=refusal)

    def code_identified(self, identity: Identity) -> None:
        """The platform vouched for the resident: identified as by a card read
        (a matter with the face check still asks for it, with the platform's photo)."""
        if not self._open or self._view.state is IdentifyState.IDENTIFIED:
            return
        if not self.code_accepted(identity.evidence):
            self.session.forget_resident()
            self._set(code_state="not_accepted")
            return
        self._set(code_state="")
        self._identified(identity)

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

    def _available(self) -> bool:
        """Can a card this step accepts be read now: is a reader of one of them working?"""
        return any(status not in READER_DOWN and self._reads.get(name, Evidence.ID_CARD) in self.request.accepts
                   for name, status in self._statuses.items())

    def _readers_changed(self) -> None:
        """The step can read a card while any reader of a card it accepts can
        (the social security reader's service being down does not silence the ID card reader)."""
        self.reader_status(Status.ONLINE if self._available() else Status.OFFLINE)

    def reader_status(self, status: Status) -> None:
        available = status not in READER_DOWN
        if not self._fire("reader_up" if available else "reader_down", reader_available=available):
            self._set(reader_available=available)

    def _card_event(self, event: DeviceEvent) -> None:
        reader, kind = event.device, event.kind
        if kind == "card_left":
            self._left.add(reader)
        elif kind in ("card_removed", "card_present", "record"):
            (self._present.discard if kind == "card_removed" else self._present.add)(reader)
            if kind == "card_removed":
                self._left.discard(reader)
        flags = {"card_on_reader": bool(self._present), "card_reminder": bool(self._left)}
        if kind == "card_removed" and self._view.state is IdentifyState.READING and not self._present:
            self._fire("read_failed", **flags)
        elif kind == "card_present":
            self._fire("card_present", **flags)
        elif kind == "record" and self._open and event.data is not None and reader not in self._left:
            # On the home screen a read card is not kept anywhere; a card the
            # previous resident left on this reader is theirs, not this resident's.
            self._set(**flags)
            self._read(reader, Identity.from_card(event.data))
        self._set(**flags)
        if self._view.state is IdentifyState.TWO_CARDS and self._waiting_card is not None \
                and self._present <= {self._waiting_card[0]}:
            reader, identity = self._waiting_card   # the other card was taken away: go on with this one
            self._waiting_card = None
            self._fire("one_card", other_card="")
            if reader in self._present:
                self._read(reader, identity)

    def _read(self, reader: str, identity: Identity) -> None:
        others = sorted(self._present - {reader})
        if others:
            self._waiting_card = (reader, identity)
            self.session.forget_resident()
            self._fire("two_cards", masked_name="", masked_id="",
                       other_card=self._reads.get(others[0], Evidence.ID_CARD).value)
        elif identity.evidence not in self.request.accepts:
            self.session.forget_resident()
            self._fire("card_not_accepted", masked_name="", masked_id="")
        else:
            self._identified(identity)

    def _identified(self, identity: Identity) -> None:
        self.session.identify(identity)
        self._fire("record", masked_name=identity.masked_name, masked_id=identity.masked_id, code_state="")
        log.info("resident identified for service %s", self.session.service)
