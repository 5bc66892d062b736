"""The card photo end to end (simulated card with a photo -> SAM on a pty ->
reader -> WLT plug-in -> record -> engine), and what the check leaves behind:
no frame, descriptor or card photo in a file, a log line or the session."""

from __future__ import annotations

import logging
import os
import queue

import pytest

from drivers.base import DeviceEvent
from drivers.idcard.device import IdCardReader
from kiosk.face.check import FaceCheckAttempt
from kiosk.face.engine import card_embedding, compare, decode_image
from kiosk.face.liveness import Challenge, LivenessRules
from simulators.face import resident
from simulators.idcard import IdCardSimulator

pytestmark = pytest.mark.slow


@pytest.fixture
def hut_reader(tmp_path):
    sim = IdCardSimulator(tmp_path / "hut", card_delay=0.005, seed=1)
    sim.start()
    options = sim.config_patch()["devices"]["idcard"]["options"]
    if "wlt_library" not in options:
        pytest.skip("the stand-in WLT decoder could not be built here (gcc and libjpeg-dev needed)")
    records: queue.Queue = queue.Queue()
    reader = IdCardReader("idcard", sim.where(), **{**options, "poll_interval": 0.05})
    reader.subscribe(lambda e: records.put(e.data) if isinstance(e, DeviceEvent) and e.kind == "record" else None)
    reader.open()
    yield sim, reader, records
    reader.close()
    sim.stop()


def test_a_simulated_card_photo_is_decoded_and_compared(hut_reader, face_pictures, engine, live):
    sim, reader, records = hut_reader
    assert reader.info.supports("photo_decode")
    sim.control("place_card", card="resident", photo_image=str(face_pictures / "obama.jpg"))
    record = records.get(timeout=10)
    assert record.photo_bmp[:2] == b"BM"
    card = decode_image(record.photo_bmp, "card photo")
    assert card.shape == (126, 102, 3)
    assert compare(engine, card, live["obama2.jpg"]).same_person
    assert not compare(engine, card, live["biden.jpg"]).same_person


def test_a_card_whose_photo_cannot_be_decoded_carries_none(hut_reader):
    sim, reader, records = hut_reader
    sim.control("place_card", card="resident_hui")  # photo bytes no decoder reads
    record = records.get(timeout=10)
    assert len(record.photo) == 1024 and record.photo_bmp == b""


def test_the_check_leaves_nothing_behind(engine, card_photos, live, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    card = card_embedding(engine, card_photos["obama.jpg"])
    assert card is not None
    attempt = FaceCheckAttempt(engine, card, (Challenge.BLINK,), 0.0, rules=LivenessRules(time_limit=0.4))
    assert attempt.holding
    for t, frame in resident.still(live["obama3.jpg"], seconds=0.6, fps=5):
        attempt.feed(t, frame)
    result = attempt.finish()
    assert result.score is not None and result.reason == "not_live"
    assert not attempt.holding
    assert os.listdir(tmp_path) == []
    text = "\n".join(r.getMessage() for r in caplog.records) + repr(result) + repr(engine.find(live["obama3.jpg"]))
    for value in card[:8]:
        assert f"{value:.4f}" not in text and f"{value:.6f}"[:7] not in text
    assert "landmarks" not in text.lower() and "array(" not in text
