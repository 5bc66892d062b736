"""Card photo against live photographs: the same person passes, another fails,
through the same decode path a terminal runs (WLT plug-in -> BMP -> engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import build_parser
from kiosk.errors import KioskError
from kiosk.face.engine import DEFAULT_THRESHOLD, card_embedding, compare

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("live_name", ["obama2.jpg", "obama3.jpg"])
def test_the_card_holder_is_the_same_person(engine, card_photos, live, live_name):
    result = compare(engine, card_photos["obama.jpg"], live[live_name])
    assert result.same_person and result.distance <= DEFAULT_THRESHOLD


@pytest.mark.parametrize("card,live_name", [("obama.jpg", "biden.jpg"), ("biden.jpg", "obama2.jpg"),
                                            ("biden.jpg", "obama3.jpg")])
def test_someone_else_with_the_card_is_not(engine, card_photos, live, card, live_name):
    result = compare(engine, card_photos[card], live[live_name])
    assert not result.same_person and result.distance > DEFAULT_THRESHOLD


def test_a_picture_without_a_face_is_an_error_not_a_verdict(engine, card_photos, live):
    blank = live["obama2.jpg"] * 0
    with pytest.raises(KioskError, match="no face found in the live picture"):
        compare(engine, card_photos["obama.jpg"], blank)
    assert card_embedding(engine, blank[:126, :102]) is None


def kiosk(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "face", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.procs
def test_cli_compare_json(face_pictures, card_photos, live, tmp_path):
    from PIL import Image

    Image.fromarray(card_photos["obama.jpg"]).save(tmp_path / "card.bmp")
    Image.fromarray(live["biden.jpg"]).save(tmp_path / "live.png")
    done = kiosk("compare", str(tmp_path / "card.bmp"), str(tmp_path / "live.png"), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"same_person", "distance", "threshold"}
    assert out["same_person"] is False and out["distance"] > out["threshold"] == DEFAULT_THRESHOLD
    bad = kiosk("compare", str(tmp_path / "none.jpg"), str(face_pictures / "obama.jpg"))
    assert bad.returncode == 2 and "cannot read" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "text.jpg").write_text("not a picture")
    bad = kiosk("compare", str(tmp_path / "text.jpg"), str(face_pictures / "obama.jpg"))
    assert bad.returncode == 2 and "not a picture" in bad.stderr


def test_cli_liveness_on_a_folder_of_still_frames(engine, live, tmp_path, capsys):
    """In process (the models are loaded once per session); the command's
    parsing and exit codes are those of ``kiosk face liveness``."""
    from PIL import Image

    for i in range(4):
        Image.fromarray(live["obama2.jpg"]).save(tmp_path / f"frame{i:02d}.png")
    args = build_parser().parse_args(["face", "liveness", str(tmp_path), "--json"])
    assert args.func(args) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["live"] is False and out["frames_with_face"] == 4 and out["steps_done"] == 0
    (tmp_path / "empty").mkdir()
    empty = build_parser().parse_args(["face", "liveness", str(tmp_path / "empty")])
    with pytest.raises(KioskError, match="no JPEG, PNG or BMP frames"):
        empty.func(empty)


def _camera_frame(engine, picture, face_width: int):
    """A 640x480 frame with the picture's face about ``face_width`` px wide, centred."""
    from simulators.face.scenes import face_framed

    face = engine.find(picture, upsample=1)
    return face_framed(picture, face.box, face_width)


@pytest.mark.parametrize("face_width", [70, 220])
def test_camera_frames_find_near_and_far_faces(engine, card_photos, live, face_width):
    """The face check's path (find at upsample 0 on a 640x480 frame): a near
    face is found on the frame at half size, a far one (too small there) at
    full size; either way the holder matches the card."""
    from kiosk.face.engine import HALVED_FROM

    frame = _camera_frame(engine, live["obama2.jpg"], face_width)
    assert min(frame.shape[:2]) >= HALVED_FROM
    halved = engine._detect_halved(frame)
    assert (halved is not None) == (face_width > 160)
    face = engine.find(frame)
    assert face is not None and abs(face.width - face_width) < face_width * 0.35
    assert engine.distance(card_embedding(engine, card_photos["obama.jpg"]), engine.embed(frame, face)) \
        <= DEFAULT_THRESHOLD
