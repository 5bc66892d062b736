"""A network camera's HTTP side: MJPEG parts at a set rate, and unplugging.

``GET /video.mjpg`` is ``multipart/x-mixed-replace`` JPEG parts at ``fps``,
which cv2.VideoCapture opens through its FFmpeg backend exactly as it opens a
network camera; ``GET /snapshot.jpg`` is one JPEG.  What is shown comes from
``next_jpeg(n)`` (n counts the parts of one stream), so the document camera
and the front camera simulators share this and differ only in what they
draw.  Unplugging closes the listening socket and ends every stream, which
is what the driver sees when a camera's cable is pulled; plugging back in
listens on the same port again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

BOUNDARY = "hutcameraframe"


class MjpegServer:
    def __init__(self, next_jpeg: Callable[[int], bytes], fps: float, port: int = 0, name: str = "camera"):
        self.next_jpeg = next_jpeg
        self.fps = fps
        self.port = port
        self.name = name
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._plugged = threading.Event()
        self._frames_sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    @property
    def plugged(self) -> bool:
        return self._plugged.is_set()

    @property
    def frames_sent(self) -> int:
        with self._lock:
            return self._frames_sent

    def plug(self) -> None:
        if self._server is not None:
            return
        stream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug(f"{stream.name}: " + fmt, *args)

            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/snapshot.jpg":
                    data = stream.next_jpeg(0)
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if self.path.split("?")[0] != "/video.mjpg":
                    self.send_error(404, "use /video.mjpg or /snapshot.jpg")
                    return
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                stream._stream(self.wfile)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.allow_reuse_address = True
        self.port = server.server_address[1]
        self._server = server
        self._plugged.set()
        self._thread = threading.Thread(target=server.serve_forever, name=f"{self.name}-sim", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        self._plugged.clear()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _stream(self, out: Any) -> None:
        """Paced parts until the client leaves or the camera is unplugged."""
        period = 1.0 / self.fps
        n = 0
        next_at = time.monotonic()
        while self._plugged.is_set():
            data = self.next_jpeg(n)
            head = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n").encode()
            try:
                out.write(head + data + b"\r\n")
                out.flush()
            except (TimeoutError, BrokenPipeError, ConnectionResetError, OSError):
                return
            n += 1
            with self._lock:
                self._frames_sent += 1
            next_at += period
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()


class MjpegCamera:
    """What the hut's cameras share: the stream, the hut contract (start, stop,
    where), unplug / replug / status through ``control``.  A camera sets
    ``self._http = MjpegServer(...)`` and names its own actions in
    ``_actions()`` and its state in ``_status()``."""

    name = "camera"
    _http: MjpegServer

    def start(self) -> None:
        self._http.plug()

    def stop(self) -> None:
        self._http.unplug()

    def where(self) -> str:
        return self.url

    @property
    def url(self) -> str:
        return self._http.url

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions = {**self._actions(), "unplug": self._do_unplug, "replug": self._do_replug, "status": self._status}
        if action not in actions:
            raise ValueError(f"unknown {self.name.replace('_', ' ')} action {action!r}; "
                             f"actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    def _actions(self) -> dict[str, Callable[..., dict[str, Any]]]:
        return {}

    def _status(self) -> dict[str, Any]:
        raise NotImplementedError

    def _do_unplug(self) -> dict[str, Any]:
        self._http.unplug()
        return self._status()

    def _do_replug(self) -> dict[str, Any]:
        self._http.plug()
        return self._status()
