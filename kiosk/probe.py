"""What answers where: the technician's device discovery for ``kiosk provision``.

Every serial port is asked the questions the hut's peripherals answer, in an
order that cannot hurt the others: first ``DLE EOT 1`` (3 bytes a SAM
module discards as noise before its preamble; an ESC/POS printer answers one
status byte of the form 0xx1xx10), then the SAM status command ``11 FF``
(a SAM answers ``SW 90``).  Cameras are opened with OpenCV and must hand over
a frame; PC/SC readers are whatever pcscd lists.  Nothing here writes a
file: ``--dry-run`` probes too.
"""

from __future__ import annotations

import fnmatch
import glob
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import serial
from serial.tools import list_ports

from drivers.idcard import codec as sam
from drivers.printer.status import query as dle_eot
from drivers.printer.status import valid_reply
from kiosk.devices import DRIVERS

log = logging.getLogger(__name__)

PRINTER_BAUDS = (9600, 19200, 38400, 115200)
SAM_BAUDS = (115200, 9600)
ANSWER_TIMEOUT = 0.3
SERIAL_GLOBS = ("/dev/ttyUSB*", "/dev/ttyACM*")
CAMERA_GLOBS = ("/dev/video*",)


@dataclass(frozen=True)
class Candidate:
    """A place a device may be: a serial port (with its USB identity when the
    kernel knows it), a tcp:// printer address, or a camera source."""

    where: str
    transport: str  # "serial", "network", "camera"
    vid: str = ""
    pid: str = ""
    serial_number: str = ""
    description: str = ""


@dataclass(frozen=True)
class Found:
    """``kind`` is the driver's device class; ``result`` the plain-words probe
    answer for the report (what the technician's guide explains)."""

    kind: str
    candidate: Candidate
    result: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def driver(self) -> str | None:
        """The installed driver for this kind (None: found, but no driver to run it)."""
        preferred = {"idcard": "idcard.sam", "printer": "printer.escpos"}.get(self.kind)
        if preferred in DRIVERS:
            return preferred
        return next((d for d in sorted(DRIVERS) if d.startswith(self.kind + ".")), None)


@dataclass(frozen=True)
class Silent:
    candidate: Candidate
    result: str


def serial_candidates(extra: Iterable[str] = ()) -> list[Candidate]:
    """USB serial ports the kernel lists (with vendor/product/serial), plus
    the ports the technician named (``--port``; the virtual hut's ptys)."""
    out: dict[str, Candidate] = {}
    for port in list_ports.comports():
        if port.vid is None and not any(fnmatch.fnmatch(port.device, g) for g in SERIAL_GLOBS):
            continue  # the motherboard's ttyS0..31 answer nothing and take time
        out[port.device] = Candidate(port.device, "serial", f"{port.vid or 0:04x}" if port.vid else "",
                                     f"{port.pid or 0:04x}" if port.pid else "", port.serial_number or "",
                                     port.description or "")
    for port in extra:
        out.setdefault(port, Candidate(port, "serial"))
    return list(out.values())


def _ask(port: serial.Serial, question: bytes, timeout: float) -> bytes:
    port.reset_input_buffer()
    port.write(question)
    port.flush()
    deadline = time.monotonic() + timeout
    answer = bytearray()
    while time.monotonic() < deadline:
        port.timeout = max(0.01, deadline - time.monotonic())
        chunk = port.read(64)
        if chunk:
            answer += chunk
            if question.startswith(sam.PREAMBLE):
                if _sam_replies(bytes(answer)):
                    break
            else:
                break
    return bytes(answer)


def _sam_replies(data: bytes) -> list[sam.Reply]:
    """The SAM replies in ``data``; a malformed frame (an echo of our own
    command, another protocol that happens to use the preamble) is none."""
    decoder = sam.FrameDecoder("reply")
    decoder.feed(data)
    try:
        return [e for e in decoder.events() if isinstance(e, sam.Reply)]
    except sam.ProtocolError:
        return []


def probe_serial(candidate: Candidate, opener: Callable[..., serial.Serial] = serial.Serial) -> Found | Silent:
    try:
        port = opener(candidate.where, baudrate=PRINTER_BAUDS[0], timeout=ANSWER_TIMEOUT, write_timeout=1)
    except (serial.SerialException, OSError, ValueError) as exc:
        return Silent(candidate, f"cannot open: {exc}")
    try:
        for baud in PRINTER_BAUDS:
            port.baudrate = baud
            answer = _ask(port, dle_eot(1), ANSWER_TIMEOUT)
            if answer and valid_reply(answer[0]):
                return Found("printer", candidate, f"ESC/POS printer: DLE EOT 1 -> {answer[0]:02X} at {baud} baud",
                             {"baudrate": baud})
        for baud in SAM_BAUDS:
            port.baudrate = baud
            replies = _sam_replies(_ask(port, sam.encode_command(*sam.SAM_STATUS), ANSWER_TIMEOUT))
            if replies:
                reply = replies[0]
                zh, en = sam.sw3_meaning(reply.sw3)
                if reply.ok:
                    return Found("idcard", candidate, f"ID card SAM: 11 FF -> SW {reply.sw3:02X} ({en}) "
                                                      f"at {baud} baud", {"baudrate": baud})
                return Silent(candidate, f"a SAM answered 11 FF with SW {reply.sw3:02X}: {zh} / {en}")
    except (serial.SerialException, OSError) as exc:
        return Silent(candidate, f"port failed while asking: {exc}")
    finally:
        port.close()
    return Silent(candidate, "no answer to DLE EOT 1 (printer) nor to 11 FF (SAM) at any baud rate")


def probe_network_printer(candidate: Candidate, timeout: float = 2.0) -> Found | Silent:
    from drivers.printer.link import tcp_address

    host, port_number = tcp_address(candidate.where)
    try:
        with socket.create_connection((host, port_number), timeout=timeout) as conn:
            conn.sendall(dle_eot(1))
            conn.settimeout(timeout)
            answer = conn.recv(1)
    except OSError as exc:
        return Silent(candidate, f"no connection: {exc}")
    if answer and valid_reply(answer[0]):
        return Found("printer", candidate, f"ESC/POS printer: DLE EOT 1 -> {answer[0]:02X}")
    return Silent(candidate, "connected, but no ESC/POS status answer to DLE EOT 1")


def camera_candidates(extra: Iterable[str] = ()) -> list[Candidate]:
    found = sorted(p for g in CAMERA_GLOBS for p in glob.glob(g))
    return [Candidate(p, "camera") for p in [*found, *extra]]


def probe_camera(candidate: Candidate) -> Found | Silent:
    import cv2

    source: Any = candidate.where
    backend = cv2.CAP_FFMPEG if candidate.where.startswith(("http://", "https://", "rtsp://")) else cv2.CAP_ANY
    capture = cv2.VideoCapture(source, backend)
    try:
        if not capture.isOpened():
            return Silent(candidate, "OpenCV cannot open it")
        ok, frame = capture.read()
        if not ok or frame is None:
            return Silent(candidate, "opens in OpenCV but gives no frame")
        height, width = frame.shape[:2]
        return Found("camera", candidate, f"camera: a {width}x{height} frame from OpenCV")
    finally:
        capture.release()


def probe_pcsc() -> list[Found | Silent]:
    """PC/SC readers as pcscd lists them (no pcscd: nothing to report)."""
    try:
        from smartcard.System import readers
        names = [str(r) for r in readers()]
    except Exception as exc:  # pyscard raises its own types for "no service"; the report says why
        log.info("no PC/SC readers: %s", exc)
        return []
    return [Found("smartcard", Candidate(name, "pcsc"), f"PC/SC reader listed by pcscd: {name}") for name in names]


def probe_all(ports: Iterable[str] = (), urls: Iterable[str] = (), cameras: Iterable[str] = (),
              scan_system: bool = True, pcsc: bool = True) -> list[Found | Silent]:
    """Every candidate, asked in turn (a port is one device, so order matters
    less than not asking two things at once)."""
    results: list[Found | Silent] = []
    serials = serial_candidates(ports) if scan_system else [Candidate(p, "serial") for p in ports]
    results += [probe_serial(c) for c in serials]
    results += [probe_network_printer(Candidate(u, "network")) for u in urls]
    camera_list = camera_candidates(cameras) if scan_system else [Candidate(c, "camera") for c in cameras]
    results += [probe_camera(c) for c in camera_list]
    if pcsc:
        results += probe_pcsc()
    return results
