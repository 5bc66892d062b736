"""Reading the receipt's QR code (its tracking address) under the camera.

A resident holds the slip the kiosk printed under the 高拍仪 to query the
progress of a matter; cv2.QRCodeDetector finds and decodes it.  A slip held
far away gives a small code, so a second try runs on a 2x enlargement.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.frames import as_bgr


def read_qr(frame: np.ndarray) -> str | None:
    """The QR code's text, or None when there is none that decodes."""
    frame = as_bgr(frame)
    if min(frame.shape[:2]) < 21:
        return None
    detector = cv2.QRCodeDetector()
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for image in (grey, cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)):
        try:
            text, _points, _ = detector.detectAndDecode(image)
        except cv2.error:
            continue
        if text:
            return text
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
    try:
        text, _points, _ = cv2.QRCodeDetector().detectAndDecode(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    except cv2.error:
        return None
    return text or None
