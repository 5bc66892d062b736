"""Nothing of a card reaches the logs or the disk: read cards (also through
faults that produce error messages), then grep everything -- in-process with
DEBUG logging, and through ``kiosk idcard read`` on the virtual hut's config,
whose state directory is the one a terminal uses."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.base import Counters
from simulators.hut import Hut
from simulators.idcard import cards

ROOT = Path(__file__).resolve().parents[3]


def _needles() -> list[bytes]:
    out: list[bytes] = []
    for preset in cards.CARDS.values():
        card = cards.make_card(preset)
        for key in ("name", "name_en", "id_number", "address", "pass_number"):
            value = card.get(key)
            if value:
                out += [value.encode("utf-8"), value.encode("utf-16-le")]
        out.append(cards.photo(card)[4:36])  # a stretch of the photo
    return out


def _assert_nothing_of_a_card(logged: bytes, state: Path) -> None:
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files, "the reader wrote no counters: the state directory check would prove nothing"
    blobs = {p: p.read_bytes() for p in files}
    for needle in _needles():
        assert needle not in logged, needle
        for path, blob in blobs.items():
            assert needle not in blob, (path, needle)


def test_no_card_data_in_logs_or_state_dir(sim, make_reader, recorder, tmp_path, caplog):
    state = tmp_path / "state"
    caplog.set_level(logging.DEBUG)
    reader = make_reader(counters=Counters(state / "counters-idcard.json", flush_interval=0))
    for n, name in enumerate(cards.CARDS, start=1):
        if name == "hk_mo_tw":
            sim.control("set_fault", mode="bad_checksum", count=2)
        sim.control("place_card", card=name)
        recorder.wait_kind("record", n)
        reader.remind_if_present()
        sim.control("remove_card")
        recorder.wait_kind("card_removed", n)
    sim.control("set_fault", mode="removed_mid_read", count=1)
    sim.control("place_card", card="resident")
    recorder.wait_kind("card_removed", len(cards.CARDS) + 1)
    reader.close()
    assert len(recorder.records()) == len(cards.CARDS)
    assert recorder.errors(), "the faults produced no error messages to check"

    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records).encode("utf-8") + caplog.text.encode()
    assert b"card read" in logged  # the log does say something happened
    errors = "\n".join(e.what for e in recorder.errors()).encode("utf-8")
    _assert_nothing_of_a_card(logged + errors, state)


@pytest.mark.procs
def test_kiosk_idcard_read_leaves_nothing_in_output_log_or_state_dir(tmp_path):
    with Hut(tmp_path / "hut", only=["idcard"]) as hut:
        hut.control("idcard", "place_card", card="foreign_2023")
        env = dict(os.environ, PYTHONPATH=str(ROOT), KIOSK_CONFIG=str(hut.config_path))
        done = subprocess.run([sys.executable, "-m", "kiosk.cli", "--log-level", "DEBUG", "idcard", "read",
                               "--json", "--timeout", "10"], cwd=ROOT, env=env, capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr.decode()
        assert b'"card_type": "foreign_2023"' in done.stdout
        assert b"DEBUG" in done.stderr or b"INFO" in done.stderr  # the log really was on
        _assert_nothing_of_a_card(done.stdout + done.stderr, hut.state_dir)
