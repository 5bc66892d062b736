"""进度查询 by the slip: the document camera's frames are read while the progress
step waits for a proof, and only then (the terminal, its progress flow and its
slip watch; a fake camera showing a printed slip on the tray)."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from kiosk.filing.submission import slip_qr
from kiosk.services.progress.flow import ProgressState
from simulators.camera.receipts import queued_receipt, under_camera
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

    def application_by_slip(self, serial, code, budget=None):
        """A slip printed while its application was queued (a hut's serial and slip code)."""
        self.asked.append((serial, code))
        return {"application_number": "PF20261130000777", "status": "受理"}

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


@pytest.mark.parametrize("number, code, held", [
    # the whole receipt laid flat: its code too small for the quick look, the closer look reads it
    ("SIM-DL-0001-261208-00003D1", "0000000000003039", (0.0, 1.0)),
    # a receipt whose code OpenCV's classic detector misses even on the clean print (2 of 300
    # random receipts): only the other detector reads it, whole or the part around the code held up
    ("SIM-DL-0001-261208-9095BCD", "f788e0896f4929bc", (0.0, 1.0)),
    ("SIM-DL-0001-261208-9095BCD", "f788e0896f4929bc", (0.6, 0.9)),
])
def test_a_receipt_lying_still_that_the_quick_look_misses_is_read_all_the_same(make_kit, number, code, held):
    from drivers.camera.qr import read_qr_live

    receipt = queued_receipt(number, code)
    top, bottom = (round(share * receipt.shape[0]) for share in held)
    frame = under_camera(receipt[top:bottom])
    assert read_qr_live(frame) is None     # what the watch saw before, on every frame, for ever
    client = Client()
    kit = make_kit(client=client)
    progress = kit.terminal.flow("progress")
    kit.terminal.open_service("progress")
    kit.camera.show(frame)
    kit.run_until(lambda: progress.state is ProgressState.RESULTS, "the receipt's application")
    assert client.asked == [(number, code)]


def test_a_slip_that_only_one_detectors_closer_look_reads_is_reported_once_while_it_lies_there(monkeypatch):
    import threading
    import types

    import drivers.camera.qr as qr
    from kiosk.services.progress import slip_watch

    lying = threading.Event()
    lying.set()
    monkeypatch.setattr(qr, "read_qr_live", lambda image: None)
    monkeypatch.setattr(qr, "read_qr_close", lambda image, aruco=False: "HUTAPP:XY-0007" if aruco and lying.is_set()
                        else None)
    looks = []

    class Camera:
        def next_frame(self, seq, timeout):
            looks.append(seq)
            return types.SimpleNamespace(seq=seq + 1, image=None)

    reported = []
    watch = slip_watch.SlipQrWatch(Camera, lambda fn: fn(), reported.append, reads_per_second=500)
    monkeypatch.setattr(slip_watch, "FORGET_AFTER_SECONDS", 0.001)   # shorter than between closer looks
    watch.start()
    try:
        deadline = time.monotonic() + 10
        while len(looks) < 200 and time.monotonic() < deadline:   # many closer looks, far past the forget time
            time.sleep(0.01)
        assert reported == ["HUTAPP:XY-0007"]
        lying.clear()                                             # taken away ...
        seen = len(looks)
        while len(looks) < seen + 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        lying.set()                                               # ... and shown again: a new look at it
        while len(reported) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reported == ["HUTAPP:XY-0007"] * 2
    finally:
        watch.close()
