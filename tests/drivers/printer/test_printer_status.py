"""DLE EOT 1-4: every bit decoded, every combination mapped to the device
model as the issue says, and "no answer" never read as "no paper"."""

from __future__ import annotations

import pytest

from drivers.base import Action, Status
from drivers.printer.status import PrinterStatus, query

# The meaningful bits of each reply, from the ESC/POS reference (fixed bits: 0x12).
N1 = {"drawer": 0x04, "offline": 0x08, "waiting": 0x20, "feed_button": 0x40}
N2 = {"cover": 0x04, "feeding": 0x08, "paper_stop": 0x20, "error": 0x40}
N3 = {"jam": 0x04, "cutter": 0x08, "unrecoverable": 0x20, "overheat": 0x40}
N4 = {"near_end": 0x0C, "end": 0x60}
ALL = [(1, k, v) for k, v in N1.items()] + [(2, k, v) for k, v in N2.items()] + \
      [(3, k, v) for k, v in N3.items()] + [(4, k, v) for k, v in N4.items()]


def expected(on: set[str]) -> tuple[Status, Action | None, str]:
    """The mapping in the issue's words.  Status: cutter / unrecoverable /
    overheat -> hardware error; paper end, cover open, jam -> user error;
    offline -> offline.  Action of the worst problem: an engineer for the
    cutter or an unrecoverable error, staff (clear: 换纸, close the cover,
    clear the jam) next, by itself (auto) for overheat or a bare offline."""
    paper = "end" if on & {"end", "paper_stop"} else ("near_end" if "near_end" in on else "ok")
    user = bool(on & {"jam", "cover"}) or paper == "end"
    if on & {"unrecoverable", "cutter", "overheat"}:
        status = Status.HARDWARE_ERROR
    elif user:
        status = Status.USER_ERROR
    elif on & {"offline", "error"}:
        status = Status.OFFLINE
    elif on & {"feed_button", "feeding"}:
        status = Status.BUSY
    else:
        status = Status.ONLINE
    if on & {"unrecoverable", "cutter"}:
        action = Action.MAINTENANCE
    elif user:
        action = Action.CLEAR
    elif on & {"overheat", "offline", "error"}:
        action = Action.AUTO
    else:
        action = None
    return status, action, paper


def test_query_bytes():
    assert [query(n) for n in (1, 2, 3, 4)] == [b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04"]
    with pytest.raises(ValueError):
        query(5)


def test_every_bit_combination_maps_to_the_right_status_and_action():
    checked = 0
    for mask in range(1 << len(ALL)):
        on = {name for bit, (_, name, _) in enumerate(ALL) if mask >> bit & 1}
        replies = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
        for bit, (n, _, value) in enumerate(ALL):
            if mask >> bit & 1:
                replies[n] |= value
        st = PrinterStatus.decode({n: bytes([v]) for n, v in replies.items()})
        status, action, paper = expected(on)
        assert st.status is status, (on, st.as_dict())
        assert st.paper == paper, on
        assert st.action is action, (on, st.problems())
        assert st.printable == (status in (Status.ONLINE, Status.BUSY)), on
        assert st.flag("cover_open") == ("cover" in on)
        assert st.flag("autocutter_error") == ("cutter" in on)
        assert st.flag("paper_near_end") == ("near_end" in on)
        assert st.flag("paper_end") == ("end" in on)
        assert st.flag("drawer_pin3_high") == ("drawer" in on)
        checked += 1
    assert checked == 1 << 14


# The driver's flag name for each bit above, written out from the reference.
FLAG = {"drawer": "drawer_pin3_high", "offline": "offline", "waiting": "waiting_online_recovery",
        "feed_button": "feed_button_pressed", "cover": "cover_open", "feeding": "feeding_by_button",
        "paper_stop": "stopped_paper_end", "error": "error", "jam": "recoverable_error",
        "cutter": "autocutter_error", "unrecoverable": "unrecoverable_error", "overheat": "auto_recoverable_error",
        "near_end": "paper_near_end", "end": "paper_end"}


@pytest.mark.parametrize("n,name,value", ALL, ids=[name for _, name, _ in ALL])
def test_each_single_bit_sets_exactly_its_own_flag(n, name, value):
    replies = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
    replies[n] |= value
    flags = PrinterStatus.decode(replies).flags()
    assert [k for k, v in flags.items() if v] == [FLAG[name]]
    assert set(flags) == set(FLAG.values())  # every bit of the reference has a flag


def test_paper_end_is_user_error_cleared_by_staff_with_chinese_instruction():
    st = PrinterStatus.decode({1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E})
    assert st.status is Status.USER_ERROR and st.action is Action.CLEAR
    assert st.paper == "end" and "换纸" in st.problems()[0].what_zh
    assert not st.printable


def test_cutter_error_is_hardware_error_for_maintenance():
    st = PrinterStatus.decode({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12})
    assert st.status is Status.HARDWARE_ERROR and st.action is Action.MAINTENANCE
    assert st.detail()["cutter"] == "error"


def test_no_answer_is_offline_and_unknown_never_out_of_paper():
    st = PrinterStatus.decode({})
    assert st.status is Status.OFFLINE
    assert st.paper == "unknown" and st.paper != "end"
    assert st.detail()["reply"] == "none" and st.detail()["paper"] == "unknown"
    assert all(v is None for v in st.flags().values())
    assert st.problems()[0].code == "no_answer" and "paper" not in st.summary()


def test_missing_paper_reply_leaves_paper_unknown():
    st = PrinterStatus.decode({1: 0x12, 2: 0x12, 3: 0x12, 4: None})
    assert st.status is Status.ONLINE and st.paper == "unknown"


@pytest.mark.parametrize("garbage", [0x00, 0xFF, 0x41, 0x13])
def test_a_byte_with_wrong_fixed_bits_is_not_a_status(garbage):
    st = PrinterStatus.decode({n: bytes([garbage]) for n in (1, 2, 3, 4)})
    assert not st.answered and st.status is Status.OFFLINE and st.paper == "unknown"


def test_every_problem_has_a_meaning_not_a_code():
    replies = dict(zip((1, 2, 3, 4), (0x7E, 0x7E, 0x7E, 0x7E)))
    for problem in PrinterStatus.decode(replies).problems():
        assert problem.what and problem.what_zh and not problem.what.startswith("0x")


def test_offline_waiting_for_recovery_says_so():
    st = PrinterStatus.decode({1: 0x12 | 0x08 | 0x20, 2: 0x12, 3: 0x12, 4: 0x12})
    assert st.status is Status.OFFLINE and st.action is Action.AUTO
    assert st.summary() == "printer is offline, waiting for online recovery [auto]"
