"""Corners by touch: the page made again from corners a resident corrected
(any order round the page), and outlines that are refused with words."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera.frames import ScanError
from drivers.camera.pipeline import scan_page
from drivers.camera.rectify import CORNER_WORDS, check_corners, rectify
from simulators.camera.scenes import render_scene

SHAPE = (1080, 1920, 3)
SQUARE = np.array([[100, 100], [500, 120], [480, 600], [90, 580]], np.float32)   # TL, TR, BR, BL


@pytest.mark.parametrize("start", range(4))
@pytest.mark.parametrize("backwards", [False, True])
def test_any_start_and_direction_give_the_same_page_order(start, backwards):
    given = np.roll(SQUARE, -start, axis=0)
    if backwards:
        given = given[::-1]
    assert np.array_equal(check_corners(given, SHAPE), SQUARE)
    assert np.array_equal(check_corners(given.tolist(), SHAPE), SQUARE)      # plain lists from a screen


def test_a_corner_a_little_outside_the_frame_is_kept():
    outside = SQUARE.copy()
    outside[0] = [-40, -25]
    assert np.array_equal(check_corners(outside, SHAPE)[0], [-40, -25])


@pytest.mark.parametrize("corners, code", [
    (SQUARE[[0, 2, 1, 3]], "corners_cross"),                                   # two handles dragged past each other
    (np.array([[100, 100], [500, 100], [300, 200], [100, 500]]), "corners_concave"),
    (np.array([[100, 100], [104, 102], [480, 600], [90, 580]]), "degenerate_corners"),
    (np.array([[100, 100], [500, 100], [900, 104], [100, 110]]), "degenerate_corners"),   # squashed flat
    (np.array([[100, 100], [500, 120], [480, 600]]), "bad_corners"),
    (np.array([[100, 100], [500, 120], [480, np.nan], [90, 580]]), "bad_corners"),
    (np.array([[100, 100], [500, 120], [480, 9000], [90, 580]]), "bad_corners"),
    ("four corners", "bad_corners"),
])
def test_bad_outlines_are_refused_with_a_code_and_words(corners, code):
    with pytest.raises(ScanError) as err:
        check_corners(corners, SHAPE)
    assert err.value.code == code
    zh, en = CORNER_WORDS[code]
    assert zh and en and str(err.value)


def test_the_page_is_made_again_from_corrected_corners():
    scene = render_scene(3, "dark", doc="a4", conditions=())
    truth = scene.corners
    # The resident's handles go round the other way, from the bottom-right.
    handles = truth[[2, 1, 0, 3]]
    page = scan_page(scene.image, handles, "a4", "colour", dpi=100)
    assert page.shape[:2] == (1169, 827)                       # A4 at 100 dpi, upright
    again = rectify(scene.image, truth[::-1], "a4", 100)
    assert again.shape[:2] in ((1169, 827), (827, 1169))
    with pytest.raises(ScanError) as err:
        scan_page(scene.image, truth[[0, 2, 1, 3]], "a4", "colour", dpi=100)
    assert err.value.code == "corners_cross"
