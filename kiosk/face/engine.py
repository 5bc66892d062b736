"""Face detection, landmarks and embeddings behind one small interface.

:class:`FaceEngine` is all the face check needs from a face library, so a
certified vendor engine (GB/T 41803 tested) can replace the bundled one by
implementing three methods.  The bundled :class:`DlibFaceEngine` uses dlib's
HOG detector, its 68-point shape predictor and its ResNet face descriptor;
the models come inside registry packages (``dlib-bin`` and
``face-recognition-models``), so nothing is fetched at run time and no face
leaves the terminal.  dlib rather than OpenCV's DNN face modules: OpenCV's
YuNet/SFace weights are not in any registry package and would have to be
downloaded, which an offline terminal cannot do.

Frames are RGB ``uint8`` arrays (H x W x 3) in memory; nothing here writes
anything anywhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from kiosk.errors import KioskError
from kiosk.face import DEFAULT_THRESHOLD

# Frames whose shorter side is at least this are looked at half size first
# (DlibFaceEngine._detect_halved): a 640x480 camera frame is, a card photo is not.
HALVED_FROM = 320


@dataclass(frozen=True, repr=False)
class Face:
    """One face found in a frame: its box (left, top, right, bottom) in pixels
    and 68 landmarks (x, y) in the iBUG 300-W order dlib uses."""

    box: tuple[int, int, int, int]
    landmarks: np.ndarray = field(compare=False)
    handle: object = field(default=None, compare=False)  # the engine's own detection, for embed()

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    def __repr__(self) -> str:  # a face's geometry is biometric data too: keep it out of logs
        return f"Face(width={self.width})"


class FaceEngine(Protocol):
    """What the face check asks of a face library."""

    name: str

    def find(self, rgb: np.ndarray, upsample: int = 0) -> Face | None:
        """The largest face in the frame, or None."""

    def embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """A fixed-length descriptor of ``face``: distances between two
        descriptors fall as the faces look more alike."""

    def distance(self, a: np.ndarray, b: np.ndarray) -> float: ...


@dataclass(frozen=True)
class Comparison:
    same_person: bool
    distance: float
    threshold: float

    def as_json(self) -> dict[str, object]:
        return {"same_person": self.same_person, "distance": round(self.distance, 4), "threshold": self.threshold}


class DlibFaceEngine:
    """dlib's models from the ``face-recognition-models`` package, loaded once
    per process (about 100 MB of model memory; see PERFORMANCE.md)."""

    name = "dlib"
    _lock = threading.Lock()
    _models: tuple[object, object, object] | None = None

    def __init__(self, halved_detection: bool = True) -> None:
        self._detector, self._predictor, self._encoder = self._load()
        self.halved_detection = halved_detection  # False: always detect at full size (bench/bench_face.py compares)

    @classmethod
    def _load(cls) -> tuple[object, object, object]:
        with cls._lock:
            if cls._models is None:
                try:
                    import dlib
                    import face_recognition_models as models
                except ImportError as exc:
                    raise KioskError(f"the face check needs dlib-bin and face-recognition-models "
                                     f"(dependencies of the kiosk: reinstall it): {exc}") from None
                cls._models = (dlib.get_frontal_face_detector(),
                               dlib.shape_predictor(models.pose_predictor_model_location()),
                               dlib.face_recognition_model_v1(models.face_recognition_model_location()))
            return cls._models

    def find(self, rgb: np.ndarray, upsample: int = 0) -> Face | None:
        rgb = _checked(rgb)
        halve = self.halved_detection and upsample == 0 and min(rgb.shape[:2]) >= HALVED_FROM
        rect: Any = self._detect_halved(rgb) if halve else None
        if rect is None:
            found = self._detector(rgb, upsample)  # type: ignore[operator]  # dlib objects are untyped
            if not found:
                return None
            rect = max(found, key=lambda r: r.area())
        shape = self._predictor(rgb, rect)  # type: ignore[operator]
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        return Face((rect.left(), rect.top(), rect.right(), rect.bottom()), points, shape)

    def _detect_halved(self, rgb: np.ndarray) -> Any:  # a dlib.rectangle, or None
        """The largest face found on the frame at half size, its box scaled
        back; None when none is found there (the caller then looks at full
        size, where faces down to ~80 px are found).  The HOG detector's cost
        grows with the pixels it scans and its smallest face is ~80 px, so a
        face 160 px or wider (a resident at the kiosk's front camera) is
        found in a quarter of the time; the landmarks and the descriptor
        still come from the full frame."""
        import cv2
        import dlib

        h, w = rgb.shape[:2]
        half = cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        found = self._detector(half, 0)  # type: ignore[operator]
        if not found:
            return None
        r = max(found, key=lambda r: r.area())
        return dlib.rectangle(2 * r.left(), 2 * r.top(), 2 * r.right() + 1, 2 * r.bottom() + 1)

    def embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        descriptor = self._encoder.compute_face_descriptor(_checked(rgb), face.handle, 0)  # type: ignore[attr-defined]
        return np.asarray(descriptor, dtype=np.float64)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a - b))


def _checked(rgb: np.ndarray) -> np.ndarray:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise KioskError(f"a frame must be an RGB uint8 image, got {rgb.dtype} {rgb.shape}")
    return np.ascontiguousarray(rgb)


def decode_image(data: bytes, what: str = "image") -> np.ndarray:
    """Image bytes (BMP from the card, JPEG/PNG from a file) -> RGB array, in memory."""
    import cv2

    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise KioskError(f"{what}: not a picture OpenCV can read (JPEG, PNG or BMP)")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def upsample_for(rgb: np.ndarray) -> int:
    """How often the detector doubles a picture: its smallest face is about
    80 px, so a 102x126 card photo is looked at 4x, a camera frame as it is."""
    longest = max(rgb.shape[:2])
    return 2 if longest < 320 else 1 if longest < 800 else 0


def card_embedding(engine: FaceEngine, card_rgb: np.ndarray) -> np.ndarray | None:
    """The card photo's descriptor, or None when no face is found in it."""
    face = engine.find(card_rgb, upsample=upsample_for(card_rgb))
    return None if face is None else engine.embed(card_rgb, face)


def compare(engine: FaceEngine, card_rgb: np.ndarray, live_rgb: np.ndarray,
            threshold: float = DEFAULT_THRESHOLD) -> Comparison:
    """One card photo against one live picture (``kiosk face compare``)."""
    card = card_embedding(engine, card_rgb)
    if card is None:
        raise KioskError("no face found in the card photo")
    face = engine.find(live_rgb, upsample=upsample_for(live_rgb))
    if face is None:
        raise KioskError("no face found in the live picture")
    d = engine.distance(card, engine.embed(live_rgb, face))
    return Comparison(d <= threshold, d, threshold)
