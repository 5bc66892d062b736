"""进度查询 by the slip: the document camera's frames are read while the progress
step waits for a proof, and only then (the terminal, its progress flow and its
slip watch; a fake camera showing a printed slip on the tray)."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.filing.submission import slip_qr
from kiosk.services.progress.flow import ProgressState
from tests.terminal_kit import empty_tray

SLIP = slip_qr("PF20261130000123", "0123456789abcdef")


def slip_on_tray(text: str) -> np.ndarray:
    tray = empty_tray()
    code = cv2.QRCodeEncoder.create().encode(text)
    code = cv2.resize(code, (code.shape[1] * 10, code.shape[0] * 10), interpolation=cv2.INTER_NEAREST)
    paper = np.full((code.shape[0] + 80, code.shape[1] + 80), 255, np.uint8)
    paper[40:-40, 40:-40] = code
    h, w = paper.shape
    tray[200:200 + h, 600:600 + w] = cv2.cvtColor(paper, cv2.COLOR_GRAY2BGR)
    return tray


class Client:
    """The platform's answer to a slip's number and code."""

    def __init__(self):
        self.asked = []

    def application_status(self, number, proof, budget=None):
        self.asked.append((number, proof))
        return {"application_number": number, "status": "受理"}

    def applications_for(self, id_hash, budget=None):
        return []


def test_the_camera_is_read_only_while_a_proof_is_awaited_and_a_slip_lying_there_is_read_once(make_kit):
    kit = make_kit(client=Client())
    t = kit.terminal
    progress = t.flow("progress")
    read = []
    progress.slips.on_text = lambda text: read.append(text) or progress.slip_read(text)
    assert not progress.slips.running                        # home: the camera belongs to nobody
    kit.camera.show(slip_on_tray(slip_qr("XY-0007-20261130-0001")))   # a slip with a local serial
    t.open_service("progress")
    assert progress.state is ProgressState.WAITING and progress.slips.running
    kit.run_until(lambda: progress.state is ProgressState.LOCAL_SLIP, "the slip to be read")
    frames = kit.camera._seq
    kit.run_until(lambda: kit.camera._seq > frames + 6, "six more looks at the tray")
    assert read == ["HUTAPP:XY-0007-20261130-0001"] and progress.slips.running   # read once, still awaiting a card
    t.home()
    assert not progress.slips.running


def test_the_slips_text_becomes_the_progress_query_and_the_camera_is_let_go(make_kit):
    client = Client()
    kit = make_kit(client=client)
    t = kit.terminal
    t.open_service("progress")
    progress = t.flow("progress")
    kit.camera.show(slip_on_tray(SLIP))
    kit.run_until(lambda: progress.state is ProgressState.RESULTS, "the slip's application")
    assert client.asked == [("PF20261130000123", "0123456789abcdef")]
    assert progress.view.proof == "slip" and [i.number for i in progress.view.items] == ["PF20261130000123"]
    assert not progress.slips.running                     # results on screen: the camera is free


def test_a_tray_without_a_slip_reads_nothing_and_no_camera_reads_nothing(make_kit):
    kit = make_kit(client=Client())
    t = kit.terminal
    progress = t.flow("progress")
    t.open_service("progress")
    frames = kit.camera._seq
    kit.run_until(lambda: kit.camera._seq > frames + 6, "looks at the empty tray")
    assert progress.state is ProgressState.WAITING and progress.view.hint == ""
    t.home()
    kit.camera.unplug()
    kit.settle()
    t.open_service("progress")
    assert progress.state is ProgressState.WAITING
