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

A page the camera takes must be a new one: the page just taken may still lie
on the tray when the resident asks for "more pages", and a page like one
already taken (compared by a small fingerprint of the rectified page) is not
taken again; the words ask to turn it over or lay the next one instead.

The camera is anything with ``latest()`` and ``next_frame(after, timeout)``
returning frames with ``image`` (BGR) and ``seq``: the ``DocumentCamera``
driver, or a test's frame source.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.flows.camera_work import CameraWork, Post, Report

log = logging.getLogger(__name__)

TAKEN_ALREADY = ("这一页已经拍过了，请翻到下一页或换一张", "This page was taken already: turn it over or lay the next one")
SAME_PAGE = 0.95   # correlation of two fingerprints above which they are one page (different forms: < 0.85)


def page_fingerprint(page: Any) -> Any:
    """A small, light-independent picture of a rectified page (32 x 44 grey,
    zero mean, unit variance): two captures of one page correlate near 1,
    two different pages (even two forms of one layout) well below."""
    import cv2
    import numpy as np

    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    if grey.shape[1] > grey.shape[0]:
        grey = cv2.rotate(grey, cv2.ROTATE_90_CLOCKWISE)
    small = cv2.resize(grey, (32, 44), interpolation=cv2.INTER_AREA).astype(np.float32)
    small -= small.mean()
    return small / (small.std() + 1e-6)


def same_page(a: Any, b: Any) -> bool:
    import numpy as np

    return a is not None and b is not None and a.shape == b.shape and float(np.mean(a * b)) > SAME_PAGE


@dataclass(frozen=True)
class Seen:
    """What the loop last made of a frame (no image: the screen takes the newest frame itself)."""

    seq: int = 0
    corners: tuple[tuple[float, float], ...] = ()
    words: tuple[str, ...] = ()     # the failed gates' words, Chinese / English
    steady: bool = False            # every gate passes: the page is being held for capture
    no_page: bool = True            # nothing on the tray yet: an instruction, not a warning
    unsure: bool = False            # an outline, but the detector is not sure it is the page


@dataclass(frozen=True, eq=False)
class Shot:
    """The frame a page is taken from, kept (in memory, for the visit) so the
    resident can correct the corners by touch; ``corners``: the detector's,
    or None when it found no page (or was unsure) and the page is taken by hand."""

    image: Any = field(repr=False)
    corners: tuple[tuple[float, float], ...] | None = None

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.image.shape[:2]
        return int(w), int(h)

    def __repr__(self) -> str:
        w, h = self.size
        return f"Shot({w}x{h}, detected={self.corners is not None})"


def make_page(image: Any, corners: Any, scan_size: str | None, enhance: str | None) -> tuple[bytes, Any]:
    """The upload page (JPEG or PNG bytes) and its fingerprint from ``corners``
    of ``image``, for the catalog's ``scan_size`` and ``enhance`` of the paper.
    Raises ScanError (with a code: ``corners_cross``...) for corners it cannot use."""
    from drivers.camera.enhance import CATALOG_MODES
    from drivers.camera.output import page_file
    from drivers.camera.pipeline import scan_page
    from drivers.camera.rectify import CATALOG_SIZES

    page = scan_page(image, corners, CATALOG_SIZES.get(scan_size or "", "auto"),
                     CATALOG_MODES.get(enhance or "", "colour"))
    data, _media_type = page_file(page)
    return data, page_fingerprint(page)


class LiveScan(CameraWork):
    """One paper's live capture: ``aim(size, enhance, taken)`` with the
    catalog's ``scan_size`` and ``enhance`` of the paper and the fingerprints
    of the pages taken so far, then ``want(True)``; ``on_page(data,
    fingerprint, shot)`` gets each new page taken, on the flow's thread, with
    the frame it was taken from (``Shot``) for corners by touch."""

    name = "live-scan"

    def __init__(self, camera: Callable[[], Any], post: Post, on_page: Callable[[bytes, Any, Shot], Any]):
        super().__init__(camera, post)
        self.on_page = on_page
        self.size: str | None = None
        self.enhance: str | None = None
        self.taken: tuple[Any, ...] = ()
        self._seen = Seen()

    def aim(self, size: str | None, enhance: str | None, taken: tuple[Any, ...] = ()) -> None:
        self.size, self.enhance, self.taken = size, enhance, taken

    def snapshot(self) -> Seen:
        return self._seen

    def stop(self) -> None:
        super().stop()
        self._seen = Seen()

    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        from drivers.camera.detect import PageDetector
        from drivers.camera.quality import WORDS, AutoCapture, Gate, assess

        blur = getattr(getattr(camera, "options", None), "blur_threshold", None)
        detector, rule, seq, taken_already = PageDetector(), AutoCapture(), 0, False
        gate_words = {gate: f"{zh} / {en}" for gate, (zh, en) in WORDS.items()}
        size = self._size()
        while not stop.is_set():
            frame = camera.next_frame(seq, 0.5)
            if stop.is_set():
                return
            if frame is None:
                self._seen = Seen(seq, (), (gate_words[Gate.NO_PAGE],), no_page=True)
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
            words = tuple(gate_words[g] for g in quality.failed)
            if taken_already and (corners is None or rule.state.value != "captured"):
                taken_already = False   # the page was moved or taken away: look afresh
            if taken_already:
                words = (" / ".join(TAKEN_ALREADY),)
            self._seen = Seen(seq, shown, words, quality.ok and not taken_already, no_page=corners is None,
                              unsure=Gate.UNSURE in quality.failed)
            if fire:
                made = self._capture(frame.image, corners)
                if made is None:
                    continue
                data, fingerprint = made
                if any(same_page(fingerprint, known) for known in self.taken):
                    taken_already = True   # the page just taken still lies there (or one like it)
                    self._seen = Seen(seq, shown, (" / ".join(TAKEN_ALREADY),), False, no_page=False)
                    continue
                # A copy: a driver may reuse its frame buffers.
                shot = Shot(frame.image.copy(), shown)
                report(functools.partial(self.on_page, data, fingerprint, shot))
                return   # one page per run: the step decides what comes next

    def _size(self) -> str:
        from drivers.camera.rectify import CATALOG_SIZES

        return CATALOG_SIZES.get(self.size or "", "auto")

    def _capture(self, image: Any, corners: Any) -> tuple[bytes, Any] | None:
        try:
            return make_page(image, corners, self.size, self.enhance)
        except Exception:
            log.exception("live scan: the page could not be made; waiting for the next steady page")
            return None
