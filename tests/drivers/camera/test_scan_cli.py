"""``kiosk scan detect / rectify / qr / live`` as a technician runs them."""

from __future__ import annotations

import json
import subprocess

import cv2
import numpy as np
import pytest
from PIL import Image

from simulators.camera.metric import smartdoc_jaccard
from simulators.camera.scenes import render_scene


def _run(kiosk_cmd, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*kiosk_cmd, "scan", *args], capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    scene = render_scene(12, "textured", doc="a4", conditions=("shadow",), with_tray=True)
    cv2.imwrite(str(folder / "page.jpg"), scene.image)
    cv2.imwrite(str(folder / "tray.jpg"), scene.tray)
    return folder, scene


def test_detect_prints_full_resolution_corners_as_json(kiosk_cmd, scene_files):
    folder, scene = scene_files
    done = _run(kiosk_cmd, "detect", str(folder / "page.jpg"), str(folder / "tray.jpg"), "--json")
    assert done.returncode == 0, done.stderr
    page, tray = [json.loads(line) for line in done.stdout.splitlines()]
    assert page["image"].endswith("page.jpg") and len(page["corners"]) == 4
    assert smartdoc_jaccard(np.array(page["corners"]), scene.corners, scene.page_size) > 0.95
    assert 0.5 <= page["confidence"] <= 1.0
    assert tray == {"image": str(folder / "tray.jpg"), "corners": None, "confidence": 0.0}
    with_reference = _run(kiosk_cmd, "detect", str(folder / "page.jpg"), "--json",
                          "--reference", str(folder / "tray.jpg"))
    assert json.loads(with_reference.stdout)["corners"] is not None


def test_bad_files_exit_2_with_one_line(kiosk_cmd, tmp_path, scene_files):
    folder, _ = scene_files
    bogus = tmp_path / "notes.jpg"
    bogus.write_text("not an image")
    done = _run(kiosk_cmd, "detect", str(bogus), str(folder / "page.jpg"), "--json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(done.stdout.splitlines()) == 1          # the good image still got its answer
    missing = _run(kiosk_cmd, "rectify", str(tmp_path / "nope.jpg"), "--out", str(tmp_path / "o.jpg"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_rectify_writes_the_page_at_a4_300_dpi(kiosk_cmd, tmp_path, scene_files):
    folder, _ = scene_files
    out = tmp_path / "page.jpg"
    done = _run(kiosk_cmd, "rectify", str(folder / "page.jpg"), "--out", str(out), "--mode", "colour")
    assert done.returncode == 0, done.stderr
    with Image.open(out) as img:
        assert img.size == (2480, 3508)
    pdf = tmp_path / "page.pdf"
    assert _run(kiosk_cmd, "rectify", str(folder / "page.jpg"), "--out", str(pdf), "--mode", "bw").returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    nothing = _run(kiosk_cmd, "rectify", str(folder / "tray.jpg"), "--out", str(tmp_path / "x.jpg"))
    assert nothing.returncode == 2 and "no page" in nothing.stderr
    assert not (tmp_path / "x.jpg").exists()


def test_live_headless_prints_detections_from_the_simulated_camera(kiosk_cmd, tmp_path):
    from simulators.camera import CameraSimulator

    sim = CameraSimulator(tmp_path, fps=20, size=(960, 540))
    sim.start()
    try:
        sim.control("place_page", seed=4)
        done = _run(kiosk_cmd, "live", "--url", sim.url, "--headless", "--frames", "5")
    finally:
        sim.stop()
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 5 and all(line["corners"] is not None for line in lines)


def test_qr_reads_a_receipt_photo(kiosk_cmd, tmp_path):
    import qrcode

    url = "https://platform.example.gov.cn/track/2026-000777"
    slip = np.full((1080, 1920, 3), 230, np.uint8)
    code = cv2.cvtColor(np.asarray(qrcode.make(url, box_size=10).convert("L"), np.uint8), cv2.COLOR_GRAY2BGR)
    slip[200:200 + code.shape[0], 700:700 + code.shape[1]] = code
    cv2.imwrite(str(tmp_path / "slip.jpg"), slip)
    done = _run(kiosk_cmd, "qr", str(tmp_path / "slip.jpg"))
    assert done.returncode == 0 and done.stdout.strip() == url
    cv2.imwrite(str(tmp_path / "blank.jpg"), np.full((100, 100, 3), 230, np.uint8))
    missing = _run(kiosk_cmd, "qr", str(tmp_path / "blank.jpg"))
    assert missing.returncode == 2 and "no QR code" in missing.stderr
