"""Finding the page: its four corners in a frame, with a confidence.

A document camera sees white paper on anything from a black tray to a white
desk, with hands, shadows and glare.  No single cue works on all of them, so
several cheap segmentations of a downscaled frame (480 px wide) each propose
page candidates, and one score decides: how much of each candidate's outline
has a brighter inside than outside (edge support).  The winner's sides are
then fitted again on the full-resolution frame (an edge profile along the
side's normal every few pixels, a robust line fit), and the corners are
where the lines meet, which also places a corner that lies outside the view.

Cues: Otsu on grey and on the minimum channel (white paper is bright in all
three channels, wood, skin and coloured clutter are not), Otsu after
dividing out the lighting gradient (a white page on a light desk), regions
enclosed by Canny edges, and, when the empty tray is known, the difference
from it.  All pure functions on arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.frames import as_bgr, check_frame

DETECT_WIDTH = 480
MIN_AREA = 0.03          # of the frame: an ID card on the tray is more
MIN_CONFIDENCE = 0.5
TRACK_CONFIDENCE = 0.85   # a tracked page that fits less well is searched for afresh
_OFFSET = 2.5            # px at detection scale: inside/outside sample distance
_MAX_CANDIDATES = 4
_CONTRAST = 5.0          # grey levels the inside must beat the outside by


@dataclass(frozen=True)
class Detection:
    """Corners in full-resolution pixels: top-left, top-right, bottom-right,
    bottom-left as seen in the frame."""

    corners: np.ndarray
    confidence: float

    def as_json(self) -> dict[str, object]:
        return {"corners": [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners],
                "confidence": round(float(self.confidence), 3)}


def order_corners(points: np.ndarray) -> np.ndarray:
    """Clockwise from the corner nearest the frame's top-left."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]                 # clockwise on screen (y grows down)
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0)


def _intersect(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    """Lines as (vx, vy, x0, y0)."""
    (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = l1, l2
    det = vx1 * (-vy2) - vy1 * (-vx2)
    if abs(det) < 1e-6:
        return None
    t = ((x2 - x1) * (-vy2) - (y2 - y1) * (-vx2)) / det
    return np.array([x1 + t * vx1, y1 + t * vy1], np.float32)


def _line(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    d = q - p
    n = float(np.hypot(*d)) or 1.0
    return np.array([d[0] / n, d[1] / n, p[0], p[1]], np.float32)


def _quads_from_contour(contour: np.ndarray) -> list[np.ndarray]:
    """Four-corner guesses from a region's outline: its hull simplified to a
    few sides, and every choice of four of those sides extended until they
    meet (a side cut by the frame edge or bitten by a hand still has its
    direction).  The edge-support score picks among them."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    if perimeter < 40:
        return []
    poly = cv2.approxPolyDP(hull, 0.015 * perimeter, True).reshape(-1, 2).astype(np.float32)
    if len(poly) < 4:
        return []
    if len(poly) == 4:
        return [poly]
    if len(poly) > 6:
        lengths = np.hypot(*(np.roll(poly, -1, axis=0) - poly).T)
        keep = np.sort(np.argsort(lengths)[-6:])
        sides = [(poly[i], poly[(i + 1) % len(poly)]) for i in keep]
    else:
        sides = [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]
    hull_area = cv2.contourArea(hull)
    quads = []
    for chosen in itertools.combinations(range(len(sides)), 4):
        lines = [_line(*sides[i]) for i in chosen]
        corners = [_intersect(lines[i - 1], lines[i]) for i in range(4)]
        if any(c is None for c in corners):
            continue
        quad = np.array(corners, np.float32)
        if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
            continue
        # Extending sides must not invent a page far bigger than what was seen.
        area = cv2.contourArea(quad)
        if 0.5 * hull_area <= area <= 1.5 * hull_area:
            quads.append(quad)
    return quads


def _whiteness(small: np.ndarray) -> np.ndarray:
    """High for paper (bright in all three channels, no hue), low for skin,
    wood and coloured things however bright."""
    b, g, r = cv2.split(small)
    lo = cv2.min(cv2.min(b, g), r).astype(np.float32)
    hi = cv2.max(cv2.max(b, g), r).astype(np.float32)
    return lo - 0.5 * (hi - lo)


def _masks(small: np.ndarray, grey: np.ndarray, white: np.ndarray,
           reference: np.ndarray | None) -> Iterator[np.ndarray]:
    """Binary images in which the page may be one white region."""
    whiteness = np.clip(white, 0, 255).astype(np.uint8)
    for channel in (grey, whiteness):
        _, mask = cv2.threshold(channel, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        yield mask
    h, w = grey.shape
    coarse = cv2.resize(grey, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA)
    light = cv2.resize(cv2.GaussianBlur(coarse, (0, 0), w / 96), (w, h)).astype(np.float32) + 1
    flat = np.clip(grey.astype(np.float32) / light * 160, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    yield mask
    # Edges of the high-passed frame: steps survive, the ramps of lighting
    # gradients and of a person's soft shadow do not.
    high = cv2.addWeighted(grey, 1.0, cv2.GaussianBlur(grey, (0, 0), 4), -1.0, 128)
    edges = cv2.Canny(high, 8, 24)
    for size in (3, 5):
        # Regions enclosed by edges (a page whose outline closed) and the
        # edges themselves, whose hull bridges an outline with gaps.
        thick = cv2.dilate(edges, np.ones((size, size), np.uint8))
        yield cv2.bitwise_not(thick)
        yield thick
    if reference is not None:
        diff = cv2.absdiff(small, reference).max(axis=2)
        diff = cv2.GaussianBlur(diff, (5, 5), 0)
        _, mask = cv2.threshold(diff, 25, 255, cv2.THRESH_BINARY)
        yield cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))


_OFFSETS = np.array([-_OFFSET, -_OFFSET / 3, _OFFSET / 3, _OFFSET], np.float32)   # inside ... outside
_TAPS = np.array([-1.5, 0.0, 1.5], np.float32)       # averaged along the side against noise
_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
_GREY_WEIGHTS = np.array([0.114, 0.587, 0.299], np.float32)   # BGR, as cv2.COLOR_BGR2GRAY
_MIDDLE = np.stack(np.meshgrid(*[np.linspace(0.1, 0.9, 8, dtype=np.float32)] * 2), axis=-1).reshape(-1, 1, 2)


def _sides(quad: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points along the four sides (4, T, 2), outward normals, tangents (4, 2)
    and side lengths (4,)."""
    p = quad.astype(np.float32)
    d = np.roll(p, -1, axis=0) - p
    length = np.hypot(d[:, 0], d[:, 1]) + 1e-6
    t = d / length[:, None]
    n = np.stack([t[:, 1], -t[:, 0]], axis=1)
    outward = np.einsum("ij,ij->i", p + d / 2 - p.mean(axis=0), n)
    n[outward < 0] *= -1
    base = p[:, None, :] + ts[None, :, None] * d[:, None, :]
    return base, n, t, length


_TS = np.linspace(0.06, 0.94, 24, dtype=np.float32)


def _rough_support(quad: np.ndarray, grey: np.ndarray) -> float:
    """A quick first look for ranking candidates: is the grey 6 px inside
    brighter than 6 px outside?  Tolerant of outlines a few px off."""
    h, w = grey.shape
    base, n, _, _ = _sides(quad, _TS[::2])
    pts = base.reshape(-1, 2)
    normal = np.repeat(n, base.shape[1], axis=0)
    both = np.concatenate([pts - 6 * normal, pts + 6 * normal]).astype(np.float32)
    valid = ((both[:, 0] >= 0) & (both[:, 0] <= w - 1) & (both[:, 1] >= 0) & (both[:, 1] <= h - 1))
    k = len(pts)
    valid = valid[:k] & valid[k:]
    if valid.sum() < 4:
        return 0.0
    vals = cv2.remap(grey, both[:, None, 0].copy(), both[:, None, 1].copy(), cv2.INTER_LINEAR).ravel()
    good = (vals[:k] - vals[k:] > _CONTRAST) & valid
    return float(good.sum() / k)


def _support(quad: np.ndarray, grey: np.ndarray, white: np.ndarray) -> tuple[float, float]:
    """(share of the in-view outline that looks like a page edge, share of
    the outline that is in view).  A page edge has a brighter inside than
    outside, is a step rather than a ramp (a person's shadow is a ramp), and
    its inside is as white as the page's own middle (a hand is not)."""
    h, w = grey.shape
    base, n, t, _ = _sides(quad, _TS)
    pts = (base[:, :, None, None, :] + _OFFSETS[None, None, :, None, None] * n[:, None, None, None, :]
           + _TAPS[None, None, None, :, None] * t[:, None, None, None, :]).reshape(-1, 4, 3, 2)
    valid = ((pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0)
             & (pts[..., 1] <= h - 1)).all(axis=(1, 2))
    if valid.sum() < 8:
        return 0.0, 0.0
    pts = np.ascontiguousarray(pts[valid].reshape(-1, 1, 2))
    vals = cv2.remap(grey, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR).reshape(-1, 4, 3).mean(axis=2)
    inside_white = cv2.remap(white, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR).reshape(-1, 4, 3)[:, 0].mean(axis=1)
    to_quad = cv2.getPerspectiveTransform(_UNIT, quad.astype(np.float32))
    middle = cv2.perspectiveTransform(_MIDDLE, to_quad).astype(np.float32)
    level = float(np.median(cv2.remap(white, middle[..., 0], middle[..., 1], cv2.INTER_LINEAR)))
    far = vals[:, 0] - vals[:, 3]
    near = vals[:, 1] - vals[:, 2]
    good = (far > _CONTRAST) & (near > 0.4 * far) & (inside_white > 0.6 * level)
    return float(good.mean()), float(valid.mean())


def _score(quad: np.ndarray, grey: np.ndarray, white: np.ndarray) -> float:
    """Edge support, discounted for outline out of view (a quad may only
    reach outside the frame where a page corner really is), plus a little
    for the in-view area (of two well-supported nested quads, the page is
    the outer one)."""
    support, seen = _support(quad, grey, white)
    h, w = grey.shape
    frame = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32).reshape(-1, 1, 2)
    inside, _ = cv2.intersectConvexConvex(quad.reshape(-1, 1, 2).astype(np.float32), frame)
    area = inside / (h * w)
    return support * seen + 0.15 * min(area, 1.0) ** 0.5


def _box_area(contour: np.ndarray) -> int:
    _, _, w, h = cv2.boundingRect(contour)
    return w * h


def _candidates(small: np.ndarray, grey: np.ndarray, white: np.ndarray,
                reference: np.ndarray | None) -> Iterator[np.ndarray]:
    h, w = grey.shape
    min_area = MIN_AREA * h * w
    for mask in _masks(small, grey, white, reference):
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        # Text makes hundreds of tiny contours: a bounding box is cheaper
        # than an area for throwing them out.
        sized = [(cv2.contourArea(c), c) for c in contours if len(c) > 4 and _box_area(c) > min_area]
        big = [c for area, c in sorted(sized, key=lambda t: -t[0]) if area > min_area]
        for contour in big[:3]:
            for quad in _quads_from_contour(contour):
                yield order_corners(quad)


def _refine(quad: np.ndarray, grey: np.ndarray, reach: float, samples: int = 32) -> np.ndarray:
    """Fit each side again on ``grey`` (or a BGR frame): the strongest inside-brighter step
    along its normal within ``reach`` px, at 32 places per side, then a
    Huber line (a pen or a finger across the edge is an outlier)."""
    h, w = grey.shape[:2]
    ts = np.linspace(0.05, 0.95, samples, dtype=np.float32)
    base, n, _, _ = _sides(quad, ts)
    steps = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    grid = base[:, :, None, :] + steps[None, None, :, None] * n[:, None, None, :]      # (4, T, S, 2)
    # A side point must be in view; its profile may run off the frame (a
    # page edge close to the frame's border), where the border repeats.
    flat_base = base.reshape(-1, 2)
    in_view = ((flat_base[:, 0] >= 1) & (flat_base[:, 0] <= w - 2) & (flat_base[:, 1] >= 1)
               & (flat_base[:, 1] <= h - 2))
    flat = grid.reshape(-1, len(steps), 2)
    prof = cv2.remap(grey, np.ascontiguousarray(flat[..., 0]), np.ascontiguousarray(flat[..., 1]),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    prof = prof.astype(np.float32, copy=False)
    if prof.ndim == 3:   # sampled from a colour frame: grey only where it is needed
        prof = prof @ _GREY_WEIGHTS
    step = prof[:, :-2] - prof[:, 2:]                                                   # inside minus outside
    rows = np.arange(len(step))
    best = step.argmax(axis=1)
    mid = step[rows, best]
    left = step[rows, np.maximum(best - 1, 0)]
    right = step[rows, np.minimum(best + 1, step.shape[1] - 1)]
    denom = left - 2 * mid + right
    sub = np.clip(np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0), -0.5, 0.5)
    offset = steps[0] + best + 1 + sub
    points = base.reshape(-1, 2) + offset[:, None] * np.repeat(n, samples, axis=0)
    ok = (in_view & (mid > _CONTRAST)).reshape(4, -1)
    points = points.reshape(4, -1, 2)
    lines = []
    for i in range(4):
        if ok[i].sum() < 6:
            lines.append(_line(quad[i], quad[(i + 1) % 4]))
        else:
            lines.append(cv2.fitLine(points[i][ok[i]].reshape(-1, 1, 2), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
    corners = [_intersect(lines[i - 1], lines[i]) for i in range(4)]
    if any(c is None for c in corners):
        return quad
    refined = np.array(corners, np.float32)
    # A refit that moved a corner further than the search reach went wrong.
    if np.abs(refined - quad).max() > 4 * reach:
        return quad
    return refined


class PageDetector:
    """Detects the page in frames; keeps the empty tray's reference when
    given one (a fixed 高拍仪 captures it at start-up)."""

    def __init__(self, reference: np.ndarray | None = None, width: int = DETECT_WIDTH):
        self.width = width
        self._reference: np.ndarray | None = None
        self._reference_shape: tuple[int, ...] | None = None
        self._last: tuple[np.ndarray, tuple[int, ...]] | None = None   # live tracking
        if reference is not None:
            self.set_reference(reference)

    def set_reference(self, frame: np.ndarray | None) -> None:
        if frame is None:
            self._reference = self._reference_shape = None
            return
        check_frame(frame)
        self._reference_shape = frame.shape
        self._reference = as_bgr(self._downscale(frame)[0])

    def _downscale(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = frame.shape[:2]
        scale = min(1.0, self.width / w)
        if scale == 1.0:
            return frame, 1.0
        return cv2.resize(frame, (self.width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA), scale

    def detect(self, frame: np.ndarray, track: bool = False) -> Detection | None:
        """The page in ``frame``, or None when there is none.

        ``track`` (live preview): first refit the previous frame's page on
        this frame and keep it when it still fits well; a page on a tray
        moves little between frames, and this skips the candidate search.
        """
        check_frame(frame)
        h, w = frame.shape[:2]
        if min(h, w) < 32:
            self._last = None
            return None
        small, scale = self._downscale(frame)
        small = as_bgr(small)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (3, 3), 0).astype(np.float32)
        white = _whiteness(small)
        best, confidence = None, 0.0
        if track and self._last is not None and self._last[1] == small.shape:
            best = _refine(self._last[0], grey, 5.0)
            confidence, _ = _support(best, grey, white)
            if confidence < TRACK_CONFIDENCE:
                best = None
        if best is None:
            best = self._search(frame.shape, small, grey, white)
            if best is None:
                self._last = None
                return None
            confidence, _ = _support(best, grey, white)
        if confidence < MIN_CONFIDENCE:
            self._last = None
            return None
        self._last = (best, small.shape)
        full = best / scale
        if scale < 1.0:
            colour = frame if frame.ndim == 2 else as_bgr(frame)
            full = _refine(full, colour, max(3.0, 1.5 / scale), 80)
        return Detection(order_corners(full), round(confidence, 3))

    def _search(self, shape: tuple[int, ...], small: np.ndarray, grey: np.ndarray,
                white: np.ndarray) -> np.ndarray | None:
        reference = self._reference if self._reference_shape == shape else None
        unique: list[np.ndarray] = []
        for quad in _candidates(small, grey.astype(np.uint8), white, reference):
            if not unique or np.abs(np.asarray(unique) - quad).max(axis=(1, 2)).min() > 4:
                unique.append(quad)
        if not unique:
            return None
        # A mask's outline sits a pixel or two off the edge (inside a dark
        # ring, outside a dilated edge): refit the likeliest few on the image
        # before scoring.
        best, best_score = None, -1.0
        ranked = sorted(unique, key=lambda q: -_rough_support(q, grey))
        for quad in ranked[:_MAX_CANDIDATES]:
            refit = _refine(quad, grey, 5.0)
            score = _score(refit, grey, white)
            if score > best_score:
                best, best_score = refit, score
        return best


def detect_page(frame: np.ndarray, reference: np.ndarray | None = None) -> Detection | None:
    """One-shot detection (the CLI's ``scan detect``)."""
    return PageDetector(reference).detect(frame)
