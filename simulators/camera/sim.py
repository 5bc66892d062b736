"""The virtual hut's document camera: an MJPEG stream over HTTP
(simulators/camera/mjpeg.py).  What the camera sees is a synthetic scene
(simulators/camera/scenes.py) or the images of a folder, in turn.  The
control API places a page, takes it away, adds a hand, glare or blur, and
unplugs the camera (the listening socket closes and every stream ends) or
plugs it back in on the same port.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.camera.mjpeg import MjpegCamera, MjpegServer
from simulators.camera.scenes import KINDS, render_scene

SPOILERS = ("hand", "glare", "blur", "shadow")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


class CameraSimulator(MjpegCamera):
    """高拍仪 over HTTP.  ``control()`` drives it from tests and the demo."""

    name = "camera"
    description = "高拍仪 (document camera) as an MJPEG stream over HTTP / document camera simulator"

    def __init__(self, workdir: Path, port: int = 0, fps: float = 15.0, size: tuple[int, int] = (1280, 720),
                 folder: str | None = None, seed: int = 1, kind: str = "dark", quality: int = 85):
        self.workdir = Path(workdir)
        self.fps = fps
        self.size = (int(size[0]), int(size[1]))
        self.folder = Path(folder) if folder else None
        self.quality = quality
        self._lock = threading.Lock()
        self._http = MjpegServer(self._next_jpeg, fps, port, name="camera")
        self._seed, self._kind = seed, kind
        self._placed: list[int] = []   # the page templates laid down lately
        self._page = False
        self._shown: np.ndarray | None = None   # a picture held under the camera (a printed slip)
        self._spoilers: set[str] = set()
        self._jpeg = b""
        self._folder_images: list[bytes] = []
        self.last_corners: np.ndarray | None = None   # the page's truth in the frame, for tests
        self._render()

    # -- hut contract (start, stop, where, url, control: MjpegCamera) -----------
    @property
    def port(self) -> int:
        return self._http.port

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"camera": {"driver": "camera.uvc", "url": self.url,
                                       "options": {"width": self.size[0], "height": self.size[1],
                                                   "fps": float(self.fps), "stall_seconds": 1.0,
                                                   "reconnect_interval": 0.3}}}}

    def _actions(self) -> dict[str, Any]:
        return {"place_page": self._place_page, "remove_page": self._remove_page, "show_image": self._show_image,
                "add": self._add, "clear": self._clear}

    # -- control actions -----------------------------------------------------------
    def _place_page(self, seed: int | None = None, kind: str | None = None) -> dict[str, Any]:
        """Lay a page on the tray: ``seed`` a given one (the same seed is the
        same page again); without it the next paper, a page unlike the last
        few laid down, as a resident lays one paper after another."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown background kind {kind!r}; kinds: {', '.join(KINDS)}")
        with self._lock:
            if seed is not None:
                self._seed = int(seed)
            elif self._placed:
                self._seed = next_paper_seed(self._seed, self._placed)
            self._placed = (self._placed + [template_of(self._seed)])[-4:]
            self._page = True
            self._kind = kind or self._kind
        self._render()
        return self._status()

    def _remove_page(self) -> dict[str, Any]:
        with self._lock:
            self._page = False
            self._shown = None
        self._render()
        return self._status()

    def _show_image(self, path: str, top: float = 0.0, bottom: float = 1.0) -> dict[str, Any]:
        """Hold a picture under the camera (a slip the printer simulator printed),
        its rows from ``top`` to ``bottom`` (shares of its height: the part of a
        long slip a resident holds up) filling most of the frame's height."""
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{path}: not a picture OpenCV can read")
        if not 0.0 <= top < bottom <= 1.0:
            raise ValueError("top and bottom are shares of the picture's height, 0 <= top < bottom <= 1")
        h = image.shape[0]
        part = image[int(top * h):max(int(top * h) + 1, int(bottom * h))]
        with self._lock:
            self._shown = part
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

    def _status(self) -> dict[str, Any]:
        with self._lock:
            return {"plugged": self._http.plugged, "page": self._page, "image": self._shown is not None,
                    "seed": self._seed, "kind": self._kind,
                    "spoilers": sorted(self._spoilers), "frames_sent": self._http.frames_sent, "url": self.url,
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
            shown = self._shown
        conditions = tuple(c for c in ("shadow", "glare", "hand") if c in spoilers)
        scene = render_scene(seed, kind, self.size, doc="a4", with_tray=True, conditions=conditions)
        image = scene.image if page else scene.tray
        assert image is not None
        if shown is not None:
            image = held_up(image.copy(), shown)
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


def held_up(tray: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """``picture`` on the tray, 85 % of the frame's height at most, centred."""
    th, tw = tray.shape[:2]
    ph, pw = picture.shape[:2]
    scale = min(0.85 * th / ph, 0.85 * tw / pw)
    small = cv2.resize(picture, (max(1, int(pw * scale)), max(1, int(ph * scale))), interpolation=cv2.INTER_AREA)
    top, left = (th - small.shape[0]) // 2, (tw - small.shape[1]) // 2
    tray[top:top + small.shape[0], left:left + small.shape[1]] = small
    return tray


def template_of(seed: int) -> int:
    """Which page template ``render_scene(seed, doc=..., conditions=...)`` draws
    (its first random number when the document and conditions are given;
    tests/simulators/camera checks this against ``render_scene``)."""
    return int(np.random.default_rng(seed).integers(0, 6))


def next_paper_seed(seed: int, recent: list[int]) -> int:
    """The next seed after ``seed`` whose page is none of the ``recent`` templates."""
    candidate = seed + 1
    while template_of(candidate) in recent and candidate < seed + 200:
        candidate += 1
    return candidate
