"""Real photographs for the face check's tests, benchmarks and the virtual
hut, from a registry package's test data.

The ``face_recognition`` source distribution on PyPI ships
``tests/test_images/`` (three photographs of one person, one of another);
its wheel does not.  :func:`fetch` downloads the sdist once with pip into a
cache folder outside the repository (``$HUT_FACE_SAMPLES``, else
``~/.cache/hut-kiosk/face-samples``) and unpacks only those pictures.
Nothing is committed and nothing of this runs on a terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

SDIST = "face_recognition==1.3.0"
PICTURES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
PERSON = {"obama.jpg": "A", "obama2.jpg": "A", "obama3.jpg": "A", "biden.jpg": "B"}


class SamplesUnavailable(RuntimeError):
    """The registry could not be reached (or the sdist changed shape)."""


def cache_folder() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hut-kiosk" / "face-samples"
    return Path(os.environ.get("HUT_FACE_SAMPLES", default))


def fetch(folder: Path | None = None) -> Path:
    folder = folder or cache_folder()
    if all((folder / name).exists() for name in PICTURES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                           "--disable-pip-version-check", SDIST, "-d", str(folder)],
                          capture_output=True, text=True, timeout=300)
    archives = sorted(folder.glob("face_recognition-*.tar.gz"))
    if done.returncode != 0 or not archives:
        raise SamplesUnavailable(f"pip download {SDIST} failed: {done.stderr.strip()[-300:]}")
    with tarfile.open(archives[-1]) as sdist:
        for member in sdist.getmembers():
            name = Path(member.name).name
            source = sdist.extractfile(member) if member.isfile() else None
            if name in PICTURES and "/tests/test_images/" in member.name and source is not None:
                (folder / name).write_bytes(source.read())
    missing = [name for name in PICTURES if not (folder / name).exists()]
    if missing:
        raise SamplesUnavailable(f"{SDIST} no longer ships {', '.join(missing)}")
    return folder


def load(folder: Path, name: str, longest: int = 640) -> np.ndarray:
    """A picture as the front camera gives it: RGB, at most ``longest`` px."""
    from PIL import Image

    picture = Image.open(folder / name).convert("RGB")
    picture.thumbnail((longest, longest))
    return np.asarray(picture).copy()


def card_picture() -> Path | None:
    """The picture the hut's card photo is made from (the holder at the front
    camera is another picture of the same person); None when the photographs
    cannot be fetched (the face check is then skipped for want of a card photo)."""
    try:
        return fetch() / "obama.jpg"
    except SamplesUnavailable:
        return None
