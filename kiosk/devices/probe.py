"""What answers where: the technician's device discovery for ``kiosk provision``.

Every serial port is asked the questions the hut's peripherals answer, in an
order that cannot hurt the others: first ``DLE EOT 1`` (3 bytes a SAM
module discards as noise before its preamble; an ESC/POS printer answers one
status byte of the form 0xx1xx10), then the SAM status command ``11 FF``
(a SAM answers ``SW 90``).  A port where neither answers is then only
listened to, for the health devices that talk by themselves: a CMS50D+
oximeter's live stream (19200 8O1), a scale printing a preset line format
(drivers.health.lineproto.PRESETS; someone must stand on it).  Health
devices that speak only when started (a blood-pressure cuff would inflate)
are never started here: the inventory configures them and provision checks
them.  Cameras are opened with OpenCV and must hand over a frame; PC/SC
readers are whatever pcscd lists.  Nothing here writes a file:
``--dry-run`` probes too.
"""

from __future__ import annotations

import fnmatch
import glob
import logging
import os
import socket
import termios
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import serial
from serial.tools import list_ports

from drivers.idcard import codec as sam
from drivers.printer.status import query as dle_eot
from drivers.printer.status import valid_reply
from kiosk.devices.registry import DRIVERS

log = logging.getLogger(__name__)

PRINTER_BAUDS = (9600, 19200, 38400, 115200)
SAM_BAUDS = (115200, 9600)
ANSWER_TIMEOUT = 0.2
LISTEN_SECONDS = 1.2
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
    driver_name: str | None = None  # when the kind has several drivers (health.line, health.cms50d)
    name: str | None = None         # the config name it gets (a peripheral of kiosk.devices.peripherals)

    @property
    def driver(self) -> str | None:
        """The installed driver for this kind (None: found, but no driver to run it)."""
        preferred = self.driver_name or {"idcard": "idcard.sam", "printer": "printer.escpos"}.get(self.kind)
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
    # A pty (the virtual hut, a serial-over-network bridge) has no baud rate: one try is enough.
    pty = os.path.realpath(candidate.where).startswith("/dev/pts/")
    try:
        for baud in PRINTER_BAUDS[:1] if pty else PRINTER_BAUDS:
            port.baudrate = baud
            answer = _ask(port, dle_eot(1), ANSWER_TIMEOUT)
            if answer and valid_reply(answer[0]):
                return Found("printer", candidate, f"ESC/POS printer: DLE EOT 1 -> {answer[0]:02X} at {baud} baud",
                             {"baudrate": baud})
        for baud in SAM_BAUDS[:1] if pty else SAM_BAUDS:
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
    try:
        heard = _listen_for_health(candidate, opener)
    except (serial.SerialException, OSError, termios.error) as exc:
        return Silent(candidate, f"port failed while listening: {exc}")
    if heard is not None:
        return heard
    return Silent(candidate, "no answer to DLE EOT 1 (printer) nor to 11 FF (SAM) at any baud rate, "
                             "and nothing heard from a health device")


def _hear(candidate: Candidate, opener: Callable[..., serial.Serial], seconds: float, **settings: Any) -> bytes:
    """What the port says unasked for ``seconds``, opened at ``settings`` (as
    the health drivers open it: settings at open, not changed on the fly)."""
    port = opener(candidate.where, timeout=0.2, **settings)
    try:
        port.reset_input_buffer()
        deadline = time.monotonic() + seconds
        heard = bytearray()
        while time.monotonic() < deadline:
            heard += port.read(512)
        return bytes(heard)
    finally:
        port.close()


def _listen_for_health(candidate: Candidate, opener: Callable[..., serial.Serial]) -> Found | None:
    """Health devices that talk unasked, each at its own serial settings."""
    from drivers.health import cms50d, lineproto

    decoder = cms50d.Cms50dDecoder()
    decoder.feed(_hear(candidate, opener, LISTEN_SECONDS, baudrate=19200, parity=serial.PARITY_ODD))
    packets = len(decoder.events())
    # The 8N1 listen comes second also because it leaves the port at the
    # defaults: a Linux pty refuses (EINVAL) an odd-parity open that follows
    # another one, and the oximeter's driver opens it next.
    heard = _hear(candidate, opener, 0.0 if packets >= 10 else LISTEN_SECONDS, baudrate=9600)
    if packets >= 10:
        return Found("health", candidate, "pulse oximeter: CMS50D+ live stream at 19200 8O1", {},
                     "health.cms50d", "oximeter")
    for preset, raw in sorted(lineproto.PRESETS.items()):
        lines = lineproto.LineDecoder(lineproto.line_format(raw))
        lines.feed(heard)
        if any(isinstance(e, lineproto.LineReading) for e in lines.events()):
            return Found("health", candidate, f"scale: a reading in the {preset} line format at 9600 8N1",
                         {"preset": preset}, "health.line", "scale")
    return None


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


def camera_candidates(extra: Iterable[str] = (), sysfs: str = "/sys/class/video4linux") -> list[Candidate]:
    """/dev/video* with the USB identity the kernel gives them (what tells a
    document camera from the front camera, kiosk.ops.provision.sort_cameras), then
    the sources the technician named."""
    out: dict[str, Candidate] = {}
    for path in sorted(p for g in CAMERA_GLOBS for p in glob.glob(g)):
        out[path] = Candidate(path, "camera", *_video_usb(path, sysfs))
    for source in extra:
        out.setdefault(source, Candidate(source, "camera"))
    return list(out.values())


def _video_usb(path: str, sysfs: str) -> tuple[str, str, str, str]:
    """(vendor, product, serial, name) of a /dev/videoN's USB device, blanks when not USB."""
    node = os.path.join(sysfs, os.path.basename(path))

    def read(*parts: str) -> str:
        try:
            with open(os.path.join(*parts), encoding="utf-8", errors="replace") as fh:
                return fh.read().strip()
        except OSError:
            return ""

    usb = os.path.dirname(os.path.realpath(os.path.join(node, "device")))  # the interface's parent: the USB device
    return read(usb, "idVendor"), read(usb, "idProduct"), read(usb, "serial"), read(node, "name")


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
    """Every candidate, in the order given.  Serial ports and printer
    addresses are probed side by side (each is a different device, and a
    silent port costs seconds of listening); each one is asked its
    questions in turn."""
    from concurrent.futures import ThreadPoolExecutor

    results: list[Found | Silent] = []
    serials = serial_candidates(ports) if scan_system else [Candidate(p, "serial") for p in ports]
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe") as pool:
        asked = [pool.submit(probe_serial, c) for c in serials]
        asked += [pool.submit(probe_network_printer, Candidate(u, "network")) for u in urls]
        results += [future.result() for future in asked]
    camera_list = camera_candidates(cameras) if scan_system else [Candidate(c, "camera") for c in cameras]
    results += [probe_camera(c) for c in camera_list]
    if pcsc:
        results += probe_pcsc()
    return results
