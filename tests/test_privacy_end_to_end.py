"""PIPL end to end: run the whole kiosk demo (virtual hut, real reader driver
over a pty, the app under Xvfb) at DEBUG log level while a resident's card is
read, then search everything the kiosk wrote — its logs and every file in its
state folder — for the resident's name and ID number in every encoding."""

from __future__ import annotations

import shutil

import pytest

from simulators.idcard.cards import CARDS

pytestmark = [pytest.mark.ui,
              pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb")]


def _needles() -> list[bytes]:
    card = CARDS["resident"]
    out: list[bytes] = []
    for text in (card["name"], card["id_number"], card["address"]):
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
            out.append(text.encode(enc))
    return out


def test_demo_leaves_no_trace_of_the_resident(demo_run):
    """The suite's one demo run (tests/demo_run.py) is at DEBUG level."""
    hut_dir, out_dir = demo_run.hut_dir, demo_run.out_dir
    logs = demo_run.stdout + demo_run.stderr
    assert demo_run.returncode == 0, demo_run.explain()
    assert b"card read" in logs  # the card really was read in this run
    assert any(out_dir.glob("*identify*card*.png"))
    # The demo also prints (self-test slip, a service guide) and keeps the paper.
    assert len(list((out_dir / "slips").glob("*.png"))) >= 2

    state = hut_dir / "state"
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files, "the kiosk wrote nothing to its state folder: the search would prove nothing"
    for needle in _needles():
        assert needle not in logs, f"log holds {needle!r}"
        for path in files:
            assert needle not in path.read_bytes(), f"{path} holds personal data"
