"""进度查询 by the slip: the document camera's frames read while the progress step waits for a proof."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from kiosk.devices.availability import Availability
from kiosk.filing.submission import slip_qr
from kiosk.flows.progress import ProgressFlow, ProgressState
from kiosk.flows.session import Session
from kiosk.flows.visit import VisitFlow
from kiosk.privacy import IdHashKeys
from kiosk.terminal.slip_watch import SlipQrWatch

SLIP = slip_qr("PF20261130000123", "0123456789abcdef")


@dataclass
class Frame:
    image: np.ndarray
    seq: int


class Camera:
    """Frames of a slip lying under the camera (or of the empty tray)."""

    def __init__(self, text: str | None):
        tray = np.full((480, 640, 3), 90, np.uint8)
        if text:
            code = cv2.QRCodeEncoder.create().encode(text)
            code = cv2.resize(code, (code.shape[1] * 6, code.shape[0] * 6), interpolation=cv2.INTER_NEAREST)
            paper = np.full((code.shape[0] + 60, code.shape[1] + 60), 255, np.uint8)
            paper[30:-30, 30:-30] = code
            h, w = paper.shape
            tray[40:40 + h, 100:100 + w] = cv2.cvtColor(paper, cv2.COLOR_GRAY2BGR)
        self.tray, self.served = tray, 0
        self.gate = threading.Semaphore(0)   # the test lets frames through one at a time

    def next_frame(self, after=0, timeout=2.0):
        if not self.gate.acquire(timeout=timeout):
            return None
        self.served += 1
        return Frame(self.tray, after + 1)


class Kiosk:
    def __init__(self, camera):
        self.visit = VisitFlow(Session(), presentable={"progress"})
        self.progress = ProgressFlow(self.visit, client=None, id_hash_key=IdHashKeys(1, b"k" * 32),
                                     availability=lambda: Availability(id_card=True))
        self.posted: queue.Queue = queue.Queue()
        self.read: list[str] = []
        self.watch = SlipQrWatch(self.progress, lambda: camera, self.posted.put, self.read.append,
                                 reads_per_second=1000)

    def frames(self, camera, n):
        for _ in range(n):
            camera.gate.release()
        while camera.gate._value:   # every frame taken
            threading.Event().wait(0.01)
        threading.Event().wait(0.05)
        while not self.posted.empty():
            self.posted.get()()


@pytest.fixture
def slip_camera():
    return Camera(SLIP)


def test_the_camera_is_read_only_while_a_proof_is_awaited(slip_camera):
    kiosk = Kiosk(slip_camera)
    assert not kiosk.watch.running                         # home: the camera belongs to nobody
    kiosk.visit.choose("progress")
    assert kiosk.progress.state is ProgressState.WAITING and kiosk.watch.running
    kiosk.frames(slip_camera, 5)
    assert kiosk.read == [SLIP]                            # a slip lying there is read once, not five times
    kiosk.visit.home()
    assert not kiosk.watch.running
    kiosk.watch.close()


def test_the_slips_text_becomes_the_progress_query_and_the_camera_is_let_go(slip_camera):
    kiosk = Kiosk(slip_camera)
    asked = []

    class Client:
        def application_status(self, number, proof, budget=None):
            asked.append((number, proof))
            return {"application_number": number, "status": "受理"}

    kiosk.progress.client = Client()
    jobs = []
    kiosk.watch.on_text = lambda text: jobs.append(kiosk.progress.slip_read(text))
    kiosk.visit.choose("progress")
    kiosk.frames(slip_camera, 2)
    assert kiosk.progress.state is ProgressState.QUERYING and not kiosk.watch.running
    kiosk.progress.job_done(jobs[0], jobs[0].run())
    assert asked == [("PF20261130000123", "0123456789abcdef")]
    assert kiosk.progress.state is ProgressState.RESULTS and kiosk.progress.view.proof == "slip"
    assert not kiosk.watch.running                     # results on screen: the camera is free
    kiosk.watch.close()


def test_a_local_serial_slip_asks_for_the_card_and_the_same_slip_is_not_read_again():
    camera = Camera(slip_qr("XY-0007-20261130-0001"))
    kiosk = Kiosk(camera)
    kiosk.watch.on_text = lambda text: kiosk.read.append(text) or kiosk.progress.slip_read(text)
    kiosk.visit.choose("progress")
    kiosk.frames(camera, 3)
    assert kiosk.progress.state is ProgressState.LOCAL_SLIP and kiosk.watch.running
    kiosk.frames(camera, 3)
    assert kiosk.read == ["HUTAPP:XY-0007-20261130-0001"]
    kiosk.watch.close()


def test_a_tray_without_a_slip_reads_nothing_and_no_camera_reads_nothing():
    empty = Camera(None)
    kiosk = Kiosk(empty)
    kiosk.visit.choose("progress")
    kiosk.frames(empty, 3)
    assert kiosk.read == []
    kiosk.watch.close()
    none = Kiosk(None)
    none.watch.camera = lambda: None
    none.visit.choose("progress")
    assert not none.watch.running
