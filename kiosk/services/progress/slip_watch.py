"""进度查询 by the slip: the document camera reads the slip's QR code while the
progress step waits for a proof.

``ProgressFlow`` decides when a proof is awaited (``camera_wanted``); this
camera work follows it, reads QR codes on the document camera's newest frames
and reports each newly seen text to ``on_text`` on the flow's thread.

Each frame gets one quick look (``drivers.camera.qr.read_qr_live``), a few
times a second: the camera also serves the papers step, and a slip lies
still.  While nothing is read, about once a second the look is a closer one
(``read_qr_close``: enlarged, with OpenCV's two detectors in turn).  A whole
receipt laid flat on the tray gives a code too small for the quick look, and
a code that one detector misses on a slip lying still, it misses on every
frame: without the closer look such a resident would wait for nothing.

A slip left lying under the camera is read once: the same text is reported
again only after the camera has seen no code for a moment, a closer look
included (the slip taken away and shown again), so
"nothing found" does not turn into a loop of queries.  Nothing of the frames
is kept.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any, Callable

from kiosk.flows.camera_work import CameraWork, Post, Report

log = logging.getLogger(__name__)

READS_PER_SECOND = 4.0
FORGET_AFTER_SECONDS = 1.5   # no code seen this long: the same slip shown again counts again
CLOSE_LOOK_EVERY = 4         # looks: every 4th look that reads nothing is a closer one


class SlipQrWatch(CameraWork):
    """``camera()`` gives the document camera's driver (``next_frame``) or
    None; ``on_text(text)`` gets each QR text read, on the flow's thread."""

    name = "slip-qr"

    def __init__(self, camera: Callable[[], Any], post: Post, on_text: Callable[[str], Any], *,
                 reads_per_second: float = READS_PER_SECOND):
        super().__init__(camera, post)
        self.on_text = on_text
        self.interval = 1.0 / reads_per_second
        self._last_text = ""

    def forget(self) -> None:
        """The next resident's slip is new, whatever it says."""
        self._last_text = ""

    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        from drivers.camera.qr import read_qr_close, read_qr_live  # OpenCV: only once a slip is awaited

        seq, unseen_since, looks = 0, time.monotonic(), 0
        aruco = False          # the closer look's detector: kept while it reads, the other after a miss
        close_missed = True    # a closer look has seen nothing since the code was last seen
        while not stop.is_set():
            frame = camera.next_frame(seq, 1.0)
            if frame is None:
                continue
            seq = frame.seq
            looks += 1
            try:
                text = read_qr_live(frame.image)
                if not text and looks % CLOSE_LOOK_EVERY == 0:
                    text = read_qr_close(frame.image, aruco=aruco)
                    close_missed = not text
                    aruco = aruco if text else not aruco
            except Exception:   # one frame the decoder chokes on must not end the watch
                log.exception("slip watch: a frame could not be read")
                text = None
            now = time.monotonic()
            if not text:
                # forgotten only once a closer look, too, has seen nothing: a slip that
                # only the closer look reads is not "taken away" between its looks
                if now - unseen_since > FORGET_AFTER_SECONDS and close_missed:
                    self._last_text = ""
            else:
                unseen_since, close_missed = now, False
                if text != self._last_text:
                    self._last_text = text
                    log.info("slip watch: a QR code was read")
                    report(functools.partial(self.on_text, text))
            stop.wait(self.interval)
