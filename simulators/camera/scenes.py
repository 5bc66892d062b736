"""Synthetic document-camera scenes with their ground truth, from a seed.

The benchmark set, the tests and the camera simulator all draw from here, so
a scene is reproducible from ``(seed, kind)`` alone and no image is committed.
A scene is a rendered page (Chinese text, a table, a red stamp) warped under
perspective onto a background of one kind, then lit and spoilt the way a
高拍仪 frame is: lighting gradient, the page's shadow, a glare spot, a hand,
a corner outside the view, blur, noise and JPEG compression.

Text is rendered once per page template with Pillow and the CJK font the
printer uses (templates are cached); each scene is numpy/cv2 drawing and one
``warpPerspective``, a few tens of milliseconds at 1080p.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

KINDS = ("dark", "light", "textured", "cluttered")
A4_TEMPLATE = (1240, 1754)     # 150 dpi: enough for text that survives the warp
ID1_TEMPLATE = (1011, 638)     # 85.6 x 54 mm at 300 dpi
_HANZI = ("申请人户籍所在地社区居民委员会证明兹有本辖区居民同志因家庭生活困难特此申请最低生活保障"
          "经审核情况属实请予办理年月日签字盖章联系电话身份证号码住址工作单位收入情况说明材料")


@dataclass(frozen=True)
class Scene:
    """One frame and its truth.  ``corners`` are the page's own top-left,
    top-right, bottom-right, bottom-left in frame pixels (possibly outside
    the frame); ``page_size`` is the template the corners map to."""

    image: np.ndarray = field(repr=False)
    corners: np.ndarray
    kind: str
    seed: int
    doc: str                       # "a4" or "id1"
    page_size: tuple[int, int]
    conditions: tuple[str, ...]
    template: int = 0
    tray: np.ndarray | None = field(default=None, repr=False)   # the empty tray, same lighting


def _font(size: int):  # the printer's CJK font, so the hut has one font
    from drivers.printer.profiles import cjk_font

    return cjk_font(size)


@functools.lru_cache(maxsize=16)
def page_template(index: int, doc: str = "a4") -> np.ndarray:
    """A rendered page (BGR, white paper) with Chinese text, a table and a red stamp."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(1000 + index)
    w, h = A4_TEMPLATE if doc == "a4" else ID1_TEMPLATE
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)

    def text_line(n: int) -> str:
        return "".join(_HANZI[int(i)] for i in rng.integers(0, len(_HANZI), n))

    if doc == "a4":
        margin = 110
        draw.text((w // 2 - 300, 120), text_line(8), fill=(0, 0, 0), font=_font(64))
        y = 260
        for _ in range(int(rng.integers(6, 10))):
            draw.text((margin, y), text_line(int(rng.integers(28, 38))), fill=(20, 20, 20), font=_font(28))
            y += 46
        y += 30
        rows, cols = int(rng.integers(4, 7)), 4
        cell_w, cell_h = (w - 2 * margin) // cols, 60
        for r in range(rows + 1):
            draw.line([(margin, y + r * cell_h), (margin + cols * cell_w, y + r * cell_h)], fill=(0, 0, 0), width=2)
        for c in range(cols + 1):
            draw.line([(margin + c * cell_w, y), (margin + c * cell_w, y + rows * cell_h)], fill=(0, 0, 0), width=2)
        for r in range(rows):
            for c in range(cols):
                draw.text((margin + c * cell_w + 12, y + r * cell_h + 14), text_line(5), fill=(0, 0, 0),
                          font=_font(26))
        y += rows * cell_h + 50
        for _ in range(int(rng.integers(4, 8))):
            if y > h - 330:
                break
            draw.text((margin, y), text_line(int(rng.integers(20, 38))), fill=(20, 20, 20), font=_font(28))
            y += 46
        stamp = (int(w * 0.68), int(h - 260))
        radius = 120
    else:
        draw.rectangle([0, 0, w - 1, h - 1], fill=(250, 251, 253))
        draw.text((40, 40), text_line(6), fill=(30, 30, 60), font=_font(56))
        for i in range(4):
            draw.text((40, 150 + i * 80), text_line(int(rng.integers(6, 12))), fill=(20, 20, 20), font=_font(40))
        draw.rectangle([w - 330, 120, w - 60, 460], fill=(200, 205, 215))
        stamp = (w - 200, h - 150)
        radius = 90
    arr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    red = (40, 40, 210)
    cv2.circle(arr, stamp, radius, red, 8, cv2.LINE_AA)
    star = [(stamp[0] + radius * 0.35 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
             stamp[1] - radius * 0.35 * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    cv2.fillPoly(arr, [np.array(star, np.int32)], red, cv2.LINE_AA)
    return arr


def _gradient(h: int, w: int, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Multiplicative lighting: a tilted plane plus a soft radial fall-off."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    plane = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    radial = ((xx - cx) ** 2 + (yy - cy) ** 2) / float(w * w)
    return (1.0 + strength * plane - strength * 0.8 * radial).astype(np.float32)


def _background(kind: str, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "dark":
        base = rng.uniform(25, 80)
        tint = rng.uniform(-8, 8, 3)
        bg = np.empty((h, w, 3), np.float32)
        bg[:] = base + tint
        small = rng.normal(0, 4, (h // 8, w // 8, 3)).astype(np.float32)
        bg += cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    elif kind == "light":
        base = rng.uniform(215, 238)
        tint = rng.uniform(-3, 3, 3)
        bg = np.empty((h, w, 3), np.float32)
        bg[:] = base + tint
    elif kind == "textured":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        freq = rng.uniform(0.02, 0.08)
        angle = rng.uniform(0, math.pi)
        u = xx * math.cos(angle) + yy * math.sin(angle)
        warp = cv2.resize(rng.normal(0, 20, (h // 32, w // 32)).astype(np.float32), (w, h))
        grain = np.sin(u * freq + warp * 0.3) * 0.5 + 0.5
        wood = np.array(rng.uniform([60, 90, 120], [120, 150, 190]), np.float32)  # wood-ish BGR
        bg = wood * (0.75 + 0.35 * grain[..., None])
        bg += rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    else:  # cluttered: a desk with objects on it
        base = rng.uniform(70, 160)
        bg = np.empty((h, w, 3), np.float32)
        bg[:] = base + rng.uniform(-15, 15, 3)
        for _ in range(int(rng.integers(8, 16))):
            colour = tuple(float(c) for c in rng.uniform(0, 230, 3))
            x, y = int(rng.uniform(0, w)), int(rng.uniform(0, h))
            shape = rng.integers(0, 3)
            if shape == 0:
                rect = ((x, y), (float(rng.uniform(40, 300)), float(rng.uniform(20, 160))), float(rng.uniform(0, 180)))
                cv2.fillPoly(bg, [cv2.boxPoints(rect).astype(np.int32)], colour, cv2.LINE_AA)
            elif shape == 1:
                cv2.circle(bg, (x, y), int(rng.uniform(15, 90)), colour, -1, cv2.LINE_AA)
            else:
                x2, y2 = x + int(rng.uniform(-300, 300)), y + int(rng.uniform(-300, 300))
                cv2.line(bg, (x, y), (x2, y2), colour, int(rng.uniform(3, 14)), cv2.LINE_AA)
        bg += rng.normal(0, 3, (h, w, 1)).astype(np.float32)
    return bg


def _place(doc: str, w: int, h: int, rng: np.random.Generator, corner_out: bool) -> np.ndarray:
    """Four frame positions of the page's corners: rotated, scaled, in perspective."""
    pw, ph = (210.0, 297.0) if doc == "a4" else (85.6, 54.0)
    if doc == "a4":
        scale = rng.uniform(0.62, 0.92) * h / ph if rng.random() < 0.75 else rng.uniform(0.55, 0.85) * h / pw
    else:
        scale = rng.uniform(0.35, 0.7) * h / ph
    angle = rng.uniform(-25, 25) + (90 if rng.random() < 0.2 else 0) + (180 if rng.random() < 0.15 else 0)
    rect = np.array([[-pw, -ph], [pw, -ph], [pw, ph], [-pw, ph]], np.float32) * 0.5 * scale
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    pts = rect @ rot.T
    size = float(np.ptp(pts[:, 0]) + np.ptp(pts[:, 1])) / 2
    pts += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * size   # perspective
    span_x, span_y = np.ptp(pts[:, 0]), np.ptp(pts[:, 1])
    lo_x, hi_x = -pts[:, 0].min() + 10, w - pts[:, 0].max() - 10
    lo_y, hi_y = -pts[:, 1].min() + 10, h - pts[:, 1].max() - 10
    if hi_x < lo_x or hi_y < lo_y:   # too big for the frame: shrink about the centre
        shrink = min((w - 24) / span_x, (h - 24) / span_y)
        pts *= shrink
        lo_x, hi_x = -pts[:, 0].min() + 10, w - pts[:, 0].max() - 10
        lo_y, hi_y = -pts[:, 1].min() + 10, h - pts[:, 1].max() - 10
    centre = np.array([rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)], np.float32)
    pts += centre
    if corner_out:   # push the page so exactly one corner leaves the frame, by a little
        k = int(rng.integers(0, 4))
        out = rng.uniform(0.01, 0.04) * size
        dx = -(pts[k, 0] + out) if pts[k, 0] < w / 2 else (w - 1 + out) - pts[k, 0]
        dy = -(pts[k, 1] + out) if pts[k, 1] < h / 2 else (h - 1 + out) - pts[k, 1]
        for shift in sorted([np.array([dx, 0], np.float32), np.array([0, dy], np.float32)],
                            key=lambda v: float(np.abs(v).sum())):
            moved = pts + shift
            outside = (moved[:, 0] < 0) | (moved[:, 0] > w - 1) | (moved[:, 1] < 0) | (moved[:, 1] > h - 1)
            if outside.sum() == 1:
                pts = moved
                break
    return pts.astype(np.float32)


def _hand(canvas: np.ndarray, corners: np.ndarray, rng: np.random.Generator) -> None:
    """A hand holding the page: palm outside the page, fingers over one edge."""
    h, w = canvas.shape[:2]
    k = int(rng.integers(0, 4))
    a, b = corners[k], corners[(k + 1) % 4]
    t = rng.uniform(0.25, 0.75)
    p = a + (b - a) * t
    centre = corners.mean(axis=0)
    normal = p - centre
    normal /= np.linalg.norm(normal) + 1e-6
    along = (b - a) / (np.linalg.norm(b - a) + 1e-6)
    skin = np.array(rng.uniform([110, 140, 180], [150, 175, 225]), np.float32)
    palm = p + normal * rng.uniform(90, 140)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (int(palm[0]), int(palm[1])), (int(rng.uniform(90, 120)), int(rng.uniform(110, 150))),
                math.degrees(math.atan2(normal[1], normal[0])), 0, 360, 255, -1, cv2.LINE_AA)
    for f in range(4):
        base = palm + along * (f - 1.5) * 40 - normal * 40
        tip = p - normal * rng.uniform(25, 70) + along * (f - 1.5) * 38
        cv2.line(mask, (int(base[0]), int(base[1])), (int(tip[0]), int(tip[1])), 255,
                 int(rng.uniform(28, 36)), cv2.LINE_AA)
    alpha = mask.astype(np.float32)[..., None] / 255
    shade = cv2.GaussianBlur(alpha, (0, 0), 8)[..., None] * (1 - alpha)   # its soft shadow
    canvas *= 1 - 0.3 * shade
    canvas[:] = canvas * (1 - alpha) + skin * alpha


def render_scene(seed: int, kind: str | None = None, size: tuple[int, int] = (1920, 1080),
                 doc: str | None = None, with_tray: bool = False,
                 conditions: tuple[str, ...] | None = None) -> Scene:
    """The scene of ``seed``.  ``conditions`` forces a set of spoilers
    (shadow, glare, hand, corner_out, blur, noise, jpeg, occluder); by
    default each is drawn at random."""
    rng = np.random.default_rng(seed)
    w, h = size
    kind = kind or KINDS[seed % len(KINDS)]
    doc = doc or ("id1" if rng.random() < 0.15 else "a4")
    if conditions is None:
        odds = {"shadow": 0.5, "glare": 0.3, "hand": 0.25, "corner_out": 0.15, "blur": 0.3, "noise": 0.5,
                "jpeg": 0.6, "occluder": 0.15}
        conditions = tuple(c for c, p in odds.items() if rng.random() < p)
    template_index = int(rng.integers(0, 6))
    template = page_template(template_index, doc)
    th, tw = template.shape[:2]
    corners = _place(doc, w, h, rng, "corner_out" in conditions)
    bg = _background(kind, h, w, rng)
    light = _gradient(h, w, rng, rng.uniform(0.05, 0.3))[..., None]
    tray = np.clip(bg * light, 0, 255).astype(np.uint8) if with_tray else None

    src = np.array([[0, 0], [tw - 1, 0], [tw - 1, th - 1], [0, th - 1]], np.float32)
    homography = cv2.getPerspectiveTransform(src, corners)
    paper = rng.uniform(242, 252) if kind == "light" else rng.uniform(200, 252)
    page = cv2.warpPerspective(template, homography, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
    page *= paper / 255.0
    mask = cv2.warpPerspective(np.full((th, tw), 255, np.uint8), homography, (w, h)).astype(np.float32) / 255
    canvas = bg
    if "shadow" in conditions:   # the page lifted a little casts a soft shadow
        offset = rng.uniform(-12, 12, 2)
        m = np.array([[1, 0, offset[0]], [0, 1, offset[1]]], np.float32)
        shadow = cv2.GaussianBlur(cv2.warpAffine(mask, m, (w, h)), (0, 0), rng.uniform(4, 12))
        canvas = canvas * (1 - 0.45 * shadow[..., None])
    canvas = canvas * (1 - mask[..., None]) + page * mask[..., None]
    if "shadow" in conditions and rng.random() < 0.6:   # a person's shadow across the tray
        band: np.ndarray = np.zeros((h, w), np.float32)
        p0 = rng.uniform([0, 0], [w, h]).astype(np.int32)
        poly = np.array([p0, p0 + rng.integers(200, 700, 2), p0 + [int(rng.integers(-500, 0)), 600]], np.int32)
        cv2.fillPoly(band, [poly], 1.0)
        band = cv2.GaussianBlur(band, (0, 0), 25)
        canvas *= 1 - rng.uniform(0.15, 0.35) * band[..., None]
    if "occluder" in conditions:   # a pen lying across an edge
        k = int(rng.integers(0, 4))
        p = corners[k] + (corners[(k + 1) % 4] - corners[k]) * rng.uniform(0.2, 0.8)
        d = rng.uniform(-1, 1, 2)
        d = d / (np.linalg.norm(d) + 1e-6) * rng.uniform(80, 200)
        cv2.line(canvas, (int(p[0] - d[0]), int(p[1] - d[1])), (int(p[0] + d[0]), int(p[1] + d[1])),
                 tuple(float(c) for c in rng.uniform(0, 120, 3)), int(rng.uniform(10, 20)), cv2.LINE_AA)
    if "hand" in conditions:
        _hand(canvas, corners, rng)
    canvas *= light
    if "glare" in conditions:   # a specular spot on the page
        centre = corners.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * np.ptp(corners, axis=0)
        spot: np.ndarray = np.zeros((h, w), np.float32)
        cv2.ellipse(spot, (int(centre[0]), int(centre[1])), (int(rng.uniform(50, 140)), int(rng.uniform(30, 90))),
                    float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        spot = cv2.GaussianBlur(spot, (0, 0), 18) * mask   # a reflection off the (glossy) page
        canvas += 255 * 1.4 * spot[..., None]
    if "blur" in conditions:
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.8, 2.2))
    if "noise" in conditions:
        canvas += rng.normal(0, rng.uniform(2, 7), (h, w, 1)).astype(np.float32)
    image: np.ndarray = np.clip(canvas, 0, 255).astype(np.uint8)
    if "jpeg" in conditions:
        _, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 92))])
        image = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    return Scene(image, corners, kind, seed, doc, (tw, th), tuple(conditions), template_index, tray)


def scene_set(count: int, seed: int = 0, size: tuple[int, int] = (1920, 1080),
              with_tray: bool = False) -> Iterator[Scene]:
    """``count`` scenes, background kinds taken in turn."""
    for i in range(count):
        yield render_scene(seed * 100_000 + i, KINDS[i % len(KINDS)], size, with_tray=with_tray)
