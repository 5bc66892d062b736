"""The papers step's camera loop: find the page, check it, take it by itself.

A worker thread takes the document camera's newest frame, finds the page
(``drivers.camera.detect``), checks the quality gates and feeds the
auto-capture rule (``drivers.camera.quality``); when the rule fires it makes
the upload page (rectified, enhanced, JPEG or PNG bytes, in memory only) and
hands it over.  The screen never waits for any of this: on its own clock it
shows the camera's newest frame with the latest outline and gate words, so
the preview stays smooth while detection runs at whatever rate the CPU allows.

The camera is anything with ``latest()`` and ``next_frame(after, timeout)``
returning frames with ``image`` (BGR) and ``seq`` — the ``DocumentCamera``
driver, or a test's frame source.  Results reach the screen through
``snapshot()`` (polled) and ``on_page`` (called on the worker thread; the
screen moves it onto the Kivy clock).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    def latest(self) -> Any: ...

    def next_frame(self, after: int = 0, timeout: float = 2.0) -> Any: ...


@dataclass(frozen=True)
class Seen:
    """What the loop last made of a frame (no image: the screen takes the newest frame itself)."""

    seq: int = 0
    corners: tuple[tuple[float, float], ...] = ()
    words: tuple[str, ...] = ()     # the failed gates' words, Chinese / English
    steady: bool = False            # every gate passes: the page is being held for capture
    capturing: bool = False         # the page is being made


@dataclass
class LiveScan:
    """One paper's live capture.  ``size`` and ``enhance`` are the catalog's
    ``scan_size`` and ``enhance`` for the paper."""

    camera: FrameSource
    size: str | None
    enhance: str | None
    on_page: Callable[[bytes], None]
    blur_threshold: float | None = None
    _seen: Seen = field(default_factory=Seen)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _armed: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._stop.clear()
        self._armed.set()
        self._thread = threading.Thread(target=self._run, name="live-scan", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(3.0)
        self._thread = None
        self._seen = Seen()

    def rearm(self) -> None:
        """Capture again (retake, the next page): the page on the tray now counts afresh."""
        self._armed.set()

    def snapshot(self) -> Seen:
        return self._seen

    def _run(self) -> None:
        from drivers.camera.detect import PageDetector
        from drivers.camera.quality import WORDS, AutoCapture, Gate, assess

        detector = PageDetector()
        rule = AutoCapture()
        seq = 0
        gate_words = {gate: f"{zh} / {en}" for gate, (zh, en) in WORDS.items()}
        while not self._stop.is_set():
            frame = self.camera.next_frame(seq, 0.5)
            if frame is None:
                self._seen = Seen(seq, (), (gate_words[Gate.NO_PAGE],))
                continue
            seq = frame.seq
            try:
                detection = detector.detect(frame.image, track=True)
                kwargs = {} if self.blur_threshold is None else {"blur_threshold": self.blur_threshold}
                quality = assess(frame.image, detection, self._size(), **kwargs)
            except Exception:   # one bad frame must not end the preview
                log.exception("live scan: a frame could not be checked")
                continue
            corners = detection.corners if detection is not None else None
            fire = rule.feed(corners, quality) and self._armed.is_set()
            shown = tuple((float(x), float(y)) for x, y in corners) if corners is not None else ()
            self._seen = Seen(seq, shown, tuple(gate_words[g] for g in quality.failed), quality.ok, fire)
            if fire:
                self._armed.clear()
                self._capture(frame.image, corners)

    def _size(self) -> str:
        from drivers.camera.rectify import CATALOG_SIZES

        return CATALOG_SIZES.get(self.size or "", "auto")

    def _capture(self, image: Any, corners: Any) -> None:
        from drivers.camera.enhance import CATALOG_MODES
        from drivers.camera.output import page_file
        from drivers.camera.pipeline import scan_page

        try:
            page = scan_page(image, corners, self._size(), CATALOG_MODES.get(self.enhance or "", "colour"))
            data, _media_type = page_file(page)
        except Exception:
            log.exception("live scan: the page could not be made; waiting for the next steady page")
            self._armed.set()
            return
        self.on_page(data)
