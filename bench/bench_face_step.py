"""The whole face check step in the virtual hut, timed: consent given -> passed.

The real parts run: the front camera simulator (640x480 MJPEG over HTTP at
10 fps), the FrontCamera driver reading it, FaceCheckFlow, FaceCheckRunner
(engine and card descriptor prepared while the consent is on screen), the
attempt, the liveness judge, the comparison with the card photo decoded
through the stand-in WLT library.  The resident is the hut's cooperative one
(simulators/face/cooperative.py): the real engine finds the face in every
frame; the landmarks move as asked, ``--react`` frames (at 10 fps) after each
prompt reaches the screen, as a resident hears and reads it.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_face_step.py --runs 9

Reports the median and spread of consent -> passed, the time the consent
screen gave the preparation (engine load + card descriptor) and, as the
baseline in the same process, the frames' own pace (time for as many frames
as the step took, at the camera's rate): the step's floor if the engine were
free.
"""

from __future__ import annotations

import argparse
import io
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.camera.front import FrontCamera  # noqa: E402
from drivers.idcard.records import CardType  # noqa: E402
from kiosk.face.engine import DlibFaceEngine  # noqa: E402
from kiosk.face.liveness import LivenessRules  # noqa: E402
from kiosk.face.runner import FaceCheckRunner  # noqa: E402
from kiosk.flows.face_check import OUTCOME, FaceCheckFlow, FaceCheckState  # noqa: E402
from kiosk.flows.session import Session  # noqa: E402
from kiosk.identity import Evidence, Identity  # noqa: E402
from simulators.face.camera import FrontCameraSimulator  # noqa: E402
from simulators.face.cooperative import CooperativeEngine  # noqa: E402
from simulators.face.samples import fetch  # noqa: E402

S = FaceCheckState


def card_photo(folder: Path, samples: Path) -> bytes:
    from drivers.idcard.wlt import WltDecoder
    from simulators.idcard.photo import build_standin, encode

    decoder = WltDecoder(str(build_standin(folder)))
    return decoder.decode(encode(io.BytesIO((samples / "obama.jpg").read_bytes())))


def one_step(camera: FrontCamera, engine: DlibFaceEngine, photo: bytes, react: int,
             consent_seconds: float) -> tuple[float, int, float]:
    """(consent -> passed seconds, frames the camera sent meanwhile, consent -> prepared seconds)."""
    session = Session()
    session.identify(Identity(Evidence.ID_CARD, CardType.RESIDENT, "张三", "230108195001011234", photo_bmp=photo))
    flow = FaceCheckFlow(session)
    posted: queue.Queue = queue.Queue()
    runner = FaceCheckRunner(flow, lambda: camera, posted.put,
                             engine=lambda: CooperativeEngine(engine, lambda: flow.view.challenge, react),
                             rules=LivenessRules(time_limit=12.0))
    flow.start(camera_available=True, card_photo_available=True)
    opened = time.perf_counter()
    assert runner._prepared is not None
    runner._prepared.result(timeout=60)
    prepared = time.perf_counter() - opened
    time.sleep(max(0.0, consent_seconds - prepared))   # the resident reads the consent
    seq_before = camera.latest().seq if camera.latest() is not None else 0
    start = time.perf_counter()
    flow.consent()
    while flow.state is S.CHALLENGE:
        posted.get(timeout=30)()
    took = time.perf_counter() - start
    frames = (camera.latest().seq if camera.latest() is not None else 0) - seq_before
    if flow.state is not S.PASSED:
        raise SystemExit(f"the cooperative holder did not pass: {session.get(OUTCOME)}")
    runner.close()
    return took, frames, prepared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--react", type=int, default=10, help="frames (10 fps) to hear a prompt (default 10: 1 s)")
    parser.add_argument("--consent-seconds", type=float, default=3.0,
                        help="time the resident spends on the consent screen (default 3)")
    args = parser.parse_args()
    samples = fetch()
    with tempfile.TemporaryDirectory() as tmp:
        photo = card_photo(Path(tmp), samples)
        sim = FrontCameraSimulator(Path(tmp), samples=str(samples), scene="holder")
        sim.start()
        try:
            while sim.control("status")["faces"] == "loading":
                time.sleep(0.1)
            loading = time.perf_counter()
            engine = DlibFaceEngine()
            load_seconds = time.perf_counter() - loading
            camera = FrontCamera("front_camera", url=sim.url,
                                 options={"stall_seconds": 1.0, "reconnect_interval": 0.3})
            with camera:
                while camera.latest() is None:
                    time.sleep(0.05)
                steps = [one_step(camera, engine, photo, args.react, args.consent_seconds) for _ in range(args.runs)]
        finally:
            sim.stop()
    took = [t for t, _, _ in steps]
    frames = [f for _, f, _ in steps]
    prepared = [p for _, _, p in steps]
    pace = statistics.median(frames) / sim.fps
    print(f"models loaded in {load_seconds:.2f} s (first use; later steps reuse them)")
    print(f"consent -> passed, {args.runs} runs: median {statistics.median(took):.2f} s "
          f"(min {min(took):.2f}, max {max(took):.2f}); {statistics.median(frames):.0f} frames sent meanwhile (median)")
    print(f"baseline, the camera's own pace for those frames at {sim.fps:g} fps: {pace:.2f} s "
          f"(ratio {statistics.median(took) / pace:.2f})")
    print(f"card descriptor prepared during the consent: median {statistics.median(prepared):.2f} s")
    print(f"resident's reaction: {args.react} frames a prompt ({args.react / sim.fps:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
