"""What kiosk provision's probes say about a camera and about ports where
nothing (or something else) answers."""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from kiosk.devices.probe import Candidate, Found, Silent, probe_camera, probe_network, probe_serial


@pytest.fixture
def mjpeg_camera():
    """A network document camera: an MJPEG stream over HTTP (as the FFmpeg backend opens one)."""
    frame = np.full((480, 640, 3), 200, np.uint8)
    jpeg = cv2.imencode(".jpg", frame)[1].tobytes()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            try:
                while not stop.is_set():
                    self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                     + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                    time.sleep(0.05)
            except OSError:
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    stop.set()
    server.shutdown()
    server.server_close()


def test_a_camera_that_gives_a_frame_is_found(mjpeg_camera):
    result = probe_camera(Candidate(mjpeg_camera, "camera"))
    assert isinstance(result, Found) and result.kind == "camera"
    assert result.result == "camera: a 640x480 frame from OpenCV"


def test_a_source_that_is_no_camera_is_silent(tmp_path):
    result = probe_camera(Candidate(str(tmp_path / "video9"), "camera"))
    assert isinstance(result, Silent) and "OpenCV cannot open it" in result.result


def test_a_port_that_cannot_be_opened_and_a_refused_printer_address(tmp_path):
    missing = probe_serial(Candidate(str(tmp_path / "ttyUSB7"), "serial"))
    assert isinstance(missing, Silent) and missing.result.startswith("cannot open")
    refused = probe_network(Candidate("tcp://127.0.0.1:9", "network"))
    assert isinstance(refused, Silent) and refused.result.startswith("no connection")


@pytest.mark.slow
def test_a_device_that_echoes_is_neither_printer_nor_reader():
    """A loop-back plug answers every question with the question itself."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    stop = threading.Event()

    def echo():
        while not stop.is_set():
            try:
                data = os.read(master, 256)
                os.write(master, data)
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                return

    threading.Thread(target=echo, daemon=True).start()
    try:
        result = probe_serial(Candidate(os.ttyname(slave), "serial"))
    finally:
        stop.set()
    assert isinstance(result, Silent) and "no answer to DLE EOT 1" in result.result
