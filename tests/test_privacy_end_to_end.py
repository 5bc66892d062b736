"""PIPL end to end: run the whole kiosk demo (virtual hut, real reader driver
over a pty, the app under Xvfb) at DEBUG log level while a resident's card is
read, then search everything the kiosk wrote — its logs and every file in its
state folder — for the resident's name and ID number in every encoding."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from simulators.idcard.cards import CARDS

pytestmark = [pytest.mark.ui,
              pytest.mark.skipif(not (os.environ.get("DISPLAY") or shutil.which("xvfb-run")),
                                 reason="needs a display or xvfb-run")]


def _needles() -> list[bytes]:
    card = CARDS["resident"]
    out: list[bytes] = []
    for text in (card["name"], card["id_number"], card["address"]):
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
            out.append(text.encode(enc))
    return out


def test_demo_leaves_no_trace_of_the_resident(tmp_path):
    hut_dir, out_dir = tmp_path / "hut", tmp_path / "out"
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_ARGS="1")
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "--log-level", "DEBUG", "demo",
                           "--dir", str(hut_dir), "--out", str(out_dir)],
                          capture_output=True, timeout=300, env=env)
    logs = proc.stdout + proc.stderr
    assert proc.returncode == 0, logs.decode(errors="replace")[-3000:]
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
