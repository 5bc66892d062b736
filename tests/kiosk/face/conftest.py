"""Real photographs for the face check, from a registry package's test data.

See simulators/face/samples.py: the ``face_recognition`` sdist's test
images, downloaded once by pip into a cache folder outside the repository;
nothing is committed.  The models load once per session.
"""

from __future__ import annotations

import io

import pytest

from simulators.face.samples import PICTURES, SDIST, SamplesUnavailable, fetch, load


@pytest.fixture(scope="session")
def face_pictures():
    try:
        return fetch()
    except SamplesUnavailable as exc:
        pytest.skip(f"the face test photographs could not be fetched from the package registry ({SDIST}): {exc}")


@pytest.fixture(scope="session")
def engine():
    from kiosk.face.engine import DlibFaceEngine

    return DlibFaceEngine()


@pytest.fixture(scope="session")
def live(face_pictures):
    return {name: load(face_pictures, name) for name in PICTURES}


@pytest.fixture(scope="session")
def standin_decoder():
    from drivers.idcard.wlt import WltDecoder
    from simulators.idcard.photo import StandinUnavailable, build_standin

    try:
        return WltDecoder(str(build_standin()))   # built before the first test (tests/conftest.py)
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
