"""Reading the receipt's QR code (its tracking address) under the camera.

A resident holds the slip the kiosk printed under the 高拍仪 to query the
progress of a matter; cv2.QRCodeDetector finds and decodes it.  A slip held
far away gives a small code, so a second try runs on a 2x enlargement.

OpenCV has two detectors, and each misses some codes the other reads: the
classic one (``QRCodeDetector``) and one that finds the finder patterns as
ArUco markers (``QRCodeDetectorAruco``).  Which codes a detector misses depends
on the code's content and what is printed around it, so a slip lying still
under the camera, looked at the same way again and again, may never be read.
``read_qr`` tries both; the live watcher alternates them (``read_qr_close``).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from drivers.camera.frames import as_bgr


def _decode(detector: Any, grey: np.ndarray) -> str | None:
    try:
        text, _points, _ = detector.detectAndDecode(grey)
    except cv2.error:
        return None
    return text or None


def _detector(aruco: bool) -> Any:
    return cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()


def read_qr(frame: np.ndarray) -> str | None:
    """The QR code's text, or None when there is none that decodes: the
    classic detector at full size and on a 2x enlargement, then the other
    detector on the enlargement."""
    frame = as_bgr(frame)
    if min(frame.shape[:2]) < 21:
        return None
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    enlarged = cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    for aruco, image in ((False, grey), (False, enlarged), (True, enlarged)):
        text = _decode(_detector(aruco), image)
        if text:
            return text
    return None


def find_qr(frame: np.ndarray) -> np.ndarray | None:
    """The four corners (4x2, pixels) of a QR code in the frame, or None: the
    classic detector, then the other one."""
    grey = cv2.cvtColor(as_bgr(frame), cv2.COLOR_BGR2GRAY)
    for aruco in (False, True):
        try:
            found, points = _detector(aruco).detect(grey)
        except cv2.error:
            continue
        if found and points is not None:
            return np.asarray(points, np.float32).reshape(-1, 2)[:4]
    return None


LIVE_MAX_SIDE = 1280


def read_qr_live(frame: np.ndarray) -> str | None:
    """One quick look at a live frame: at most ``LIVE_MAX_SIDE`` px on its long
    side, no enlargement.  A camera watched a few times a second sends another
    frame soon, and an empty tray must stay cheap: on a 1080p frame this is
    about 20 ms against about 180 ms for ``read_qr``'s two looks at full size."""
    frame = as_bgr(frame)
    if min(frame.shape[:2]) < 21:
        return None
    scale = LIVE_MAX_SIDE / max(frame.shape[:2])
    if scale < 1:
        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _decode(cv2.QRCodeDetector(), cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


def read_qr_close(frame: np.ndarray, aruco: bool = False) -> str | None:
    """A closer look for a code the quick look keeps missing: the frame at
    twice ``LIVE_MAX_SIDE`` on its long side, with the classic detector or
    (``aruco``) the other one.  Of 300 receipts under the 1080p camera
    (bench/bench_slip_qr.py, docs/PERFORMANCE.md), laid flat whole, the
    quick look read 213, this 296 (classic) and 300 (ArUco); it costs about
    100-140 ms, so the watcher takes it about once a second, not on every
    frame."""
    frame = as_bgr(frame)
    if min(frame.shape[:2]) < 21:
        return None
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    scale = 2 * LIVE_MAX_SIDE / max(grey.shape[:2])
    grey = cv2.resize(grey, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    return _decode(_detector(aruco), grey)
