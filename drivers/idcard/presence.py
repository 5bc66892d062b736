"""What the reader knows of the card on it, as a state machine without I/O.

The polling thread sends find -> select -> read and feeds each answer here as
a :class:`Seen`; :meth:`CardPresence.feed` answers with what to :class:`Do`:
the next command to send (select, confirm, read) and the events to emit
(card_present, record, card_removed, card_left) or the faults to report (a
failed read, a silent or vanished reader).  Keeping the rules here, with no
port, clock or thread, lets a test walk every transition with plain values;
the thread only carries the bytes.

The rules the kiosk relies on:

- ``card_present`` when a card appears, its ``record`` once while it stays
  (``read_again`` asks for it once more), ``card_removed`` when it goes.
- A card counts as gone after ``removal_polls`` polls where find misses it
  *and* selecting it fails too: many SAMs stop finding a card once it has
  been read, although it still lies on the reader.
- A card swapped for another between two polls is the old one removed and a
  new one present.
- A failed read is reported once per card (it is retried on every poll).
- ``card_left`` once per card, when the session ends with the card still on
  the reader.
- A reader that stops answering is reported once, at the ``silent_polls``-th
  unanswered poll in a row; a vanished port once, until the reader answers
  again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Seen(enum.StrEnum):
    """One answer from the reader (or one request from the kiosk)."""

    FIND_EMPTY = "find_empty"        # find: no card in the field
    FIND_CARD = "find_card"          # find: a card in the field
    SELECTED = "selected"            # select after FIND_CARD: the card's serial (uid)
    SELECT_FAILED = "select_failed"  # select after FIND_CARD failed: a card still settling
    CONFIRMED = "confirmed"          # select after a missed find answered (uid)
    NOT_CONFIRMED = "not_confirmed"  # select after a missed find failed
    READ_OK = "read_ok"
    READ_FAILED = "read_failed"
    SILENT = "silent"                # no usable reply, after the retries
    LOST = "lost"                    # the port vanished
    SAM_OK = "sam_ok"                # the security module passed its status check
    REMIND = "remind"                # the session ended: is a card left on the reader?
    READ_AGAIN = "read_again"        # deliver the card on the reader once more


class Do(enum.StrEnum):
    SEND_SELECT = "send_select"
    SEND_CONFIRM = "send_confirm"    # select the known card, which find just missed
    SEND_READ = "send_read"
    EMIT_CARD_PRESENT = "emit_card_present"
    EMIT_RECORD = "emit_record"
    EMIT_CARD_REMOVED = "emit_card_removed"
    EMIT_CARD_LEFT = "emit_card_left"
    REPORT_READ_FAILURE = "report_read_failure"
    REPORT_SILENT = "report_silent"
    REPORT_LOST = "report_lost"


COMMANDS = frozenset({Do.SEND_SELECT, Do.SEND_CONFIRM, Do.SEND_READ})


class CardState(enum.StrEnum):
    NONE = "none"            # no card on the reader
    WANTED = "wanted"        # a card whose record has not gone out yet
    FAILED = "failed"        # ... and whose last read failed (already reported)
    DELIVERED = "delivered"  # a card whose record went out


@dataclass(frozen=True)
class Rule:
    """In ``state``, on ``seen`` (when the named guard holds; None = otherwise),
    go to ``then`` and ``do`` these, in order."""

    state: CardState
    seen: Seen
    when: str | None
    then: CardState
    do: tuple[Do, ...] = ()


N, W, F, D = CardState.NONE, CardState.WANTED, CardState.FAILED, CardState.DELIVERED
HELD = (W, F, D)
ANY = (N, W, F, D)

# Guards: "same card" / "other card" compare the uid with the card held;
# "last miss" is the removal_polls-th miss in a row ("miss" any before it);
# "silence limit" the silent_polls-th silent poll in a row; "first loss"
# the first vanished port since the reader last answered; "first reminder"
# the first card_left for this card.
TABLE: tuple[Rule, ...] = (
    Rule(N, Seen.FIND_EMPTY, None, N),
    *(Rule(s, Seen.FIND_EMPTY, None, s, (Do.SEND_CONFIRM,)) for s in HELD),
    *(Rule(s, Seen.FIND_CARD, None, s, (Do.SEND_SELECT,)) for s in ANY),

    Rule(N, Seen.SELECTED, None, W, (Do.EMIT_CARD_PRESENT, Do.SEND_READ)),
    *(Rule(s, Seen.SELECTED, "other card", W, (Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.SEND_READ))
      for s in HELD),
    Rule(W, Seen.SELECTED, None, W, (Do.SEND_READ,)),
    Rule(F, Seen.SELECTED, None, F, (Do.SEND_READ,)),
    Rule(D, Seen.SELECTED, None, D),
    *(Rule(s, Seen.SELECT_FAILED, None, s) for s in ANY),

    Rule(N, Seen.CONFIRMED, None, N),
    Rule(N, Seen.NOT_CONFIRMED, None, N),
    *(Rule(s, seen, "last miss", N, (Do.EMIT_CARD_REMOVED,))
      for s in HELD for seen in (Seen.CONFIRMED, Seen.NOT_CONFIRMED)),
    *(Rule(s, Seen.CONFIRMED, "same card", s) for s in HELD),
    *(Rule(s, seen, None, s) for s in HELD for seen in (Seen.CONFIRMED, Seen.NOT_CONFIRMED)),

    Rule(W, Seen.READ_OK, None, D, (Do.EMIT_RECORD,)),
    Rule(F, Seen.READ_OK, None, D, (Do.EMIT_RECORD,)),
    Rule(N, Seen.READ_OK, None, N),
    Rule(D, Seen.READ_OK, None, D),
    Rule(W, Seen.READ_FAILED, None, F, (Do.REPORT_READ_FAILURE,)),
    Rule(F, Seen.READ_FAILED, None, F),
    Rule(N, Seen.READ_FAILED, None, N),
    Rule(D, Seen.READ_FAILED, None, D),

    *(Rule(s, Seen.SILENT, "silence limit", s, (Do.REPORT_SILENT,)) for s in ANY),
    *(Rule(s, Seen.SILENT, None, s) for s in ANY),
    Rule(N, Seen.LOST, "first loss", N, (Do.REPORT_LOST,)),
    Rule(N, Seen.LOST, None, N),
    *(Rule(s, Seen.LOST, "first loss", N, (Do.EMIT_CARD_REMOVED, Do.REPORT_LOST)) for s in HELD),
    *(Rule(s, Seen.LOST, None, N, (Do.EMIT_CARD_REMOVED,)) for s in HELD),
    *(Rule(s, Seen.SAM_OK, None, s) for s in ANY),

    Rule(N, Seen.REMIND, None, N),
    *(Rule(s, Seen.REMIND, "first reminder", s, (Do.EMIT_CARD_LEFT,)) for s in HELD),
    *(Rule(s, Seen.REMIND, None, s) for s in HELD),
    Rule(N, Seen.READ_AGAIN, None, N),
    *(Rule(s, Seen.READ_AGAIN, None, W) for s in HELD),
)

_REPLIES = frozenset(Seen) - {Seen.SILENT, Seen.LOST, Seen.REMIND, Seen.READ_AGAIN}


class CardPresence:
    """Fed with what each poll saw; answers with what to do next."""

    def __init__(self, removal_polls: int = 2, silent_polls: int = 3):
        if removal_polls < 1 or silent_polls < 1:
            raise ValueError("removal_polls and silent_polls are at least 1")
        self.removal_polls = removal_polls
        self.silent_polls = silent_polls
        self.state = CardState.NONE
        self.uid: bytes | None = None     # serial of the card on the reader
        self.misses = 0                   # polls in a row that missed it
        self.silent = 0                   # polls in a row without a reply
        self.reminded = False             # card_left went out for this card
        self.lost_reported = False        # the vanished port was reported
        self.last_rule: Rule | None = None

    @property
    def card_present(self) -> bool:
        return self.state is not CardState.NONE

    def feed(self, seen: Seen, uid: bytes = b"") -> tuple[Do, ...]:
        """Take one answer; return what to do, commands and events in order."""
        if seen in _REPLIES:
            self.silent = 0
        if seen is Seen.SILENT:
            self.silent += 1
        rule = self._rule(seen, uid)
        self.last_rule = rule
        self._apply(rule, seen, uid)
        return rule.do

    def _rule(self, seen: Seen, uid: bytes) -> Rule:
        for rule in _BY_STATE_AND_SEEN[(self.state, seen)]:
            if rule.when is None or self._holds(rule.when, seen, uid):
                return rule
        raise AssertionError(f"no rule for {self.state.value} on {seen.value}")  # TABLE is complete: tested

    def _holds(self, guard: str, seen: Seen, uid: bytes) -> bool:
        if guard == "same card":
            return uid == self.uid
        if guard == "other card":
            return uid != self.uid
        if guard == "last miss":
            missed = seen is Seen.NOT_CONFIRMED or uid != self.uid
            return missed and self.misses + 1 >= self.removal_polls
        if guard == "silence limit":
            return self.silent == self.silent_polls
        if guard == "first loss":
            return not self.lost_reported
        if guard == "first reminder":
            return not self.reminded
        raise AssertionError(f"unknown guard {guard!r}")  # every guard in TABLE is named here: tested

    def _apply(self, rule: Rule, seen: Seen, uid: bytes) -> None:
        if rule.then is CardState.NONE:
            self.uid, self.misses, self.reminded = None, 0, False
        elif Do.EMIT_CARD_PRESENT in rule.do:
            self.uid, self.misses, self.reminded = uid, 0, False
        if seen is Seen.FIND_CARD or rule.when == "same card":
            self.misses = 0
        elif seen in (Seen.CONFIRMED, Seen.NOT_CONFIRMED) and rule.then is not CardState.NONE \
                and rule.state is not CardState.NONE:
            self.misses += 1
        if seen is Seen.LOST:
            self.lost_reported = True
        elif seen is Seen.SAM_OK:
            self.lost_reported = False
        if Do.EMIT_CARD_LEFT in rule.do:
            self.reminded = True
        self.state = rule.then


def _index(table: tuple[Rule, ...]) -> dict[tuple[CardState, Seen], list[Rule]]:
    """Rules by (state, seen), guarded ones first and the unguarded fallback
    last (each list keeps TABLE order)."""
    index: dict[tuple[CardState, Seen], list[Rule]] = {}
    for rule in table:
        index.setdefault((rule.state, rule.seen), []).append(rule)
    for rules in index.values():
        rules.sort(key=lambda r: r.when is None)
    return index


_BY_STATE_AND_SEEN = _index(TABLE)
