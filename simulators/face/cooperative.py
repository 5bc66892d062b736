"""A resident in front of the virtual hut's front camera who does what is asked.

The front camera simulator serves real photographs, and a photograph cannot
blink (dlib's shape predictor keeps drawing open eyes over a painted lid:
simulators/face/resident.py).  So the virtual hut's resident moves on the
landmarks: ``CooperativeEngine`` wraps the real face engine, which finds the
face in the camera's frame and describes it as it would any face; only the
68 landmarks it hands to the liveness judge are the found ones moved the way
a resident moves when asked (a blink, a turn, facing the camera otherwise),
``react_frames`` frames after the prompt changed (hearing and reading it).

Used by ``kiosk demo``, the UI tests and the whole-step benchmark: the real
camera driver, runner, attempt, judge, comparison and flow all run; the
liveness rule's own cases (stills, looped stills, printed photos) are tested
on real pictures through the real engine, where this wrapper is not used.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from kiosk.face.engine import Face, FaceEngine
from kiosk.face.liveness import Challenge, yaw
from simulators.face.resident import closed_eyes, turned

PEOPLE = ("holder", "other")          # the front camera scenes that move when asked; a printed photo does not
BLINK = (0.5, 1.0, 1.0, 0.5)          # eye closure over four frames
TURN = (0.4, 0.8, 1.0, 1.0, 0.6)      # turn amount over five frames


class CooperativeEngine:
    """``asked()`` is the challenge on screen now ("" or a ``Challenge`` value)."""

    def __init__(self, engine: FaceEngine, asked: Callable[[], str], react_frames: int = 10):
        self.engine, self.asked, self.react_frames = engine, asked, react_frames
        self.name = f"{engine.name}+cooperative resident"
        self._prompt = ""
        self._frames = 0       # frames since the prompt on screen changed (or the move ended)

    def find(self, rgb: np.ndarray, upsample: int = 0) -> Face | None:
        face = self.engine.find(rgb, upsample)
        if face is None:
            return None
        return Face(face.box, self._moved(face.landmarks), face.handle)

    def embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        return self.engine.embed(rgb, face)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return self.engine.distance(a, b)

    def _moved(self, landmarks: np.ndarray) -> np.ndarray:
        frontal = landmarks
        for _ in range(3):   # asked to look at the camera, they do (the bump is not linear in yaw)
            frontal = turned(frontal, -yaw(frontal) / 0.22)
        prompt = self.asked() or ""
        if prompt != self._prompt:
            self._prompt, self._frames = prompt, 0
        self._frames += 1
        step = self._frames - self.react_frames
        if not prompt or step < 0:
            return frontal
        if prompt == Challenge.BLINK.value:
            moves = [closed_eyes(frontal, c) for c in BLINK]
        else:
            side = 1.0 if prompt == Challenge.TURN_LEFT.value else -1.0
            moves = [turned(frontal, side * a) for a in TURN]
        if step < len(moves):
            return moves[step]
        # Done, and the judge still asks the same: do it again after a moment.
        self._frames = self.react_frames // 2
        return frontal


def in_the_hut(control: Callable[..., dict[str, Any]], challenge: Callable[[], str],
               react_frames: int = 5) -> Callable[[], CooperativeEngine]:
    """The face engine factory for a kiosk in the virtual hut: dlib's engine,
    with whoever the hut's front camera shows doing what is asked while it is
    a person (``control`` is the hut's ``control(device, action)``;
    ``challenge()`` the challenge on the kiosk's screen now)."""
    def asked() -> str:
        return challenge() if control("front_camera", "status").get("scene") in PEOPLE else ""

    def make() -> CooperativeEngine:
        from kiosk.face.engine import DlibFaceEngine

        return CooperativeEngine(DlibFaceEngine(), asked, react_frames)
    return make
