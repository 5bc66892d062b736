"""The hut's peripherals: the one table the udev rules, ``kiosk provision``
and the technician's guide are made from.

Each peripheral gets a stable name under ``/dev/kiosk/`` whatever USB port
it is plugged into and whatever order the kernel found it in, so the config
says ``port = "/dev/kiosk/idcard"`` instead of a ``/dev/ttyUSB0`` that turns
into ``ttyUSB1`` after the printer is replugged.  A rule matches the USB
vendor/product and, when given, the adapter's serial number: readers and
health devices usually sit behind the same USB-serial bridges (FTDI, CP210x,
CH340), which only the serial tells apart.  ``kiosk provision`` writes the
serials it found into the terminal's own rules file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from kiosk.errors import KioskError

RULES_NAME = "70-kiosk.rules"
DEVICE_GROUP = "kiosk"


@dataclass(frozen=True)
class UsbId:
    vendor: str
    product: str
    what: str


@dataclass(frozen=True)
class Peripheral:
    """``name`` is both the ``/dev/kiosk/<name>`` link and the config's ``[devices.<name>]``."""

    name: str
    zh: str
    en: str
    subsystem: str          # the kernel subsystem of the node the driver opens
    kind: str               # the driver's device class: a kiosk.devices.registry.DRIVERS key starts with "<kind>."
    usb: tuple[UsbId, ...]
    probe: str              # how `kiosk provision` recognises it (technician's guide)


# USB-serial bridges the reference peripherals ship with.
FTDI = UsbId("0403", "6001", "FTDI FT232R USB-serial")
CP210X = UsbId("10c4", "ea60", "Silicon Labs CP210x USB-serial")
CH340 = UsbId("1a86", "7523", "WCH CH340 USB-serial")
PL2303 = UsbId("067b", "2303", "Prolific PL2303 USB-serial")

PERIPHERALS: tuple[Peripheral, ...] = (
    Peripheral("idcard", "身份证阅读器", "ID card reader (SAM)", "tty", "idcard", (FTDI, CP210X, CH340),
               "answers the SAM status command with 11 FF (SW 90 00)"),
    Peripheral("printer", "凭条打印机", "receipt printer (ESC/POS)", "tty", "printer",
               (CH340, PL2303),
               "answers DLE EOT 1 (10 04 01) with one status byte (0xx1xx10)"),
    Peripheral("usbprinter", "凭条打印机(USB)", "receipt printer (USB printer class)", "usbmisc", "printer",
               (UsbId("04b8", "0202", "Epson TM-T88 series"),
                                     UsbId("0416", "5011", "Winbond-based POS-58/80 printer")),
               "answers DLE EOT 1 on /dev/usb/lp*"),
    Peripheral("camera", "高拍仪", "document camera", "video4linux", "camera",
               (UsbId("0ac8", "3610", "Vimicro UVC document camera"),
                UsbId("1871", "0d01", "Aveo UVC document camera")),
               "opens in OpenCV and returns a frame"),
    Peripheral("front_camera", "前置摄像头", "front camera (face check)", "video4linux", "face_camera", (),
               "opens in OpenCV and returns a frame; told from the document camera by the config, "
               "--front-camera SOURCE, or order (the second camera)"),
    Peripheral("smartcard", "社保卡/银行卡读卡器", "smart card reader (PC/SC)", "usb", "smartcard",
               (UsbId("076b", "3031", "OMNIKEY 3x21"), UsbId("072f", "90cc", "ACS ACR38U")),
               "listed by pcscd (pcsc_scan)"),
    Peripheral("bp", "血压计", "blood pressure monitor", "tty", "health", (CP210X, FTDI, PL2303),
               "configured from the inventory: it speaks only when a measurement is started"),
    Peripheral("glucometer", "血糖仪", "blood glucose meter", "tty", "health", (CP210X, FTDI, PL2303),
               "configured from the inventory: it speaks only when a measurement is started"),
    Peripheral("thermometer", "体温计", "infrared thermometer", "tty", "health", (CH340, CP210X),
               "configured from the inventory: it speaks only when a measurement is started"),
    Peripheral("oximeter", "血氧仪", "pulse oximeter (CMS50D+)", "tty", "health", (CP210X,),
               "heard: its live stream at 19200 8O1"),
    Peripheral("scale", "身高体重秤", "height and weight scale", "tty", "health", (CH340, PL2303),
               "heard: a preset line format (tanita, and-standard) while someone stands on it"),
)


def by_name() -> dict[str, Peripheral]:
    return {p.name: p for p in PERIPHERALS}


def shared_ids(peripherals: Iterable[Peripheral] = PERIPHERALS) -> set[UsbId]:
    """USB IDs more than one peripheral may carry (the generic serial bridges)."""
    seen: dict[UsbId, int] = {}
    for p in peripherals:
        for usb in set(p.usb):
            seen[usb] = seen.get(usb, 0) + 1
    return {usb for usb, n in seen.items() if n > 1}


def _rule(p: Peripheral, usb: UsbId, serial: str | None) -> str:
    match = [f'SUBSYSTEM=="{p.subsystem}"', f'ATTRS{{idVendor}}=="{usb.vendor}"',
             f'ATTRS{{idProduct}}=="{usb.product}"']
    if serial:
        match.append(f'ATTRS{{serial}}=="{serial}"')
    action = [f'SYMLINK+="kiosk/{p.name}"', f'GROUP="{DEVICE_GROUP}"', 'MODE="0660"']
    if p.subsystem == "usb":
        match.insert(1, 'ENV{DEVTYPE}=="usb_device"')
    if p.subsystem == "video4linux":
        # A UVC camera makes two nodes (the picture, index 0, and its metadata,
        # index 1); the link must name the one that gives frames.
        match.append('ATTR{index}=="0"')
    return ", ".join(['ACTION=="add|change"'] + match + action)


# What a USB serial number may hold to be matched by a udev rule: udev reads a
# quoted value up to the next '"' (a serial with one would end the match and
# could add keys such as RUN+=), treats '*?[]|' as patterns, and a newline
# ends the rule.  Real adapters report letters and digits (FTDI "A10K3ZQ1",
# CP210x "0001"), sometimes with these few marks; the USB string descriptor
# holds at most 126 characters.
SERIAL = re.compile(r"[A-Za-z0-9._:+-]{1,126}")
USB_ID = re.compile(r"[0-9a-f]{4}")


@dataclass(frozen=True)
class Adapter:
    """One peripheral's USB adapter as provision found it on this terminal."""

    vendor: str
    product: str
    serial: str

    def unsafe(self) -> str | None:
        """Why a udev rule cannot name this adapter (None: it can).  The
        values come from the device itself, so a rule is never written
        from one that could be read as more than a value."""
        if not (USB_ID.fullmatch(self.vendor) and USB_ID.fullmatch(self.product)):
            return f"its USB ID {self.vendor!r}:{self.product!r} is not two groups of 4 hex digits"
        if not SERIAL.fullmatch(self.serial):
            return (f"its serial {self.serial!r} holds characters a udev rule cannot match safely "
                    "(only letters, digits and . _ : + -, at most 126)")
        return None


def render_rules(adapters: Mapping[str, Adapter] | None = None,
                 peripherals: Iterable[Peripheral] = PERIPHERALS) -> str:
    """The udev rules file.

    A USB ID only one peripheral uses names it outright.  A generic bridge
    (several peripherals may sit behind an FTDI) only gets group access until
    ``adapters`` (peripheral name -> the adapter provision found answering
    as it) says which adapter is which; a found adapter is then named by its
    own vendor, product and serial, whether or not the table lists it.
    """
    adapters = adapters or {}
    for name, adapter in adapters.items():
        why = adapter.unsafe()
        if why is not None:
            raise KioskError(f"no udev rule for {name}: {why}; name it by its port in kiosk.toml instead")
    peripherals = tuple(peripherals)
    shared = shared_ids(peripherals)
    lines = ["# Stable names for the hut kiosk's peripherals: /dev/kiosk/<name>, group kiosk.",
             "# Generated from kiosk/devices/peripherals.py (kiosk provision writes the terminal's own copy",
             "# with the adapters it found); do not edit by hand.", ""]
    for p in peripherals:
        lines.append(f"# {p.name}: {p.zh} / {p.en}")
        found = adapters.get(p.name)
        if found is not None:
            lines.append(f"# the adapter kiosk provision found (serial {found.serial})")
            lines.append(_rule(p, UsbId(found.vendor, found.product, ""), found.serial))
        else:
            for usb in p.usb:
                if usb not in shared:
                    lines.append(f"# {usb.what}")
                    lines.append(_rule(p, usb, None))
        lines.append("")
    bridges = sorted(shared, key=lambda u: (u.vendor, u.product))
    if bridges:
        lines.append("# Generic USB-serial bridges: the kiosk user may open them before they are named.")
        for usb in bridges:
            lines.append(f"# {usb.what}")
            lines.append(", ".join(['ACTION=="add|change"', 'SUBSYSTEM=="tty"', f'ATTRS{{idVendor}}=="{usb.vendor}"',
                                    f'ATTRS{{idProduct}}=="{usb.product}"', f'GROUP="{DEVICE_GROUP}"',
                                    'MODE="0660"']))
        lines.append("")
    return "\n".join(lines)
