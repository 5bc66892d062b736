"""How ``kiosk provision`` recognises a camera: OpenCV opens it and hands
over a frame.  The document camera and the front camera both answer it
(drivers/camera/manifest.py says how provision tells them apart)."""

from __future__ import annotations

from typing import Any

from drivers.manifest import Answer


def look(source: str) -> Answer:
    import cv2

    where: Any = source
    backend = cv2.CAP_FFMPEG if source.startswith(("http://", "https://", "rtsp://")) else cv2.CAP_ANY
    capture = cv2.VideoCapture(where, backend)
    try:
        if not capture.isOpened():
            return Answer("OpenCV cannot open it", recognised=False)
        ok, frame = capture.read()
        if not ok or frame is None:
            return Answer("opens in OpenCV but gives no frame", recognised=False)
        height, width = frame.shape[:2]
        return Answer(f"camera: a {width}x{height} frame from OpenCV")
    finally:
        capture.release()
