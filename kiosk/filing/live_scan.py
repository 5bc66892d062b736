"""The papers step's camera work: find the page, check it, take it by itself.

While the papers step looks for a page, a worker thread (``CameraWork``)
takes the document camera's newest frame, finds the page
(``drivers.camera.detect``), checks the quality gates and feeds the
auto-capture rule (``drivers.camera.quality``); when the rule fires it makes
the upload page (rectified, enhanced, JPEG or PNG bytes, in memory only) and
reports it to the step.  The screen never waits for any of this: on its own
clock it shows the camera's newest frame (``latest_frame``) with the latest
outline and gate words (``snapshot``), so the preview stays smooth while
detection runs at whatever rate the CPU allows.

The camera is anything with ``latest()`` and ``next_frame(after, timeout)``
returning frames with ``image`` (BGR) and ``seq``: the ``DocumentCamera``
driver, or a test's frame source.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.flows.camera_work import CameraWork, Post, Report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seen:
    """What the loop last made of a frame (no image: the screen takes the newest frame itself)."""

    seq: int = 0
    corners: tuple[tuple[float, float], ...] = ()
    words: tuple[str, ...] = ()     # the failed gates' words, Chinese / English
    steady: bool = False            # every gate passes: the page is being held for capture


class LiveScan(CameraWork):
    """One paper's live capture: ``aim(size, enhance)`` with the catalog's
    ``scan_size`` and ``enhance`` of the paper, then ``want(True)``;
    ``on_page(data)`` gets each page taken, on the flow's thread."""

    name = "live-scan"

    def __init__(self, camera: Callable[[], Any], post: Post, on_page: Callable[[bytes], Any]):
        super().__init__(camera, post)
        self.on_page = on_page
        self.size: str | None = None
        self.enhance: str | None = None
        self._seen = Seen()

    def aim(self, size: str | None, enhance: str | None) -> None:
        self.size, self.enhance = size, enhance

    def snapshot(self) -> Seen:
        return self._seen

    def stop(self) -> None:
        super().stop()
        self._seen = Seen()

    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        from drivers.camera.detect import PageDetector
        from drivers.camera.quality import WORDS, AutoCapture, Gate, assess

        blur = getattr(getattr(camera, "options", None), "blur_threshold", None)
        detector, rule, seq = PageDetector(), AutoCapture(), 0
        gate_words = {gate: f"{zh} / {en}" for gate, (zh, en) in WORDS.items()}
        size = self._size()
        while not stop.is_set():
            frame = camera.next_frame(seq, 0.5)
            if stop.is_set():
                return
            if frame is None:
                self._seen = Seen(seq, (), (gate_words[Gate.NO_PAGE],))
                continue
            seq = frame.seq
            try:
                detection = detector.detect(frame.image, track=True)
                kwargs = {} if blur is None else {"blur_threshold": blur}
                quality = assess(frame.image, detection, size, **kwargs)
            except Exception:   # one bad frame must not end the preview
                log.exception("live scan: a frame could not be checked")
                continue
            corners = detection.corners if detection is not None else None
            fire = rule.feed(corners, quality)
            shown = tuple((float(x), float(y)) for x, y in corners) if corners is not None else ()
            self._seen = Seen(seq, shown, tuple(gate_words[g] for g in quality.failed), quality.ok)
            if fire:
                data = self._capture(frame.image, corners, size)
                if data is not None:
                    report(functools.partial(self.on_page, data))
                    return   # one page per run: the step decides what comes next

    def _size(self) -> str:
        from drivers.camera.rectify import CATALOG_SIZES

        return CATALOG_SIZES.get(self.size or "", "auto")

    def _capture(self, image: Any, corners: Any, size: str) -> bytes | None:
        from drivers.camera.enhance import CATALOG_MODES
        from drivers.camera.output import page_file
        from drivers.camera.pipeline import scan_page

        try:
            page = scan_page(image, corners, size, CATALOG_MODES.get(self.enhance or "", "colour"))
            data, _media_type = page_file(page)
        except Exception:
            log.exception("live scan: the page could not be made; waiting for the next steady page")
            return None
        return data
