"""The second scene family: reproducible from a seed, its truth where the
page is, every surface and spoiler drawable."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from simulators.camera.scenes_other import CONDITIONS, KINDS, other_set, render_other
from simulators.camera.tabletop import DOCS

SIZE = (640, 360)


def test_a_scene_is_the_same_from_the_same_seed():
    a = render_other(7, size=SIZE, with_tray=True)
    b = render_other(7, size=SIZE, with_tray=True)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.corners, b.corners)
    assert a.tray is not None and a.tray.shape == a.image.shape
    assert not np.array_equal(a.image, render_other(8, size=SIZE).image)


def test_the_set_takes_the_surfaces_in_turn():
    kinds = [scene.kind for scene in other_set(len(KINDS), seed=5, size=SIZE)]
    assert kinds == list(KINDS)


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_the_truth_outlines_a_page_brighter_than_the_empty_tray(doc):
    scene = render_other(11, "dark", SIZE, doc=doc, conditions=(), with_tray=True)
    assert scene.doc == doc
    mask = np.zeros(scene.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(scene.corners).astype(np.int32)], 1)
    inside = mask.astype(bool)
    assert inside.sum() > 0.01 * inside.size
    grey, tray = scene.image.mean(axis=2), scene.tray.mean(axis=2)
    assert np.median(grey[inside]) > np.median(tray[inside]) + 60
    w_mm, h_mm = DOCS[doc]
    tw, th = scene.page_size
    assert abs(max(tw, th) / min(tw, th) - max(w_mm, h_mm) / min(w_mm, h_mm)) < 0.01


def test_every_spoiler_draws_and_a_partial_page_leaves_the_frame():
    scene = render_other(3, "cluttered", SIZE, doc="a4", conditions=CONDITIONS)
    assert scene.conditions == CONDITIONS
    w, h = SIZE
    x, y = scene.corners[:, 0], scene.corners[:, 1]
    assert ((x < 0) | (x > w - 1) | (y < 0) | (y > h - 1)).any()
