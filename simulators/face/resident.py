"""A cooperative resident, synthesized from one real photograph's landmarks.

The liveness rule reads only landmarks, and the registry's test photographs
are stills, so the moves are made on the landmarks dlib found in a real
photo: a blink moves the upper lid points (37, 38, 43, 44) down onto the
lower ones (closure 0..1); a turn shifts the points by a smooth bump that is
zero at the jaw line and largest at the nose, which is what a yaw does to a
face's landmarks (an affine warp of the picture would move nose and jaw
together and change nothing the rule sees).

Warping the picture itself for a blink was tried and dropped: dlib's shape
predictor keeps placing an open eye over painted or squeezed lids, so an
image-level blink would test the synthesis, not the rule.  Stills (a printed
photo, a phone showing a picture, a looped still image) are real pictures
and go through the whole engine.
"""

from __future__ import annotations

import numpy as np

from kiosk.face.liveness import Challenge, yaw

UPPER_LOWER = ((37, 41), (38, 40), (43, 47), (44, 46))


def closed_eyes(landmarks: np.ndarray, closure: float) -> np.ndarray:
    out = landmarks.astype(np.float32).copy()
    for upper, lower in UPPER_LOWER:
        out[upper] = out[upper] + (out[lower] - out[upper]) * closure * 0.9
    return out


def turned(landmarks: np.ndarray, amount: float) -> np.ndarray:
    """Positive ``amount``: the resident's left (nose to the picture's right)."""
    out = landmarks.astype(np.float32).copy()
    left, right = out[0, 0], out[16, 0]
    u = np.clip((out[:, 0] - left) / (right - left), 0, 1)
    out[:, 0] += amount * 0.22 * (right - left) * np.sin(np.pi * u)
    return out


def cooperative(landmarks: np.ndarray, challenges: tuple[Challenge, ...],
                fps: float = 10.0, pause: int = 3) -> list[tuple[float, np.ndarray]]:
    """(t, landmarks) of a resident doing ``challenges`` promptly: facing the
    camera (a photo taken at an angle is turned frontal first), ``pause``
    frames to read each prompt, a blink over 4 frames, a turn over 5."""
    landmarks = turned(landmarks, -yaw(landmarks) / 0.22)  # first, as asked, they face the camera
    frames: list[np.ndarray] = [landmarks] * pause
    for challenge in challenges:
        if challenge is Challenge.BLINK:
            frames += [closed_eyes(landmarks, c) for c in (0.5, 1.0, 1.0, 0.5)]
        else:
            side = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
            frames += [turned(landmarks, side * a) for a in (0.4, 0.8, 1.0, 1.0, 0.6)]
        frames += [landmarks] * pause
    return [(i / fps, frame) for i, frame in enumerate(frames)]


def still(rgb: np.ndarray, seconds: float, fps: float = 10.0, jitter: int = 0) -> list[tuple[float, np.ndarray]]:
    """A printed photo or a phone held up: the same picture, perhaps moved by
    a pixel or two as a hand shakes (``jitter``)."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(int(seconds * fps)):
        frame = rgb
        if jitter:
            dx, dy = (int(v) for v in rng.integers(-jitter, jitter + 1, size=2))
            frame = np.roll(rgb, (dy, dx), axis=(0, 1))
        out.append((i / fps, frame))
    return out
