"""The liveness challenge: a cooperative resident (landmarks of a real photo,
warped) passes; stills, a looped still image, the wrong move and a slow
resident fail."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kiosk.face.check import run_attempt
from kiosk.face.engine import card_embedding
from kiosk.face.liveness import Challenge, LivenessRules, Verdict, eye_aspect_ratio, judge_frames, random_challenges, yaw
from simulators.face import resident

ORDERS = [(Challenge.BLINK, Challenge.TURN_LEFT), (Challenge.BLINK, Challenge.TURN_RIGHT),
          (Challenge.TURN_LEFT, Challenge.BLINK), (Challenge.TURN_RIGHT, Challenge.BLINK)]


@pytest.fixture(scope="module")
def landmarks(engine, live):
    return {name: engine.find(picture).landmarks for name, picture in live.items()
            if name in ("obama.jpg", "biden.jpg")}


def test_challenges_are_a_blink_and_a_turn_in_a_random_order():
    seen = {random_challenges(random.Random(seed)) for seed in range(40)}
    assert seen == set(ORDERS)


def test_the_warps_move_what_the_rule_reads(landmarks):
    points = landmarks["obama.jpg"]
    assert eye_aspect_ratio(points) >= LivenessRules().open_ear
    assert eye_aspect_ratio(resident.closed_eyes(points, 1.0)) < LivenessRules().closed_ratio * eye_aspect_ratio(points)
    assert yaw(resident.turned(points, 1.0)) > yaw(points) + LivenessRules().turned
    assert yaw(resident.turned(points, -1.0)) < yaw(points) - LivenessRules().turned


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "+".join(c.value for c in o))
@pytest.mark.parametrize("who", ["obama.jpg", "biden.jpg"])
def test_a_cooperative_resident_passes(landmarks, order, who):
    frames = resident.cooperative(landmarks[who], order)
    progress = judge_frames(frames, order)
    assert progress.verdict is Verdict.PASSED and progress.step == 2
    assert frames[-1][0] < 6.0  # the moves themselves take a few seconds


def test_the_other_side_or_only_a_blink_is_not_enough(landmarks):
    asked = (Challenge.BLINK, Challenge.TURN_LEFT)
    did = resident.cooperative(landmarks["obama.jpg"], (Challenge.BLINK, Challenge.TURN_RIGHT))
    assert judge_frames(did, asked).verdict is Verdict.TIMED_OUT
    blink_only = resident.cooperative(landmarks["obama.jpg"], (Challenge.BLINK,))
    assert judge_frames(blink_only, asked).step == 1


def test_the_wrong_order_does_not_pass(landmarks):
    did = resident.cooperative(landmarks["obama.jpg"], (Challenge.TURN_LEFT, Challenge.BLINK))
    assert judge_frames(did, (Challenge.BLINK, Challenge.TURN_LEFT)).verdict is not Verdict.PASSED


def test_too_slow_is_timed_out(landmarks):
    order = (Challenge.BLINK, Challenge.TURN_LEFT)
    frames = resident.cooperative(landmarks["obama.jpg"], order, fps=0.5)  # the same moves over ~40 s
    assert judge_frames(frames, order).verdict is Verdict.TIMED_OUT


def test_eyes_closed_in_a_photo_never_open(landmarks):
    shut = resident.closed_eyes(landmarks["obama.jpg"], 1.0)
    frames = [(i / 10, shut) for i in range(200)]
    assert judge_frames(frames, (Challenge.BLINK,)).verdict is Verdict.TIMED_OUT


@pytest.mark.parametrize("jitter", [0, 2], ids=["printed photo", "phone in a hand"])
def test_a_still_picture_fails_through_the_whole_engine(engine, card_photos, live, jitter):
    rules = LivenessRules(time_limit=2.0)
    frames = resident.still(live["obama2.jpg"], seconds=2.5, fps=5.0, jitter=jitter)
    card = card_embedding(engine, card_photos["obama.jpg"])
    assert card is not None
    result = run_attempt(engine, card, (Challenge.BLINK, Challenge.TURN_LEFT), frames, rules=rules)
    assert not result.passed and not result.live and result.reason == "not_live"
    assert result.same_person  # it is the card holder's photo: only liveness stops it


def test_a_looped_still_image_fails(landmarks):
    loop = [(i / 10, landmarks["obama.jpg"] + np.float32(i % 3)) for i in range(150)]
    assert judge_frames(loop, (Challenge.TURN_RIGHT, Challenge.BLINK)).verdict is Verdict.TIMED_OUT


def test_nobody_in_front_of_the_camera(engine, card_photos, live):
    frames = resident.still(live["obama2.jpg"] * 0, seconds=1.0, fps=5.0)
    card = card_embedding(engine, card_photos["obama.jpg"])
    result = run_attempt(engine, card, (Challenge.BLINK,), frames, rules=LivenessRules(time_limit=0.5))
    assert result.reason == "no_face" and not result.passed and result.score is None


def test_the_front_camera_scenes(face_pictures, engine, card_photos):
    """What the virtual hut's front camera shows: the holder compares as the
    holder, the other person does not, the printed photo and the holder's
    still picture fail liveness, and nobody is no face."""
    from kiosk.face.engine import card_embedding as card_of
    from simulators.face.scenes import SCENES, FaceScenes

    scenes = FaceScenes(face_pictures)
    card = card_of(engine, card_photos["obama.jpg"])
    assert card is not None
    rules = LivenessRules(time_limit=0.5)
    results = {}
    for scene in SCENES:
        frames = [(t / 5, scenes.frame(scene, t / 5)) for t in range(4)]
        assert frames[0][1].shape == (480, 640, 3)
        results[scene] = run_attempt(engine, card, (Challenge.BLINK, Challenge.TURN_LEFT), frames, rules=rules)
    assert results["holder"].same_person and not results["holder"].live
    assert not results["other"].same_person
    assert results["printed_photo"].reason == "not_live" and not results["printed_photo"].passed
    assert results["nobody"].reason == "no_face"


def test_the_moves_must_be_one_face_seen_without_a_break(landmarks):
    order = (Challenge.BLINK, Challenge.TURN_LEFT)
    holder = resident.cooperative(landmarks["obama.jpg"], order)
    accomplice = resident.cooperative(landmarks["biden.jpg"] + np.float32([200, 0]), order)
    # the holder's photo blinks... then someone else, elsewhere in the frame, turns
    blink_end = next(i for i, (_, p) in enumerate(holder) if i > 3 and np.allclose(p, holder[0][1])) + 1
    turn_start = next(i for i, (_, p) in enumerate(accomplice) if i > blink_end and np.allclose(p, accomplice[0][1]))
    spliced = holder[:blink_end] + [(t + holder[blink_end - 1][0] + 0.1, p) for t, p in accomplice[turn_start:]]
    assert judge_frames(spliced, order).verdict is not Verdict.PASSED
    # the same frames with nobody in between for a moment: also a break
    gap = holder[:blink_end] + [(holder[blink_end - 1][0] + 0.1 * (i + 1), None) for i in range(6)]
    rest = [(t + gap[-1][0] + 0.1, p) for t, p in holder[blink_end:]]
    progress = judge_frames(gap + rest, order)
    assert progress.verdict is not Verdict.PASSED and progress.step == 0
    # a short drop-out (two frames) is not a break
    short = holder[:blink_end] + [(holder[blink_end - 1][0] + 0.05, None)] * 2 + rest
    assert judge_frames(short, order).verdict is Verdict.PASSED


def test_camera_frames_reads_each_frame_once_while_wanted():
    """The seam to the front camera driver: BGR frames by sequence number, in
    order, as RGB; the stream ends when the flow stops wanting it or the
    camera stops sending."""
    from dataclasses import dataclass

    from kiosk.face.check import camera_frames

    @dataclass
    class Shot:
        image: np.ndarray
        seq: int
        at: float

    class Camera:  # frames 1..5, then silence, as drivers/camera's next_frame(after, timeout)
        def __init__(self):
            self.asked: list[int] = []

        def next_frame(self, after=0, timeout=2.0):
            self.asked.append(after)
            if after >= 5:
                return None
            image = np.zeros((4, 4, 3), np.uint8)
            image[..., 0] = after + 1  # blue channel in BGR
            return Shot(image, after + 1, 10.0 + after)

    camera = Camera()
    got = list(camera_frames(camera, lambda: True))
    assert [t for t, _ in got] == [10.0, 11.0, 12.0, 13.0, 14.0] and camera.asked == [0, 1, 2, 3, 4, 5]
    assert [int(rgb[0, 0, 2]) for _, rgb in got] == [1, 2, 3, 4, 5]  # blue is last in RGB
    wanted = iter([True, True, False])
    assert len(list(camera_frames(Camera(), lambda: next(wanted)))) == 2


class ScriptedEngine:
    """A FaceEngine (the interface a vendor engine implements) that reads
    which face a frame shows from the frame itself: pixel (0, 0) holds the
    frame's index into a list of landmarks and the person's number."""

    name = "scripted"

    def __init__(self, landmarks_by_frame):
        self.landmarks_by_frame = landmarks_by_frame

    def find(self, rgb, upsample=0):
        from kiosk.face.engine import Face

        points = self.landmarks_by_frame[int(rgb[0, 0, 0]) + 256 * int(rgb[0, 0, 2])]
        return Face((0, 0, 10, 10), points, int(rgb[0, 0, 1]))

    def embed(self, rgb, face):
        return np.eye(4)[int(rgb[0, 0, 1])]  # one descriptor per person

    def distance(self, a, b):
        return float(np.linalg.norm(a - b))


def test_the_face_compared_is_the_face_that_did_the_moves(landmarks):
    """The card holder's photo held up first, then someone else steps in and
    does the moves: the attempt must compare the one who moved."""
    order = (Challenge.BLINK, Challenge.TURN_LEFT)
    holder_photo = [resident.cooperative(landmarks["obama.jpg"], order)[0][1]] * 5
    accomplice = [p for _, p in resident.cooperative(landmarks["biden.jpg"] + np.float32([250, 0]), order)]
    points = holder_photo + accomplice
    frames = []
    for i in range(len(points)):
        rgb = np.zeros((2, 2, 3), np.uint8)
        rgb[0, 0] = (i % 256, 0 if i < len(holder_photo) else 1, i // 256)
        frames.append((i / 10, rgb))
    card = np.eye(4)[0]  # the card holder is person 0
    result = run_attempt(ScriptedEngine(points), card, order, frames)
    assert result.live and not result.same_person and not result.passed
    # the same moves by the holder are a pass
    own = [p for _, p in resident.cooperative(landmarks["obama.jpg"], order)]
    frames = [(i / 10, np.zeros((2, 2, 3), np.uint8) + np.uint8([i, 0, 0])) for i in range(len(own))]
    assert run_attempt(ScriptedEngine(own), card, order, frames).passed
