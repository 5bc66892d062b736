"""The simulated printer: what it prints (PNG with a scannable QR, transcript),
what it answers to DLE EOT, and its two real interfaces."""

from __future__ import annotations

import os
import socket

import cv2
import numpy as np
import pytest
import serial

from drivers.printer.encode import encode
from drivers.printer.interpret import EscPosInterpreter
from drivers.printer.ops import QRCode, Raster, TextLine
from drivers.printer.profiles import resolve
from drivers.printer.slip import QR, Cut, Image, Line, Rows, Separator, Slip, Text, Title, layout, text_width
from tests.printer_fixtures import GlyphReader, wait_jobs

URL = "https://hut.example.cn/track/A20261126-0001"


def receipt() -> Slip:
    return Slip([Title("受理回执 Receipt"), Separator(), Rows([("受理编号 No.", "A20261126-0001")]),
                    Text("扫码查询办理进度 Scan to track"), QR(URL), Cut()])


def send_tcp(sim, data: bytes) -> None:
    host, port = sim.where().removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(data)


def ask_tcp(sim, n: int) -> bytes:
    host, port = sim.where().removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(bytes([0x10, 0x04, n]))
        conn.settimeout(0.5)
        try:
            return conn.recv(1)
        except socket.timeout:
            return b""


@pytest.mark.parametrize("profile", ["generic80-cn", "epson80-image", "generic58-cn"])
def test_qr_in_the_rendered_png_scans_to_the_tracking_url(tmp_path, profile):
    from simulators.printer import PrinterSimulator

    prof = resolve({"profile": profile})
    with PrinterSimulator(tmp_path, profile=profile) as sim:
        send_tcp(sim, encode(receipt(), prof).data)
        (job,) = wait_jobs(sim, 1)
    assert os.path.dirname(job["png"]) == str(tmp_path / "printer")
    image = cv2.imread(job["png"])
    assert image.shape[1] == prof.dots
    data, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert data == URL
    transcript = open(job["transcript"], encoding="utf-8").read()
    assert f"[QR] {URL}" in transcript
    assert ("[CUT" in transcript) == (prof.cut != "none")
    if not prof.image_fallback:
        assert "受理编号 No." in transcript


def test_png_shows_chinese_text_as_ink(printer_sim):
    send_tcp(printer_sim, encode(Slip([Text("中文" * 10), Cut()]), resolve()).data)
    (job,) = wait_jobs(printer_sim, 1)
    pixels = np.array(cv2.imread(job["png"], cv2.IMREAD_GRAYSCALE))
    ink_rows = np.where((pixels < 128).sum(axis=1) > 0)[0]
    assert len(ink_rows) > 15  # glyphs, not an empty slip
    # 20 Chinese characters = 40 columns = 480 dots wide on the 12-dot grid.
    ink_cols = np.where((pixels[:-20] < 128).sum(axis=0) > 0)[0]
    assert 440 < ink_cols.max() - ink_cols.min() <= 480


@pytest.mark.parametrize("profile", ["generic80-cn", "generic58-cn"])
def test_the_chinese_on_the_png_reads_back_as_sent(tmp_path, profile):
    """Readable, not just inked: every Chinese character on the simulator's
    PNG is the one sent, in its column, on 80 and 58 mm paper."""
    from simulators.printer import PrinterSimulator

    prof = resolve({"profile": profile})
    with PrinterSimulator(tmp_path, profile=profile) as sim:
        send_tcp(sim, encode(receipt(), prof).data)
        (job,) = wait_jobs(sim, 1)
    ink = (np.asarray(cv2.imread(job["png"], cv2.IMREAD_GRAYSCALE)) < 128).astype(np.uint8)
    rows = np.flatnonzero(ink.sum(axis=1))
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)  # one run of inked rows per printed line
    lines = [item for item in layout(receipt(), prof.columns) if isinstance(item, Line)]
    reader = GlyphReader(line.text for line in lines)
    read = 0
    for line, run in zip(lines, runs):
        band = np.pad(ink[run[0]:run[-1] + 1], ((6, 6), (0, 0)))
        if not line.text.isascii():
            read += reader.check_line(band, line.text, line.align, 2 if line.double else 1, prof.dots, 12)
    assert read == sum(text_width(ch) == 2 for line in lines for ch in line.text) > 15


def test_raster_image_comes_out_bit_for_bit(printer_sim):
    from PIL import Image as PILImage

    picture = PILImage.new("L", (64, 32), 255)
    picture.paste(0, (0, 0, 32, 16))  # black top-left quarter
    data = encode(Slip([Image(picture, center=False), Cut()]), resolve()).data
    ops = EscPosInterpreter().feed(data)
    (raster,) = [op for op in ops if isinstance(op, Raster)]
    assert (raster.width_bytes, raster.height) == (8, 32)
    assert raster.data[0] == 0xFF and raster.data[4] == 0x00 and raster.data[-1] == 0x00
    send_tcp(printer_sim, data)
    (job,) = wait_jobs(printer_sim, 1)
    pixels = np.array(cv2.imread(job["png"], cv2.IMREAD_GRAYSCALE))
    ys, xs = np.where(pixels < 128)
    black = [(x, y) for x, y in zip(xs, ys) if y < pixels.shape[0] - 30]  # above the cut mark
    assert min(x for x, _ in black) == 0 and max(x for x, _ in black) == 31
    assert max(y for _, y in black) - min(y for _, y in black) == 15


def test_interpreter_gives_the_same_result_fed_byte_by_byte():
    data = encode(receipt(), resolve({"encoding": "utf-8"})).data
    whole = EscPosInterpreter("utf-8").feed(data)
    interp = EscPosInterpreter("utf-8")
    pieces = [op for i in range(len(data)) for op in interp.feed(data[i:i + 1])]
    assert pieces == whole
    assert [op.data for op in whole if isinstance(op, QRCode)] == [URL.encode()]
    assert any(isinstance(op, TextLine) and op.text == "受理编号 No." + " " * 22 + "A20261126-0001" for op in whole)


@pytest.mark.parametrize("state,replies", [
    ({}, [0x12, 0x12, 0x12, 0x12]),
    ({"set_paper": {"state": "near_end"}}, [0x12, 0x12, 0x12, 0x1E]),
    ({"set_paper": {"state": "end"}}, [0x1A, 0x32, 0x12, 0x7E]),
    ({"open_cover": {}}, [0x1A, 0x16, 0x12, 0x12]),
    ({"paper_jam": {}}, [0x1A, 0x52, 0x16, 0x12]),
    ({"cutter_error": {}}, [0x1A, 0x52, 0x1A, 0x12]),
    ({"unrecoverable_error": {}}, [0x1A, 0x52, 0x32, 0x12]),
    ({"overheat": {}}, [0x1A, 0x52, 0x52, 0x12]),
])
def test_dle_eot_replies_follow_the_state(printer_sim, state, replies):
    for action, params in state.items():
        printer_sim.control(action, **params)
    assert [ask_tcp(printer_sim, n) for n in (1, 2, 3, 4)] == [bytes([r]) for r in replies]


def test_no_answer_means_silence(printer_sim):
    printer_sim.control("no_answer")
    assert ask_tcp(printer_sim, 1) == b""
    printer_sim.control("reset")
    assert ask_tcp(printer_sim, 1) == b"\x12"


def test_serial_endpoint_answers_and_prints(printer_sim):
    with serial.Serial(printer_sim.serial_port, 115200, timeout=1) as port:
        port.write(b"\x10\x04\x04")
        assert port.read(1) == b"\x12"
        port.write(encode(receipt(), resolve()).data)
        (job,) = wait_jobs(printer_sim, 1)
    assert job["endpoint"] == "serial" and job["complete"]


def test_job_without_cut_is_saved_when_the_connection_ends(printer_sim):
    send_tcp(printer_sim, b"\x1b@hello\n")
    (job,) = wait_jobs(printer_sim, 1)
    assert job["cut"] is None and open(job["transcript"]).read() == "hello\n"


def test_control_api(printer_sim):
    with pytest.raises(ValueError) as bad:
        printer_sim.control("explode")
    assert "set_paper" in str(bad.value) and "no_answer" in str(bad.value)
    with pytest.raises(ValueError):
        printer_sim.control("set_paper", state="soggy")
    status = printer_sim.control("status")
    assert status["serial"] == printer_sim.serial_port and status["replies"]["4"] == 0x12
    assert printer_sim.control("jobs") == {"jobs": []}
    patch = printer_sim.config_patch()["devices"]["printer"]
    assert patch["driver"] == "printer.escpos" and patch["url"] == printer_sim.where()


def test_stop_is_idempotent_and_frees_the_port(tmp_path):
    from simulators.printer import PrinterSimulator

    sim = PrinterSimulator(tmp_path)
    sim.start()
    port = sim.tcp_port
    sim.stop()
    sim.stop()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
