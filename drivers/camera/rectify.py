"""From four corners to a flat page at its physical size, text upright.

Offices want a copy that prints at the original's size: an A4 page at 300 dpi
is 2480 x 3508 pixels, an ID card 1011 x 638.  The two faces of an ID card go
on one A4 sheet, front above back, the way a photocopy is made at a counter.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.frames import ScanError, as_bgr

MM_PER_INCH = 25.4
# Portrait width x height in millimetres.  A5 and B5 are in the service catalog.
SIZES: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a5": (148.0, 210.0), "b5": (176.0, 250.0),
                                         "id1": (85.6, 54.0)}
CATALOG_SIZES = {"A4": "a4", "A5": "a5", "B5": "b5", "ID-1": "id1"}   # kiosk/filing/catalog.py SCAN_SIZES
DPI = 300


# What a screen says when corners are refused (Chinese first, English second), by ScanError code.
CORNER_WORDS: dict[str, tuple[str, str]] = {
    "bad_corners": ("边角位置无效，请重新拖动四个角", "The corners are not valid: drag the four corners again"),
    "degenerate_corners": ("边角太近或被压扁，请把四个角拖到纸张的四个角上",
                           "Corners too close or squashed: drag each corner onto a corner of the paper"),
    "corners_cross": ("边框交叉了，请检查两个角是否拖反", "The outline crosses itself: two corners are swapped"),
    "corners_concave": ("边框向内凹陷，请把每个角拖到纸张的角上",
                        "The outline is dented: drag each corner onto the paper's corner"),
}
MIN_CORNER_GAP = 8.0     # px: two corners closer than this are one corner
MIN_ANGLE = 15.0         # degrees: a corner sharper than this is a squashed outline, not a page


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def check_corners(corners: object, frame_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The page's four corners, checked, as top-left, top-right,
    bottom-right, bottom-left in frame pixels.

    The corners-by-touch screen hands over where the resident left the four
    handles; the detector hands over its corners.  They are taken in the
    order they go round the page, from any corner and in either direction,
    and may lie a little outside the frame (a page's corner beyond the
    view).  Refused with a ScanError a screen can show: not four finite
    points; a corner further outside the frame than the frame is large; two
    corners on top of each other; an outline that crosses itself (two
    handles dragged past each other: which page was meant is a guess); an
    outline dented inwards or squashed flat (a corner under 15 degrees).
    """
    try:
        pts = np.asarray(corners, np.float64).reshape(4, 2)
    except (TypeError, ValueError):
        raise ScanError("the corners must be four (x, y) points in frame pixels", "bad_corners") from None
    if not np.isfinite(pts).all():
        raise ScanError("a corner is not a number (NaN or infinite)", "bad_corners")
    if frame_shape is not None:
        h, w = frame_shape[:2]
        far = (pts[:, 0] < -w) | (pts[:, 0] > 2 * w) | (pts[:, 1] < -h) | (pts[:, 1] > 2 * h)
        if far.any():
            x, y = pts[int(np.argmax(far))]
            raise ScanError(f"corner ({x:.0f}, {y:.0f}) lies far outside the {w}x{h} frame", "bad_corners")
    gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    gaps[np.diag_indices(4)] = np.inf
    if gaps.min() < MIN_CORNER_GAP:
        raise ScanError("two corners are on top of each other: the outline has no area", "degenerate_corners")
    if _segments_cross(pts[0], pts[1], pts[2], pts[3]) or _segments_cross(pts[1], pts[2], pts[3], pts[0]):
        raise ScanError("the outline crosses itself: two corners are swapped", "corners_cross")
    turns = [_cross(pts[i - 1], pts[i], pts[(i + 1) % 4]) for i in range(4)]
    if not (all(t > 0 for t in turns) or all(t < 0 for t in turns)):
        raise ScanError("the outline is dented inwards: every corner must point outwards", "corners_concave")
    for i in range(4):
        a, b = pts[i - 1] - pts[i], pts[(i + 1) % 4] - pts[i]
        angle = np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1)))
        if angle < MIN_ANGLE:
            raise ScanError(f"the outline is squashed flat (a corner of {angle:.0f} degrees)", "degenerate_corners")
    # Clockwise on screen (y grows down), from the corner nearest the top-left.
    if turns[0] < 0:
        pts = pts[::-1]
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0).astype(np.float32)


def pixels(mm: float, dpi: int) -> int:
    return max(1, round(mm / MM_PER_INCH * dpi))


def _side_lengths(corners: np.ndarray) -> tuple[float, float]:
    """Mean width and height of the quad (top/bottom, left/right sides)."""
    c = np.asarray(corners, np.float32)
    width = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
    height = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
    return float(width), float(height)


def target_size(corners: np.ndarray, size: str, dpi: int) -> tuple[int, int]:
    """Output width, height in pixels; portrait or landscape as the page lies."""
    width, height = _side_lengths(corners)
    if size == "auto":
        # The detected aspect ratio; the long side as long as an A4 page's.
        long_px = pixels(SIZES["a4"][1], dpi)
        ratio = min(width, height) / max(width, height, 1.0)
        short_px = max(1, round(long_px * ratio))
        return (long_px, short_px) if width >= height else (short_px, long_px)
    try:
        mm_w, mm_h = SIZES[size]
    except KeyError:
        raise ScanError(f"unknown page size {size!r}; known: {', '.join([*SIZES, 'auto'])}", "bad_size") from None
    long_px, short_px = pixels(max(mm_w, mm_h), dpi), pixels(min(mm_w, mm_h), dpi)
    return (long_px, short_px) if width >= height else (short_px, long_px)


def rectify(frame: np.ndarray, corners: np.ndarray, size: str = "a4", dpi: int = DPI) -> np.ndarray:
    """The page inside ``corners`` (see check_corners: any start, either
    direction) warped flat to ``size`` at ``dpi``."""
    frame = as_bgr(frame)
    corners = check_corners(corners, frame.shape)
    w, h = target_size(corners, size, dpi)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    homography = cv2.getPerspectiveTransform(corners, dst)
    page = cv2.warpPerspective(frame, homography, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # A 1080p camera sees an A4 page at ~150 dpi: stretched to 300 dpi its
    # sensor noise and JPEG blocks become large, costly specks.  Smooth by
    # the stretch; nothing finer than the camera's own pixels existed.
    stretch = max(w, h) / max(max(_side_lengths(corners)), 1.0)
    if stretch > 1.3:
        page = cv2.GaussianBlur(page, (0, 0), 0.45 * stretch)
    return page


def _small(page: np.ndarray) -> np.ndarray:
    scale = 600 / max(page.shape[:2])
    return cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else page


def _ink(page: np.ndarray) -> np.ndarray:
    small = cv2.cvtColor(_small(page), cv2.COLOR_BGR2GRAY)
    return cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 15)


def text_rotation(page: np.ndarray) -> int:
    """Clockwise degrees (0, 90, 180, 270) that make the text upright, or 0
    when it cannot be decided.

    Lines of text make the row profile of ink spiky and the column profile
    flat; whichever axis is spikier runs across the lines.  Which end is the
    top is decided by the page itself: a heading opens it and the seal (red)
    sits in its lower half on the documents a hut sees.
    """
    page = _small(as_bgr(page))
    ink = _ink(page)
    if ink.mean() < 0.005:   # a blank page
        return 0
    rows, cols = ink.mean(axis=1), ink.mean(axis=0)
    spiky_rows = rows.std() / (rows.mean() + 1e-6)
    spiky_cols = cols.std() / (cols.mean() + 1e-6)
    sideways = spiky_cols > spiky_rows * 1.15
    turned = np.rot90(page, -1) if sideways else page   # lines now horizontal
    hsv = cv2.cvtColor(turned, cv2.COLOR_BGR2HSV)
    red = (((hsv[..., 0] < 10) | (hsv[..., 0] > 170)) & (hsv[..., 1] > 80) & (hsv[..., 2] > 60))
    flipped = False
    if red.mean() > 0.0005:
        ys = np.nonzero(red)[0]
        flipped = ys.mean() < turned.shape[0] / 2
    else:
        # The heading: the first text band is the tallest when read upright.
        profile = _ink(turned).mean(axis=1)
        bands = np.nonzero(profile > 0.02)[0]
        if len(bands):
            top_gap, bottom_gap = bands[0], len(profile) - 1 - bands[-1]
            flipped = bottom_gap < top_gap * 0.6
    angle = (90 if sideways else 0) + (180 if flipped else 0)
    return angle % 360


def rotate(page: np.ndarray, clockwise: int) -> np.ndarray:
    turns = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = turns[clockwise % 360]
    return page if code is None else cv2.rotate(page, code)


def upright(page: np.ndarray) -> np.ndarray:
    return rotate(page, text_rotation(page))


def compose_id_card(front: np.ndarray, back: np.ndarray, dpi: int = DPI) -> np.ndarray:
    """Both faces of an ID card at true size on one white A4 page, front
    above back, centred in the upper half (as a counter photocopy)."""
    page_w, page_h = pixels(SIZES["a4"][0], dpi), pixels(SIZES["a4"][1], dpi)
    card_w, card_h = pixels(SIZES["id1"][0], dpi), pixels(SIZES["id1"][1], dpi)
    sheet = np.full((page_h, page_w, 3), 255, np.uint8)
    gap = pixels(15, dpi)
    top = pixels(20, dpi)
    left = (page_w - card_w) // 2
    for i, face in enumerate((front, back)):
        face = as_bgr(face)
        if face.shape[0] > face.shape[1]:
            face = cv2.rotate(face, cv2.ROTATE_90_CLOCKWISE)
        face = cv2.resize(face, (card_w, card_h), interpolation=cv2.INTER_AREA)
        y = top + i * (card_h + gap)
        sheet[y:y + card_h, left:left + card_w] = face
    return sheet
