"""The card presence rules, driven with plain values: no pty, no sleeps.

Every rule of the table is reached by one case below (with the outputs
written out here, not read back from the table), and the coverage test
checks that no rule is left undriven."""

from __future__ import annotations

import pytest

from drivers.idcard.presence import TABLE, CardPresence, CardState, Do, Seen

A, B = b"card-A", b"card-B"
N, W, F, D = CardState.NONE, CardState.WANTED, CardState.FAILED, CardState.DELIVERED


def machine_in(state: CardState, removal_polls: int = 2) -> CardPresence:
    """A machine holding card A in ``state``, reached by feeding it polls."""
    m = CardPresence(removal_polls=removal_polls)
    if state is N:
        return m
    m.feed(Seen.FIND_CARD)
    m.feed(Seen.SELECTED, A)
    if state is F:
        m.feed(Seen.READ_FAILED)
    elif state is D:
        m.feed(Seen.READ_OK)
    assert m.state is state
    return m


# (start, [(seen, uid), ...], outputs of the last feed, state after it)
CASES = {
    "empty field, no card": (N, [(Seen.FIND_EMPTY, b"")], (), N),
    "empty field, card wanted: confirm": (W, [(Seen.FIND_EMPTY, b"")], (Do.SEND_CONFIRM,), W),
    "empty field, card failed: confirm": (F, [(Seen.FIND_EMPTY, b"")], (Do.SEND_CONFIRM,), F),
    "empty field, card delivered: confirm": (D, [(Seen.FIND_EMPTY, b"")], (Do.SEND_CONFIRM,), D),
    "card in field, none held: select": (N, [(Seen.FIND_CARD, b"")], (Do.SEND_SELECT,), N),
    "card in field, wanted: select": (W, [(Seen.FIND_CARD, b"")], (Do.SEND_SELECT,), W),
    "card in field, failed: select": (F, [(Seen.FIND_CARD, b"")], (Do.SEND_SELECT,), F),
    "card in field, delivered: select": (D, [(Seen.FIND_CARD, b"")], (Do.SEND_SELECT,), D),
    "new card": (N, [(Seen.SELECTED, A)], (Do.EMIT_CARD_PRESENT, Do.SEND_READ), W),
    "swap while wanted": (W, [(Seen.SELECTED, B)], (Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.SEND_READ), W),
    "swap while failed": (F, [(Seen.SELECTED, B)], (Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.SEND_READ), W),
    "swap when delivered": (D, [(Seen.SELECTED, B)], (Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.SEND_READ),
                            W),
    "same card still wanted: read": (W, [(Seen.SELECTED, A)], (Do.SEND_READ,), W),
    "same card after a failure: read again": (F, [(Seen.SELECTED, A)], (Do.SEND_READ,), F),
    "same card delivered: nothing": (D, [(Seen.SELECTED, A)], (), D),
    "select failed, none held": (N, [(Seen.SELECT_FAILED, b"")], (), N),
    "select failed, wanted": (W, [(Seen.SELECT_FAILED, b"")], (), W),
    "select failed, failed": (F, [(Seen.SELECT_FAILED, b"")], (), F),
    "select failed, delivered": (D, [(Seen.SELECT_FAILED, b"")], (), D),
    "confirm answer with no card held": (N, [(Seen.CONFIRMED, A)], (), N),
    "confirm failure with no card held": (N, [(Seen.NOT_CONFIRMED, b"")], (), N),
    "confirmed, wanted": (W, [(Seen.CONFIRMED, A)], (), W),
    "confirmed, failed": (F, [(Seen.CONFIRMED, A)], (), F),
    "confirmed, delivered": (D, [(Seen.CONFIRMED, A)], (), D),
    "first miss, wanted": (W, [(Seen.NOT_CONFIRMED, b"")], (), W),
    "first miss, failed": (F, [(Seen.NOT_CONFIRMED, b"")], (), F),
    "first miss, delivered": (D, [(Seen.NOT_CONFIRMED, b"")], (), D),
    "first miss by another serial, wanted": (W, [(Seen.CONFIRMED, B)], (), W),
    "first miss by another serial, failed": (F, [(Seen.CONFIRMED, B)], (), F),
    "first miss by another serial, delivered": (D, [(Seen.CONFIRMED, B)], (), D),
    "last miss, wanted": (W, [(Seen.NOT_CONFIRMED, b"")] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "last miss, failed": (F, [(Seen.NOT_CONFIRMED, b"")] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "last miss, delivered": (D, [(Seen.NOT_CONFIRMED, b"")] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "last miss by another serial, wanted": (W, [(Seen.CONFIRMED, B)] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "last miss by another serial, failed": (F, [(Seen.CONFIRMED, B)] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "last miss by another serial, delivered": (D, [(Seen.CONFIRMED, B)] * 2, (Do.EMIT_CARD_REMOVED,), N),
    "read ok": (W, [(Seen.READ_OK, b"")], (Do.EMIT_RECORD,), D),
    "read ok after a failure": (F, [(Seen.READ_OK, b"")], (Do.EMIT_RECORD,), D),
    "stray read ok, no card": (N, [(Seen.READ_OK, b"")], (), N),
    "stray read ok, delivered": (D, [(Seen.READ_OK, b"")], (), D),
    "read failed: reported": (W, [(Seen.READ_FAILED, b"")], (Do.REPORT_READ_FAILURE,), F),
    "read failed again: not reported again": (F, [(Seen.READ_FAILED, b"")], (), F),
    "stray read failure, no card": (N, [(Seen.READ_FAILED, b"")], (), N),
    "stray read failure, delivered": (D, [(Seen.READ_FAILED, b"")], (), D),
    "silent poll, no card": (N, [(Seen.SILENT, b"")], (), N),
    "silent poll, wanted": (W, [(Seen.SILENT, b"")], (), W),
    "silent poll, failed": (F, [(Seen.SILENT, b"")], (), F),
    "silent poll, delivered": (D, [(Seen.SILENT, b"")], (), D),
    "third silent poll, no card": (N, [(Seen.SILENT, b"")] * 3, (Do.REPORT_SILENT,), N),
    "third silent poll, wanted": (W, [(Seen.SILENT, b"")] * 3, (Do.REPORT_SILENT,), W),
    "third silent poll, failed": (F, [(Seen.SILENT, b"")] * 3, (Do.REPORT_SILENT,), F),
    "third silent poll, delivered": (D, [(Seen.SILENT, b"")] * 3, (Do.REPORT_SILENT,), D),
    "port vanished, no card": (N, [(Seen.LOST, b"")], (Do.REPORT_LOST,), N),
    "port vanished again, no card": (N, [(Seen.LOST, b"")] * 2, (), N),
    "port vanished, wanted": (W, [(Seen.LOST, b"")], (Do.EMIT_CARD_REMOVED, Do.REPORT_LOST), N),
    "port vanished, failed": (F, [(Seen.LOST, b"")], (Do.EMIT_CARD_REMOVED, Do.REPORT_LOST), N),
    "port vanished, delivered": (D, [(Seen.LOST, b"")], (Do.EMIT_CARD_REMOVED, Do.REPORT_LOST), N),
    "port vanished again, wanted": (W, [(Seen.LOST, b""), (Seen.FIND_CARD, b""), (Seen.SELECTED, A), (Seen.LOST, b"")],
                                    (Do.EMIT_CARD_REMOVED,), N),
    "port vanished again, failed": (W, [(Seen.LOST, b""), (Seen.FIND_CARD, b""), (Seen.SELECTED, A),
                                        (Seen.READ_FAILED, b""), (Seen.LOST, b"")], (Do.EMIT_CARD_REMOVED,), N),
    "port vanished again, delivered": (W, [(Seen.LOST, b""), (Seen.FIND_CARD, b""), (Seen.SELECTED, A),
                                           (Seen.READ_OK, b""), (Seen.LOST, b"")], (Do.EMIT_CARD_REMOVED,), N),
    "SAM ok, no card": (N, [(Seen.SAM_OK, b"")], (), N),
    "SAM ok, wanted": (W, [(Seen.SAM_OK, b"")], (), W),
    "SAM ok, failed": (F, [(Seen.SAM_OK, b"")], (), F),
    "SAM ok, delivered": (D, [(Seen.SAM_OK, b"")], (), D),
    "remind with no card": (N, [(Seen.REMIND, b"")], (), N),
    "remind, wanted": (W, [(Seen.REMIND, b"")], (Do.EMIT_CARD_LEFT,), W),
    "remind, failed": (F, [(Seen.REMIND, b"")], (Do.EMIT_CARD_LEFT,), F),
    "remind, delivered": (D, [(Seen.REMIND, b"")], (Do.EMIT_CARD_LEFT,), D),
    "second remind, wanted": (W, [(Seen.REMIND, b"")] * 2, (), W),
    "second remind, failed": (F, [(Seen.REMIND, b"")] * 2, (), F),
    "second remind, delivered": (D, [(Seen.REMIND, b"")] * 2, (), D),
    "read again with no card": (N, [(Seen.READ_AGAIN, b"")], (), N),
    "read again, wanted": (W, [(Seen.READ_AGAIN, b"")], (), W),
    "read again after a failure": (F, [(Seen.READ_AGAIN, b"")], (), W),
    "read again when delivered": (D, [(Seen.READ_AGAIN, b"")], (), W),
}


def run_case(start, feeds):
    m = machine_in(start)
    out: tuple[Do, ...] = ()
    for seen, uid in feeds:
        out = m.feed(seen, uid)
    return m, out


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_transition(case):
    start, feeds, expected, after = CASES[case]
    m, out = run_case(start, feeds)
    assert out == expected
    assert m.state is after
    assert m.card_present is (after is not N)


def test_the_cases_drive_every_rule_of_the_table():
    hit = set()
    for start, feeds, _, _ in CASES.values():
        m, _ = run_case(start, feeds)
        hit.add(m.last_rule)
    assert [rule for rule in TABLE if rule not in hit] == []


def test_every_state_has_an_answer_to_everything():
    """No (state, seen) pair is left to chance: each has a rule that always
    applies, so a reader answer out of order never stops the thread."""
    for state in CardState:
        for seen in Seen:
            rules = [r for r in TABLE if r.state is state and r.seen is seen]
            assert any(r.when is None for r in rules), (state, seen)
            assert sum(r.when is None for r in rules) == 1, (state, seen)


# -- the rules over many polls: what used to need a pty and sleeps -------------------
def poll(m: CardPresence, uid: bytes | None, *, read_ok: bool = True, find_sees_it: bool = True) -> list[Do]:
    """One poll as the reader thread runs it; ``uid`` None = no card on the
    reader.  Returns the events (commands left out)."""
    events: list[Do] = []
    found = uid is not None and find_sees_it
    todo = m.feed(Seen.FIND_CARD if found else Seen.FIND_EMPTY)
    while True:
        events += [d for d in todo if not d.value.startswith("send_")]
        if Do.SEND_SELECT in todo:
            todo = m.feed(Seen.SELECTED, uid) if uid else m.feed(Seen.SELECT_FAILED)
        elif Do.SEND_CONFIRM in todo:
            todo = m.feed(Seen.CONFIRMED, uid) if uid else m.feed(Seen.NOT_CONFIRMED)
        elif Do.SEND_READ in todo:
            todo = m.feed(Seen.READ_OK if read_ok else Seen.READ_FAILED)
        else:
            return events


def test_a_card_left_on_the_reader_is_delivered_once_until_removed():
    m = CardPresence()
    assert poll(m, A) == [Do.EMIT_CARD_PRESENT, Do.EMIT_RECORD]
    for _ in range(50):
        assert poll(m, A) == []
    assert poll(m, None) == []  # one empty poll is not a removal (removal_polls = 2)
    assert poll(m, None) == [Do.EMIT_CARD_REMOVED]
    assert poll(m, A) == [Do.EMIT_CARD_PRESENT, Do.EMIT_RECORD]


def test_removal_needs_that_many_empty_polls_in_a_row():
    m = CardPresence(removal_polls=3)
    poll(m, A)
    assert poll(m, None) == [] and poll(m, None) == []
    assert poll(m, A) == []  # seen again: the count starts over
    assert poll(m, None) == [] and poll(m, None) == []
    assert poll(m, None) == [Do.EMIT_CARD_REMOVED]


def test_a_sam_that_stops_finding_a_read_card_keeps_it_present():
    m = CardPresence()
    poll(m, A)
    for _ in range(20):
        assert poll(m, A, find_sees_it=False) == []
    assert m.card_present
    assert m.feed(Seen.REMIND) == (Do.EMIT_CARD_LEFT,)
    assert poll(m, None) == [] and poll(m, None) == [Do.EMIT_CARD_REMOVED]


def test_a_card_swapped_between_polls_is_the_old_removed_and_the_new_read():
    m = CardPresence()
    poll(m, A)
    assert poll(m, B) == [Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.EMIT_RECORD]
    assert m.uid == B


def test_read_again_delivers_once_more_then_once_only():
    m = CardPresence()
    poll(m, A)
    assert m.feed(Seen.READ_AGAIN) == ()
    assert poll(m, A) == [Do.EMIT_RECORD]
    for _ in range(10):
        assert poll(m, A) == []
    assert m.feed(Seen.READ_AGAIN) == () and CardPresence().feed(Seen.READ_AGAIN) == ()


def test_a_failing_card_is_reported_once_retried_every_poll_and_delivered_when_it_reads():
    m = CardPresence()
    assert poll(m, A, read_ok=False) == [Do.EMIT_CARD_PRESENT, Do.REPORT_READ_FAILURE]
    for _ in range(5):
        assert poll(m, A, read_ok=False) == []
        assert m.last_rule is not None and m.last_rule.seen is Seen.READ_FAILED  # it was read again
    assert poll(m, A) == [Do.EMIT_RECORD]
    # read_again: a new failure is news again; so is a failure on the next card
    m.feed(Seen.READ_AGAIN)
    assert poll(m, A, read_ok=False) == [Do.REPORT_READ_FAILURE]
    assert poll(m, B, read_ok=False) == [Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.REPORT_READ_FAILURE]


def test_card_left_once_per_card():
    m = CardPresence()
    assert m.feed(Seen.REMIND) == ()
    poll(m, A)
    assert m.feed(Seen.REMIND) == (Do.EMIT_CARD_LEFT,)
    assert m.feed(Seen.REMIND) == ()
    poll(m, None)
    poll(m, None)
    assert m.feed(Seen.REMIND) == ()
    poll(m, A)
    assert m.feed(Seen.REMIND) == (Do.EMIT_CARD_LEFT,)
    assert poll(m, B) == [Do.EMIT_CARD_REMOVED, Do.EMIT_CARD_PRESENT, Do.EMIT_RECORD]
    assert m.feed(Seen.REMIND) == (Do.EMIT_CARD_LEFT,)  # a new card, a new reminder


def test_a_silent_reader_is_reported_once_and_again_only_after_it_answered():
    m = CardPresence(silent_polls=3)
    outs = [m.feed(Seen.SILENT) for _ in range(10)]
    assert outs.count((Do.REPORT_SILENT,)) == 1 and outs[2] == (Do.REPORT_SILENT,)
    m.feed(Seen.SAM_OK)
    assert [m.feed(Seen.SILENT) for _ in range(3)][-1] == (Do.REPORT_SILENT,)
    # two silent polls then an answer: the count starts over
    m = CardPresence(silent_polls=3)
    m.feed(Seen.SILENT), m.feed(Seen.SILENT)
    poll(m, None)
    assert m.feed(Seen.SILENT) == () and m.feed(Seen.SILENT) == ()
    assert m.feed(Seen.SILENT) == (Do.REPORT_SILENT,)


def test_a_vanished_port_removes_the_card_and_is_reported_once_until_the_reader_answers():
    m = CardPresence()
    poll(m, A)
    assert m.feed(Seen.LOST) == (Do.EMIT_CARD_REMOVED, Do.REPORT_LOST)
    assert m.feed(Seen.LOST) == () and not m.card_present
    m.feed(Seen.SAM_OK)
    assert m.feed(Seen.LOST) == (Do.REPORT_LOST,)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        CardPresence(removal_polls=0)
    with pytest.raises(ValueError):
        CardPresence(silent_polls=0)
