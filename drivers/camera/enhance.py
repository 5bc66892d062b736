"""Making a camera picture of a page look like a scan.

The paper's own brightness is estimated everywhere (a closing removes the
ink, a median smooths the rest) and divided out: that one step removes the
lighting gradient and soft shadows and white-balances the page, since paper
becomes 255 in every channel.  Black-and-white then thresholds locally and
keeps a red seal, which a plain threshold on grey would lose as light grey.
"""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.frames import ScanError, as_bgr

MODES = ("colour", "grey", "bw")
WHITE_POINT = 232.0
BLACK_POINT = 25.0
# kiosk/filing/catalog.py ENHANCE_MODES -> ours: "document" pages (forms,
# certificates, the household register) are wanted as crisp black and white
# with the seal kept; "grayscale" as grey; "photo" in colour.
CATALOG_MODES = {"document": "bw", "grayscale": "grey", "photo": "colour"}


def paper_level(page: np.ndarray) -> np.ndarray:
    """The page's blank-paper brightness per pixel and channel (uint8)."""
    h, w = page.shape[:2]
    scale = min(1.0, 400 / max(h, w))
    small = cv2.resize(page, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    background = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), 15)
    return cv2.resize(np.maximum(background, 1), (w, h), interpolation=cv2.INTER_LINEAR)


# Levels: paper grain and sensor noise above WHITE_POINT become pure white
# (they are most of a JPEG's bytes), ink below BLACK_POINT black.
_LEVELS = np.clip((np.arange(256, dtype=np.float32) - BLACK_POINT) * 255.0 / (WHITE_POINT - BLACK_POINT),
                  0, 255).astype(np.uint8)


def flatten(page: np.ndarray) -> np.ndarray:
    """Colour page with lighting, shadows and paper tint divided out."""
    page = as_bgr(page)
    ratio = cv2.divide(page, paper_level(page), scale=255.0)   # uint8, saturating
    return cv2.LUT(ratio, _LEVELS)


def to_bw(flat: np.ndarray) -> np.ndarray:
    """Black text and seal on white: a local threshold that keeps thin strokes,
    plus saturated (seal) pixels."""
    grey = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
    block = max(15, (min(grey.shape) // 60) | 1)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, block, 12)
    dark = (grey < 110).astype(np.uint8) * 255
    hsv = cv2.cvtColor(flat, cv2.COLOR_BGR2HSV)
    seal = ((hsv[..., 1] > 70) & (hsv[..., 2] > 60) & (hsv[..., 2] < 250)).astype(np.uint8) * 255
    return cv2.bitwise_not(cv2.bitwise_or(cv2.bitwise_or(ink, dark), seal))


def enhance(page: np.ndarray, mode: str = "colour") -> np.ndarray:
    """``colour`` (BGR), ``grey`` or ``bw`` (single channel)."""
    if mode not in MODES:
        raise ScanError(f"unknown enhancement mode {mode!r}; known: {', '.join(MODES)}", "bad_mode")
    flat = flatten(page)
    if mode == "colour":
        return flat
    if mode == "grey":
        return cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)
    return to_bw(flat)
