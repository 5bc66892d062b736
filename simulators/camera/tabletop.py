"""What lies on the tray plane for the second scene family
(scenes_other.py), drawn in millimetres at PX_PER_MM: papers printed with
no font (glyph-like strokes from a per-page alphabet, a form's rules, a
photo block, a seal; ID-1 cards with a photo, an emblem or a coloured
band), the five surfaces, the things on a cluttered desk, and hands.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

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


def surface(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
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


def soft(img: np.ndarray, sigma: float) -> np.ndarray:
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


def clutter(canvas: np.ndarray, shadow: np.ndarray, rng: np.random.Generator, avoid: np.ndarray,
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
                    cv2.fillPoly(keys, [_box(centre + rot([kx + 8 * s, ky + 8 * s], angle), 15 * s, 15 * s,
                                             angle).astype(np.int32)], 255)
            layer[keys > 0] = colour + 35
        elif what == "mug":             # rim and coffee
            inner = np.zeros((h, w), np.uint8)
            cv2.circle(inner, (int(centre[0]), int(centre[1])), int(bw / 2 - 6 * s), 255, -1, cv2.LINE_AA)
            layer[inner > 0] = (30, 45, 70)
        elif what == "book":            # a title band
            band = np.zeros((h, w), np.uint8)
            cv2.fillPoly(band, [_box(centre + rot([0, -bh * 0.2], angle), bw * 0.8, bh * 0.12,
                                     angle).astype(np.int32)], 255)
            layer[band > 0] = 255 - colour
        elif what == "envelope" and rng.random() < 0.6:   # an address window or printed lines
            win = np.zeros((h, w), np.uint8)
            cv2.fillPoly(win, [_box(centre + rot([bw * 0.1, bh * 0.1], angle), bw * 0.4, bh * 0.3,
                                    angle).astype(np.int32)], 255)
            layer[win > 0] = colour - 25
        if height > 2 * s:
            shadow_mask = np.roll(mask, (int(height * 0.25), int(height * 0.15)), axis=(0, 1))
            np.maximum(shadow, shadow_mask.astype(np.float32) / 255 * min(0.5, 0.15 + height / (200 * s)), out=shadow)
        alpha = mask[roi].astype(np.float32)[..., None] / 255
        canvas[roi] = canvas[roi] * (1 - alpha) + layer[roi] * alpha


def rot(v: list[float], angle: float) -> np.ndarray:
    a = math.radians(angle)
    return np.array([v[0] * math.cos(a) - v[1] * math.sin(a), v[0] * math.sin(a) + v[1] * math.cos(a)], np.float32)


def hand(canvas: np.ndarray, rng: np.random.Generator, edge_from: np.ndarray, edge_to: np.ndarray,
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
    shade = 0.8 + 0.25 * soft(mask.astype(np.float32) / 255, 12 * s)[..., None]
    canvas[:] = canvas * (1 - alpha) + skin * shade * alpha
    return mask
