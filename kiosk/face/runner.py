"""The face check's camera work, for the app: attempts on the front camera's
frames while the flow wants them.

``FaceCheckFlow`` runs no camera (it is a table of states); this runner
follows it.  When the step opens (consent on screen) it starts loading the
face engine and computing the card photo's descriptor on a worker thread, so
the few seconds dlib's models take to load pass while the resident reads.
While the flow is in ``challenge`` it runs one :class:`FaceCheckAttempt`
over the front camera's frames on its own thread and reports back through
``post`` (the app passes the Kivy clock): the challenge to prompt when it
changes, then the attempt's result.  Leaving ``challenge`` (back, home, the
idle timeout) stops the attempt and drops what it held; leaving the step
drops the card descriptor too.  Only the result (passed, score, threshold,
reason, time) reaches the flow: frames, landmarks and descriptors stay on
this object's threads.

The attempt is ``kiosk.flows.camera_work.CameraWork``: every report carries
the run's token and is ignored when the flow has moved on since (a late
result of a cancelled attempt must not pass the next).
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Callable

import numpy as np

from kiosk.face.check import FaceCheckAttempt, FaceCheckResult, FrontCamera, camera_frames
from kiosk.face.engine import DEFAULT_THRESHOLD, FaceEngine, card_embedding, decode_image
from kiosk.face.liveness import Challenge, LivenessRules, Verdict, random_challenges
from kiosk.flows.camera_work import CameraWork, Post, Report
from kiosk.flows.face_check import FaceCheckFlow, FaceCheckState, FaceCheckView

log = logging.getLogger(__name__)

# States in which the card descriptor is still useful (the next attempt needs it).
_KEEP_CARD = (FaceCheckState.CONSENT, FaceCheckState.CHALLENGE, FaceCheckState.RETRY)


def default_engine() -> FaceEngine:
    """dlib's models (loaded once per process, about 100 MB and a few seconds)."""
    from kiosk.face.engine import DlibFaceEngine

    return DlibFaceEngine()


class FaceCheckRunner(CameraWork):
    """``camera()`` gives the front camera's driver (or None), ``engine()``
    the face engine (called on a worker thread), ``post(fn)`` runs ``fn`` on
    the flow's thread.  ``challenges()`` and ``now()`` are for tests."""

    name = "face-check"

    def __init__(self, flow: FaceCheckFlow, camera: Callable[[], FrontCamera | None],
                 post: Post, *, engine: Callable[[], FaceEngine] = default_engine,
                 threshold: float = DEFAULT_THRESHOLD, rules: LivenessRules | None = None,
                 challenges: Callable[[], tuple[Challenge, ...]] = random_challenges,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 frame_timeout: float = 2.0):
        super().__init__(camera, post)
        self.flow = flow
        self.make_engine, self.threshold, self.rules = engine, threshold, rules or LivenessRules()
        self.challenges, self.now, self.frame_timeout = challenges, now, frame_timeout
        self._engine: FaceEngine | None = None
        self._prepared: Future[np.ndarray | None] | None = None
        self._lock = threading.Lock()
        self._unsubscribe = flow.subscribe(self._follow)
        flow.preview = self.latest_frame   # the screen's mirror

    @property
    def holding_card(self) -> bool:
        """Whether the card photo's descriptor is still held (tests, the privacy checks)."""
        return self._prepared is not None

    def close(self) -> None:
        self._unsubscribe()
        super().close()
        self._prepared = None

    # -- following the flow (its thread) ---------------------------------------------
    def _follow(self, view: FaceCheckView) -> None:
        if view.state is FaceCheckState.CONSENT and self._prepared is None:
            self._prepare()
        if view.state is FaceCheckState.CHALLENGE and self._prepared is None:
            self._prepare()  # a retry after the step was left and opened again
        self.want(view.state is FaceCheckState.CHALLENGE)
        if view.state not in _KEEP_CARD:
            self._prepared = None  # the card descriptor goes with the step

    def _prepare(self) -> None:
        """Load the engine and describe the card photo, off the flow's thread."""
        identity = self.flow.session.identity
        photo = identity.photo_bmp if identity is not None else b""
        future: Future[np.ndarray | None] = Future()
        self._prepared = future

        def work() -> None:
            try:
                engine = self._load_engine()
                future.set_result(card_embedding(engine, decode_image(photo, "card photo")) if photo else None)
            except Exception as exc:  # any failure means: no check here
                future.set_exception(exc)

        threading.Thread(target=work, name="face-prepare", daemon=True).start()

    def _load_engine(self) -> FaceEngine:
        with self._lock:
            if self._engine is None:
                self._engine = self.make_engine()
            return self._engine

    def no_camera(self) -> None:
        self.flow.check_unavailable()

    # -- one attempt (its own thread) --------------------------------------------------
    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        flow, prepared = self.flow, self._prepared
        try:
            if prepared is None:
                raise RuntimeError("the card photo was not prepared")
            card = prepared.result()
            engine = self._load_engine()
        except Exception as exc:
            log.error("face check cannot run here: %s", type(exc).__name__)
            report(flow.check_unavailable)
            return
        if card is None:
            log.info("face check: no face found in the card photo; skipped")
            report(flow.card_photo_unusable)
            return
        challenges = self.challenges()
        attempt: FaceCheckAttempt | None = None
        asked: Challenge | None = None
        try:
            for t, rgb in camera_frames(camera, lambda: not stop.is_set(), self.frame_timeout):
                if attempt is None:
                    attempt = FaceCheckAttempt(engine, card, challenges, t, threshold=self.threshold, rules=self.rules)
                progress = attempt.feed(t, rgb)
                if progress.challenge is not None and progress.challenge is not asked:
                    asked = progress.challenge
                    report(functools.partial(flow.prompt, asked))
                if progress.verdict is not Verdict.RUNNING:
                    break
            if stop.is_set():
                return
            if attempt is None or attempt.progress.verdict is Verdict.RUNNING:
                # the camera stopped sending: this terminal cannot check now
                log.warning("face check: the front camera stopped sending frames")
                report(flow.check_unavailable)
                return
            result = attempt.finish()
        except Exception:
            log.exception("face check: the attempt failed")
            result = FaceCheckResult(False, False, False, None, self.threshold, "no_face")
        finally:
            if attempt is not None:
                attempt.drop()
            del card
        at = self.now().isoformat(timespec="seconds")
        log.info("face check attempt: %s", result.reason)
        report(lambda: flow.attempt_finished(result, at))
