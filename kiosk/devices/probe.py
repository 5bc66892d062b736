"""What answers where: the technician's device discovery for ``kiosk provision``.

The questions are the kinds' own (each manifest's ``probes``, code in
drivers/<class>/probe.py); this module finds the candidates and asks them in
turn.  Every serial port is asked the kinds' questions in the order their
manifests give, an order that cannot hurt the others (the printer's ``DLE EOT
1`` before the SAM status command); a port where none answers is then only
listened to, for the devices that talk by themselves.  Devices that speak
only when started (a blood-pressure cuff would inflate) are never started
here: the inventory configures them and provision checks them.  Cameras
must hand over a frame; network addresses are asked as the kinds that
connect so ask; PC/SC readers are whatever pcscd lists.  Nothing here writes
a file: ``--dry-run`` probes too.
"""

from __future__ import annotations

import fnmatch
import glob
import importlib
import logging
import os
import termios
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import serial
from serial.tools import list_ports

from drivers.manifest import Answer, DeviceKind, Probe
from kiosk.devices import kinds

log = logging.getLogger(__name__)

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
    name: str | None = None         # the config name it gets (one of its kind's peripherals)

    @property
    def driver(self) -> str | None:
        """The driver for this kind (None: found, but no kind to run it)."""
        kind = kinds.kind(self.kind)
        if kind is None:
            return None
        return self.driver_name if self.driver_name in kind.drivers else kind.default_driver


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


def _function(probe: Probe) -> Callable[..., Any]:
    module_name, _, name = probe.function.partition(":")
    return getattr(importlib.import_module(module_name), name)


def _outcome(kind: DeviceKind, candidate: Candidate, answer: Answer) -> Found | Silent:
    if not answer.recognised:
        return Silent(candidate, answer.result)
    return Found(kind.kind, candidate, answer.result, dict(answer.options), answer.driver, answer.name)


def probe_serial(candidate: Candidate, opener: Callable[..., serial.Serial] = serial.Serial) -> Found | Silent:
    """The kinds' questions on one open port, then their listening."""
    asking, listening = kinds.probes("serial"), kinds.probes("serial_listen")
    try:
        port = opener(candidate.where, baudrate=9600, timeout=0.2, write_timeout=1)
    except (serial.SerialException, OSError, ValueError) as exc:
        return Silent(candidate, f"cannot open: {exc}")
    pty = os.path.realpath(candidate.where).startswith("/dev/pts/")
    try:
        for kind, probe in asking:
            answer = _function(probe)(port, pty)
            if answer is not None:
                return _outcome(kind, candidate, answer)
    except (serial.SerialException, OSError) as exc:
        return Silent(candidate, f"port failed while asking: {exc}")
    finally:
        port.close()
    try:
        for kind, probe in listening:
            answer = _function(probe)(candidate.where, opener)
            if answer is not None:
                return _outcome(kind, candidate, answer)
    except (serial.SerialException, OSError, termios.error) as exc:
        return Silent(candidate, f"port failed while listening: {exc}")
    said = "no answer to " + " nor to ".join(p.asks for _k, p in asking) + " at any baud rate"
    if listening:
        said += ", and nothing heard from " + " or ".join(p.asks for _k, p in listening)
    return Silent(candidate, said)


def probe_network(candidate: Candidate) -> Found | Silent:
    """A tcp:// address the technician gave, asked as each kind that connects so."""
    for kind, probe in kinds.probes("network"):
        answer = _function(probe)(candidate.where)
        if answer is not None:
            return _outcome(kind, candidate, answer)
    return Silent(candidate, "no kind of device answered at this address")


def camera_candidates(extra: Iterable[str] = (), sysfs: str = "/sys/class/video4linux") -> list[Candidate]:
    """/dev/video* with the USB identity the kernel gives them (what tells a
    document camera from the front camera, kiosk.ops.provision.sort_shared), then
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
    """A camera source, looked at as each kind with a camera probe looks
    (kiosk.ops.provision.sort_shared then tells the kinds that share it apart)."""
    for kind, probe in kinds.probes("camera"):
        answer = _function(probe)(candidate.where)
        if answer is not None:
            return _outcome(kind, candidate, answer)
    return Silent(candidate, "no kind of device gave a frame")


def probe_pcsc() -> list[Found | Silent]:
    """PC/SC readers as pcscd lists them (no pcscd: nothing to report)."""
    out: list[Found | Silent] = []
    for kind, probe in kinds.probes("pcsc"):
        out += [_outcome(kind, Candidate(a.where, "pcsc"), a) for a in _function(probe)()]
    return out


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
        asked += [pool.submit(probe_network, Candidate(u, "network")) for u in urls]
        results += [future.result() for future in asked]
    camera_list = camera_candidates(cameras) if scan_system else [Candidate(c, "camera") for c in cameras]
    results += [probe_camera(c) for c in camera_list]
    if pcsc:
        results += probe_pcsc()
    return results
