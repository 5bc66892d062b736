"""The ICDAR 2015 SmartDoc Challenge 1 score of one detection.

Both quadrilaterals are warped into the document's own frame with the
ground truth's homography (frame -> page template), where the truth is the
whole page rectangle, and the Jaccard index is taken there; a page that was
not found scores 0.  Working in the page's frame weights every part of the
page equally, however steep the perspective.
"""

from __future__ import annotations

import cv2
import numpy as np


def smartdoc_jaccard(found: np.ndarray | None, truth: np.ndarray, page_size: tuple[int, int]) -> float:
    if found is None:
        return 0.0
    tw, th = page_size
    page = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32)
    to_page = cv2.getPerspectiveTransform(np.asarray(truth, np.float32), page)
    warped = cv2.perspectiveTransform(np.asarray(found, np.float32).reshape(-1, 1, 2), to_page).reshape(-1, 2)
    if not np.isfinite(warped).all():
        return 0.0
    poly = warped.reshape(-1, 1, 2).astype(np.float32)
    if cv2.isContourConvex(poly):
        inter, _ = cv2.intersectConvexConvex(poly, page.reshape(-1, 1, 2))
        union = cv2.contourArea(poly) + tw * th - inter
        return float(inter / union) if union > 0 else 0.0
    # A self-crossing or concave detection: count pixels on a raster instead.
    scale = 400.0 / max(tw, th)
    lo = np.minimum(warped.min(axis=0), 0)
    hi = np.maximum(warped.max(axis=0), [tw, th])
    size = np.ceil((hi - lo) * scale).astype(int) + 2
    if size.max() > 4000:
        return 0.0
    a = np.zeros((size[1], size[0]), np.uint8)
    b = np.zeros_like(a)
    cv2.fillPoly(a, [np.round((warped - lo) * scale).astype(np.int32)], 1)
    cv2.fillPoly(b, [np.round((page - lo) * scale).astype(np.int32)], 1)
    union = int((a | b).sum())
    return float((a & b).sum() / union) if union else 0.0
