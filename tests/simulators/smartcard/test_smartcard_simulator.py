"""The hut's smart card simulator: its control API and the vpcd link, as
pcscd sees them."""

from __future__ import annotations

import contextlib
import time

import pytest

from simulators.smartcard.pcscd import readers, wait_card

pytestmark = pytest.mark.pcsc

SS_READER = "Virtual PCD 00 00"


def _until(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_pcscd_lists_both_virtual_readers(slots):
    assert {"Virtual PCD 00 00", "Virtual PCD 00 01"} <= set(readers() or [])
    assert "Virtual PCD 00 00" in slots.where()


def test_insert_and_remove_as_pcscd_sees_them(slots):
    result = slots.control("insert", card="social_security_v2")
    assert result == {"inserted": "social_security_v2", "reader": SS_READER}
    assert wait_card(SS_READER, present=True)
    status = slots.control("status")["readers"]["social_security"]
    assert status["card"] == "social_security" and status["connected"]
    assert slots.control("remove") == {"removed": True, "seen_by_pcscd": True}
    assert slots.control("status")["readers"]["social_security"]["card"] is None
    assert slots.control("remove") == {"removed": False, "seen_by_pcscd": True}


def test_staff_card_goes_to_the_staff_reader(slots):
    assert slots.control("insert", card="staff")["reader"] == "Virtual PCD 00 01"
    assert wait_card("Virtual PCD 00 01", present=True)


def test_bad_requests_say_what_exists(slots):
    with pytest.raises(ValueError, match="actions: .*insert"):
        slots.control("shuffle")
    with pytest.raises(ValueError, match="cards: social_security"):
        slots.control("insert", card="bank")
    with pytest.raises(ValueError, match="readers: social_security, staff"):
        slots.control("insert", card="blank", reader="slot9")
    with pytest.raises(ValueError, match="unknown card field"):
        slots.control("insert", card="social_security", favourite_colour="red")
    assert "fuzz" in slots.control("list_cards")["cards"]


def test_a_card_left_in_the_slot_comes_back_after_a_pcscd_restart(slots):
    if not slots.pcscd.owned:
        pytest.skip("pcscd was already running when the tests started; it is not the tests' to restart")
    slots.control("insert", card="social_security")
    assert wait_card(SS_READER, present=True)
    slots.control("restart_pcscd")
    assert _until(lambda: slots.control("status")["readers"]["social_security"]["connections"] >= 2)
    assert wait_card(SS_READER, present=True)


def test_remove_after_pulls_the_card_out_on_its_own(slots):
    slots.control("insert", card="social_security", remove_after=0)
    assert wait_card(SS_READER, present=True)
    from drivers.smartcard import pcsc

    context = pcsc.Context()
    try:
        card = context.connect(SS_READER)
        reply = b""
        try:
            reply = card.transmit(bytes.fromhex("00A4000002EF05"))
        except pcsc.CardGone:
            pass
        finally:
            # Left connected, the handle keeps pcscd from ever seeing the next card in
            # this reader (releasing the context is not enough with vpcd here).
            with contextlib.suppress(pcsc.PcscError):
                card.disconnect()
        assert reply == b""  # no status word: the card was gone before it answered
    finally:
        context.release()
    assert slots.control("status")["readers"]["social_security"]["card"] is None
    assert wait_card(SS_READER, present=False)


OTHER_HUT = """
import sys, tempfile
from pathlib import Path
from simulators.smartcard import SmartcardSimulator
from simulators.smartcard.pcscd import wait_card

sim = SmartcardSimulator(Path(tempfile.mkdtemp()))
sim.start()
try:
    sim.control("insert", card="staff")
    print("sees its own card:", wait_card("Virtual PCD 00 01", present=True), flush=True)
    print("sees the other hut's card:", wait_card("Virtual PCD 00 00", present=True, timeout=1.0), flush=True)
    sys.stdin.readline()   # until the test has looked at its own hut
finally:
    sim.stop()
"""


def test_two_huts_on_one_machine_never_see_each_others_cards(slots):
    """Another hut (another process, as another test worker or `kiosk sim`
    is) starts its own pcscd and puts a staff card in its staff reader: this
    hut's staff reader stays empty, and this hut's social security card is
    not in the other's reader."""
    import subprocess
    import sys

    from tests.tiers import TESTS

    if not slots.pcscd.private:
        pytest.skip("no private pcscd here: the huts share the machine's (one at a time)")
    slots.control("insert", card="social_security")
    assert wait_card(SS_READER, present=True)
    env = {k: v for k, v in __import__("os").environ.items() if k != "PCSCLITE_CSOCK_NAME"}
    other = subprocess.Popen([sys.executable, "-c", OTHER_HUT], cwd=TESTS.parent, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "sees its own card: True", other.stderr.read() if other.poll() else ""
        assert other.stdout.readline().strip() == "sees the other hut's card: False"
        assert not wait_card("Virtual PCD 00 01", present=True, timeout=1.0)
        assert slots.control("status")["readers"]["staff"]["card"] is None
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.wait(10) == 0, other.stderr.read()
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
