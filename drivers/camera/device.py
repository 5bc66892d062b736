"""The document camera (高拍仪) on cv2.VideoCapture.

A capture thread reads frames as fast as the camera sends them and keeps
only the latest (one slot, replaced, never a queue that grows): whoever asks
gets the newest frame, so a slow consumer sees a later frame rather than an
older one.  The same thread watches the stream: no frame for
``stall_seconds`` is ``hardware_error`` (frames stopped), a camera that does
not open is ``no_device``, and it keeps reopening until frames come back
(replugged, or the network camera is reachable again).

``port`` is a V4L2 index ("0") or device path ("/dev/video0"); ``url`` a
network camera's stream, opened through OpenCV's FFmpeg backend.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import cv2
import numpy as np
from pydantic import Field

from drivers.base import (
    Action,
    Counters,
    Device,
    DeviceFailure,
    DeviceInfo,
    HealthLevel,
    OptionError,
    Status,
)
from drivers.options import DriverOptions, validate

log = logging.getLogger(__name__)

# FFmpeg prints "Connection refused" to stderr on every reconnect attempt of
# an unplugged network camera; the state change and the log say it once.
# OpenCV adds its own "can't be used to capture by name" warning for each of them.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

RECONNECT_LONGEST = 5.0   # seconds: the pause between attempts doubles from reconnect_interval up to this

COUNTERS = ("frames", "stalls", "reconnects")


class CameraOptions(DriverOptions):
    width: int = Field(1920, ge=160, le=8192, description="requested frame width in pixels, 160..8192")
    height: int = Field(1080, ge=120, le=8192, description="requested frame height in pixels, 120..8192")
    fps: float = Field(15.0, ge=1.0, le=120.0, description="requested frames per second, 1..120")
    mjpg: bool = Field(True, description="true to ask a USB camera for MJPG (more frames per second over USB 2)")
    stall_seconds: float = Field(2.0, ge=0.2, le=60.0, description="seconds without a frame before frames count as stopped")
    reconnect_interval: float = Field(1.0, ge=0.05, le=60.0,
                                      description="seconds before the first attempt to reopen the camera (doubling up to 5)")
    open_timeout: float = Field(5.0, ge=0.5, le=60.0, description="seconds to wait for a stream to open")
    blur_threshold: float = Field(60.0, ge=0.0, le=100000.0,
                                  description="variance of the Laplacian at 100 dpi below which a page is blurred")


@dataclass(frozen=True)
class Frame:
    """One captured frame: ``seq`` counts frames since the camera opened."""

    image: np.ndarray = field(repr=False)
    seq: int
    at: float        # time.monotonic() when it arrived

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


def sharpness(image: np.ndarray) -> float:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


class DocumentCamera(Device):
    """高拍仪 / document camera: a UVC camera or a network camera's stream."""

    device_class: ClassVar[str] = "camera"
    # port = a V4L2 node or index ("/dev/video0", "0"); url = a network camera's stream
    transports: ClassVar[frozenset[str]] = frozenset({"video", "network"})
    Options: ClassVar[type[CameraOptions]] = CameraOptions
    # how technicians and staff read it in states and errors: (Chinese, English)
    called: ClassVar[tuple[str, str]] = ("高拍仪", "document camera")

    def __init__(self, name: str, *, port: str | None = None, url: str | None = None,
                 options: dict[str, Any] | None = None, counters: Counters | None = None):
        super().__init__(name, counters)
        if bool(port) == bool(url):
            raise OptionError("url" if url else "port",
                              'either port = "0" or "/dev/video0", or url = "http://host/video.mjpg"')
        self.port, self.url = port, url
        self.options: CameraOptions = validate(self.Options, options or {})
        self._slot_lock = threading.Condition()
        self._latest: Frame | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._capture: cv2.VideoCapture | None = None
        self._set_info(DeviceInfo(model="network camera" if url else f"UVC {self.called[1]}",
                                  capabilities=frozenset({"latest_frame", "health_frame"}
                                                         | ({"mjpg"} if self.options.mjpg and not url else set()))))

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> DocumentCamera:
        return cls(name, port=getattr(cfg, "port", None), url=getattr(cfg, "url", None),
                   options=dict(getattr(cfg, "options", None) or {}), counters=counters)

    @property
    def where(self) -> str:
        return self.url or self.port or "-"

    # -- opening ---------------------------------------------------------------
    def _source(self) -> tuple[int | str, int]:
        if self.url:
            return self.url, cv2.CAP_FFMPEG
        port = self.port or ""
        if port.isdigit():
            return int(port), cv2.CAP_V4L2
        return port, cv2.CAP_V4L2

    def _connect(self) -> cv2.VideoCapture | None:
        source, api = self._source()
        timeout_ms = int(self.options.open_timeout * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                  int(self.options.stall_seconds * 1000)]
        capture = cv2.VideoCapture(source, api, params)
        if not capture.isOpened():
            capture.release()
            return None
        if not self.url:   # a USB camera takes the format we ask for; a stream is what it is
            if self.options.mjpg:
                capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.options.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.options.height)
            capture.set(cv2.CAP_PROP_FPS, self.options.fps)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return capture

    def _open(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.name}", daemon=True)
        self._thread.start()

    def _close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.options.open_timeout + self.options.stall_seconds + 2)
            self._thread = None
        self._release()
        with self._slot_lock:
            self._latest = None
            self._slot_lock.notify_all()
        self._set_state(Status.OFFLINE)

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    # -- the capture thread ------------------------------------------------------
    def _run(self) -> None:
        was_online = False
        pause = self.options.reconnect_interval
        while not self._stop.is_set():
            if self._capture is None:
                self._capture = self._connect()
                if self._capture is None:
                    self._set_state(Status.NO_DEVICE, where=self.where)
                    self._stop.wait(pause)
                    pause = min(pause * 2, max(RECONNECT_LONGEST, self.options.reconnect_interval))
                    continue
                pause = self.options.reconnect_interval
                if was_online:
                    self.counters.incr("reconnects")
                last_frame = time.monotonic()
            ok, image = self._capture.read()
            now = time.monotonic()
            if ok and image is not None and image.size:
                image.setflags(write=False)   # handed out shared: nobody may draw on it
                if self.status != Status.ONLINE:   # before the frame: whoever gets it sees online
                    h, w = image.shape[:2]
                    self._set_state(Status.ONLINE, resolution=f"{w}x{h}")
                    was_online = True
                with self._slot_lock:
                    self._seq += 1
                    self._latest = Frame(image, self._seq, now)
                    self._slot_lock.notify_all()
                self.counters.incr("frames")
                last_frame = now
                continue
            if self._capture.isOpened() and now - last_frame < self.options.stall_seconds:
                self._stop.wait(0.01)
                continue
            self._on_stall()

    def _on_stall(self) -> None:
        self._release()
        with self._slot_lock:
            self._latest = None
        self.counters.incr("stalls")
        if self.status == Status.ONLINE:
            self._set_state(Status.HARDWARE_ERROR, reason="frames_stopped", where=self.where)
            zh, en = self.called
            self._report_error(f"{zh}没有画面 / {en} frames stopped ({self.where}); "
                               "reconnecting by itself — check the cable if it persists", Action.AUTO, "frames_stopped")

    # -- for the kiosk -----------------------------------------------------------
    def latest(self) -> Frame | None:
        """The newest frame, or None when there is none (yet)."""
        with self._slot_lock:
            return self._latest

    def next_frame(self, after: int = 0, timeout: float = 2.0) -> Frame | None:
        """The first frame newer than sequence number ``after``."""
        deadline = time.monotonic() + timeout
        with self._slot_lock:
            while self._latest is None or self._latest.seq <= after:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return None
                self._slot_lock.wait(remaining)
            return self._latest

    def _check_health(self, level: HealthLevel) -> str:
        zh, en = self.called
        if self.status == Status.NO_DEVICE:
            raise DeviceFailure(f"未找到{zh} / no {en} at {self.where}", Action.MAINTENANCE, "no_device")
        if self.status == Status.HARDWARE_ERROR:
            raise DeviceFailure(f"{zh}没有画面 / {en} frames stopped ({self.where})",
                                Action.MAINTENANCE, "frames_stopped")
        latest = self.latest()
        frame = latest if level == HealthLevel.INTERNAL else self.next_frame(
            latest.seq if latest is not None else 0, self.options.stall_seconds)
        if frame is None:
            raise DeviceFailure(f"{zh}无画面 / {en} sends no frames ({self.where})", Action.AUTO,
                                "no_frame")
        if level == HealthLevel.INTERNAL:
            return "OK"
        w, h = frame.size
        return f"OK ({w}x{h}, sharpness {sharpness(frame.image):.0f})"
