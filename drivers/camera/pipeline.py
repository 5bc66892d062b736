"""One page from one frame: rectify, turn upright, enhance.

The kiosk's scan step, the corners-by-touch screen (the page made again
from the corners the resident corrected) and the CLI's ``scan rectify`` all
call :func:`scan_page`, so the page a resident uploads is the page a
technician checks.

Order matters for speed: a 1080p camera sees an A4 page in ~0.5 megapixels,
the 300 dpi page has 8.7.  So the lighting is divided out on the page's
region of the frame, the text direction is decided on a 60 dpi thumbnail,
and one warp (with the turn folded into its corner order) makes the full
page; only black-and-white thresholds at full size, where strokes are thin.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.enhance import MODES, flatten, to_bw
from drivers.camera.frames import ScanError, as_bgr
from drivers.camera.rectify import DPI, check_corners, rectify, target_size, text_rotation

THUMB_DPI = 60


def scan_page(frame: np.ndarray, corners: np.ndarray, size: str = "a4", mode: str = "colour",
              dpi: int = DPI, turn_upright: bool = True) -> np.ndarray:
    """The page inside ``corners`` of ``frame``: flat, at ``size`` and
    ``dpi``, text upright, enhanced by ``mode``.

    ``corners`` are frame pixels in the order they go round the page, from
    any corner, either direction, a corner possibly outside the frame: the
    detector's, or the four handles of the corners-by-touch screen.  An
    outline that crosses itself, is dented, squashed or has two corners on
    one point raises ScanError (codes ``corners_cross``, ``corners_concave``,
    ``degenerate_corners``, ``bad_corners``) with words a screen can show.
    """
    if mode not in MODES:
        raise ScanError(f"unknown enhancement mode {mode!r}; known: {', '.join(MODES)}", "bad_mode")
    frame = as_bgr(frame)
    corners = check_corners(corners, frame.shape)
    h, w = frame.shape[:2]
    x0, y0 = np.floor(np.clip(corners.min(axis=0) - 8, 0, [w, h])).astype(int)
    x1, y1 = np.ceil(np.clip(corners.max(axis=0) + 8, 0, [w, h])).astype(int)
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ScanError("the page lies outside the frame", "no_page")
    region = flatten(frame[y0:y1, x0:x1])
    local = (corners - np.array([x0, y0], np.float32)).astype(np.float32)
    turn = text_rotation(rectify(region, local, size, THUMB_DPI)) if turn_upright else 0
    # Turning the page clockwise by 90 degrees makes its bottom-left corner
    # the new top-left: the corner order rolls by one.
    ordered = np.roll(local, turn // 90, axis=0)
    out_w, out_h = target_size(ordered, size, dpi)
    source = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY) if mode == "grey" else region
    stretch = max(out_w, out_h) / max(float(np.ptp(local[:, 0])), float(np.ptp(local[:, 1])), 1.0)
    if stretch > 1.3:
        # Upsampled camera pixels: their noise and JPEG blocks would become
        # large, costly specks; smoothing by a camera pixel loses nothing real.
        source = cv2.GaussianBlur(source, (0, 0), 0.6)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    page = cv2.warpPerspective(source, cv2.getPerspectiveTransform(ordered, dst), (out_w, out_h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return to_bw(page) if mode == "bw" else page
