"""Nothing of a card reaches the logs or the disk: read cards (also through
faults that produce error messages), then grep everything."""

from __future__ import annotations

import logging

from drivers.base import Counters
from drivers.idcard.device import IdCardReader
from simulators.idcard import cards

FAST = dict(poll_interval=0.05, command_timeout=0.3, read_timeout=1.0, reconnect_interval=0.1)


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


def test_no_card_data_in_logs_or_state_dir(sim, recorder, tmp_path, caplog):
    state = tmp_path / "state"
    state.mkdir()
    caplog.set_level(logging.DEBUG)
    reader = IdCardReader("idcard", sim.where(), Counters(state / "counters-idcard.json", flush_interval=0),
                          **FAST)
    reader.subscribe(recorder)
    reader.open()
    try:
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
    finally:
        reader.close()
    assert len(recorder.records()) == len(cards.CARDS)
    assert (state / "counters-idcard.json").exists()

    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records).encode("utf-8") + caplog.text.encode()
    assert b"card read" in logged  # the log does say something happened
    files = [p for p in state.rglob("*") if p.is_file()]
    assert files
    blobs = [p.read_bytes() for p in files]
    for needle in _needles():
        assert needle not in logged, needle
        for path, blob in zip(files, blobs):
            assert needle not in blob, (path, needle)
