"""Finding the page: its four corners in a frame, with a confidence.

A document camera sees white paper on anything from a black tray to a white
desk, beside sticky notes and folders, under hands, shadows and glare.
Several cheap segmentations of a small copy of the frame (480 px wide)
propose outlines (candidates.py); each is fitted to the image's edges and
ranked by how much it looks like a page (pagelike.py: edge support, the
shapes paper comes in, a white printed inside whiter than its surroundings);
the best few are also tried with one side completed from the other three and
a paper shape, for a side under a hand or beyond the frame (or cut in, for a
glare spot merged with a card).  The thresholds' regions are searched first;
the regions enclosed by edges, which cost as much again, only when those
give no confident page.  The winner's
sides are fitted again on the full-resolution frame (an edge profile along
each side's normal, a robust line fit), and the corners are where the lines
meet, which also places a corner that lies outside the view.

The confidence is the fitted probability that the outline is right; the
quality gates (quality.py) refuse to auto-capture below CAPTURE_CONFIDENCE.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera import pagelike
from drivers.camera.candidates import (
    completions,
    downscale,
    masks,
    quads_from_contour,
    regions,
    whiteness,
)
from drivers.camera.frames import ScanError, as_bgr, check_frame
from drivers.camera.rectify import check_corners

DETECT_WIDTH = 480
MIN_AREA = 0.012          # of the frame: an ID card under a camera that fits A4 is 2-4 %
MIN_CONFIDENCE = 0.01     # below this no outline: on the fitting data no right page was under it, 11 % of empty trays over it
TRACK_SUPPORT = 0.85      # a tracked page whose edges fit less well is searched for afresh
FIELD_OF_VIEW = 65.0      # degrees across the frame's width: a 高拍仪's lens
_REFINE_TOP = 8           # candidates fitted to the edges and scored in full
_COMPLETE_TOP = 2         # of those, tried with one side completed
_REFINE_COMPLETED = 6     # the likeliest completions, fitted to the edges before they are scored
_POLISH = 6               # outlines of the two stages' pool fitted once more (_polish)
SHRINK = 0.8               # a completion may also cut a side in, to 0.8 of its neighbours: glare merged with a card
EARLY_CONFIDENCE = 0.7    # a page this sure from the thresholds alone: no edge regions (0.5-0.9: same pages, seeds 0, 1)
EARLY_SPILL = 0.1         # ... unless this share of its sides has paper going on past it


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


def order_many(quads: np.ndarray) -> np.ndarray:
    """order_corners for each of (N, 4, 2) quads at once."""
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    centre = q.mean(axis=1, keepdims=True)
    angles = np.arctan2(q[..., 1] - centre[..., 1], q[..., 0] - centre[..., 0])
    q = np.take_along_axis(q, np.argsort(angles, axis=1)[..., None], axis=1)
    start = np.argmin(q[..., 0] + q[..., 1], axis=1)
    index = (start[:, None] + np.arange(4)[None, :]) % 4
    return np.take_along_axis(q, index[..., None], axis=1)


def focal_length(width: int, field_of_view: float = FIELD_OF_VIEW) -> float:
    """The lens's focal length in pixels of an image ``width`` wide."""
    return (width / 2) / math.tan(math.radians(field_of_view) / 2)


_GREY_WEIGHTS = np.array([0.114, 0.587, 0.299], np.float32)   # BGR, as cv2.COLOR_BGR2GRAY


def _refine(quads: np.ndarray, image: np.ndarray, reach: float, samples: int = 32) -> np.ndarray:
    """Fit each side of each quad (4, 2) or (N, 4, 2) again on ``image``
    (grey, or a BGR frame): the strongest inside-brighter step along its
    normal within ``reach`` px, at ``samples`` places per side, then a Huber
    line (a pen or a finger across the edge is an outlier).  A side with too
    few steps keeps its line; a quad whose refit moved a corner further
    than 4 x ``reach`` keeps its corners."""
    single = np.asarray(quads).ndim == 2
    p = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    count = len(p)
    h, w = image.shape[:2]
    ts = np.linspace(0.05, 0.95, samples, dtype=np.float32)
    d = p[:, pagelike.NEXT] - p
    t = d / (np.hypot(d[..., 0], d[..., 1])[..., None] + 1e-6)
    n = np.stack([t[..., 1], -t[..., 0]], axis=-1)
    n = np.where(((p + d / 2 - p.mean(axis=1, keepdims=True)) * n).sum(axis=-1, keepdims=True) < 0, -n, n)
    base = p[:, :, None, :] + ts[None, None, :, None] * d[:, :, None, :]                  # (N, 4, T, 2)
    steps = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    # The profiles' sample points, x and y apart (what cv2.remap takes): (N * 4 * T, S).
    gx = (base[..., 0, None] + steps * n[:, :, None, 0, None]).reshape(-1, len(steps))
    gy = (base[..., 1, None] + steps * n[:, :, None, 1, None]).reshape(-1, len(steps))
    # A side point must be in view; its profile may run off the frame (a
    # page edge close to the frame's border), where the border repeats.
    in_view = (base[..., 0] >= 1) & (base[..., 0] <= w - 2) & (base[..., 1] >= 1) & (base[..., 1] <= h - 2)
    prof = cv2.remap(image, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    prof = prof.astype(np.float32, copy=False)
    if prof.ndim == 3:   # sampled from a colour frame: grey only where it is needed
        prof = prof @ _GREY_WEIGHTS
    step = prof[:, :-2] - prof[:, 2:]                                                   # inside minus outside
    # Each side's steps go the way most of its samples' strongest steps go
    # (a page darker than a light desk beyond it has falling steps there).
    rises = (step.max(axis=1) > pagelike.CONTRAST).reshape(count, 4, samples).sum(axis=2)
    falls = (-step.min(axis=1) > pagelike.CONTRAST).reshape(count, 4, samples).sum(axis=2)
    sign = np.where(falls > rises, -1.0, 1.0).astype(np.float32)                       # (N, 4)
    step = step * np.repeat(sign.reshape(-1), samples)[:, None]
    rows = np.arange(len(step))
    best = step.argmax(axis=1)
    mid = step[rows, best]
    left = step[rows, np.maximum(best - 1, 0)]
    right = step[rows, np.minimum(best + 1, step.shape[1] - 1)]
    denom = left - 2 * mid + right
    sub = np.clip(np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0), -0.5, 0.5)
    offset = (steps[0] + best + 1 + sub).reshape(count, 4, samples)
    points = base + offset[..., None] * n[:, :, None, :]
    ok = in_view & (mid > pagelike.CONTRAST).reshape(count, 4, samples)
    lines = _huber_lines(points, ok, offset)                                                  # (N, 4, 4)
    # A side with too few steps keeps its line.
    few = ok.sum(axis=2) < 6
    own = np.concatenate([t, p], axis=-1)
    lines = np.where(few[..., None], own, lines)
    corners, parallel = _meet(lines[:, pagelike.PREV], lines)                         # corner i: side i-1 and side i
    moved = np.abs(corners - p).max(axis=(1, 2))
    take = ~parallel.any(axis=1) & (moved <= 4 * reach)
    out = np.where(take[:, None, None], corners, p).astype(np.float32)
    return out[0] if single else out


def _huber_lines(points: np.ndarray, ok: np.ndarray, offset: np.ndarray, iterations: int = 4) -> np.ndarray:
    """A robust line (vx, vy, x0, y0) through the ``ok`` points of each
    side at once: points (..., T, 2), ok (..., T), ``offset`` (..., T) each
    point's distance from the side it was found from.  It starts from that
    side moved by the median offset (a pen or a finger across the edge is a
    minority), then total least squares reweighted with Huber's weights
    (c = 1.345 px, as cv2.fitLine's DIST_HUBER)."""
    x = points[..., 0].astype(np.float64)
    y = points[..., 1].astype(np.float64)
    # Every weighted sum an iteration needs in one product: the points'
    # moments (1, x, y, xx, yy, xy) and their homogeneous coordinates.
    moments = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=-1)          # (..., T, 6)
    homogeneous = moments[..., :3]
    middle = _masked_median_last(offset, ok)
    weights = ok * np.minimum(1.0, 1.345 / np.maximum(np.abs(offset - middle[..., None]), 1e-9))
    direction = np.zeros(points.shape[:-2] + (2,))
    centre = np.zeros(points.shape[:-2] + (2,))
    for _ in range(iterations + 1):
        sums = np.matmul(weights[..., None, :], moments)[..., 0, :]                      # (..., 6)
        total = np.maximum(sums[..., 0], 1e-9)
        cx, cy = sums[..., 1] / total, sums[..., 2] / total
        sxx = sums[..., 3] - total * cx * cx
        syy = sums[..., 4] - total * cy * cy
        sxy = sums[..., 5] - total * cx * cy
        # The covariance's principal axis: the line's direction.
        angle = 0.5 * np.arctan2(2 * sxy, sxx - syy)
        vx, vy = np.cos(angle), np.sin(angle)
        centre = np.stack([cx, cy], axis=-1)
        direction = np.stack([vx, vy], axis=-1)
        # Each point's distance from the line: (x - cx) vy - (y - cy) vx.
        normal = np.stack([vx * cy - vy * cx, vy, -vx], axis=-1)
        distance = np.abs(np.matmul(homogeneous, normal[..., None])[..., 0])
        weights = ok * np.minimum(1.0, 1.345 / np.maximum(distance, 1e-9))
    return np.concatenate([direction, centre], axis=-1).astype(np.float32)


def _masked_median_last(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Medians over the last axis of ``values`` where ``ok`` (0 where none)."""
    ordered = np.sort(np.where(ok, values, np.inf), axis=-1)
    count = ok.sum(axis=-1)
    med = np.take_along_axis(ordered, np.maximum(count - 1, 0)[..., None] // 2, axis=-1)[..., 0]
    return np.where(count > 0, med, 0.0)


def _meet(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where lines ``a`` and ``b`` (..., 4: vx, vy, x0, y0) meet, and
    whether they are (nearly) parallel (no meeting point)."""
    det = a[..., 1] * b[..., 0] - a[..., 0] * b[..., 1]
    parallel = np.abs(det) < 1e-6
    safe = np.where(parallel, 1.0, det)
    dx = b[..., 2] - a[..., 2]
    dy = b[..., 3] - a[..., 3]
    t = (dy * b[..., 0] - dx * b[..., 1]) / safe
    return np.stack([a[..., 2] + t * a[..., 0], a[..., 3] + t * a[..., 1]], axis=-1), parallel


@dataclass
class _Planes:
    """The detection-scale images every candidate is measured on."""

    small: np.ndarray
    grey: np.ndarray      # float32, lightly blurred
    white: np.ndarray     # float32 whiteness
    ink: np.ndarray       # float32: grey minus its blur, negative on print
    focal: float

    @property
    def high(self) -> np.ndarray:
        """The high-passed grey for edges, as uint8 around 128."""
        return np.clip(self.ink + 128, 0, 255).astype(np.uint8)

    def features(self, quads: np.ndarray, completed: np.ndarray | None = None, quick: bool = False,
                 moved: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return pagelike.features(quads, self.grey, self.white, self.ink, self.focal, completed, quick, moved)


def _usable(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Corners the pipeline will take (rectify.check_corners): a refit that
    crossed or squashed the outline is not handed on."""
    try:
        check_corners(quad, shape)
    except ScanError:
        return False
    return True


def _different(a: np.ndarray, b: np.ndarray) -> bool:
    """Two outlines of different things (not the same page a few px apart)."""
    size = float(np.ptp(a[:, 0]) + np.ptp(a[:, 1])) / 2
    return float(np.abs(a - b).max()) > max(4.0, 0.08 * size)


class PageDetector:
    """Detects the page in frames; keeps the empty tray's reference when
    given one (a fixed 高拍仪 captures it at start-up)."""

    def __init__(self, reference: np.ndarray | None = None, width: int = DETECT_WIDTH,
                 field_of_view: float = FIELD_OF_VIEW):
        self.width = width
        self.field_of_view = field_of_view
        self._reference: np.ndarray | None = None
        self._reference_shape: tuple[int, ...] | None = None
        # live tracking: the last page's quad, the frame shape, its margin and features
        self._last: tuple[np.ndarray, tuple[int, ...], float, np.ndarray] | None = None
        if reference is not None:
            self.set_reference(reference)

    def set_reference(self, frame: np.ndarray | None) -> None:
        if frame is None:
            self._reference = self._reference_shape = None
            return
        check_frame(frame)
        self._reference_shape = frame.shape
        self._reference = as_bgr(downscale(frame, self.width)[0])

    def _planes(self, frame: np.ndarray) -> tuple[_Planes, float]:
        small, scale = downscale(frame, self.width)
        small = as_bgr(small)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (3, 3), 0).astype(np.float32)
        # The grey's surroundings (a 4 px Gaussian), blurred at a quarter of
        # the size: a third of the cost, and nothing fine is wanted there.
        h, w = grey.shape
        quarter = cv2.resize(grey, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        ink = grey - cv2.resize(cv2.GaussianBlur(quarter, (0, 0), 1.0), (w, h), interpolation=cv2.INTER_LINEAR)
        focal = focal_length(frame.shape[1], self.field_of_view) * scale
        return _Planes(small, grey, whiteness(small), ink, focal), scale

    def detect(self, frame: np.ndarray, track: bool = False) -> Detection | None:
        """The page in ``frame``, or None when there is none.

        ``track`` (live preview): first refit the previous frame's page on
        this frame and keep it when its edges still fit well; a page on a
        tray moves little between frames, and this skips the search.
        """
        check_frame(frame)
        h, w = frame.shape[:2]
        if min(h, w) < 32:
            self._last = None
            return None
        planes, scale = self._planes(frame)
        found: tuple[np.ndarray, float, float, np.ndarray] | None = None
        if track and self._last is not None and self._last[1] == planes.small.shape:
            quad = _refine(self._last[0], planes.grey, 5.0)
            feats, _ = planes.features(quad[None])
            if feats[0, 0] >= math.log(TRACK_SUPPORT + 0.05):
                # Still the page the search found: as completed as it was then.
                kept = [pagelike.FEATURES.index(n) for n in ("completed", "moved_edge")]
                feats[0, kept] = self._last[3][kept]
                found = quad, float(pagelike.score(feats)[0]), self._last[2], feats[0]
        if found is None:
            found = self._search(frame.shape, planes)
        if found is None:
            self._last = None
            return None
        quad, best, margin, row = found
        confidence = pagelike.confidence(best, margin, row)
        if confidence < MIN_CONFIDENCE:
            self._last = None
            return None
        self._last = (quad, planes.small.shape, margin, row)
        full = quad / scale
        if scale < 1.0:
            colour = frame if frame.ndim == 2 else as_bgr(frame)
            refined = _refine(full, colour, max(3.0, 1.5 / scale), 48)
            full = refined if _usable(refined, frame.shape) else full
        if not _usable(full, frame.shape):
            self._last = None
            return None
        return Detection(order_corners(full), round(confidence, 3))

    def _search(self, shape: tuple[int, ...],
                planes: _Planes) -> tuple[np.ndarray, float, float, np.ndarray] | None:
        """The likeliest page outline at detection scale, its score, its lead
        over the best different outline and its features.  The thresholds'
        regions first; only when they give no confident page the regions
        enclosed by edges too (half the search's time)."""
        reference = self._reference if self._reference_shape == shape else None
        result = None
        for stage, pool in enumerate(staged_pools(planes, reference)):
            quads, feats, completed = pool
            scores = pagelike.score(feats)
            if stage > 0:
                quads, feats, scores = _polish(quads, feats, scores, completed, planes)
            order = np.argsort(-scores)
            best = quads[order[0]]      # completions are refitted as they are made
            runner_up = next((scores[i] for i in order[1:] if _different(quads[i], quads[order[0]])), None)
            margin = float(scores[order[0]] - runner_up) if runner_up is not None else pagelike.MARGIN_CAP
            result = best, float(scores[order[0]]), min(margin, pagelike.MARGIN_CAP), feats[order[0]]
            if _sure(*result[1:]):
                break
        return result


def _polish(quads: np.ndarray, feats: np.ndarray, scores: np.ndarray, completed: np.ndarray,
            planes: _Planes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pool with its _POLISH likeliest outlines fitted to the edges once
    more, each kept where that raises its score: a side a px or two off the
    edge loses much of its support, and a refit that moved a corner far
    starts from closer the second time.  For pools the thresholds alone did
    not make sure of (the two stages' outlines ranked together)."""
    top = np.argsort(-scores)[:_POLISH]
    again = _refine(quads[top], planes.grey, 5.0)
    moved = pagelike.FEATURES.index("moved_edge")
    redone = planes.features(again, completed[top], moved=feats[top, moved])[0]
    rescored = pagelike.score(redone)
    better = rescored > scores[top]
    if not better.any():
        return quads, feats, scores
    which = top[better]
    quads, feats, scores = quads.copy(), feats.copy(), scores.copy()
    quads[which], feats[which], scores[which] = again[better], redone[better], rescored[better]
    return quads, feats, scores


def _sure(best: float, margin: float, row: np.ndarray) -> bool:
    """A winner sure enough that no other outline is looked for: confident,
    and no paper going on past its sides (a form's table on a page on a
    light desk is a crisp paper-shaped rectangle too, and the page around
    it may show only in the edge regions)."""
    return (pagelike.confidence(best, margin, row) >= EARLY_CONFIDENCE
            and row[pagelike.FEATURES.index("spill")] < EARLY_SPILL)


def staged_pools(planes: _Planes, reference: np.ndarray | None
                 ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The candidate pool after each stage of masks (candidates.masks):
    the thresholds' outlines, then those and the edge regions' outlines
    (each stage's outlines refitted and completed on their own)."""
    found: list[np.ndarray] = []
    seen: list[tuple[int, ...]] = []
    pool: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    for stage in (0, 1):
        done = len(found)
        more = candidate_pool(planes, reference, stages=(stage,), found=found, seen=seen, start=done)
        if more is None:
            if pool is None:
                continue
        elif pool is None:
            pool = more
        else:
            pool = (np.concatenate([pool[0], more[0]]), np.concatenate([pool[1], more[1]]),
                    np.concatenate([pool[2], more[2]]))
        yield pool


def candidate_pool(planes: _Planes, reference: np.ndarray | None, complete_top: int = _COMPLETE_TOP,
                   stages: tuple[int, ...] = (0, 1), found: list[np.ndarray] | None = None,
                   seen: list[tuple[int, ...]] | None = None,
                   start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every outline worth scoring (N, 4, 2) at detection scale, their
    features and whether each was completed; None when no region is big
    enough.  The regions of the masks of ``stages`` (candidates.masks) are
    added to ``found`` (the outlines of earlier stages, kept for the next;
    ``seen`` their regions' boxes); the pool is made of ``found[start:]``.  The few likeliest outlines are refitted
    to the image's edges, and the ``complete_top`` best of those are tried
    with each side completed from the other three."""
    h, w = planes.grey.shape
    grey8 = planes.grey.astype(np.uint8)
    found = [] if found is None else found
    seen = [] if seen is None else seen
    for mask, border in masks(planes.small, grey8, planes.white, planes.high, reference, stages):
        for contour in regions(mask, MIN_AREA * h * w, 4, border=border):
            # Several masks often outline the same region: its quads once.
            box = tuple(cv2.boundingRect(contour))
            if any(max(abs(a - b) for a, b in zip(box, other)) <= 2 for other in seen):
                continue
            seen.append(box)
            found.append(quads_from_contour(contour))
    if len(found) <= start:
        return None
    unique = _distinct(order_many(np.concatenate(found[start:])))
    if not len(unique):
        return None
    # A mask's outline sits a pixel or two off the edge (inside a dark
    # ring, outside a dilated edge): rank them all with a wider edge test,
    # then refit the likeliest few on the image before scoring them in full.
    first = pagelike.score(planes.features(unique, quick=True)[0])
    quads = _refine(unique[np.argsort(-first)[:_REFINE_TOP]], planes.grey, 5.0)
    feats, sides = planes.features(quads)
    scores = pagelike.score(feats)
    more, moved = [], []
    ranked = np.argsort(-scores)
    best_doubts = (sides[ranked[0], :, 0] < 0.6) | (sides[ranked[0], :, 1] < 0.7)
    if not best_doubts.any() and feats[ranked[0], pagelike.FEATURES.index("aspect_match")] >= 0.5:
        ranked = ranked[:0]          # the best is a whole page of a paper shape: nothing to complete
    for i in ranked[:complete_top]:
        # Complete the sides that are not seen as a page's edge; all four
        # when the outline is not a paper shape (a card's coloured band).
        doubtful = (sides[i, :, 0] < 0.6) | (sides[i, :, 1] < 0.7)
        if feats[i, pagelike.FEATURES.index("aspect_match")] < 0.5:
            doubtful[:] = True
        for side in np.flatnonzero(doubtful):
            made = completions(quads[i], pagelike.RATIOS, int(side), SHRINK)
            more += made
            moved += [sides[i, side, 0] * sides[i, side, 1]] * len(made)
    completed = np.zeros(len(quads), bool)
    if more:
        extra, shifted = np.asarray(more, np.float32), np.array(moved)
        # A completed side is where a paper shape would end, a few px off the
        # edge that may be there (a card's coloured band, perspective): the
        # likeliest few are fitted to the edges, like the outlines they came
        # from, before they are scored.
        if len(extra) > _REFINE_COMPLETED:
            first = pagelike.score(planes.features(extra, np.ones(len(extra), bool), moved=shifted)[0])
            top = np.argsort(-first)[:_REFINE_COMPLETED]
            extra, shifted = extra[top], shifted[top]
        extra = _refine(extra, planes.grey, 5.0)
        quads = np.concatenate([quads, extra])
        feats = np.concatenate([feats, planes.features(extra, np.ones(len(extra), bool), moved=shifted)[0]])
        completed = np.concatenate([completed, np.ones(len(extra), bool)])
    return quads, feats, completed


def _distinct(quads: np.ndarray, tolerance: float = 4.0) -> np.ndarray:
    """The quads, without any within ``tolerance`` px (every corner) of an earlier one."""
    if len(quads) < 2:
        return quads
    apart = np.abs(quads[:, None] - quads[None, :]).max(axis=(2, 3)) > tolerance      # (N, N)
    keep: list[int] = []
    for i in range(len(quads)):
        if all(apart[i, j] for j in keep):
            keep.append(i)
    return quads[keep]


def detect_page(frame: np.ndarray, reference: np.ndarray | None = None) -> Detection | None:
    """One-shot detection (the CLI's ``scan detect``)."""
    return PageDetector(reference).detect(frame)
