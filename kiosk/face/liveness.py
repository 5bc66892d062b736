"""The active liveness challenge: blink, then turn the head, in a random order.

Judged only from the 68 landmarks of consecutive frames, so the rule is a
pure function of (time, landmarks) that tests feed with plain arrays:

* blink: the eyes seen open, then closed (eye aspect ratio, Soukupová and
  Čech 2016, below ``closed_ratio`` of the resident's own open-eye ratio,
  since eyes differ), then open again;
* turn: the face seen frontal, then the nose moved towards the asked side
  of the jaw line for ``hold_frames`` frames in a row.  "Left" is the
  resident's own left (the camera is not mirrored: their left is the
  picture's right).

A still photograph, or a phone showing a still image, never blinks and never
turns, so it fails by the time limit.  What this does NOT stop: a replayed
video of the card holder doing the same moves, a 3-D mask with moving
eyelids, or a photo with cut-out eyes; GB/T 41803.1 presentation-attack
detection of that grade needs a certified liveness engine (infrared or depth
camera, texture analysis), which is the upgrade path behind the same
interface.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

import numpy as np


class Challenge(enum.StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"    # the resident's left
    TURN_RIGHT = "turn_right"


def random_challenges(rng: random.Random | None = None) -> tuple[Challenge, ...]:
    """A blink and a turn to a random side, in a random order: a prepared
    recording has to guess both."""
    rng = rng or random.SystemRandom()
    steps = [Challenge.BLINK, rng.choice((Challenge.TURN_LEFT, Challenge.TURN_RIGHT))]
    rng.shuffle(steps)
    return tuple(steps)


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes (points 36-41 and 42-47)."""

    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        horizontal = 2.0 * np.linalg.norm(eye[0] - eye[3])
        return float(vertical / horizontal) if horizontal else 0.0

    return (one(landmarks[36:42]) + one(landmarks[42:48])) / 2


def yaw(landmarks: np.ndarray) -> float:
    """Where the nose tip (30) sits between the jaw's ends (0 and 16), -0.5..0.5:
    0 for a frontal face, positive when the nose moved to the picture's right
    (the resident turned to their left)."""
    left, right, nose = landmarks[0, 0], landmarks[16, 0], landmarks[30, 0]
    span = right - left
    return float((nose - left) / span - 0.5) if span > 0 else 0.0


@dataclass(frozen=True)
class LivenessRules:
    open_ear: float = 0.18       # eyes count as open at or above this
    closed_ratio: float = 0.6    # closed: below this share of the resident's own open-eye ratio
    reopen_ratio: float = 0.85   # open again: back to this share of it
    frontal: float = 0.06        # |yaw| within this is frontal
    turned: float = 0.14         # |yaw| beyond this is a turn
    hold_frames: int = 2         # a turn must last this many frames
    time_limit: float = 12.0     # seconds for the whole challenge
    max_jump: float = 0.35       # a face that moves more than this share of its width between frames is another face
    max_missing: int = 5         # frames in a row without a face before the challenge starts over


class Verdict(enum.StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class Progress:
    verdict: Verdict
    step: int                    # index of the challenge being asked (== len when passed)
    challenge: Challenge | None  # the one being asked, None when done


class LivenessJudge:
    """Feed ``(t, landmarks or None)`` per frame; no clock, no camera, no
    thread.  A few frames without a face are ignored (the time limit still
    runs); more in a row, or a face that jumps to another place, start the
    challenge over."""

    def __init__(self, challenges: tuple[Challenge, ...], start: float, rules: LivenessRules | None = None):
        if not challenges:
            raise ValueError("a liveness challenge needs at least one step")
        self.challenges = challenges
        self.rules = rules or LivenessRules()
        self.start = start
        self._step = 0
        self._primed = False      # eyes seen open / face seen frontal for this step
        self._closed = False      # blink: eyes seen closed after open
        self._held = 0
        self._open_ear = 0.0      # the resident's own open-eye ratio (eyes differ)
        self._last: np.ndarray | None = None  # the previous frame's landmarks
        self._missing = 0
        self.segment = 0          # bumped when the challenge starts over: frames before it are another face
        self._verdict = Verdict.RUNNING

    @property
    def progress(self) -> Progress:
        step = self._step
        return Progress(self._verdict, step, self.challenges[step] if step < len(self.challenges) else None)

    def feed(self, t: float, landmarks: np.ndarray | None) -> Progress:
        if self._verdict is not Verdict.RUNNING:
            return self.progress
        if t - self.start > self.rules.time_limit:
            self._verdict = Verdict.TIMED_OUT
            return self.progress
        if landmarks is None:
            self._missing += 1
            if self._missing >= self.rules.max_missing:
                self._start_over()
            return self.progress
        if self._last is not None and self._jumped(self._last, landmarks):
            self._start_over()
        self._last, self._missing = landmarks, 0
        if self._step_done(self.challenges[self._step], landmarks):
            self._step += 1
            self._reset_step()
            if self._step == len(self.challenges):
                self._verdict = Verdict.PASSED
        return self.progress

    def _jumped(self, before: np.ndarray, now: np.ndarray) -> bool:
        """Another face took the place of the first (one person does the moves
        while another's photo shows the card holder): the moves must all be
        one face's, seen without a break."""
        span = max(float(now[16, 0] - now[0, 0]), 1.0)
        return float(np.linalg.norm(now.mean(axis=0) - before.mean(axis=0))) > self.rules.max_jump * span

    def _start_over(self) -> None:
        self._step, self._last, self._missing = 0, None, 0
        self.segment += 1
        self._reset_step()

    def _reset_step(self) -> None:
        self._primed = self._closed = False
        self._open_ear = 0.0
        self._held = 0

    def _step_done(self, challenge: Challenge, landmarks: np.ndarray) -> bool:
        rules = self.rules
        if challenge is Challenge.BLINK:
            ear = eye_aspect_ratio(landmarks)
            facing = abs(yaw(landmarks)) <= rules.frontal  # a turned head squeezes one eye: no baseline then
            if not self._closed and ear >= rules.open_ear and facing:
                self._primed = True
                self._open_ear = max(self._open_ear, ear)
            elif self._primed and ear < rules.closed_ratio * self._open_ear:
                self._closed = True
            elif self._closed and ear >= rules.reopen_ratio * self._open_ear:
                return True
            return False
        side = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
        turn = yaw(landmarks) * side
        if abs(turn) <= rules.frontal:
            self._primed, self._held = True, 0
        elif self._primed and turn >= rules.turned:
            self._held += 1
            return self._held >= rules.hold_frames
        else:
            self._held = 0
        return False


def judge_frames(landmarks_at: list[tuple[float, np.ndarray | None]], challenges: tuple[Challenge, ...],
                 rules: LivenessRules | None = None) -> Progress:
    """The verdict on a whole recorded sequence (``kiosk face liveness``):
    the time limit counts from the first frame; a sequence that ends early
    and has not passed counts as timed out."""
    if not landmarks_at:
        return Progress(Verdict.TIMED_OUT, 0, challenges[0])
    judge = LivenessJudge(challenges, landmarks_at[0][0], rules)
    progress = judge.progress
    for t, points in landmarks_at:
        progress = judge.feed(t, points)
        if progress.verdict is not Verdict.RUNNING:
            return progress
    return Progress(Verdict.TIMED_OUT, progress.step, progress.challenge)
