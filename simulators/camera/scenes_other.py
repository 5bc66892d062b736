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

Pages are drawn with no font (tabletop.py: glyph-like strokes from a
per-page alphabet, a form's rules, a photo block, a seal).  Documents come
in the shapes a hut sees (A4, A5, US letter, ID-1 cards) on five surfaces:
the dark tray, a light laminate desk, wood planks, fabric, and a cluttered
desk whose distractors are rectangles of paper-like colours (sticky notes,
folders, box lids, envelopes) plus a phone, a keyboard and pens.

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
from simulators.camera.tabletop import PX_PER_MM, clutter, hand, render_page, rot, soft, surface

KINDS = ("dark", "light", "wood", "fabric", "cluttered")
CONDITIONS = ("shadow", "glare", "hand", "finger", "partial", "blur", "motion", "distortion", "occluder")


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
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    turned = half @ rotation.T
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

    ground = surface(kind, (ch, cw), rng)
    shadow = np.zeros((ch, cw), np.float32)
    if kind == "cluttered":
        clutter(ground, shadow, rng, corners_canvas, int(rng.integers(6, 14)))
    tray_canvas = ground.copy() if with_tray else None

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
        m = np.array([[1, 0, offset[0]], [0, 1, offset[1]]], np.float32)
        cast = soft(cv2.warpAffine(page_mask, m, (cw, ch)), lift * 1.5)
        np.maximum(shadow, cast * 0.5, out=shadow)
    canvas: np.ndarray = ground * (1 - shadow[..., None])
    canvas = canvas * (1 - page_mask[..., None]) + warped * page_mask[..., None]
    if "occluder" in conditions:   # a pen, a ruler or a sticky note across an edge
        k = int(rng.integers(0, 4))
        p = corners_canvas[k] + (corners_canvas[(k + 1) % 4] - corners_canvas[k]) * rng.uniform(0.2, 0.8)
        d = rot([1, 0], float(rng.uniform(0, 180))) * rng.uniform(50, 140) * s
        colour = tuple(float(c) for c in rng.uniform(0, 200, 3))
        cv2.line(canvas, tuple(int(v) for v in p - d), tuple(int(v) for v in p + d), colour,
                 int(rng.uniform(6, 25) * s), cv2.LINE_AA)
    for which in ("hand", "finger"):
        if which in conditions:
            k = int(rng.integers(0, 4))
            a0, a1 = corners_canvas[k], corners_canvas[(k + 1) % 4]
            inward = corners_canvas.mean(axis=0) - (a0 + a1) / 2
            inward /= np.linalg.norm(inward) + 1e-6
            held = hand(canvas, rng, a0, a1, inward, which == "finger")
            # the hand is above the tray: its shadow falls well away from the lamp
            offset = -lamp_dir * rng.uniform(10, 40) * s * lamp_reach
            m = np.array([[1, 0, offset[0]], [0, 1, offset[1]]], np.float32)
            cast = soft(cv2.warpAffine(held, m, (cw, ch)).astype(np.float32) / 255, 10 * s)
            canvas *= 1 - 0.35 * cast[..., None] * (1 - held[..., None].astype(np.float32) / 255)

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
            out = out + 300 * glare_gain * soft(spot, glare_soft)[..., None]
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
        return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))

    image = develop(image_f, "glare" in conditions, 0)
    tray = develop(tray_f, False, 1) if tray_f is not None else None
    corners = _distort_points(corners, barrel, f, size)   # the truth goes through the same lens
    return Scene(image, corners.astype(np.float32), kind, seed, doc, (pw, ph), tuple(conditions), 0, tray)


def other_set(count: int, seed: int = 0, size: tuple[int, int] = (1920, 1080),
              with_tray: bool = False) -> Iterator[Scene]:
    """``count`` scenes of this family, the five surfaces in turn."""
    for i in range(count):
        yield render_other(seed * 100_000 + i, KINDS[i % len(KINDS)], size, with_tray=with_tray)
