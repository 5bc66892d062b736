"""One attempt of the face check: the liveness challenge and the comparison
with the card photo, over frames from the front camera.

Frames arrive as ``(t, rgb)`` (seconds, an RGB array); the attempt never
reads a clock or a camera, so the same code runs under the app's camera
thread (:func:`camera_frames` turns the front camera's frames into that),
the technician's ``kiosk face liveness`` and the tests.  The frame
kept for the comparison and the descriptors live on this object only, and
:meth:`FaceCheckAttempt.drop` (called by :meth:`finish`) lets them go: what
leaves is a :class:`FaceCheckResult` (passed, score, threshold), never a
picture or a descriptor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol

import numpy as np

from kiosk.face.engine import DEFAULT_THRESHOLD, Face, FaceEngine
from kiosk.face.liveness import Challenge, LivenessJudge, LivenessRules, Progress, Verdict, eye_aspect_ratio, yaw


class CapturedFrame(Protocol):
    """A camera driver's frame: BGR ``image``, ``seq`` since open, arrival time ``at``."""

    image: np.ndarray
    seq: int
    at: float


class FrontCamera(Protocol):
    """What the face check needs of the front camera's driver (the capture
    code shared with the document camera, drivers/camera)."""

    def next_frame(self, after: int = 0, timeout: float = 2.0) -> CapturedFrame | None: ...


def camera_frames(camera: FrontCamera, keep_going: Callable[[], bool],
                  timeout: float = 2.0) -> Iterator[tuple[float, np.ndarray]]:
    """``(t, rgb)`` from the camera, each frame once, while ``keep_going()``
    (the flow still wants the camera).  A camera that stops sending ends the
    stream: the attempt then ends without a face, never with a pass."""
    seq = 0
    while keep_going():
        frame = camera.next_frame(seq, timeout)
        if frame is None:
            return
        seq = frame.seq
        yield frame.at, np.ascontiguousarray(frame.image[:, :, ::-1])


@dataclass(frozen=True)
class FaceCheckResult:
    """What goes with the submission.  ``score`` is the face distance (lower
    is more alike; None when no comparison was made)."""

    passed: bool
    live: bool
    same_person: bool
    score: float | None
    threshold: float
    reason: str   # passed | not_live | not_same_person | no_face

    def for_submission(self, at: str) -> dict[str, object]:
        return {"passed": self.passed, "score": None if self.score is None else round(self.score, 4),
                "threshold": self.threshold, "reason": self.reason, "at": at}


class FaceCheckAttempt:
    """Feed frames; ``progress`` says which challenge to prompt; ``finish()``
    gives the result once the judge has decided (or the frames ran out)."""

    def __init__(self, engine: FaceEngine, card_descriptor: np.ndarray, challenges: tuple[Challenge, ...],
                 start: float, *, threshold: float = DEFAULT_THRESHOLD, rules: LivenessRules | None = None):
        self.engine = engine
        self.threshold = threshold
        self.judge = LivenessJudge(challenges, start, rules)
        self._card: np.ndarray | None = card_descriptor
        self._best: tuple[float, np.ndarray] | None = None  # (how far from frontal, frame) of the best frame
        self._best_face: Face | None = None
        self._segment = 0

    @property
    def progress(self) -> Progress:
        return self.judge.progress

    def feed(self, t: float, rgb: np.ndarray) -> Progress:
        face = self.engine.find(rgb)
        progress = self.judge.feed(t, None if face is None else face.landmarks)
        if self.judge.segment != self._segment:
            # the challenge started over (another face, or a break): the face
            # compared must be the one that does the moves, so forget the frame kept before
            self._segment, self._best, self._best_face = self.judge.segment, None, None
        if face is not None:
            # the comparison uses the most frontal frame with open eyes, as the card photo is taken
            off = abs(yaw(face.landmarks)) + (0.0 if eye_aspect_ratio(face.landmarks) >= self.judge.rules.open_ear
                                              else 1.0)
            if self._best is None or off < self._best[0]:
                self._best, self._best_face = (off, rgb), face
        return progress

    def finish(self) -> FaceCheckResult:
        try:
            live = self.judge.progress.verdict is Verdict.PASSED
            if self._best is None or self._card is None or self._best_face is None:
                return FaceCheckResult(False, live, False, None, self.threshold, "no_face")
            score = self.engine.distance(self._card, self.engine.embed(self._best[1], self._best_face))
            same = score <= self.threshold
            reason = "passed" if live and same else ("not_live" if not live else "not_same_person")
            return FaceCheckResult(live and same, live, same, score, self.threshold, reason)
        finally:
            self.drop()

    @property
    def holding(self) -> bool:
        """Whether a frame or the card descriptor is still held."""
        return self._best is not None or self._card is not None

    def drop(self) -> None:
        """Let go of the kept frame and the card descriptor."""
        self._best = None
        self._best_face = None
        self._card = None


def run_attempt(engine: FaceEngine, card_descriptor: np.ndarray, challenges: tuple[Challenge, ...],
                frames: Iterable[tuple[float, np.ndarray]], *, threshold: float = DEFAULT_THRESHOLD,
                rules: LivenessRules | None = None) -> FaceCheckResult:
    """A whole attempt over ``frames`` (stops reading once the judge decided)."""
    attempt: FaceCheckAttempt | None = None
    for t, rgb in frames:
        if attempt is None:
            attempt = FaceCheckAttempt(engine, card_descriptor, challenges, t, threshold=threshold, rules=rules)
        if attempt.feed(t, rgb).verdict is not Verdict.RUNNING:
            break
    if attempt is None:
        return FaceCheckResult(False, False, False, None, threshold, "no_face")
    return attempt.finish()
