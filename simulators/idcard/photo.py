"""Card photos the virtual hut's reader can decode, end to end.

The WLT codec on real cards is proprietary; real terminals decode it with the
vendor's library through ``drivers/idcard/wlt.py``.  So that the same ctypes
path runs here, the simulated cards carry their photo as a small JPEG
("SJPG" + length + JPEG, inside the card's 1024 photo bytes) and the hut
builds a stand-in vendor library (``wlt_standin.c``, the vendors' ``unpack``
signature) with the system C compiler and libjpeg.  A C library rather than
a Python stand-in: the driver's ctypes loading, the symbol lookup, the buffer
handling and the BMP checks are exactly what a real terminal runs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("wlt_standin.c")
PHOTO_BYTES = 1024
CARD_ASPECT = 102 / 126
_ROOM = PHOTO_BYTES - 6  # "SJPG" + 2-byte length


class StandinUnavailable(RuntimeError):
    """No C compiler or no libjpeg headers: the hut runs without card photos."""


def standin_cache() -> Path:
    """Where the stand-in decoder is built once per machine and user (every
    hut used to compile its own copy into its folder)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hut-kiosk"


def build_standin(folder: Path | None = None) -> Path:
    """Compile the stand-in decoder into ``folder`` (default: ``standin_cache()``),
    once per source version; huts building it at the same time each write
    their own partial file and the last rename wins, whole."""
    source = SOURCE.read_bytes()
    target = Path(folder or standin_cache()) / f"libwlt-standin-{hashlib.sha256(source).hexdigest()[:12]}.so"
    if target.exists():
        return target
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise StandinUnavailable("no C compiler (install gcc) to build the stand-in WLT decoder")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=target.stem + "-", suffix=".part")
    os.close(fd)
    partial = Path(name)
    try:
        done = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(partial), str(SOURCE), "-ljpeg"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise StandinUnavailable(f"the stand-in WLT decoder did not build (libjpeg-dev missing?): "
                                     f"{done.stderr.strip()[:300]}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def card_crop(picture: Image.Image) -> Image.Image:
    """The card's portrait framing (102:126) around the largest face, as an
    ID photo frames the head: the test pictures are news photographs, not
    passport photos.  dlib's HOG detector needs no model file."""
    import dlib  # only the hut's photo cards need it, not every start of the simulator

    rgb = picture.convert("RGB")
    small = rgb.copy()
    small.thumbnail((640, 640))  # the detector is slow on a 2000-pixel news photo
    scale = rgb.width / small.width
    faces = dlib.get_frontal_face_detector()(np.asarray(small), 1)
    if not faces:
        raise ValueError("no face in the picture for the card photo")
    face = max(faces, key=lambda r: r.area())
    cx, cy = (face.left() + face.right()) / 2 * scale, (face.top() + face.bottom()) / 2 * scale
    width = face.width() * scale * 1.7
    height = width / CARD_ASPECT
    top = cy - height / 2.2
    return rgb.crop((round(cx - width / 2), round(top), round(cx + width / 2), round(top + height)))


def encode(picture: Image.Image | str | Path | io.BytesIO) -> bytes:
    """1024 photo bytes the stand-in decodes: the largest, best JPEG that fits."""
    image = picture if isinstance(picture, Image.Image) else Image.open(picture)
    portrait = card_crop(image)
    for width in (102, 94, 86, 78, 70, 62):
        scaled = portrait.resize((width, round(width / CARD_ASPECT)), Image.Resampling.LANCZOS)
        for quality in (45, 38, 32, 26, 20):
            out = io.BytesIO()
            scaled.save(out, "JPEG", quality=quality, optimize=True, subsampling=2)
            data = out.getvalue()
            if len(data) <= _ROOM:
                return (b"SJPG" + struct.pack("<H", len(data)) + data).ljust(PHOTO_BYTES, b"\0")
    raise ValueError("the picture does not fit a card photo")
