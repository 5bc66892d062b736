"""The virtual hut's document camera: an MJPEG stream over HTTP.

``GET /video.mjpg`` is ``multipart/x-mixed-replace`` JPEG parts at the set
FPS, which cv2.VideoCapture opens through its FFmpeg backend exactly as it
opens a network document camera.  What the camera sees is a synthetic scene
(simulators/camera/scenes.py) or the images of a folder, in turn.  The
control API places a page, takes it away, adds a hand, glare or blur, and
unplugs the camera (the listening socket closes and every stream ends) or
plugs it back in on the same port.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.camera.scenes import KINDS, render_scene

log = logging.getLogger(__name__)

BOUNDARY = "hutcameraframe"
SPOILERS = ("hand", "glare", "blur", "shadow")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


class CameraSimulator:
    """高拍仪 over HTTP.  ``control()`` drives it from tests and the demo."""

    name = "camera"
    description = "高拍仪 (document camera) as an MJPEG stream over HTTP / document camera simulator"

    def __init__(self, workdir: Path, port: int = 0, fps: float = 15.0, size: tuple[int, int] = (1280, 720),
                 folder: str | None = None, seed: int = 1, kind: str = "dark", quality: int = 85):
        self.workdir = Path(workdir)
        self.port = port
        self.fps = fps
        self.size = (int(size[0]), int(size[1]))
        self.folder = Path(folder) if folder else None
        self.quality = quality
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._plugged = threading.Event()
        self._seed, self._kind = seed, kind
        self._page = False
        self._spoilers: set[str] = set()
        self._jpeg = b""
        self._folder_images: list[bytes] = []
        self._frames_sent = 0
        self.last_corners: np.ndarray | None = None   # the page's truth in the frame, for tests
        self._render()

    # -- hut contract -----------------------------------------------------------
    def start(self) -> None:
        if self._server is None:
            self._plug()

    def stop(self) -> None:
        self._unplug()

    def where(self) -> str:
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"camera": {"driver": "camera.uvc", "url": self.url,
                                       "options": {"width": self.size[0], "height": self.size[1],
                                                   "fps": float(self.fps), "stall_seconds": 1.0,
                                                   "reconnect_interval": 0.3}}}}

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions = {
            "place_page": self._place_page, "remove_page": self._remove_page,
            "add": self._add, "clear": self._clear, "unplug": self._do_unplug, "replug": self._do_replug,
            "status": self._status,
        }
        if action not in actions:
            raise ValueError(f"unknown camera action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    # -- control actions -----------------------------------------------------------
    def _place_page(self, seed: int | None = None, kind: str | None = None) -> dict[str, Any]:
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown background kind {kind!r}; kinds: {', '.join(KINDS)}")
        with self._lock:
            self._page = True
            self._seed = self._seed if seed is None else int(seed)
            self._kind = kind or self._kind
        self._render()
        return self._status()

    def _remove_page(self) -> dict[str, Any]:
        with self._lock:
            self._page = False
        self._render()
        return self._status()

    def _add(self, what: str) -> dict[str, Any]:
        if what not in SPOILERS:
            raise ValueError(f"cannot add {what!r}; one of {', '.join(SPOILERS)}")
        with self._lock:
            self._spoilers.add(what)
        self._render()
        return self._status()

    def _clear(self) -> dict[str, Any]:
        with self._lock:
            self._spoilers.clear()
        self._render()
        return self._status()

    def _do_unplug(self) -> dict[str, Any]:
        self._unplug()
        return self._status()

    def _do_replug(self) -> dict[str, Any]:
        if self._server is None:
            self._plug()
        return self._status()

    def _status(self) -> dict[str, Any]:
        with self._lock:
            return {"plugged": self._plugged.is_set(), "page": self._page, "seed": self._seed, "kind": self._kind,
                    "spoilers": sorted(self._spoilers), "frames_sent": self._frames_sent, "url": self.url,
                    "folder": str(self.folder) if self.folder else None}

    # -- what the camera sees ---------------------------------------------------------
    def _render(self) -> None:
        """Render the current scene once; the stream repeats its JPEG."""
        if self.folder is not None:
            images = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            frames = []
            for path in images:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is not None:
                    frames.append(self._encode(cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)))
            with self._lock:
                self._folder_images = frames
            return
        with self._lock:
            seed, kind, page, spoilers = self._seed, self._kind, self._page, tuple(sorted(self._spoilers))
        conditions = tuple(c for c in ("shadow", "glare", "hand") if c in spoilers)
        scene = render_scene(seed, kind, self.size, doc="a4", with_tray=True, conditions=conditions)
        image = scene.image if page else scene.tray
        assert image is not None
        if "blur" in spoilers:
            image = cv2.GaussianBlur(image, (0, 0), 5)
        jpeg = self._encode(image)
        with self._lock:
            self._jpeg = jpeg
            self.last_corners = scene.corners if page else None

    def _encode(self, image: np.ndarray) -> bytes:
        _, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return buf.tobytes()

    def _next_jpeg(self, n: int) -> bytes:
        with self._lock:
            if self._folder_images:
                return self._folder_images[n % len(self._folder_images)]
            return self._jpeg

    # -- plug --------------------------------------------------------------------------
    def _plug(self) -> None:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("camera: " + fmt, *args)

            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/snapshot.jpg":
                    data = sim._next_jpeg(0)
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
                sim._stream(self.wfile)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.allow_reuse_address = True
        self.port = server.server_address[1]
        self._server = server
        self._plugged.set()
        self._thread = threading.Thread(target=server.serve_forever, name="camera-sim", daemon=True)
        self._thread.start()

    def _unplug(self) -> None:
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
            data = self._next_jpeg(n)
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
