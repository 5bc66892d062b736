"""Camera work a flow wants done while it is in some state: the live page
scan (papers), the slip's QR code (progress), the face check's attempts.

Each is the same shape, written once here: a worker thread takes a camera's
newest frames while the flow wants it, stops when the flow no longer does
(Back, Home, the idle timeout, a state change), and reports back on the
flow's thread through ``post``.  Every report carries the run's token and is
dropped when the work was stopped or restarted since, so a late result of a
stopped run never reaches the next state (or the next resident).

The camera is looked up when a run starts (``camera()``, None when the
terminal has none usable now); the screens never ask for a device.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], Any]], None]
Report = Callable[[Callable[[], Any]], None]


class CameraWork:
    """Subclasses implement ``work(camera, stop, report)``: loop until
    ``stop`` is set, hand results to the flow with ``report(fn)``."""

    name = "camera-work"

    def __init__(self, camera: Callable[[], Any], post: Post):
        self.camera, self.post = camera, post
        self._token = 0
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._last: threading.Thread | None = None   # the latest run's thread, for join()
        self._camera: Any = None                     # the camera of the run going now

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def wanted(self) -> bool:
        return self._stop is not None

    def want(self, wanted: bool) -> None:
        """Follow the flow: start a run when wanted and none is going, stop it when not."""
        if wanted and self._stop is None:
            self.start()
        elif not wanted and self._stop is not None:
            self.stop()

    def start(self) -> bool:
        """A new run (a running one stops first).  False when there is no camera now."""
        self.stop()
        camera = self.camera()
        if camera is None:
            self.post(self.no_camera)   # not inside the flow's own notification
            return False
        self._token += 1
        token, stop = self._token, threading.Event()
        self._stop, self._camera = stop, camera

        def report(event: Callable[[], Any]) -> None:
            def deliver() -> None:
                if token == self._token and not stop.is_set():
                    event()
            self.post(deliver)

        def run() -> None:
            try:
                self.work(camera, stop, report)
            except Exception:  # the work's own errors are its to report; this is the last net
                log.exception("%s stopped on an error", self.name)

        self._thread = self._last = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        """Stop the run (not waiting for its thread); what it still reports is dropped."""
        if self._stop is not None:
            self._stop.set()
        self._stop, self._thread, self._camera = None, None, None
        self._token += 1

    def latest_frame(self) -> Any:
        """The camera's newest frame while a run is going (a screen's live picture), else None."""
        camera = self._camera
        latest = getattr(camera, "latest", None)
        return latest() if latest is not None else None

    def join(self, timeout: float = 3.0) -> None:
        """Wait for the latest run's thread to end (tests, shutdown)."""
        thread = self._last
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def close(self) -> None:
        self.stop()
        self.join()

    # -- for subclasses -------------------------------------------------------------------
    def no_camera(self) -> None:
        """Called (posted) on the flow's thread when a run was wanted but no camera is usable."""

    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        raise NotImplementedError
