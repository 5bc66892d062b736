"""What a page looks like, as numbers: the features of a candidate outline
and the score that ranks candidates by how much they look like the page.

A strong quadrilateral is not yet a page: a sticky note, a box lid or a
folder has four crisp sides too.  So besides how much of the outline is a
page edge (a step, not a shadow's ramp, with paper or a card's strong
colour on its inside; brighter inside than out, or darker on a light desk),
a candidate is asked what a page is:

- its shape: the aspect ratio it would have seen flat, from the corners and
  the camera's focal length (the whiteboard method of Zhang and He, 2007),
  near one of the shapes papers come in (A4 and A5 1.414, ID-1 1.586, US
  letter 1.294);
- its inside: paper is white (bright in all three channels, no hue), whiter
  than what lies just outside, and printed on (small dark marks);
- its corners: near right angles seen from above.

All features of all candidates are computed at once (one ``cv2.remap`` per
image plane), because per-candidate calls were most of the old detector's
time.  The weights were fitted on seeded scenes of both scene families
(docs/PERFORMANCE.md says which seeds); the confidence is a second fit, of
"this detection is right" (SmartDoc Jaccard >= 0.9), on the winning score
and its margin over the runner-up.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

SHAPES = {"a4": 297 / 210, "id1": 85.6 / 54, "letter": 11 / 8.5}   # long / short; A5 and B5 are A4's
RATIOS = tuple(SHAPES.values())
_LOG_RATIOS = np.log(np.array(RATIOS))
CONTRAST = 5.0              # grey levels a page edge's inside and outside differ by
INK = 6.0                   # grey levels a mark is darker than the paper around it
COLOURED = -10.0            # whiteness below this is a strong colour (max - min > 2 min + 20), not a grey or a skin
_OFFSETS = np.array([-2.5, -0.8, 0.8, 2.5, 6.0], np.float32)   # inside ... outside, px at detection scale
_TS = np.linspace(0.06, 0.94, 16, dtype=np.float32)
_TS_QUICK = np.linspace(0.08, 0.92, 8, dtype=np.float32)
_GRID = np.stack(np.meshgrid(*[np.linspace(0.1, 0.9, 8, dtype=np.float32)] * 2), axis=-1).reshape(-1, 2)
_U, _V = _GRID[:, 0], _GRID[:, 1]
# Each grid point's bilinear weights of the corners TL, TR, BR, BL (64, 4).
_GRID_WEIGHTS = np.stack([(1 - _U) * (1 - _V), _U * (1 - _V), _U * _V, (1 - _U) * _V], axis=1).astype(np.float32)

FEATURES = ("log_support", "seen", "weakest_side", "aspect_match", "area", "level", "whiter_than_outside", "ink",
            "skew", "completed", "not_paper_inside", "spill", "moved_edge")
NEXT = np.array([1, 2, 3, 0])   # each corner's (side's) next round the outline: np.roll(x, -1, axis=1), faster
PREV = np.array([3, 0, 1, 2])
MARGIN_CAP = 10.0           # a winner's lead beyond this says nothing more
ASPECT_SIGMA = 0.07         # |log ratio| of a paper shape seen through a real lens and a fitted outline
# Fitted by bench/fit_page_model.py on seeds 0 and 2 of both scene families
# (see its docstring); the intercept does not change a ranking and is 0.
WEIGHTS = np.array([3.976, 19.289, 6.746, 16.527, 14.851, 13.421, 25.695,
                    21.629, -14.231, -4.458, 6.320, -8.263, -3.197], np.float32)
# P(detection right): a logistic regression on confidence_inputs(), standardised.
CONF_MEAN = np.array([51.76, 5.029, -1.119, 0.7709, 0.5046, 0.9424, 0.6302, 0.5677,
                       0.248, 0.1507, 0.1333, 0.2911, 0.06949, 0.1689, 0.02992], np.float32)
CONF_SCALE = np.array([21.35, 4.054, 1.276, 0.3131, 0.4438, 0.1085, 0.2593, 0.3003,
                        0.2731, 0.1366, 0.166, 0.4543, 0.1395, 0.2534, 0.1358], np.float32)
CONF_BETA = np.array([2.098, 0.4529, 3.952, 1.707, -0.3061, 0.597, 0.6119, 1.276,
                       -0.2846, 0.8899, -2.351, -0.5826, -0.04134, 0.2978, -0.1966, -4.118], np.float32)


def aspect_ratio(quads: np.ndarray, focal: float, centre: tuple[float, float]) -> np.ndarray:
    """Width over height of the flat rectangle each quad (N, 4, 2: TL, TR, BR,
    BL in image order) is the image of, for a camera of focal length
    ``focal`` px with its principal point at ``centre``."""
    q = quads.astype(np.float64)
    x = q[..., 0] - centre[0]
    y = q[..., 1] - centre[1]
    # m_i = (x_i, y_i, 1); TL, TR, BR, BL are m1, m2, m4, m3 in the paper's naming.
    x1, x2, x4, x3 = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
    y1, y2, y4, y3 = y[:, 0], y[:, 1], y[:, 2], y[:, 3]
    k2 = _det(x1, y1, x4, y4, x3, y3) / _nonzero(_det(x2, y2, x4, y4, x3, y3))
    k3 = _det(x1, y1, x4, y4, x2, y2) / _nonzero(_det(x3, y3, x4, y4, x2, y2))
    f2 = focal ** 2
    a = ((k2 * x2 - x1) ** 2 + (k2 * y2 - y1) ** 2) / f2 + (k2 - 1) ** 2
    b = ((k3 * x3 - x1) ** 2 + (k3 * y3 - y1) ** 2) / f2 + (k3 - 1) ** 2
    ratio = np.sqrt(np.abs(a) / np.maximum(np.abs(b), 1e-12))
    # Degenerate (a vanishing point at the centre): fall back to the side lengths.
    bad = ~np.isfinite(ratio) | (ratio <= 0) | (k2 <= 0) | (k3 <= 0)
    if bad.any():
        w = (np.linalg.norm(q[:, 1] - q[:, 0], axis=1) + np.linalg.norm(q[:, 2] - q[:, 3], axis=1)) / 2
        h = (np.linalg.norm(q[:, 3] - q[:, 0], axis=1) + np.linalg.norm(q[:, 2] - q[:, 1], axis=1)) / 2
        ratio = np.where(bad, w / np.maximum(h, 1e-6), ratio)
    return ratio


def _det(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
         cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """(a x b) . c of the homogeneous points a, b, c (their third coordinates 1)."""
    return ax * (by - cy) - ay * (bx - cx) + (bx * cy - by * cx)


def _nonzero(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 1e-12, 1e-12, x)


def aspect_off(quads: np.ndarray, focal: float, centre: tuple[float, float]) -> np.ndarray:
    """How far (|log ratio|) each quad's flat shape is from the nearest
    paper shape, whichever way it lies."""
    r = aspect_ratio(quads, focal, centre)
    r = np.maximum(r, 1 / np.maximum(r, 1e-6))
    return np.abs(np.log(r)[:, None] - _LOG_RATIOS).min(axis=1)


def _sides(quads: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points along the sides (N, 4, T, 2) and outward normals (N, 4, 2)."""
    p = quads.astype(np.float32)
    d = p[:, NEXT] - p
    length = np.hypot(d[..., 0], d[..., 1])[..., None] + 1e-6
    t = d / length
    n = np.stack([t[..., 1], -t[..., 0]], axis=-1)
    mid = p + d / 2 - p.mean(axis=1, keepdims=True)
    n = np.where((mid * n).sum(axis=-1, keepdims=True) < 0, -n, n)
    base = p[:, :, None, :] + ts[None, None, :, None] * d[:, :, None, :]
    return base, n


def sample(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """``image`` at each point of ``pts`` (..., 2), bilinear; one remap (a
    map is at most 32767 rows, so the points are laid out 1024 to a row)."""
    flat = pts.reshape(-1, 2)
    count = len(flat)
    rows = -(-count // 1024)
    padded = np.zeros((rows * 1024, 2), np.float32)
    padded[:count] = flat
    grid = padded.reshape(rows, 1024, 2)
    out = cv2.remap(image, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(-1)[:count].reshape(pts.shape[:-1])


def _in_frame(pts: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    h, w = shape[:2]
    return (pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0) & (pts[..., 1] <= h - 1)


def _masked_median(values: np.ndarray, ok: np.ndarray, empty: np.ndarray | float) -> np.ndarray:
    """Row medians (the lower one of an even count) of ``values`` over
    ``ok``; ``empty`` where a row has none."""
    ordered = np.sort(np.where(ok, values, np.inf), axis=1)
    count = ok.sum(axis=1)
    med = ordered[np.arange(len(values)), np.maximum(count - 1, 0) // 2]
    return np.where(count > 0, med, empty)


def features(quads: np.ndarray, grey: np.ndarray, white: np.ndarray, ink: np.ndarray, focal: float,
             completed: np.ndarray | None = None, quick: bool = False,
             moved: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, len(FEATURES)) for quads (N, 4, 2) on the detection-scale planes,
    and each side's edge support and share in view (N, 4, 2):
    ``grey`` and ``white`` (whiteness) float32, ``ink`` the grey minus its
    blur (negative on print).  ``quick``: fewer samples and a wider edge
    test, for outlines not yet fitted to the image (a mask's outline sits a
    px or two off the edge).  ``moved``: for a completed outline, how much
    of the side it moved was a page edge before (a seen edge is seldom the
    one to move)."""
    quads = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    n = len(quads)
    h, w = grey.shape
    ts = _TS_QUICK if quick else _TS
    base, normal = _sides(quads, ts)
    offsets = _OFFSETS * (2.5 if quick else 1.0)
    pts = base[:, :, :, None, :] + offsets[None, None, None, :, None] * normal[:, :, None, None, :]   # (N, 4, T, O, 2)
    inside_frame = _in_frame(pts, grey.shape)
    valid = inside_frame[..., :4].all(axis=-1)                                             # (N, 4, T)
    vals = sample(grey, pts)                                                               # (N, 4, T, O)
    whites = sample(white, pts)
    # The inside: an 8 x 8 grid, bilinear between the corners (near enough
    # to the homography for statistics).
    inner = np.matmul(_GRID_WEIGHTS, quads)                                               # (N, 64, 2)
    inner_in = _in_frame(inner, grey.shape)
    inner_white = sample(white, inner)
    inner_ink = sample(ink, inner)
    level = _masked_median(inner_white, inner_in, 0.0)

    # A page edge is a step, not a ramp, with paper on its inside.  On a dark
    # surface the page is the brighter side; on a light desk under a lamp a
    # side may be darker than the desk beyond it: each side takes whichever
    # way its steps mostly go.
    far = vals[..., 0] - vals[..., 3]
    near = vals[..., 1] - vals[..., 2]
    # The inside of a side is paper, or printed in a strong colour (a card's
    # coloured band reaches its edge: the band's outer edge is the card's).
    paper_in = ((whites[..., 0] > 0.6 * level[:, None, None]) | (whites[..., 0] < COLOURED)) & valid
    brighter = (far > CONTRAST) & (near > 0.4 * far) & paper_in
    darker = (far < -CONTRAST) & (near < 0.4 * far) & paper_in
    good = np.where((darker.sum(axis=2) > brighter.sum(axis=2))[..., None], darker, brighter)
    counted = np.maximum(valid.sum(axis=(1, 2)), 1)
    support = good.sum(axis=(1, 2)) / counted
    seen = valid.mean(axis=(1, 2))
    per_side_valid = valid.sum(axis=2)
    per_side = good.sum(axis=2) / np.maximum(per_side_valid, 1)
    weakest = np.where(per_side_valid >= 0.3 * len(ts), per_side, 1.0).min(axis=1)
    out_ok = inside_frame[..., 4] & valid
    outside = _masked_median(whites[..., 4].reshape(n, -1), out_ok.reshape(n, -1), level)
    # Paper going on past the side, with no edge there: the outline cuts a page.
    spill = ((whites[..., 4] > 0.85 * level[:, None, None]) & out_ok & ~good).sum(axis=(1, 2)) / counted
    inner_count = np.maximum(inner_in.sum(axis=1), 1)
    ink_share = ((inner_ink < -INK) & inner_in).sum(axis=1) / inner_count
    not_paper = np.where(inner_in.any(axis=1),
                         ((inner_white < 0.6 * level[:, None]) & inner_in).sum(axis=1) / inner_count, 1.0)
    area = np.abs(_shoelace(quads)) * inner_in.mean(axis=1) / (h * w)
    off = aspect_off(quads, focal, (w / 2, h / 2))
    feats = np.stack([
        np.log(support + 0.05), seen, weakest, np.exp(-0.5 * (off / ASPECT_SIGMA) ** 2),
        np.sqrt(np.clip(area, 0, 1)), level / 255, (level - outside) / 255, ink_share, _skew(quads),
        np.zeros(n, np.float32) if completed is None else completed.astype(np.float32), not_paper, spill,
        np.zeros(n, np.float32) if moved is None else moved.astype(np.float32),
    ], axis=1).astype(np.float32)
    return feats, np.stack([per_side, per_side_valid / len(ts)], axis=-1)


def _shoelace(quads: np.ndarray) -> np.ndarray:
    x, y = quads[..., 0], quads[..., 1]
    return 0.5 * (x * y[:, NEXT] - x[:, NEXT] * y).sum(axis=1)


def _skew(quads: np.ndarray) -> np.ndarray:
    """The largest departure of a corner from a right angle, in radians."""
    a = quads[:, PREV] - quads
    b = quads[:, NEXT] - quads
    cos = (a * b).sum(axis=-1) / (np.hypot(a[..., 0], a[..., 1]) * np.hypot(b[..., 0], b[..., 1]) + 1e-6)
    return np.abs(np.arccos(np.clip(cos, -1, 1)) - math.pi / 2).max(axis=1)


def score(feats: np.ndarray) -> np.ndarray:
    return feats @ WEIGHTS


def confidence_inputs(best: float, margin: float, feats: np.ndarray) -> np.ndarray:
    """What the confidence is computed from: the winner's score, its lead
    over the best candidate that is a different outline, its features."""
    return np.concatenate([[best, margin], np.asarray(feats, np.float64).ravel()])


def confidence(best: float, margin: float, feats: np.ndarray) -> float:
    """P(the detection is right: SmartDoc Jaccard >= 0.9): the fitted
    probability, times the ranking's own odds that the winner and not the
    runner-up is the page (a softmax of the two scores).  Scenes with two
    equally page-like papers are rare in the fitting data, so the fit alone
    would not learn that the detector cannot know which one is meant."""
    z = (confidence_inputs(best, margin, feats) - CONF_MEAN) / CONF_SCALE
    fitted = 1 / (1 + math.exp(-float(z @ CONF_BETA[:-1] + CONF_BETA[-1])))
    return float(fitted / (1 + math.exp(-margin)))
