"""What the virtual hut's front camera shows, as frames: the card holder,
another person, a printed photo of the holder held up, nobody.

Pure: ``FaceScenes(folder).frame(scene, t)`` returns a 640x480 RGB frame, so
the camera simulator (an MJPEG stream, simulators/camera) only encodes and
serves it, and its control API switches ``scene``.  The pictures are the
registry's test photographs (simulators/face/samples.py); the card that goes
with the holder is placed with ``photo_image`` = the holder's card picture.

The holder here is a real photograph: it compares as the holder but stands
still, so on its own it fails the liveness challenge like a printed photo
would.  The cooperative resident that blinks and turns is synthesized on
landmarks (simulators/face/resident.py), where the liveness rule is tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulators.face.samples import load

SCENES = ("holder", "other", "printed_photo", "nobody")
WIDTH, HEIGHT = 640, 480


def _on_canvas(picture: np.ndarray, scale: float = 1.0, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    import cv2

    h, w = picture.shape[:2]
    factor = min(WIDTH / w, HEIGHT / h) * scale
    small = cv2.resize(picture, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=cv2.INTER_AREA)
    canvas = wall()
    top = (HEIGHT - small.shape[0]) // 2 + offset[1]
    left = (WIDTH - small.shape[1]) // 2 + offset[0]
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(HEIGHT, top + small.shape[0]), min(WIDTH, left + small.shape[1])
    canvas[y0:y1, x0:x1] = small[y0 - top:y1 - top, x0 - left:x1 - left]
    return canvas


def wall() -> np.ndarray:
    """A hut wall: a soft vertical gradient, no face in it."""
    ramp = np.linspace(200, 150, HEIGHT, dtype=np.float32)[:, None, None]
    return np.broadcast_to(ramp * np.array([1.0, 0.97, 0.9], np.float32), (HEIGHT, WIDTH, 3)).astype(np.uint8)


class FaceScenes:
    """``holder`` and ``other`` name pictures in ``folder`` (the holder's
    card photo should be made from a different picture of the same person)."""

    def __init__(self, folder: Path, holder: str = "obama2.jpg", other: str = "biden.jpg"):
        self._holder = load(folder, holder)
        self._other = load(folder, other)
        self._printed = self._print(self._holder)
        self._nobody = wall()

    @staticmethod
    def _print(picture: np.ndarray) -> np.ndarray:
        """A photo on paper: a white border, flatter contrast."""
        flat = (picture.astype(np.float32) * 0.8 + 30).astype(np.uint8)
        return np.pad(flat, ((24, 24), (24, 24), (0, 0)), constant_values=245)

    def frame(self, scene: str, t: float) -> np.ndarray:
        if scene == "holder":
            return _on_canvas(self._holder)
        if scene == "other":
            return _on_canvas(self._other)
        if scene == "printed_photo":  # held in a hand: it drifts by a few pixels
            return _on_canvas(self._printed, 0.8, (int(3 * np.sin(t * 2.1)), int(2 * np.cos(t * 1.7))))
        if scene == "nobody":
            return self._nobody.copy()
        raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(SCENES)}")


def face_framed(picture: np.ndarray, box: tuple[int, int, int, int], face_width: int) -> np.ndarray:
    """A WIDTHxHEIGHT frame of ``picture`` scaled so the face in ``box`` (left,
    top, right, bottom, as the engine found it) is about ``face_width`` px wide,
    centred on it: a resident nearer to or further from the front camera."""
    import cv2

    scale = face_width / max(1, box[2] - box[0])
    big = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    cx, cy = int((box[0] + box[2]) / 2 * scale), int((box[1] + box[3]) / 2 * scale)
    out = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    x0, y0 = cx - WIDTH // 2, cy - HEIGHT // 2
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x0 + WIDTH, big.shape[1]), min(y0 + HEIGHT, big.shape[0])
    out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = big[sy0:sy1, sx0:sx1]
    return out
