"""A second, independent family of document-camera scenes, from physics
rather than from the first family's recipe.

``scenes.py`` warps a rendered template onto a flat background with random
corner jitter.  This family starts from the camera instead: a pinhole camera
(field of view 58-72 degrees, tilted up to 6 degrees) above a tray plane,
where everything is laid out in millimetres -- the tray or desk, the things
on it, the page, a hand -- then one projection of that plane to the image,
a desk lamp's inverse-square light and the shadows it casts, vignetting,
barrel distortion of the lens, defocus or motion blur, sensor noise that
grows with the signal, and JPEG.

Pages are drawn with no font: glyph-like strokes from a per-page alphabet,
a form's rules, a photo block, a seal.  Documents come in the shapes a hut
sees (A4, A5, US letter, ID-1 cards) on five surfaces: the dark tray, a
light laminate desk, wood planks, fabric, and a cluttered desk whose
distractors are rectangles of paper-like colours (sticky notes, folders, box
lids, envelopes) plus a phone, a keyboard and pens.

The scenes carry the same ``Scene`` record as the first family, so the
bench, ``kiosk scan detect`` and the metric take either.  Nothing in the
detector was designed by looking at this module's pictures alone; see
docs/PERFORMANCE.md for which seeds were looked at while tuning.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np

from simulators.camera.scenes import Scene

KINDS = ("dark", "light", "wood", "fabric", "cluttered")
CONDITIONS = ("shadow", "glare", "hand", "finger", "partial", "blur", "motion", "distortion", "occluder")
DOCS = {"a4": (210.0, 297.0), "a5": (148.0, 210.0), "letter": (215.9, 279.4), "id1": (85.6, 54.0)}
PX_PER_MM = 4.0        # the tray plane is drawn at 4 px/mm, finer than the camera sees it


# -- the page ----------------------------------------------------------------------
def _alphabet(rng: np.random.Generator, cell: int, count: int = 48) -> np.ndarray:
    """``count`` glyph masks (cell x cell), each a few strokes, as CJK-like
    texture at camera resolution."""
    glyphs = np.zeros((count, cell, cell), np.uint8)
    for g in glyphs:
        for _ in range(int(rng.integers(2, 6))):
            p = rng.integers(1, cell - 1, 2)
            if rng.random() < 0.5:
                q = np.array([rng.integers(1, cell - 1), p[1]])   # horizontal stroke
            else:
                q = np.array([p[0], rng.integers(1, cell - 1)])   # vertical stroke
            cv2.line(g, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 255, max(1, cell // 8))
    return glyphs


def _text_line(page: np.ndarray, glyphs: np.ndarray, x: int, y: int, n: int, colour: np.ndarray,
               rng: np.random.Generator) -> None:
    cell = glyphs.shape[1]
    for i in range(n):
        x0 = x + i * cell
        if x0 + cell > page.shape[1] or y + cell > page.shape[0]:
            return
        if rng.random() < 0.08:      # a space
            continue
        mask = glyphs[int(rng.integers(0, len(glyphs)))].astype(np.float32)[..., None] / 255
        roi = page[y:y + cell, x0:x0 + cell]
        roi[:] = (roi * (1 - mask) + colour * mask).astype(np.uint8)


def _seal(page: np.ndarray, centre: tuple[int, int], radius: int, colour: tuple[int, int, int]) -> None:
    cv2.circle(page, centre, radius, colour, max(2, radius // 14), cv2.LINE_AA)
    cv2.circle(page, centre, radius // 4, colour, -1, cv2.LINE_AA)


def _paper_colour(rng: np.random.Generator, card: bool = False) -> np.ndarray:
    """White, ivory or grey recycled paper; a card is white or ivory (no
    card is printed on recycled paper)."""
    kind = rng.choice(["white", "white", "ivory"] if card else ["white", "white", "white", "ivory", "recycled"])
    if kind == "white":
        base = rng.uniform(236, 252)
        return np.array([base + rng.uniform(-2, 3), base, base - rng.uniform(0, 3)], np.float32)
    if kind == "ivory":
        base = rng.uniform(228, 245)
        return np.array([base - rng.uniform(12, 22), base - rng.uniform(2, 6), base], np.float32)
    base = rng.uniform(200, 225)
    return np.array([base - 4, base, base + 2], np.float32)


def render_page(doc: str, rng: np.random.Generator) -> np.ndarray:
    """A document at PX_PER_MM, portrait (cards landscape), BGR."""
    w_mm, h_mm = DOCS[doc]
    w, h = round(w_mm * PX_PER_MM), round(h_mm * PX_PER_MM)
    paper = _paper_colour(rng, card=doc == "id1")
    page = np.empty((h, w, 3), np.uint8)
    page[:] = np.clip(paper, 0, 255)
    ink = np.array(rng.choice([[20, 20, 20], [60, 30, 20], [40, 40, 40]]), np.float32)
    if doc == "id1":
        # A card: a faint printed pattern, a photo box, text lines, an emblem or a coloured band.
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        tint = np.array(rng.choice([[250, 232, 215], [235, 235, 250], [240, 245, 235]]), np.float32)
        wave = 0.5 + 0.5 * np.sin(xx * rng.uniform(0.05, 0.12) + 8 * np.sin(yy * rng.uniform(0.02, 0.05)))
        page[:] = np.clip(paper * (1 - 0.12 * wave[..., None]) + tint * 0.12 * wave[..., None], 0, 255)
        if rng.random() < 0.35:    # a social-security style card: a coloured top band
            band = np.array(rng.choice([[160, 70, 30], [40, 40, 170], [60, 130, 40]]), np.float32)
            page[: int(h * rng.uniform(0.25, 0.4))] = band
        glyphs = _alphabet(rng, 14)
        if rng.random() < 0.5:     # front: the photo on the right
            x0, y0 = int(w * 0.64), int(h * 0.18)
            page[y0:int(h * 0.82), x0:int(w * 0.92)] = np.clip(rng.uniform(150, 200, 3), 0, 255)
            cv2.ellipse(page, (int(w * 0.78), int(h * 0.45)), (int(w * 0.08), int(h * 0.15)), 0, 0, 360,
                        (60, 70, 90), -1, cv2.LINE_AA)
            for i in range(5):
                _text_line(page, glyphs, int(w * 0.06), int(h * 0.45 + i * h * 0.09), int(rng.integers(5, 12)),
                           ink, rng)
        else:                      # back: an emblem top left, two lines of heading
            _seal(page, (int(w * 0.15), int(h * 0.3)), int(h * 0.16), (30, 40, 200))
            for i in range(4):
                _text_line(page, glyphs, int(w * 0.32), int(h * 0.5 + i * h * 0.1), int(rng.integers(8, 16)),
                           ink, rng)
        return page
    glyphs = _alphabet(rng, int(rng.integers(12, 17)))
    cell = glyphs.shape[1]
    margin = int(rng.uniform(16, 28) * PX_PER_MM)
    y = margin
    if rng.random() < 0.5:         # a coloured letterhead rule
        colour = tuple(int(c) for c in rng.choice([[30, 30, 180], [140, 60, 20], [30, 30, 30]]))
        cv2.rectangle(page, (margin, y), (w - margin, y + 6), colour, -1)
        y += 24
    big = _alphabet(rng, cell * 2, 16)   # a heading in larger glyphs
    _text_line(page, big, w // 2 - cell * 6, y, int(rng.integers(5, 10)), ink, rng)
    y += cell * 3
    per_line = (w - 2 * margin) // cell
    while y < h - margin - cell * 4:
        block = rng.choice(["para", "para", "table", "photo", "gap"])
        if block == "para":
            for _ in range(int(rng.integers(3, 8))):
                if y > h - margin - cell:
                    break
                _text_line(page, glyphs, margin, y, int(rng.integers(per_line // 2, per_line)), ink, rng)
                y += int(cell * rng.uniform(1.5, 1.9))
            y += cell
        elif block == "table":
            rows, cols = int(rng.integers(3, 7)), int(rng.integers(2, 5))
            row_h = cell * 2
            right = w - margin
            if y + rows * row_h > h - margin:
                break
            for r in range(rows + 1):
                cv2.line(page, (margin, y + r * row_h), (right, y + r * row_h), (40, 40, 40), 2)
            for c in range(cols + 1):
                x = margin + c * (right - margin) // cols
                cv2.line(page, (x, y), (x, y + rows * row_h), (40, 40, 40), 2)
            for r in range(rows):
                for c in range(cols):
                    _text_line(page, glyphs, margin + c * (right - margin) // cols + 6, y + r * row_h + cell // 2,
                               int(rng.integers(2, 6)), ink, rng)
            y += rows * row_h + cell
        elif block == "photo":
            ph, pw = int(rng.uniform(30, 60) * PX_PER_MM), int(rng.uniform(25, 50) * PX_PER_MM)
            if y + ph > h - margin:
                break
            x0 = int(rng.uniform(margin, w - margin - pw))
            small = rng.uniform(40, 220, (4, 4, 3)).astype(np.float32)
            page[y:y + ph, x0:x0 + pw] = cv2.resize(small, (pw, ph), interpolation=cv2.INTER_CUBIC).clip(0, 255)
            y += ph + cell
        else:
            y += cell * 3
    if rng.random() < 0.6:
        colour = (30, 30, 200) if rng.random() < 0.8 else (170, 60, 30)
        _seal(page, (int(w * rng.uniform(0.55, 0.8)), int(h * rng.uniform(0.75, 0.9))), int(w * 0.11), colour)
    return page


# -- the surfaces --------------------------------------------------------------------
def _noise_field(shape: tuple[int, int], rng: np.random.Generator, cell: int) -> np.ndarray:
    h, w = shape
    small = rng.normal(0, 1, (max(2, h // cell), max(2, w // cell))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _surface(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    if kind == "dark":
        level = rng.uniform(18, 70)
        tex = level + 3 * _noise_field(shape, rng, 6) + 2 * _noise_field(shape, rng, 60)
        out = np.repeat(tex[..., None], 3, axis=2) + rng.uniform(-4, 4, 3).astype(np.float32)
        if rng.random() < 0.4:   # the tray is smaller than the view: a light desk around it
            x0, y0 = int(w * rng.uniform(0.03, 0.12)), int(h * rng.uniform(0.03, 0.12))
            desk = np.full_like(out, rng.uniform(150, 210))
            inner = np.zeros((h, w), np.uint8)
            cv2.rectangle(inner, (x0, y0), (w - x0, h - y0), 255, -1)
            out = np.where(inner[..., None] > 0, out, desk)
        return out
    if kind == "light":
        level = rng.uniform(198, 238)
        tex = level + 1.5 * _noise_field(shape, rng, 3) + 3 * _noise_field(shape, rng, 120)
        tint = np.array([rng.uniform(-6, 2), 0, rng.uniform(-1, 5)], np.float32)
        return np.repeat(tex[..., None], 3, axis=2) + tint
    if kind == "wood":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        angle = rng.uniform(0, math.pi)
        along = xx * math.cos(angle) + yy * math.sin(angle)
        across = -xx * math.sin(angle) + yy * math.cos(angle)
        plank = rng.uniform(90, 160) * PX_PER_MM
        board = np.floor(across / plank)
        turb = _noise_field(shape, rng, 40) * 25 + _noise_field(shape, rng, 8) * 3
        rings = np.sin((across + turb + board * 97) * rng.uniform(0.05, 0.15) + along * 0.002)
        grain = _noise_field((h, w), rng, 2) * 0.05
        light_wood = rng.random() < 0.4
        base = np.array([150, 190, 220] if light_wood else rng.uniform([40, 70, 110], [90, 130, 170]), np.float32)
        tone = 0.85 + 0.12 * rings + grain + 0.06 * np.sin(board * 12.9898)   # boards differ a little
        out = base * tone[..., None]
        seam = (np.abs(across - (board + 1) * plank) < 2.5) | (np.abs(across - board * plank) < 2.5)
        out[seam] *= 0.45
        return out
    if kind == "fabric":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        pitch = rng.uniform(2.5, 6.0)          # px per thread
        c1 = rng.uniform(20, 235, 3).astype(np.float32)
        c2 = np.clip(c1 + rng.uniform(-60, 60, 3), 0, 255).astype(np.float32)
        style = rng.choice(["check", "twill", "plain"])
        if style == "check":
            size = rng.uniform(8, 25) * PX_PER_MM
            checks = ((xx // size + yy // size) % 2)[..., None]
            white = np.array([235, 235, 235], np.float32) if rng.random() < 0.5 else c2
            out = c1 * checks + white * (1 - checks)
        else:
            out = np.empty((h, w, 3), np.float32)
            out[:] = c1
        if style == "twill":
            weave = np.sin((xx + yy) * 2 * math.pi / (pitch * 2)) * 0.5 + 0.5
        else:
            weave = (np.sin(xx * 2 * math.pi / pitch) * np.sin(yy * 2 * math.pi / pitch)) * 0.5 + 0.5
        out = out * (0.8 + 0.25 * weave[..., None])
        folds = _noise_field(shape, rng, 200) * 0.08
        return out * (1 + folds[..., None])
    # cluttered: a desk top; objects are added by _clutter
    level = rng.uniform(60, 190)
    tex = level + 2 * _noise_field(shape, rng, 4) + 4 * _noise_field(shape, rng, 100)
    return np.repeat(tex[..., None], 3, axis=2) + rng.uniform(-12, 12, 3).astype(np.float32)


def _soft(img: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur, done at a fraction of the size (a shadow's edge
    has no detail to lose)."""
    if sigma < 6:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    h, w = img.shape[:2]
    f = max(2, int(sigma // 3))
    small = cv2.resize(img, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / f), (w, h), interpolation=cv2.INTER_LINEAR)


def _box(centre: np.ndarray, w: float, h: float, angle: float) -> np.ndarray:
    return cv2.boxPoints(((float(centre[0]), float(centre[1])), (w, h), angle)).astype(np.float32)


def _clutter(canvas: np.ndarray, shadow: np.ndarray, rng: np.random.Generator, avoid: np.ndarray,
             count: int) -> None:
    """Things on a desk, drawn on the plane: rectangles of paper-like colours
    (sticky notes, folders, box lids, envelopes), a phone, a keyboard, a mug,
    pens.  ``avoid`` is the page's outline: big things stay mostly clear of
    it, small ones may touch it.  Thick things cast a shadow (``shadow``)."""
    h, w = canvas.shape[:2]
    s = PX_PER_MM
    page_centre = avoid.mean(axis=0)
    for _ in range(count):
        what = rng.choice(["note", "note", "folder", "lid", "envelope", "phone", "keyboard", "mug", "pen", "book"])
        centre = np.array([rng.uniform(0, w), rng.uniform(0, h)], np.float32)
        angle = float(rng.uniform(-30, 30) + (90 if rng.random() < 0.3 else 0))
        sizes = {"note": (76, 76) if rng.random() < 0.6 else (76, 127), "folder": (235, 315),
                 "lid": (rng.uniform(120, 260), rng.uniform(80, 200)), "envelope": (220, 110),
                 "phone": (72, 150), "keyboard": (440, 135), "book": (150, 215), "mug": (85, 85),
                 "pen": (140, 9)}
        bw, bh = (v * s for v in sizes[what])
        if what in ("folder", "lid", "keyboard", "book", "envelope"):
            # keep clear of the page's middle: push away along the line from the page's centre
            away = centre - page_centre
            dist = float(np.hypot(*away)) + 1e-6
            reach = float(np.ptp(avoid[:, 0]) + np.ptp(avoid[:, 1])) / 4 + max(bw, bh) / 2
            if dist < reach * 0.9:
                centre = page_centre + away / dist * reach * rng.uniform(0.9, 1.2)
        colours = {
            "note": rng.choice([[120, 240, 250], [200, 170, 250], [170, 240, 190], [245, 225, 170], [235, 240, 240]]),
            "folder": rng.choice([[150, 200, 225], [230, 200, 160], [200, 180, 235], [215, 225, 230]]),
            "lid": rng.choice([[120, 160, 195], [225, 228, 230], [240, 240, 238], [90, 130, 170]]),
            "envelope": rng.choice([[235, 238, 240], [170, 210, 230], [225, 230, 235]]),
            "phone": [25, 25, 28], "keyboard": [40, 40, 45], "book": rng.uniform(30, 220, 3),
            "mug": rng.uniform(30, 240, 3), "pen": rng.uniform(0, 200, 3)}
        colour = np.clip(np.asarray(colours[what], np.float32) + rng.uniform(-8, 8, 3), 0, 255)
        height = {"note": 0.3, "folder": 1.0, "lid": 25, "envelope": 1.0, "phone": 9, "keyboard": 20,
                  "book": 18, "mug": 95, "pen": 9}[what] * s
        mask = np.zeros((h, w), np.uint8)
        if what == "mug":
            cv2.circle(mask, (int(centre[0]), int(centre[1])), int(bw / 2), 255, -1, cv2.LINE_AA)
        elif what == "pen":
            d = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))]) * bw / 2
            cv2.line(mask, tuple(int(v) for v in centre - d), tuple(int(v) for v in centre + d), 255, int(bh),
                     cv2.LINE_AA)
        else:
            cv2.fillPoly(mask, [_box(centre, bw, bh, angle).astype(np.int32)], 255, cv2.LINE_AA)
        ys, xs = np.nonzero(mask[::4, ::4])
        if len(xs) == 0:
            continue
        roi = (slice(max(0, ys.min() * 4 - 8), ys.max() * 4 + 12), slice(max(0, xs.min() * 4 - 8), xs.max() * 4 + 12))
        layer = np.empty_like(canvas)
        layer[roi] = colour
        if what == "keyboard":          # rows of keys
            keys = np.zeros((h, w), np.uint8)
            for kx in np.arange(-bw / 2 + 10, bw / 2 - 10, 19 * s):
                for ky in np.arange(-bh / 2 + 10, bh / 2 - 10, 19 * s):
                    cv2.fillPoly(keys, [_box(centre + _rot([kx + 8 * s, ky + 8 * s], angle), 15 * s, 15 * s,
                                             angle).astype(np.int32)], 255)
            layer[keys > 0] = colour + 35
        elif what == "mug":             # rim and coffee
            inner = np.zeros((h, w), np.uint8)
            cv2.circle(inner, (int(centre[0]), int(centre[1])), int(bw / 2 - 6 * s), 255, -1, cv2.LINE_AA)
            layer[inner > 0] = (30, 45, 70)
        elif what == "book":            # a title band
            band = np.zeros((h, w), np.uint8)
            cv2.fillPoly(band, [_box(centre + _rot([0, -bh * 0.2], angle), bw * 0.8, bh * 0.12,
                                     angle).astype(np.int32)], 255)
            layer[band > 0] = 255 - colour
        elif what == "envelope" and rng.random() < 0.6:   # an address window or printed lines
            win = np.zeros((h, w), np.uint8)
            cv2.fillPoly(win, [_box(centre + _rot([bw * 0.1, bh * 0.1], angle), bw * 0.4, bh * 0.3,
                                    angle).astype(np.int32)], 255)
            layer[win > 0] = colour - 25
        if height > 2 * s:
            shadow_mask = np.roll(mask, (int(height * 0.25), int(height * 0.15)), axis=(0, 1))
            np.maximum(shadow, shadow_mask.astype(np.float32) / 255 * min(0.5, 0.15 + height / (200 * s)), out=shadow)
        alpha = mask[roi].astype(np.float32)[..., None] / 255
        canvas[roi] = canvas[roi] * (1 - alpha) + layer[roi] * alpha


def _rot(v: list[float], angle: float) -> np.ndarray:
    a = math.radians(angle)
    return np.array([v[0] * math.cos(a) - v[1] * math.sin(a), v[0] * math.sin(a) + v[1] * math.cos(a)], np.float32)


def _hand(canvas: np.ndarray, rng: np.random.Generator, edge_from: np.ndarray, edge_to: np.ndarray,
          inward: np.ndarray, fingers_only: bool) -> np.ndarray:
    """A hand (or one or two fingers) reaching over a page edge from outside;
    returns its mask (for its shadow)."""
    h, w = canvas.shape[:2]
    s = PX_PER_MM
    t = rng.uniform(0.2, 0.8)
    p = edge_from + (edge_to - edge_from) * t
    along = (edge_to - edge_from) / (np.linalg.norm(edge_to - edge_from) + 1e-6)
    mask = np.zeros((h, w), np.uint8)
    reach = rng.uniform(6, 30) * s          # how far the fingertips go past the edge
    if fingers_only:
        count = int(rng.integers(1, 3))
        for f in range(count):
            tip = p + inward * reach + along * f * 20 * s
            base = tip - inward * rng.uniform(60, 90) * s + along * rng.uniform(-15, 15) * s
            width = int(rng.uniform(15, 20) * s)
            cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 255, width, cv2.LINE_AA)
            cv2.circle(mask, tuple(int(v) for v in tip), width // 2, 255, -1, cv2.LINE_AA)
    else:
        palm = p - inward * rng.uniform(70, 100) * s
        cv2.ellipse(mask, tuple(int(v) for v in palm), (int(48 * s), int(58 * s)),
                    math.degrees(math.atan2(inward[1], inward[0])), 0, 360, 255, -1, cv2.LINE_AA)
        for f in range(4):
            spread = (f - 1.5) * rng.uniform(17, 22) * s
            tip = p + inward * reach * rng.uniform(0.6, 1.0) + along * spread
            base = palm + along * spread * 0.8 + inward * 30 * s
            width = int(rng.uniform(15, 19) * s)
            cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 255, width, cv2.LINE_AA)
            cv2.circle(mask, tuple(int(v) for v in tip), width // 2, 255, -1, cv2.LINE_AA)
        thumb = palm + along * 55 * s * rng.choice([-1, 1]) + inward * 10 * s
        cv2.line(mask, tuple(int(v) for v in palm), tuple(int(v) for v in thumb), 255, int(20 * s), cv2.LINE_AA)
    skin = np.array(rng.choice([[140, 170, 220], [110, 145, 200], [80, 110, 160], [160, 185, 230]]), np.float32)
    alpha = cv2.GaussianBlur(mask, (0, 0), 1.5).astype(np.float32)[..., None] / 255
    shade = 0.8 + 0.25 * _soft(mask.astype(np.float32) / 255, 12 * s)[..., None]
    canvas[:] = canvas * (1 - alpha) + skin * shade * alpha
    return mask


# -- the camera ----------------------------------------------------------------------
def _camera(size: tuple[int, int], rng: np.random.Generator, need_mm: tuple[float, float]) -> tuple[np.ndarray, float]:
    """Plane (mm, origin under the lens) to image homography and focal length
    in px.  The camera sees 420-600 mm of tray across the frame, more when
    the page (``need_mm``, its upright box) would not fit: a hut mounts the
    camera so that an A4 page fits."""
    w, h = size
    fov = math.radians(rng.uniform(58, 72))
    f = (w / 2) / math.tan(fov / 2)
    need = max(need_mm[0], need_mm[1] * w / h) * 1.1
    view_mm = max(rng.uniform(420, 600), need)      # tray width seen across the frame
    height = view_mm * f / w
    pitch, roll = (math.radians(v) for v in rng.uniform(-6, 6, 2))
    rx = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]])
    ry = np.array([[math.cos(roll), 0, math.sin(roll)], [0, 1, 0], [-math.sin(roll), 0, math.cos(roll)]])
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    # world: x right, y down the image, z into the tray; the lens at z = -height
    plane_to_image = k @ (rx @ ry) @ np.diag([1.0, 1.0, height])
    return plane_to_image, f


def _apply(hom: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(np.asarray(pts, np.float64).reshape(-1, 1, 2), hom).reshape(-1, 2)


def _distort_points(pts: np.ndarray, k: float, f: float, size: tuple[int, int]) -> np.ndarray:
    """Where an undistorted point lands with barrel distortion ``k``: solve
    p_u = p_d (1 + k r_d^2) by fixed-point iteration."""
    c = np.array([size[0] / 2, size[1] / 2])
    u = (pts - c) / f
    d = u.copy()
    for _ in range(20):
        d = u / (1 + k * (d ** 2).sum(axis=1, keepdims=True))
    return d * f + c


def render_other(seed: int, kind: str | None = None, size: tuple[int, int] = (1920, 1080), doc: str | None = None,
                 conditions: tuple[str, ...] | None = None, with_tray: bool = False) -> Scene:
    """The scene of ``seed`` in this family; ``conditions`` forces a set of
    spoilers (see CONDITIONS), else each is drawn at random."""
    rng = np.random.default_rng((seed, 2))
    w, h = size
    kind = kind or KINDS[seed % len(KINDS)]
    doc = doc or str(rng.choice(["a4", "a4", "a4", "a5", "letter", "id1", "id1"]))
    if conditions is None:
        odds = {"shadow": 0.5, "glare": 0.25, "hand": 0.15, "finger": 0.15, "partial": 0.15, "blur": 0.2,
                "motion": 0.1, "distortion": 0.4, "occluder": 0.1}
        conditions = tuple(c for c, p in odds.items() if rng.random() < p)
    # The page: drawn, then turned as it lies (cards may lie at any slant).
    s = PX_PER_MM
    page = render_page(doc, rng)
    ph, pw = page.shape[:2]
    landscape = doc != "id1" and rng.random() < 0.2
    slant = 25 if doc == "id1" else 12
    angle = rng.uniform(-slant, slant) + (90 if landscape else 0) + (180 if rng.random() < 0.2 else 0)
    half = np.array([[-pw, -ph], [pw, -ph], [pw, ph], [-pw, ph]], np.float64) / 2 / s
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    turned = half @ rot.T
    plane_to_image, f = _camera(size, rng, (float(np.ptp(turned[:, 0])), float(np.ptp(turned[:, 1]))))
    image_to_plane = np.linalg.inv(plane_to_image)
    footprint = _apply(image_to_plane, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64))
    lo, hi = footprint.min(axis=0) - 40, footprint.max(axis=0) + 40
    cw, ch = int((hi[0] - lo[0]) * s), int((hi[1] - lo[1]) * s)
    to_canvas = np.array([[s, 0, -lo[0] * s], [0, s, -lo[1] * s], [0, 0, 1]])
    canvas_to_image = plane_to_image @ np.linalg.inv(to_canvas)
    partial = "partial" in conditions
    for _ in range(200):
        centre = rng.uniform(footprint.min(axis=0), footprint.max(axis=0))
        corners_mm = turned + centre
        in_img = _apply(plane_to_image, corners_mm)
        inside = ((in_img[:, 0] > 8) & (in_img[:, 0] < w - 8) & (in_img[:, 1] > 8) & (in_img[:, 1] < h - 8))
        if not partial and inside.all():
            break
        if partial and 1 <= (~inside).sum() <= 2:
            # out, but at least 75 % of the page still in view
            mask = np.zeros((h // 8, w // 8), np.uint8)
            cv2.fillPoly(mask, [np.round(in_img / 8).astype(np.int32)], 1)
            full = cv2.contourArea(in_img.astype(np.float32)) / 64
            if full > 0 and mask.sum() / full > 0.75:
                break
    else:   # too big to fit whole: shrink the view's scale of the page (a closer look is not a miss)
        centre = (footprint.min(axis=0) + footprint.max(axis=0)) / 2
        corners_mm = turned + centre
    corners_canvas = _apply(to_canvas, corners_mm)

    surface = _surface(kind, (ch, cw), rng)
    shadow = np.zeros((ch, cw), np.float32)
    if kind == "cluttered":
        _clutter(surface, shadow, rng, corners_canvas, int(rng.integers(6, 14)))
    tray_canvas = surface.copy() if with_tray else None

    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    page_h = cv2.getPerspectiveTransform(src, corners_canvas.astype(np.float32))
    page_mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), page_h, (cw, ch)).astype(np.float32) / 255
    warped = cv2.warpPerspective(page, page_h, (cw, ch), flags=cv2.INTER_AREA).astype(np.float32)

    # The lamp: somewhere above and beside the tray.
    lamp = np.array([*rng.uniform(footprint.min(axis=0) - 200, footprint.max(axis=0) + 200),
                     rng.uniform(250, 700)])
    lamp_dir = lamp[:2] - corners_mm.mean(axis=0)
    lamp_reach = float(np.linalg.norm(lamp_dir)) / lamp[2]     # horizontal distance over height
    lamp_dir /= np.linalg.norm(lamp_dir) + 1e-6
    if "shadow" in conditions:   # the page is lifted a little (1-3 mm): its shadow falls away from the lamp
        lift = rng.uniform(1, 3) * s
        offset = -lamp_dir * lift * lamp_reach
        m = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
        cast = _soft(cv2.warpAffine(page_mask, m, (cw, ch)), lift * 1.5)
        np.maximum(shadow, cast * 0.5, out=shadow)
    canvas = surface * (1 - shadow[..., None])
    canvas = canvas * (1 - page_mask[..., None]) + warped * page_mask[..., None]
    if "occluder" in conditions:   # a pen, a ruler or a sticky note across an edge
        k = int(rng.integers(0, 4))
        p = corners_canvas[k] + (corners_canvas[(k + 1) % 4] - corners_canvas[k]) * rng.uniform(0.2, 0.8)
        d = _rot([1, 0], float(rng.uniform(0, 180))) * rng.uniform(50, 140) * s
        colour = tuple(float(c) for c in rng.uniform(0, 200, 3))
        cv2.line(canvas, tuple(int(v) for v in p - d), tuple(int(v) for v in p + d), colour,
                 int(rng.uniform(6, 25) * s), cv2.LINE_AA)
    for which in ("hand", "finger"):
        if which in conditions:
            k = int(rng.integers(0, 4))
            a0, a1 = corners_canvas[k], corners_canvas[(k + 1) % 4]
            inward = corners_canvas.mean(axis=0) - (a0 + a1) / 2
            inward /= np.linalg.norm(inward) + 1e-6
            hand = _hand(canvas, rng, a0, a1, inward, which == "finger")
            # the hand is above the tray: its shadow falls well away from the lamp
            offset = -lamp_dir * rng.uniform(10, 40) * s * lamp_reach
            m = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
            cast = _soft(cv2.warpAffine(hand, m, (cw, ch)).astype(np.float32) / 255, 10 * s)
            canvas *= 1 - 0.35 * cast[..., None] * (1 - hand[..., None].astype(np.float32) / 255)

    def to_image(plane: np.ndarray) -> np.ndarray:
        return cv2.warpPerspective(plane, canvas_to_image, (w, h), flags=cv2.INTER_AREA,
                                   borderMode=cv2.BORDER_REFLECT)

    image_f = to_image(canvas)
    tray_f = to_image(tray_canvas) if tray_canvas is not None else None
    corners = _apply(canvas_to_image, corners_canvas)

    # Light: the lamp's inverse-square fall-off on the tray, ambient, vignetting, its colour.
    grid = np.stack(np.meshgrid(np.linspace(0, w, 33), np.linspace(0, h, 19)), axis=-1).reshape(-1, 2)
    on_plane = _apply(image_to_plane, grid)
    dist = np.sqrt(((on_plane - lamp[:2]) ** 2).sum(axis=1) + lamp[2] ** 2)
    irradiance = (lamp[2] / dist ** 3).reshape(19, 33)
    irradiance /= irradiance.max()
    ambient = rng.uniform(0.35, 0.75)
    light = ambient + (1 - ambient) * irradiance
    light = cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / f ** 2
    vignette = rng.uniform(0.3, 1.0)
    light *= (1 - vignette) + vignette / (1 + r2) ** 2        # cos^4 fall-off, partly corrected
    light /= np.percentile(light, 90)
    exposure = rng.uniform(0.9, 1.15)
    warm = np.array([rng.uniform(0.82, 1.0), rng.uniform(0.93, 1.0), 1.0], np.float32)
    gain = (light * exposure)[..., None] * warm

    # Every remaining random choice up front: the empty tray goes through the same lens.
    if "glare" in conditions:
        if rng.random() < 0.7:   # on the page
            glare_at = corners.mean(axis=0) + rng.uniform(-0.35, 0.35, 2) * np.ptp(corners, axis=0)
        else:                    # at a page edge, spilling onto a glossy desk
            k = int(rng.integers(0, 4))
            glare_at = (corners[k] + corners[(k + 1) % 4]) / 2
        glare_axes = (int(rng.uniform(30, 160)), int(rng.uniform(15, 70)))
        glare_angle, glare_soft, glare_gain = float(rng.uniform(0, 180)), rng.uniform(8, 25), rng.uniform(0.6, 1.2)
    barrel = rng.uniform(0.01, 0.05) if "distortion" in conditions else rng.uniform(0.0, 0.008)
    defocus = rng.uniform(1.2, 3.5)
    motion = int(rng.integers(4, 12))
    motion_from, motion_to = int(rng.integers(0, motion)), int(rng.integers(0, motion))
    shot, read = rng.uniform(0.03, 0.25), rng.uniform(1, 9)
    quality = int(rng.integers(45, 93))
    centre_px = np.array([w / 2, h / 2], np.float32)
    ud = np.stack([xx - centre_px[0], yy - centre_px[1]], axis=-1) / f
    lens = ud * (1 + barrel * (ud ** 2).sum(axis=-1, keepdims=True)) * f + centre_px

    def develop(img: np.ndarray, glare: bool, noise_seed: int) -> np.ndarray:
        out = img * gain
        if glare:
            spot = np.zeros((h, w), np.float32)
            cv2.ellipse(spot, (int(glare_at[0]), int(glare_at[1])), glare_axes, glare_angle, 0, 360, 1.0, -1)
            out = out + 300 * glare_gain * _soft(spot, glare_soft)[..., None]
        out = cv2.remap(out, lens[..., 0], lens[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if "blur" in conditions:
            kernel = np.zeros((9, 9), np.float32)
            cv2.circle(kernel, (4, 4), int(round(defocus)), 1.0, -1, cv2.LINE_AA)
            out = cv2.filter2D(out, -1, kernel / kernel.sum())
        if "motion" in conditions:
            kernel = np.zeros((motion, motion), np.float32)
            cv2.line(kernel, (0, motion_from), (motion - 1, motion_to), 1.0)
            out = cv2.filter2D(out, -1, kernel / kernel.sum())
        noise = np.random.default_rng((seed, noise_seed))
        sigma = np.sqrt(np.clip(out, 0, 255) * shot + read)
        out = out + noise.standard_normal((h, w, 1), np.float32) * sigma
        _, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)

    image = develop(image_f, "glare" in conditions, 0)
    tray = develop(tray_f, False, 1) if tray_f is not None else None
    corners = _distort_points(corners, barrel, f, size)   # the truth goes through the same lens
    return Scene(image, corners.astype(np.float32), kind, seed, doc, (pw, ph), tuple(conditions), 0, tray)


def other_set(count: int, seed: int = 0, size: tuple[int, int] = (1920, 1080),
              with_tray: bool = False) -> Iterator[Scene]:
    """``count`` scenes of this family, the five surfaces in turn."""
    for i in range(count):
        yield render_other(seed * 100_000 + i, KINDS[i % len(KINDS)], size, with_tray=with_tray)
