"""Where a page may be: cheap segmentations of a small copy of the frame,
and the four-sided outlines their regions propose.

No single cue finds white paper on anything from a black tray to a white
desk, so several propose and pagelike.py decides: Otsu on grey and on
whiteness (white paper is bright in all three channels; wood, skin and
coloured things are not), Otsu after dividing out the lighting gradient (a
white page on a light desk under a lamp), regions enclosed by Canny edges of
the high-passed frame, and, when the empty tray is known, the difference
from it.  A region's hull, simplified to a few sides, gives every choice of
four of them extended until they meet (a side cut by the frame edge or
bitten by a hand still has its direction); an outline with one side hidden
is completed from its three others and the shapes a page comes in.
All pure functions on arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import cv2
import numpy as np

from drivers.camera.frames import as_bgr

OUTER_ONLY = -1     # a mask's "border" meaning: no border, only its white regions' outer boundaries


def downscale(frame: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """``frame`` at ``width`` pixels wide (never enlarged), and the scale.
    Halving with bilinear sampling averages 2x2 blocks, which is what an area
    resize does, at a third of its cost: a 1080p frame goes to 480 px in two
    halvings."""
    h, w = frame.shape[:2]
    scale = min(1.0, width / w)
    if scale == 1.0:
        return frame, 1.0
    small = frame
    while small.shape[1] >= 2 * width and small.shape[1] % 2 == 0 and small.shape[0] % 2 == 0:
        small = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    if small.shape[1] != width:
        small = cv2.resize(small, (width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return small, small.shape[1] / w


def whiteness(small: np.ndarray) -> np.ndarray:
    """High for paper (bright in all three channels, no hue), low for skin,
    wood and coloured things however bright."""
    b, g, r = cv2.split(as_bgr(small))
    lo = cv2.min(cv2.min(b, g), r).astype(np.float32)
    hi = cv2.max(cv2.max(b, g), r).astype(np.float32)
    return lo - 0.5 * (hi - lo)


def masks(small: np.ndarray, grey: np.ndarray, white: np.ndarray, high: np.ndarray,
          reference: np.ndarray | None, stages: tuple[int, ...] = (0, 1)) -> Iterator[tuple[np.ndarray, int]]:
    """Binary images in which the page may be one white region (or, for the
    edge images, one black region enclosed by white, or the outer boundary of
    one white set of edges), each with the border added around it (0 or 1
    px; OUTER_ONLY: only the outer boundaries of its white sets are
    regions, see regions()).  Stage 0: thresholds of brightness and
    whiteness and the difference from the empty tray; stage 1: the regions
    enclosed by edges, which cost as much as all of stage 0 (text makes
    thousands of little contours) and are wanted only when stage 0 found no
    convincing page."""
    if 0 in stages:
        yield from _threshold_masks(small, grey, white, reference)
    if 1 in stages:
        yield from _edge_masks(high)


def _threshold_masks(small: np.ndarray, grey: np.ndarray, white: np.ndarray,
                     reference: np.ndarray | None) -> Iterator[tuple[np.ndarray, int]]:
    whites = np.clip(white, 0, 255).astype(np.uint8)
    for channel in (grey, whites):
        _, mask = cv2.threshold(channel, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        yield mask, 0
    # The whitest things in view: a card among paper-coloured clutter merges
    # with it under Otsu, but white paper is the whitest thing on a desk.
    top = _percentile_u8(whites[::4, ::4], 99.5)
    _, mask = cv2.threshold(whites, 0.88 * top, 255, cv2.THRESH_BINARY)
    yield mask, 0
    h, w = grey.shape
    coarse = cv2.resize(grey, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA)
    light = cv2.resize(cv2.GaussianBlur(coarse, (0, 0), w / 96), (w, h)).astype(np.float32) + 1
    flat = np.clip(grey.astype(np.float32) / light * 160, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    yield mask, 0
    if reference is not None:
        diff = cv2.absdiff(small, reference).max(axis=2)
        diff = cv2.GaussianBlur(diff, (5, 5), 0)
        _, mask = cv2.threshold(diff, 25, 255, cv2.THRESH_BINARY)
        yield cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)), 0


def _percentile_u8(values: np.ndarray, q: float) -> float:
    """np.percentile(values, q) (linear interpolation) of 8-bit values, from
    their histogram: a fifth of the time."""
    counts = np.bincount(values.ravel(), minlength=256).cumsum()
    position = q / 100 * (counts[-1] - 1)
    below = int(position)
    # The k-th smallest value (from 0) is the first whose cumulative count exceeds k.
    low, high = np.searchsorted(counts, [below, below + 1], side="right")
    low, high = float(low), float(min(int(high), 255))
    t = position - below
    # numpy's own interpolation, to the last bit (the threshold is floored).
    return high - (high - low) * (1 - t) if t >= 0.5 else low + (high - low) * t


def _edge_masks(high: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
    # Edges of the high-passed frame (``high``): steps survive, the ramps of
    # lighting gradients and of a person's soft shadow do not.  The edges,
    # thickened, with a white frame around them: every region they enclose
    # (a page whose outline closed, also against the frame's border) is a
    # hole, and the thick edges' own outline bridges an outline with gaps.
    edges = cv2.Canny(high, 8, 24)
    for size in (3, 5):
        thick = cv2.dilate(edges, np.ones((size, size), np.uint8))
        yield cv2.copyMakeBorder(thick, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=255), 1
        if size == 3:
            # The same edges unpadded, their outer boundaries only: a card
            # whose outline comes within a few px of the frame's border
            # joins the padding above (and is then no hole of its own), and
            # its print breaks its inside into pieces; the outline of its
            # edges as one set is the card.
            yield thick, OUTER_ONLY


def regions(mask: np.ndarray, min_area: float, count: int = 3, border: int = 0) -> list[np.ndarray]:
    """The ``count`` largest outlines (of white regions and of the holes in
    them; with ``border`` OUTER_ONLY, of the white regions only) enclosing
    more than ``min_area`` px, in the coordinates of the image inside
    ``border``.  Text makes hundreds of tiny contours: an outline shorter
    than the perimeter of a circle of ``min_area`` cannot enclose it, and is
    dropped before any area is computed."""
    outer = border == OUTER_ONLY
    border = max(border, 0)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL if outer else cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    shortest = 2.5 * np.sqrt(min_area)   # a circle's perimeter, counted in 8-connected steps
    sized = [(cv2.contourArea(c), c) for c in contours if len(c) >= shortest]
    sized = [(a, c) for a, c in sized if a > min_area]
    sized.sort(key=lambda t: -t[0])
    # The padded frame's own outline is not a region.
    limit = (mask.shape[0] - 2 * border) * (mask.shape[1] - 2 * border) * 0.98 if border else np.inf
    if outer:
        # Nor is the outline of edges that reach all four sides of the frame
        # (a textured surface's): it is the frame with its corners cut.
        h, w = mask.shape[:2]
        sized = [(a, c) for a, c in sized if cv2.boundingRect(c)[2:] != (w, h)]
    return [c - border if border else c for a, c in sized if a < limit][:count]


def intersect(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    """Lines as (vx, vy, x0, y0)."""
    (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = l1, l2
    det = vx1 * (-vy2) - vy1 * (-vx2)
    if abs(det) < 1e-6:
        return None
    t = ((x2 - x1) * (-vy2) - (y2 - y1) * (-vx2)) / det
    return np.array([x1 + t * vx1, y1 + t * vy1], np.float32)


def line_through(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    d = q - p
    n = float(np.hypot(*d)) or 1.0
    return np.array([d[0] / n, d[1] / n, p[0], p[1]], np.float32)


_NEXT = np.array([1, 2, 3, 0])     # np.roll(x, -1, axis=1) of four corners, faster
_PREV = np.array([3, 0, 1, 2])
_COMBOS = {n: np.array(list(itertools.combinations(range(n), 4)), np.intp) for n in (5, 6)}


def quads_from_contour(contour: np.ndarray) -> np.ndarray:
    """Four-corner guesses (Q, 4, 2) from a region's outline: its hull
    simplified to a few sides, and every choice of four of those sides
    extended until they meet."""
    none = np.zeros((0, 4, 2), np.float32)
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    if perimeter < 40:
        return none
    poly = cv2.approxPolyDP(hull, 0.015 * perimeter, True).reshape(-1, 2).astype(np.float32)
    if len(poly) < 4:
        return none
    if len(poly) == 4:
        return poly[None]
    ends = poly[np.r_[1:len(poly), 0]]
    if len(poly) > 6:
        keep = np.sort(np.argsort(np.hypot(*(ends - poly).T))[-6:])
        poly, ends = poly[keep], ends[keep]
    # Every pair of side lines meets at one point (p + t d); the chosen four
    # sides, in order round the hull, meet at the quad's corners.
    d = ends - poly
    cross = d[:, None, 0] * d[None, :, 1] - d[:, None, 1] * d[None, :, 0]              # (L, L)
    diff = poly[None, :, :] - poly[:, None, :]
    t = (diff[..., 0] * d[None, :, 1] - diff[..., 1] * d[None, :, 0]) / np.where(np.abs(cross) < 1e-6, 1, cross)
    meet = poly[:, None, :] + t[..., None] * d[:, None, :]                                # (L, L, 2)
    combos = _COMBOS[len(poly)]
    prev, this = combos[:, _PREV], combos
    quads = meet[prev, this]                                                              # (C, 4, 2)
    ok = (np.abs(cross[prev, this]) >= 1e-6).all(axis=1)
    # Convex: every turn the same way.
    e = quads[:, _NEXT] - quads
    f = e[:, _NEXT]
    turn = e[..., 0] * f[..., 1] - e[..., 1] * f[..., 0]
    ok &= (turn > 0).all(axis=1) | (turn < 0).all(axis=1)
    # Extending sides must not invent a page far bigger than what was seen.
    after = quads[:, _NEXT]
    area = 0.5 * np.abs((quads[..., 0] * after[..., 1] - after[..., 0] * quads[..., 1]).sum(axis=1))
    hull_area = cv2.contourArea(hull)
    ok &= (area >= 0.5 * hull_area) & (area <= 1.5 * hull_area)
    return quads[ok].astype(np.float32)


def completions(quad: np.ndarray, ratios: tuple[float, ...], side: int, shrink: float = 1.0) -> list[np.ndarray]:
    """The outline with side ``side`` (from corner ``side`` to the next)
    moved to where a page of each aspect ratio would end: its two
    neighbours keep their lines, the opposite side its place, and the page's
    extent along the neighbours becomes the opposite side's length times (or
    divided by) the ratio.  A finger, a hand, the frame's edge or a card's
    coloured band hides one side, and what is seen is then smaller than the
    page: mostly the side moves out.  A glare spot spilling off a card onto
    a light surface merges with it, and what is seen is then larger: the
    side may also move in, down to ``shrink`` times the neighbours' length
    (1.0: only outward)."""
    q = quad.astype(np.float32)
    a, b = side, (side + 1) % 4            # the hidden side's corners
    c, d = (side + 2) % 4, (side + 3) % 4  # the opposite side: c -> d, with d next to a and c next to b
    opposite = float(np.hypot(*(q[d] - q[c])))
    if opposite < 4:
        return []
    # Directions from the opposite side's ends along the neighbours, towards the hidden side.
    da = q[a] - q[d]
    db = q[b] - q[c]
    la, lb = float(np.hypot(*da)), float(np.hypot(*db))
    if la < 1 or lb < 1:
        return []
    da, db = da / la, db / lb
    # The extent at the neighbours' mean length scale: perspective shrinks the
    # far side, so compare like with like (the mean of the two neighbours).
    out = []
    for ratio in ratios:
        for extent in (opposite * ratio, opposite / ratio):
            mean = (la + lb) / 2
            if (extent > mean - 2.0 and extent < mean + 2.0) or extent < shrink * mean or extent > 6 * mean:
                continue                      # not larger (the quad itself is already scored), or absurd
            new = q.copy()
            new[a] = q[d] + da * extent
            new[b] = q[c] + db * extent
            if cv2.isContourConvex(new.reshape(-1, 1, 2)):
                out.append(new)
    return out
