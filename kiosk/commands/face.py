"""``kiosk face compare`` and ``kiosk face liveness``: the technician's tools
for the face check, run on the terminal (nothing leaves it).

``compare`` checks the engine and the threshold on two pictures; ``liveness``
runs the landmark challenge over a recording (a video file or a folder of
frames, in name order, at ``--fps``) to see what the judge saw.  Neither
writes anything: the pictures are personal data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

import numpy as np

from kiosk.errors import KioskError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("face", help="face check (人证核验): compare two pictures, judge a liveness recording")
    sub = p.add_subparsers(dest="face_command", metavar="ACTION", required=True)

    c = sub.add_parser("compare", help="is the face in LIVE_IMAGE the card holder's in CARD_PHOTO?")
    c.add_argument("card_photo", metavar="CARD_PHOTO", help="the card photo (BMP as decoded, or JPEG/PNG)")
    c.add_argument("live_image", metavar="LIVE_IMAGE", help="a picture of the person at the terminal")
    c.add_argument("--threshold", type=float, default=None, help="distance at or below which it is the same person")
    c.add_argument("--json", action="store_true", help="print {same_person, distance, threshold} as JSON")
    c.set_defaults(func=cmd_compare)

    v = sub.add_parser("liveness", help="run the liveness challenge over a video file or a folder of frames")
    v.add_argument("source", metavar="VIDEO_OR_FOLDER")
    v.add_argument("--challenges", default="blink,turn_left",
                   help="the challenge order the recording follows (default blink,turn_left)")
    v.add_argument("--fps", type=float, default=10.0, help="frame rate of a folder of frames (default 10)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_liveness)


def _read_picture(name: str) -> np.ndarray:
    from kiosk.face.engine import decode_image

    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise KioskError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return decode_image(data, name)


def cmd_compare(args: argparse.Namespace) -> int:
    from kiosk.face.engine import DEFAULT_THRESHOLD, DlibFaceEngine, compare

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if not 0 < threshold < 2:
        raise KioskError(f"--threshold must be between 0 and 2, got {threshold}")
    card, live = _read_picture(args.card_photo), _read_picture(args.live_image)
    result = compare(DlibFaceEngine(), card, live, threshold)
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        verdict = "同一人 / same person" if result.same_person else "不是同一人 / not the same person"
        print(f"{verdict} (distance {result.distance:.3f}, threshold {result.threshold:.3f})")
    return 0


def _frames(source: str, fps: float) -> Iterator[tuple[float, np.ndarray]]:
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise KioskError(f"{source}: no JPEG, PNG or BMP frames in the folder")
        for i, file in enumerate(files):
            yield i / fps, _read_picture(str(file))
        return
    if not path.is_file():
        raise KioskError(f"{source}: no such video file or folder")
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise KioskError(f"{source}: not a video OpenCV can open")
    rate = capture.get(cv2.CAP_PROP_FPS) or fps
    try:
        i = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            yield i / rate, np.ascontiguousarray(bgr[:, :, ::-1])
            i += 1
    finally:
        capture.release()


def cmd_liveness(args: argparse.Namespace) -> int:
    from kiosk.face.engine import DlibFaceEngine
    from kiosk.face.liveness import Challenge, Verdict, judge_frames

    try:
        challenges = tuple(Challenge(c.strip()) for c in args.challenges.split(",") if c.strip())
    except ValueError:
        raise KioskError(f"--challenges: use blink, turn_left and turn_right, got {args.challenges!r}") from None
    if not challenges or args.fps <= 0:
        raise KioskError("--challenges needs at least one challenge and --fps must be positive")
    engine = DlibFaceEngine()
    seen = [(t, None if (face := engine.find(rgb)) is None else face.landmarks) for t, rgb in
            _frames(args.source, args.fps)]
    progress = judge_frames(seen, challenges)
    out = {"live": progress.verdict is Verdict.PASSED, "verdict": progress.verdict.value,
           "challenges": [c.value for c in challenges], "steps_done": progress.step,
           "frames": len(seen), "frames_with_face": sum(1 for _, p in seen if p is not None)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{'活体通过 / live' if out['live'] else '未通过 / not live'}: {out['verdict']}, "
              f"{out['steps_done']}/{len(challenges)} steps, {out['frames_with_face']}/{out['frames']} frames with a face",
              file=sys.stdout)
    return 0 if out["live"] else 1
