"""Real photographs for the face check, from a registry package's test data.

The ``face_recognition`` source distribution on PyPI ships
``tests/test_images/`` (three photographs of one person, one of another);
the wheel does not.  The session downloads the sdist once into a cache
folder outside the repository (``$HUT_FACE_SAMPLES`` or
``~/.cache/hut-kiosk/face-samples``) and unpacks only those pictures; nothing
is committed.  The models load once per session.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

SDIST = "face_recognition==1.3.0"
PICTURES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")


def _cache() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hut-kiosk" / "face-samples"
    return Path(os.environ.get("HUT_FACE_SAMPLES", default))


@pytest.fixture(scope="session")
def face_pictures() -> Path:
    folder = _cache()
    if all((folder / name).exists() for name in PICTURES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                           "--disable-pip-version-check", SDIST, "-d", str(folder)],
                          capture_output=True, text=True, timeout=300)
    archives = sorted(folder.glob("face_recognition-*.tar.gz"))
    if done.returncode != 0 or not archives:
        pytest.skip(f"the face test photographs could not be fetched from the package registry "
                    f"(pip download {SDIST}): {done.stderr.strip()[-300:]}")
    with tarfile.open(archives[-1]) as sdist:
        for member in sdist.getmembers():
            name = Path(member.name).name
            if name in PICTURES and "/tests/test_images/" in member.name:
                (folder / name).write_bytes(sdist.extractfile(member).read())  # type: ignore[union-attr]
    return folder


@pytest.fixture(scope="session")
def engine():
    from kiosk.face.engine import DlibFaceEngine

    return DlibFaceEngine()


def load(folder: Path, name: str, longest: int = 640) -> np.ndarray:
    """A picture as the front camera gives it: RGB, at most 640 px."""
    from PIL import Image

    picture = Image.open(folder / name).convert("RGB")
    picture.thumbnail((longest, longest))
    return np.asarray(picture).copy()


@pytest.fixture(scope="session")
def live(face_pictures):
    return {name: load(face_pictures, name) for name in PICTURES}


@pytest.fixture(scope="session")
def standin_decoder(tmp_path_factory):
    from drivers.idcard.wlt import WltDecoder
    from simulators.idcard.photo import StandinUnavailable, build_standin

    try:
        return WltDecoder(str(build_standin(tmp_path_factory.mktemp("wlt"))))
    except StandinUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def card_photos(face_pictures, standin_decoder):
    """Card photos (RGB 102x126) as the reader decodes them: each picture
    framed as an ID photo, squeezed into the card's 1024 bytes and decoded
    through the WLT plug-in."""
    from kiosk.face.engine import decode_image
    from simulators.idcard.photo import encode

    out = {}
    for name in ("obama.jpg", "biden.jpg"):
        bmp = standin_decoder.decode(encode(io.BytesIO((face_pictures / name).read_bytes())))
        out[name] = decode_image(bmp, "card photo")
    return out
