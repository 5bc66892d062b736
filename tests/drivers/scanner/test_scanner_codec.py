"""The scanner's codec: bytes and keystrokes into codes, bad input refused and counted."""

from __future__ import annotations

import pytest

from drivers.scanner.codec import Code, CodeAssembler, KeyDecoder, Refusal, Refused, Suffix
from simulators.scanner.hid import EV_KEY, KeyEvent, keystrokes

ECODE = "EID1.QUFBQUFBQUFBQUFBQUFB.c2lnbmF0dXJl"


def codes(events: list) -> list[str]:
    return [e.text for e in events if isinstance(e, Code)]


def refusals(events: list) -> list[Refusal]:
    return [e.reason for e in events if isinstance(e, Refused)]


@pytest.mark.parametrize("suffix, end", [("cr", b"\r"), ("lf", b"\n"), ("crlf", b"\r\n"), ("tab", b"\t")])
def test_a_code_ends_at_its_suffix_however_it_arrives(suffix, end):
    a = CodeAssembler(Suffix(suffix))
    data = ECODE.encode() + end
    for i, byte in enumerate(data):   # one byte at a time, as a slow line delivers it
        a.feed(bytes([byte]), 0.001 * i)
    assert codes(a.events()) == [ECODE]
    assert a.pending == 0


def test_two_codes_in_one_read_are_two_events():
    a = CodeAssembler(Suffix.CR, repeat_window=0)
    a.feed(b"HUTAPP:1\rHUTAPP:2\r", 0.0)
    assert codes(a.events()) == ["HUTAPP:1", "HUTAPP:2"]


def test_without_a_suffix_the_idle_gap_ends_a_code():
    a = CodeAssembler(Suffix.NONE, idle_gap=0.3)
    a.feed(ECODE.encode(), 0.0)
    a.idle(0.1)
    assert a.events() == []
    a.idle(0.31)
    assert codes(a.events()) == [ECODE]


def test_a_partial_code_without_its_suffix_is_dropped_after_the_gap_and_counted():
    a = CodeAssembler(Suffix.CR, idle_gap=0.3)
    a.feed(b"EID1.half-of-a-co", 0.0)
    a.idle(0.2)
    assert a.events() == [] and a.pending
    a.idle(0.4)
    assert refusals(a.events()) == [Refusal.CUT_OFF] and a.counts == {"cut_off": 1}
    a.feed(b"de\r", 0.5)   # the rest of it, late: not glued to the dropped half
    assert codes(a.events()) == ["de"]


def test_the_next_code_after_a_pause_is_not_glued_to_a_cut_off_one():
    a = CodeAssembler(Suffix.CR, idle_gap=0.3)
    a.feed(b"EID1.cut", 0.0)
    a.feed(ECODE.encode() + b"\r", 1.0)   # no idle() call between: feed itself sees the gap
    events = a.events()
    assert refusals(events) == [Refusal.CUT_OFF] and codes(events) == [ECODE]


def test_the_same_code_twice_in_a_burst_is_one_event():
    a = CodeAssembler(Suffix.CR, repeat_window=1.5)
    a.feed((ECODE.encode() + b"\r") * 5, 0.0)
    assert codes(a.events()) == [ECODE] and a.counts["repeat"] == 4
    a.feed(ECODE.encode() + b"\r", 1.0)       # still held under the window: the window slides
    assert codes(a.events()) == []
    a.feed(ECODE.encode() + b"\r", 3.0)       # shown again later: a new scan
    assert codes(a.events()) == [ECODE]


def test_a_10_kb_code_is_refused_and_not_buffered():
    a = CodeAssembler(Suffix.CR, max_length=4096)
    a.feed(b"A" * 10_240, 0.0)
    assert refusals(a.events()) == [Refusal.TOO_LONG]
    assert a.pending == 0                     # nothing kept of it while it runs on
    a.feed(b"B" * 10_000 + b"\r", 0.01)      # its end: no second refusal, no code
    assert a.events() == [] and a.counts == {"too_long": 1}
    a.feed(b"HUTAPP:ok\r", 0.02)              # the next code reads as usual
    assert codes(a.events()) == ["HUTAPP:ok"]


@pytest.mark.parametrize("raw", [b"\xff\xfe\xfd\r", b"\xe4\xb8\r", b"ab\x00cd\r", b"\x1b[2J\r"])
def test_garbage_and_non_utf8_are_refused_as_not_text(raw):
    a = CodeAssembler(Suffix.CR)
    a.feed(raw, 0.0)
    assert refusals(a.events()) == [Refusal.NOT_TEXT]


def test_chinese_text_in_utf8_is_a_code():
    a = CodeAssembler(Suffix.LF)
    a.feed("社保码:123\n".encode(), 0.0)
    assert codes(a.events()) == ["社保码:123"]


def test_empty_lines_are_not_codes():
    a = CodeAssembler(Suffix.CR)
    a.feed(b"\r\n\r\n", 0.0)
    assert a.events() == [] and a.counts == {}


def test_random_streams_never_raise_nor_buffer_past_the_limit():
    import random

    rng = random.Random(26)
    a = CodeAssembler(Suffix.CRLF, max_length=256)
    for i in range(3000):
        a.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))), i * 0.01)
        assert a.pending <= 256
        for event in a.events():
            assert isinstance(event, (Code, Refused))


# -- HID keyboard mode ------------------------------------------------------------------
def decode(events: list[KeyEvent], decoder: KeyDecoder | None = None, start: float = 0.0) -> list:
    decoder = decoder or KeyDecoder(CodeAssembler(Suffix.CR))
    for i, e in enumerate(events):
        decoder.key(e.code, e.value, start + 0.002 * i)
    return decoder.events()


def test_keystrokes_decode_by_the_us_table_with_shift():
    text = "HUTAPP:S-2026/0001?a=B&c=d_e"
    assert codes(decode(keystrokes(text))) == [text]


def test_caps_lock_inverts_letters_only():
    events = [KeyEvent(EV_KEY, 58, 1), KeyEvent(EV_KEY, 58, 0), *keystrokes("ab1")]
    assert codes(decode(events)) == ["AB1"]


def test_a_key_outside_the_table_garbles_the_code_instead_of_leaving_a_hole():
    f1 = [KeyEvent(EV_KEY, 59, 1), KeyEvent(EV_KEY, 59, 0)]   # F1: no character
    events = keystrokes("EID1")[:-2] + f1 + keystrokes("X")
    assert refusals(decode(events)) == [Refusal.NOT_TEXT]


def test_key_up_and_autorepeat_type_nothing():
    events = [KeyEvent(EV_KEY, 30, 1), KeyEvent(EV_KEY, 30, 2), KeyEvent(EV_KEY, 30, 2), KeyEvent(EV_KEY, 30, 0),
              KeyEvent(EV_KEY, 28, 1)]
    assert codes(decode(events)) == ["a"]


def test_tab_suffix_in_keyboard_mode():
    decoder = KeyDecoder(CodeAssembler(Suffix.TAB))
    assert codes(decode(keystrokes("12345", suffix="tab"), decoder)) == ["12345"]
