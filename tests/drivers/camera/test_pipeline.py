"""Rectification, upright text, enhancement modes, output sizes, QR and the
quality gates, on rendered pages."""

from __future__ import annotations

import io
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.camera.detect import detect_page
from drivers.camera.enhance import CATALOG_MODES, enhance
from drivers.camera.frames import ScanError
from drivers.camera.output import MAX_PAGE_BYTES, document_pdf, page_file
from drivers.camera.pipeline import scan_page
from drivers.camera.qr import read_qr, read_qr_live
from drivers.camera.quality import GLARE_SHARE, AutoCapture, CaptureState, Gate, assess, glare_share, words
from drivers.camera.rectify import compose_id_card, rectify, rotate, text_rotation
from simulators.camera.scenes import page_template, render_scene


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    ga = cv2.cvtColor(cv2.resize(a, (400, 566)), cv2.COLOR_BGR2GRAY).astype(np.float32)
    gb = cv2.cvtColor(cv2.resize(b, (400, 566)), cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(cv2.matchTemplate(ga, gb, cv2.TM_CCOEFF_NORMED)[0, 0])


def test_rectified_page_is_a4_at_300_dpi_and_matches_the_original(plain_scene):
    found = detect_page(plain_scene.image)
    page = rectify(plain_scene.image, found.corners, "a4")
    assert page.shape[:2] in ((3508, 2480), (2480, 3508))
    upright = scan_page(plain_scene.image, found.corners, "a4", "colour")
    assert upright.shape[:2] == (3508, 2480)
    assert _similarity(upright, page_template(plain_scene.template)) > 0.6


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_text_rotation_is_found_on_a_turned_page(turn):
    page = page_template(2)
    turned = rotate(page, turn)
    assert (turn + text_rotation(turned)) % 360 == 0


def test_blank_page_is_left_as_it_is():
    assert text_rotation(np.full((700, 500, 3), 250, np.uint8)) == 0


def test_id_card_faces_go_on_one_a4_page():
    front, back = page_template(0, "id1"), page_template(1, "id1")
    sheet = compose_id_card(front, back)
    assert sheet.shape[:2] == (3508, 2480)
    rows = np.nonzero((sheet < 250).any(axis=(1, 2)))[0]
    assert rows.max() < 3508 // 2                    # both faces in the upper half
    assert rows.max() - rows.min() > 2 * 638          # two cards at true size, one above the other


def test_colour_mode_removes_lighting_and_shadow():
    scene = render_scene(21, "dark", doc="a4", conditions=("shadow",))
    found = detect_page(scene.image)
    raw = rectify(scene.image, found.corners, "a4")
    flat = enhance(raw, "colour")
    paper_raw = cv2.cvtColor(raw, cv2.COLOR_BGR2GRAY)[raw.min(axis=2) > 120]
    paper = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)[flat.min(axis=2) > 200]
    assert paper.mean() > 245 and paper.std() < paper_raw.std()


def test_bw_mode_keeps_the_red_seal_and_thin_table_lines():
    page = page_template(1)
    bw = enhance(page, "bw")
    assert set(np.unique(bw)) <= {0, 255}
    red = (page[..., 2] > 150) & (page[..., 0] < 100)
    assert (bw[red] == 0).mean() > 0.8                # the seal is black, not lost as light grey
    grey = enhance(page, "grey")
    assert grey.ndim == 2


def test_catalog_modes_map_to_ours():
    assert set(CATALOG_MODES.values()) <= {"colour", "grey", "bw"}
    with pytest.raises(ScanError):
        enhance(page_template(0), "sepia")


def test_pages_fit_the_upload_budget_and_make_one_pdf(plain_scene):
    found = detect_page(plain_scene.image)
    colour = scan_page(plain_scene.image, found.corners, "a4", "colour")
    bw = scan_page(plain_scene.image, found.corners, "a4", "bw")
    data, kind = page_file(colour)
    assert kind == "image/jpeg" and len(data) <= MAX_PAGE_BYTES
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (2480, 3508)
        assert round(img.info["dpi"][0]) == 300
    data, kind = page_file(bw)
    assert kind == "image/png" and len(data) <= MAX_PAGE_BYTES
    pdf = document_pdf([colour, bw])
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert len(boxes) == 2                                  # two pages, each A4 in points at 300 dpi
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)


def test_receipt_qr_is_read_under_perspective():
    import qrcode

    url = "https://platform.example.gov.cn/track/2026-000123"
    img = qrcode.make(url, box_size=8, border=4).convert("L")
    code = cv2.cvtColor(np.asarray(img, np.uint8), cv2.COLOR_GRAY2BGR)
    frame = np.full((1080, 1920, 3), 60, np.uint8)
    h, w = code.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[700, 300], [1100, 330], [1080, 720], [690, 700]])
    warped = cv2.warpPerspective(code, cv2.getPerspectiveTransform(src, dst), (1920, 1080), borderValue=(60, 60, 60))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), cv2.getPerspectiveTransform(src, dst), (1920, 1080))
    frame[mask > 0] = warped[mask > 0]
    assert read_qr(frame) == url
    assert read_qr_live(frame) == url      # the progress step's quick look (shrunk to 1280 px) reads it too
    for read in (read_qr, read_qr_live):
        assert read(np.full((1080, 1920, 3), 60, np.uint8)) is None
        assert read(np.zeros((1, 1, 3), np.uint8)) is None


def test_gates_say_what_is_wrong_in_chinese_then_english(plain_scene):
    found = detect_page(plain_scene.image)
    assert assess(plain_scene.image, found).ok
    assert assess(plain_scene.image, None).failed == (Gate.NO_PAGE,)
    blurred = cv2.GaussianBlur(plain_scene.image, (0, 0), 6)
    assert Gate.BLURRED in assess(blurred, found).failed
    dark = (plain_scene.image * 0.25).astype(np.uint8)
    assert Gate.DARK in assess(dark, found).failed
    glare = render_scene(3, "dark", doc="a4", conditions=("glare",))
    assert Gate.GLARE in assess(glare.image, detect_page(glare.image)).failed
    out = render_scene(5, "dark", doc="a4", conditions=("corner_out",))
    assert Gate.OUTSIDE in assess(out.image, detect_page(out.image)).failed
    text = words(Gate.BLURRED)
    assert text.index("模糊") < text.index("blurred")


def test_glare_is_a_spot_brighter_than_the_paper_not_a_page_lit_from_one_side():
    """A lamp to one side blows out the blank edge of a white page evenly:
    tilting the page would not help and the text reads, so it is no glare.
    A reflection is brighter than the paper around it: that is glare."""
    h, w = 1100, 800
    ramp = np.linspace(205, 275, w, dtype=np.float32)[None, :].repeat(h, 0)   # clipped at the right edge
    page = np.clip(ramp, 0, 255).astype(np.uint8)
    for row in range(150, 950, 40):                                          # lines of text in the middle
        cv2.putText(page, "text text text", (120, row), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 40, 2)
    page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    assert (page >= 250).mean() > 0.05 and glare_share(page) == 0.0
    spotted = page.copy()
    cv2.circle(spotted, (300, 500), 90, (255, 255, 255), -1)                 # a reflection over the text
    assert glare_share(spotted) > GLARE_SHARE


def test_auto_capture_fires_once_after_steady_frames(plain_scene):
    found = detect_page(plain_scene.image)
    good = assess(plain_scene.image, found)
    bad = assess(plain_scene.image, None)
    machine = AutoCapture(frames=4, tolerance=3)
    fired = [machine.feed(found.corners + (i % 2), good) for i in range(4)]
    assert fired == [False, False, False, True]
    assert machine.state == CaptureState.CAPTURED
    assert not any(machine.feed(found.corners, good) for _ in range(10))   # same page: once only
    machine.feed(None, bad)                                                # page taken away
    assert machine.state == CaptureState.SEARCHING
    moving = [machine.feed(found.corners + 10 * i, good) for i in range(6)]
    assert not any(moving)                                                 # never still
    assert machine.state == CaptureState.STEADYING


def test_id_card_and_detected_aspect_sizes():
    card = render_scene(31, "dark", doc="id1", conditions=())
    found = detect_page(card.image)
    assert found is not None
    page = scan_page(card.image, found.corners, "id1", "colour")
    assert page.shape[:2] == (638, 1011)                      # 85.6 x 54 mm at 300 dpi, upright
    auto = rectify(card.image, found.corners, "auto")
    ratio = max(auto.shape[:2]) / min(auto.shape[:2])
    assert abs(ratio - 85.6 / 54) < 0.08                      # the detected aspect, not A4's


def test_frames_and_scenes_keep_pixels_out_of_their_repr(plain_scene):
    from drivers.camera.device import Frame

    frame = Frame(plain_scene.image, 7, 1.0)
    assert "array" not in repr(frame) and "image" not in repr(frame)
    assert "array(" not in repr(plain_scene).split("corners=")[0]
