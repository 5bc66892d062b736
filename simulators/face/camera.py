"""The virtual hut's front camera (前置摄像头): FaceScenes frames as an MJPEG
stream over HTTP, the way a network camera facing the resident sends them.

The faces are the registry's test photographs (simulators/face/samples.py),
fetched into a cache the first time.  That fetch runs on its own thread so
the hut starts at once; until it is done, or when the registry cannot be
reached, the camera shows an empty wall ("nobody") and ``status`` says why.
A camera with nobody in front of it is still a working camera: the kiosk
sees it online and the face check simply finds no face.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.camera.mjpeg import MjpegCamera, MjpegServer
from simulators.face.samples import fetch
from simulators.face.scenes import HEIGHT, SCENES, WIDTH, FaceScenes, wall

log = logging.getLogger(__name__)


class FrontCameraSimulator(MjpegCamera):
    """``control("show", scene=...)`` puts the holder, another person, a printed
    photo of the holder or nobody in front of the camera."""

    name = "front_camera"
    description = "前置摄像头 (face check camera) as an MJPEG stream over HTTP / front camera simulator"

    def __init__(self, workdir: Path, port: int = 0, fps: float = 10.0, scene: str = "nobody",
                 quality: int = 85, samples: str | None = None,
                 faces: Callable[[], FaceScenes] | None = None):
        """``samples``: the photographs' folder (default: the shared cache);
        ``faces`` builds the scenes instead (tests give one that fails)."""
        self.workdir = Path(workdir)
        self.fps = fps
        self.quality = quality
        self._check_scene(scene)
        self._scene = scene
        self._make_faces = faces or (lambda: FaceScenes(fetch(Path(samples) if samples else None)))
        self._faces: FaceScenes | None = None
        self._faces_state = "loading"
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._still: dict[str, bytes] = {"nobody": self._encode(wall())}   # scenes that do not move
        self._http = MjpegServer(self._next_jpeg, fps, port, name="front-camera")

    # -- hut contract -----------------------------------------------------------
    def start(self) -> None:
        if self._loader is None:
            self._loader = threading.Thread(target=self._load_faces, name="front-camera-faces", daemon=True)
            self._loader.start()
        super().start()

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"front_camera": {"driver": "face_camera.uvc", "url": self.url,
                                             "options": {"width": WIDTH, "height": HEIGHT, "fps": float(self.fps),
                                                         "stall_seconds": 1.0, "reconnect_interval": 0.3}}}}

    def _actions(self) -> dict[str, Any]:
        return {"show": self._show}

    # -- control actions ------------------------------------------------------------
    def _show(self, scene: str) -> dict[str, Any]:
        self._check_scene(scene)
        with self._lock:
            self._scene = scene
        return self._status()

    def _status(self) -> dict[str, Any]:
        with self._lock:
            scene, showing, faces = self._scene, self._showing(self._scene), self._faces_state
        return {"plugged": self._http.plugged, "scene": scene, "showing": showing, "faces": faces,
                "frames_sent": self._http.frames_sent, "url": self.url}

    @staticmethod
    def _check_scene(scene: str) -> None:
        if scene not in SCENES:
            raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(SCENES)}")

    # -- what the camera sees -----------------------------------------------------------
    def _load_faces(self) -> None:
        try:
            faces = self._make_faces()
        except Exception as exc:   # whatever the fetch or a picture does, the hut keeps its camera
            log.warning("front camera: no face photographs (%s); it shows nobody", exc)
            with self._lock:
                self._faces_state = f"unavailable ({exc}); showing nobody"
            return
        with self._lock:
            self._faces, self._faces_state = faces, "ready"

    def _showing(self, scene: str) -> str:
        return scene if self._faces is not None else "nobody"

    def _next_jpeg(self, n: int) -> bytes:
        with self._lock:
            scene, faces = self._showing(self._scene), self._faces
            still = self._still.get(scene)
        if still is not None:
            return still
        assert faces is not None   # every scene but nobody needs the photographs
        jpeg = self._encode(faces.frame(scene, n / self.fps))
        if scene != "printed_photo":   # held in a hand, it moves; the rest stand still
            with self._lock:
                self._still[scene] = jpeg
        return jpeg

    def _encode(self, rgb: np.ndarray) -> bytes:
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)   # the scenes are RGB, a JPEG encoder takes BGR
        _, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return buf.tobytes()
