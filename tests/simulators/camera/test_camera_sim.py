"""The document camera driver against the simulated 高拍仪 over HTTP (MJPEG
through OpenCV's FFmpeg backend, as a network document camera)."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from drivers.base import DeviceError, OptionError, Status, StatusChanged
from drivers.camera.detect import detect_page
from drivers.camera.device import DocumentCamera
from simulators.camera import CameraSimulator
from simulators.camera.metric import smartdoc_jaccard

FAST = {"stall_seconds": 0.6, "reconnect_interval": 0.2, "open_timeout": 2.0}


@pytest.fixture
def sim(tmp_path):
    camera = CameraSimulator(tmp_path, fps=20, size=(960, 540))
    camera.start()
    yield camera
    camera.stop()


def _wait(predicate, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_capture_hands_out_the_latest_frame_and_the_page_is_found(sim):
    sim.control("place_page", seed=3, kind="dark")
    camera = DocumentCamera("camera", url=sim.url, options=FAST)
    with camera:
        first = camera.next_frame(0, timeout=8)
        assert first is not None and first.size == (960, 540)
        assert camera.status == Status.ONLINE
        # A slow consumer, five frames later, gets the newest frame, not the next queued one.
        assert _wait(lambda: camera.latest().seq >= first.seq + 5)
        later = camera.latest()
        assert not later.image.flags.writeable
        found = detect_page(later.image)
        assert found is not None
        assert smartdoc_jaccard(found.corners, sim.last_corners, (1240, 1754)) > 0.9
        assert camera.check_health("external").startswith("OK (960x540, sharpness ")


def test_page_taken_away_hand_and_blur_reach_the_stream(sim):
    camera = DocumentCamera("camera", url=sim.url, options=FAST)
    with camera:
        assert camera.next_frame(0, timeout=8) is not None
        seq = camera.latest().seq
        sim.control("remove_page")
        assert _wait(lambda: camera.latest() and camera.latest().seq > seq + 2)
        assert detect_page(camera.latest().image) is None
        sim.control("place_page", seed=5)
        sim.control("add", what="blur")
        seq = camera.latest().seq
        assert _wait(lambda: camera.latest().seq > seq + 2)
        from drivers.camera.quality import Gate, assess
        frame = camera.latest().image
        assert Gate.BLURRED in assess(frame, detect_page(frame)).failed or detect_page(frame) is None
    assert sim.control("status")["spoilers"] == ["blur"]
    with pytest.raises(ValueError):
        sim.control("add", what="coffee")


def test_unplug_gives_hardware_error_then_no_device_and_replug_recovers(sim):
    events: list = []
    camera = DocumentCamera("camera", url=sim.url, options=FAST)
    camera.subscribe(events.append)
    with camera:
        assert camera.next_frame(0, timeout=8) is not None
        sim.control("unplug")
        assert _wait(lambda: camera.status == Status.NO_DEVICE)
        statuses = [e.new.status for e in events if isinstance(e, StatusChanged)]
        assert statuses[-2:] == [Status.HARDWARE_ERROR, Status.NO_DEVICE]
        errors = [e for e in events if isinstance(e, DeviceError)]
        assert errors and errors[-1].code == "frames_stopped" and "高拍仪" in errors[-1].what
        assert "未找到高拍仪" in camera.check_health("external")
        sim.control("replug")
        assert _wait(lambda: camera.status == Status.ONLINE)
        assert camera.counters.get("reconnects") >= 1


def test_absent_camera_is_no_device():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # closed again: nobody listens there
    camera = DocumentCamera("camera", url=f"http://127.0.0.1:{port}/video.mjpg", options=FAST)
    with camera:
        assert _wait(lambda: camera.status == Status.NO_DEVICE)
        assert camera.latest() is None
    assert camera.status == Status.OFFLINE


def test_local_camera_path_that_does_not_exist_is_no_device():
    camera = DocumentCamera("camera", port="/dev/video-hut-missing", options=FAST)
    with camera:
        assert _wait(lambda: camera.status == Status.NO_DEVICE)


def test_options_are_validated():
    with pytest.raises(OptionError) as err:
        DocumentCamera("camera", port="0", options={"fps": 0})
    assert err.value.key == "fps"
    with pytest.raises(OptionError):
        DocumentCamera("camera", port="0", url="http://x/video.mjpg")
    assert DocumentCamera.check_options({})["width"] == 1920


def test_the_hut_configures_and_scripts_the_camera(tmp_path):
    from kiosk import config as config_mod
    from kiosk.devices.registry import build_device
    from simulators.hut import Hut

    with Hut(tmp_path / "hut", only=["camera"]) as hut:
        settings = config_mod.load(str(hut.config_path))
        camera = build_device(settings, "camera")
        assert isinstance(camera, DocumentCamera)
        assert hut.control("camera", "place_page", seed=2)["page"] is True
        with camera:
            assert camera.next_frame(0, timeout=8) is not None
            assert camera.status == Status.ONLINE


def test_an_image_folder_is_served_in_turn(tmp_path):
    import cv2

    folder = tmp_path / "pictures"
    folder.mkdir()
    for i, level in enumerate((40, 200)):
        cv2.imwrite(str(folder / f"{i}.png"), np.full((360, 640, 3), level, np.uint8))
    (folder / "notes.txt").write_text("not a picture")
    sim = CameraSimulator(tmp_path, fps=20, size=(640, 360), folder=str(folder))
    sim.start()
    try:
        camera = DocumentCamera("camera", url=sim.url, options=FAST)
        seen = set()
        with camera:
            seq = 0
            for _ in range(10):
                frame = camera.next_frame(seq, timeout=8)
                assert frame is not None
                seq = frame.seq
                seen.add(round(float(frame.image.mean()) / 10) * 10)
        assert seen == {40, 200}
    finally:
        sim.stop()


def test_the_next_page_laid_down_is_another_paper_unless_its_seed_is_given():
    from simulators.camera.scenes import render_scene
    from simulators.camera.sim import next_paper_seed, template_of

    for seed in range(1, 40):   # the simulator's shortcut draws what render_scene draws
        assert template_of(seed) == render_scene(seed, "dark", (160, 90), doc="a4", with_tray=True,
                                                 conditions=()).template
    recent = [template_of(1)]
    seeds = [1]
    for _ in range(3):
        seeds.append(next_paper_seed(seeds[-1], recent))
        recent.append(template_of(seeds[-1]))
    assert len({template_of(s) for s in seeds}) == 4   # four papers, four different pages


def test_a_camera_that_stays_away_is_tried_less_and_less_often(monkeypatch):
    """An unplugged camera is looked for again and again, the pause doubling
    from reconnect_interval up to a few seconds (not three times a second
    all day into the journal)."""
    camera = DocumentCamera("camera", port="/dev/video-hut-missing", options={"reconnect_interval": 0.5})
    pauses: list[float] = []

    def wait(timeout: float | None = None) -> bool:
        pauses.append(timeout or 0.0)
        if len(pauses) >= 6:                  # the sixth pause ends the thread's loop
            camera._stop.set()
        return camera._stop.is_set()

    monkeypatch.setattr(camera._stop, "wait", wait)
    camera._run()
    assert pauses == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert camera.status == Status.NO_DEVICE
