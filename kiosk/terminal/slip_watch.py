"""进度查询 by the slip: the document camera reads the slip's QR code while the
progress step waits for a proof.

``ProgressFlow`` decides when a proof is awaited (``camera_wanted``); this
watcher follows it, reads QR codes on the document camera's newest frames on
its own thread (``drivers.camera.qr.read_qr_live``, one quick look a few
times a second: the camera also serves the papers step, and a slip lies still), and hands each
newly seen text to ``on_text`` on the flow's thread through ``post``.  A slip
left lying under the camera is read once: the same text is handed over again
only after the camera has seen no code for a moment (the slip taken away and
shown again), so "nothing found" does not turn into a loop of queries.
Nothing of the frames is kept.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

READS_PER_SECOND = 4.0
FORGET_AFTER_SECONDS = 1.5   # no code seen this long: the same slip shown again counts again


class SlipQrWatch:
    """``flow`` has ``camera_wanted`` and ``subscribe``; ``camera()`` gives the
    document camera's driver (``next_frame``) or None; ``post(fn)`` runs ``fn``
    on the flow's thread; ``on_text(text)`` gets each QR text read."""

    def __init__(self, flow: Any, camera: Callable[[], Any], post: Callable[[Callable[[], None]], None],
                 on_text: Callable[[str], None], *, reads_per_second: float = READS_PER_SECOND):
        from drivers.camera.qr import read_qr_live  # OpenCV: loaded with the flows, after the first frame

        self.read: Callable[[Any], str | None] = read_qr_live
        self.flow, self.camera, self.post, self.on_text = flow, camera, post, on_text
        self.interval = 1.0 / reads_per_second
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._last_text = ""
        self._unsubscribe = flow.subscribe(self._follow)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        self._unsubscribe()
        self._halt()

    def _follow(self, _view: Any) -> None:
        if self.flow.camera_wanted:
            if self._thread is None:
                self._start()
        else:
            self._halt()
            if self.flow.state.value == "closed":
                self._last_text = ""   # the next resident's slip is new, whatever it says

    def _start(self) -> None:
        camera = self.camera()
        if camera is None:
            return
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(target=self._run, args=(camera, stop), name="slip-qr", daemon=True)
        self._thread.start()

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._stop, self._thread = None, None

    def _run(self, camera: Any, stop: threading.Event) -> None:
        seq, unseen_since = 0, time.monotonic()
        while not stop.is_set():
            frame = camera.next_frame(seq, 1.0)
            if frame is None:
                continue
            seq = frame.seq
            try:
                text = self.read(frame.image)
            except Exception:   # one frame the decoder chokes on must not end the watch
                log.exception("slip watch: a frame could not be read")
                text = None
            now = time.monotonic()
            if not text:
                if now - unseen_since > FORGET_AFTER_SECONDS:
                    self._last_text = ""
            else:
                unseen_since = now
                if text != self._last_text:
                    self._last_text = text
                    log.info("slip watch: a QR code was read")
                    self.post(functools.partial(self._deliver, stop, text))
            stop.wait(self.interval)

    def _deliver(self, stop: threading.Event, text: str) -> None:
        if not stop.is_set() and self.flow.camera_wanted:
            self.on_text(text)
