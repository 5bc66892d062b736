"""The hut's peripherals, as the kinds' manifests list them
(drivers/<class>/manifest.py): what the udev rules, ``kiosk provision`` and
the technician's guide are made from.

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

from drivers.manifest import Peripheral, UsbId
from kiosk.devices.kinds import peripherals
from kiosk.errors import KioskError

RULES_NAME = "70-kiosk.rules"
DEVICE_GROUP = "kiosk"


def by_name() -> dict[str, Peripheral]:
    return {p.name: p for p in peripherals()}


def shared_ids(among: Iterable[Peripheral] | None = None) -> set[UsbId]:
    """USB IDs more than one peripheral may carry (the generic serial bridges)."""
    seen: dict[UsbId, int] = {}
    for p in peripherals() if among is None else among:
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
                 among: Iterable[Peripheral] | None = None) -> str:
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
    listed = tuple(peripherals() if among is None else among)
    shared = shared_ids(listed)
    lines = ["# Stable names for the hut kiosk's peripherals: /dev/kiosk/<name>, group kiosk.",
             "# Generated from the driver manifests (drivers/*/manifest.py) by kiosk/devices/peripherals.py",
             "# (kiosk provision writes the terminal's own copy with the adapters it found); do not edit by hand.",
             ""]
    for p in listed:
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
