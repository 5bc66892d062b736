"""The face check step as the app runs it: FaceCheckFlow followed by the
runner, the real face engine on real photographs served as camera frames,
the card photo through the WLT plug-in.  The resident who blinks and turns
when asked is the virtual hut's (simulators/face/cooperative.py); a
photograph held up, another person, a camera that stops, an engine that
cannot load and a card photo without a face are real."""

from __future__ import annotations

import io
import queue
import threading
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from kiosk.face.liveness import Challenge, LivenessRules
from kiosk.face.runner import FaceCheckRunner
from kiosk.flows.face_check import OUTCOME, FaceCheckFlow, FaceCheckState
from kiosk.flows.session import Session
from simulators.face.cooperative import CooperativeEngine
from simulators.face.scenes import FaceScenes

pytestmark = pytest.mark.slow

S = FaceCheckState


@dataclass
class Frame:
    image: np.ndarray
    seq: int
    at: float


class Camera:
    """A front camera at 10 fps in frame time (as fast as the engine takes them);
    ``stop_after`` frames, then silence (unplugged)."""

    def __init__(self, scenes: FaceScenes, scene: str, stop_after: int | None = None):
        self.scenes, self.scene, self.stop_after = scenes, scene, stop_after
        self.served = 0

    def next_frame(self, after: int = 0, timeout: float = 2.0) -> Frame | None:
        seq = after + 1
        if self.stop_after is not None and seq > self.stop_after:
            return None
        self.served += 1
        return Frame(np.ascontiguousarray(self.scenes.frame(self.scene, seq / 10)[:, :, ::-1]), seq, seq / 10)


class Step:
    """The flow on this thread; the runner's reports queued to it as the Kivy clock would."""

    def __init__(self, card_bmp: bytes, camera, engine, rules: LivenessRules | None = None,
                 challenges=(Challenge.BLINK, Challenge.TURN_LEFT)):
        self.session = Session()
        self.session.identify(SimpleNamespace(photo_bmp=card_bmp))
        self.flow = FaceCheckFlow(self.session)
        self.posted: queue.Queue = queue.Queue()
        make = engine if callable(engine) and not hasattr(engine, "find") else (lambda: engine)
        self.runner = FaceCheckRunner(self.flow, lambda: camera, self.posted.put, engine=make,
                                      rules=rules or LivenessRules(time_limit=6.0),
                                      challenges=lambda: challenges)
        self.prompts: list[str] = []
        self.flow.subscribe(lambda v: self.prompts.append(v.challenge) if v.challenge else None)

    def until(self, *states: FaceCheckState, timeout: float = 60.0) -> FaceCheckState:
        while self.flow.state not in states:
            self.posted.get(timeout=timeout)()
        return self.flow.state


@pytest.fixture(scope="module")
def scenes(face_pictures):
    return FaceScenes(face_pictures)


@pytest.fixture(scope="module")
def holder_card(face_pictures, standin_decoder):
    """The holder's card photo bytes as the reader hands them over (BMP from the WLT plug-in)."""
    from simulators.idcard.photo import encode

    return standin_decoder.decode(encode(io.BytesIO((face_pictures / "obama.jpg").read_bytes())))


def cooperative(engine, step_holder: list):
    return CooperativeEngine(engine, lambda: step_holder[0].flow.view.challenge, react_frames=3)


def test_the_holder_who_does_what_is_asked_passes_and_nothing_is_kept(scenes, holder_card, engine):
    holder: list = []
    step = Step(holder_card, Camera(scenes, "holder"), cooperative(engine, holder))
    holder.append(step)
    step.flow.start(camera_available=True, card_photo_available=True)
    assert step.flow.state is S.CONSENT and step.runner.holding_card   # preparing while the resident reads
    step.flow.consent()
    assert step.until(S.PASSED, S.RETRY, S.COUNTER) is S.PASSED, (step.session.get(OUTCOME), step.prompts)
    assert step.prompts[:2] == ["blink", "turn_left"]
    result = step.session.get(OUTCOME)
    assert result["performed"] and result["passed"] and result["reason"] == "passed"
    assert result["score"] < result["threshold"] and result["attempts"] == 1
    assert set(result) == {"performed", "passed", "score", "threshold", "reason", "at", "attempts"}
    assert not step.runner.holding_card and not step.runner.running   # the card descriptor went with the step
    assert step.flow.confirm() and step.flow.state is S.CLOSED


def test_a_photograph_held_up_fails_three_times_and_leads_to_the_counter(scenes, holder_card, engine):
    step = Step(holder_card, Camera(scenes, "printed_photo"), engine, rules=LivenessRules(time_limit=1.5))
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    for attempt in (1, 2):
        assert step.until(S.RETRY, S.PASSED) is S.RETRY
        assert step.session.get(OUTCOME)["reason"] == "not_live"
        assert step.flow.view.attempts_left == 3 - attempt
        step.flow.retry()
    assert step.until(S.COUNTER, S.PASSED, S.RETRY) is S.COUNTER
    assert step.session.get(OUTCOME)["passed"] is False
    assert not step.runner.holding_card


def test_another_person_who_does_the_moves_is_not_the_holder(scenes, holder_card, engine):
    holder: list = []
    step = Step(holder_card, Camera(scenes, "other"), cooperative(engine, holder))
    holder.append(step)
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    assert step.until(S.RETRY, S.PASSED) is S.RETRY
    assert step.session.get(OUTCOME)["reason"] == "not_same_person"


def test_leaving_mid_attempt_stops_it_and_its_late_result_is_ignored(scenes, holder_card, engine):
    holder: list = []
    camera = Camera(scenes, "holder")
    step = Step(holder_card, camera, cooperative(engine, holder))
    holder.append(step)
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    while camera.served < 2:
        threading.Event().wait(0.05)
    thread = step.runner._thread
    step.flow.cancel()                  # Back or the idle timeout
    assert not step.runner.running and not step.runner.holding_card
    thread.join(10)
    assert not thread.is_alive()
    while not step.posted.empty():      # whatever it still reported is stale
        step.posted.get()()
    assert step.flow.state is S.CLOSED and not step.session.holds(OUTCOME)


def test_a_camera_that_stops_sends_the_resident_to_the_counter(scenes, holder_card, engine):
    step = Step(holder_card, Camera(scenes, "holder", stop_after=3), engine)
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    assert step.until(S.NO_CAMERA, S.RETRY, S.PASSED) is S.NO_CAMERA
    assert step.session.get(OUTCOME) == {"performed": False, "reason": "unavailable"}


def test_an_engine_that_cannot_load_means_no_check_here_never_a_pass(scenes, holder_card):
    def broken():
        raise ImportError("dlib missing")

    step = Step(holder_card, Camera(scenes, "holder"), broken)
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    assert step.until(S.NO_CAMERA, S.PASSED, S.RETRY) is S.NO_CAMERA


def test_a_card_photo_without_a_face_skips_the_check_and_says_so(scenes, engine):
    import cv2

    ok, blank = cv2.imencode(".bmp", np.full((126, 102, 3), 230, np.uint8))
    step = Step(blank.tobytes(), Camera(scenes, "holder"), engine)
    step.flow.start(camera_available=True, card_photo_available=True)
    step.flow.consent()
    assert step.until(S.NO_PHOTO, S.PASSED, S.RETRY) is S.NO_PHOTO
    assert step.session.get(OUTCOME) == {"performed": False, "reason": "no_face_in_card_photo"}
