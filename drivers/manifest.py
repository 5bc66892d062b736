"""What a device kind declares once, for everyone who has to know it.

Each driver package says in its ``manifest.py`` (a ``KINDS`` tuple of
:class:`DeviceKind`) what kind of device it drives, in Chinese and English:
its driver names for ``kiosk.toml``, what staff should do about each problem
code it reports, its lifetime counters, the peripherals it is plugged in as
(USB IDs, the udev match, a stable ``/dev/kiosk/<name>``), how ``kiosk
provision`` recognises it, what it lets the screens offer, and the
simulators that stand in for it in the virtual hut.  The kiosk discovers the
manifests (kiosk/devices/kinds.py); the registry, ``kiosk doctor``,
provisioning, the udev rules, the availability rules, the metrics, the
generated operator docs and the virtual hut read them, so adding a kind means
its driver package, its simulator and its tests, nothing else.

Plain frozen values: this module imports nothing of the kiosk, and a manifest
names its driver classes, probes and simulators as ``"module:attribute"``
strings, so reading every manifest loads no driver, no pyserial and no
OpenCV, and drivers/ never imports simulators/.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

# Who acts on a piece of advice: nobody (all well), hut staff on site (paper,
# cover, cable), an engineer, or nobody yet (it recovers by itself; call an
# engineer if it lasts).
WHO = ("none", "staff", "engineer", "wait")


@dataclass(frozen=True)
class Advice:
    """What to do, for maintenance staff: Chinese first, English second."""

    zh: str
    en: str
    who: str

    def __post_init__(self) -> None:
        if self.who not in WHO:
            raise ValueError(f"advice {self.en!r}: who must be one of {', '.join(WHO)}, not {self.who!r}")

    @property
    def text(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class UsbId:
    vendor: str
    product: str
    what: str


# USB-serial bridges the reference peripherals ship with; several kinds sit
# behind the same ones, which only the adapter's serial number tells apart.
FTDI = UsbId("0403", "6001", "FTDI FT232R USB-serial")
CP210X = UsbId("10c4", "ea60", "Silicon Labs CP210x USB-serial")
CH340 = UsbId("1a86", "7523", "WCH CH340 USB-serial")
PL2303 = UsbId("067b", "2303", "Prolific PL2303 USB-serial")

# The kernel subsystems a peripheral's node can be in (what the udev rule matches).
SUBSYSTEMS = ("tty", "usbmisc", "video4linux", "usb")


@dataclass(frozen=True)
class Peripheral:
    """One thing plugged into the terminal.  ``name`` is both the
    ``/dev/kiosk/<name>`` link and the config's ``[devices.<name>]``;
    ``probe`` says how ``kiosk provision`` recognises it (the technician's
    guide); ``kind`` is filled in by its :class:`DeviceKind`."""

    name: str
    zh: str
    en: str
    subsystem: str
    usb: tuple[UsbId, ...] = ()
    probe: str = ""
    kind: str = ""

    def __post_init__(self) -> None:
        if self.subsystem not in SUBSYSTEMS:
            raise ValueError(f"peripheral {self.name!r}: subsystem must be one of {', '.join(SUBSYSTEMS)}")


# How a probe meets a candidate, and what its function is called with:
#   serial         ask(port: serial.Serial, pty: bool) -> Answer | None, on a port
#                  already open (questions in ``order``: each must be harmless to the others)
#   serial_listen  listen(where: str, opener) -> Answer | None, after every question
#                  (for devices that talk unasked; it opens the port at its own settings)
#   network        ask(url: str) -> Answer | None, for each address the technician gives
#   camera         look(source: str) -> Answer | None, for each /dev/video* and camera source
#   pcsc           readers() -> list[Answer], each with ``where`` (the reader's name)
PROBE_TRANSPORTS = ("serial", "serial_listen", "network", "camera", "pcsc")


@dataclass(frozen=True)
class Probe:
    """``function`` is ``"module:function"``; ``asks`` says what it asks or
    listens for, in the report's words ("DLE EOT 1 (printer)")."""

    transport: str
    function: str
    asks: str
    order: int = 50

    def __post_init__(self) -> None:
        if self.transport not in PROBE_TRANSPORTS:
            raise ValueError(f"probe {self.function}: transport must be one of {', '.join(PROBE_TRANSPORTS)}")


@dataclass(frozen=True)
class Answer:
    """What a probe recognised: ``result`` in plain words for the report,
    the ``options`` the config gets, the ``driver`` when the kind has several
    and the answer tells which, the peripheral ``name`` when it tells which.
    ``recognised=False``: something answered that cannot be used (a SAM
    reporting a fault); probing this candidate stops and the report says why."""

    result: str
    options: Mapping[str, Any] = field(default_factory=dict)
    driver: str | None = None
    name: str | None = None
    where: str = ""
    recognised: bool = True


@dataclass(frozen=True)
class SharedProbe:
    """This kind answers another kind's probe (the front camera gives a frame
    like the document camera).  ``kiosk provision`` tells them apart by the
    config, by ``flag SOURCE`` on its command line, by a USB ID one of them
    lists, and else by order: the probe's own kind first."""

    of: str
    flag: str
    help: str


@dataclass(frozen=True)
class Offer:
    """A capability the availability rules know (kiosk.devices.availability.
    CAPABILITIES) that a usable device of this kind provides; ``needs`` a
    capability the device itself must report (``DeviceInfo.capabilities``)."""

    what: str
    needs: str = ""


Words = tuple[str, str]  # (中文, English)


@dataclass(frozen=True)
class DeviceKind:
    """One device class (``Device.device_class``), declared by its package.

    ``drivers``: driver name (``"<kind>.<variant>"``, as ``kiosk.toml``
    writes it) -> ``"module:Class"``, the default first.  ``problems``:
    problem code (``DeviceError.code``, ``detail["problem"]``) -> advice.
    ``statuses``: the kind's own words for a status, where the generic ones
    would send staff to the wrong device.  ``notices``: (detail key, value)
    of a working device -> the problem code staff should still hear about
    (paper running low).  ``counters``: lifetime counter -> words.
    ``named``: (option, value) of a device's ``options`` -> its words where
    the kind's own would name it wrongly (the smart card reader that reads
    staff cards is no social security card reader); ``words(options)``.
    ``simulators``: ``"module:Class"`` of the virtual hut's stand-ins.
    """

    kind: str
    zh: str
    en: str
    drivers: Mapping[str, str]
    problems: Mapping[str, Advice] = field(default_factory=dict)
    statuses: Mapping[str, Advice] = field(default_factory=dict)
    notices: Mapping[tuple[str, str], str] = field(default_factory=dict)
    counters: Mapping[str, Words] = field(default_factory=dict)
    named: Mapping[tuple[str, str], Words] = field(default_factory=dict)
    peripherals: tuple[Peripheral, ...] = ()
    probes: tuple[Probe, ...] = ()
    shares_probe: SharedProbe | None = None
    offers: tuple[Offer, ...] = ()
    simulators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.drivers:
            raise ValueError(f"kind {self.kind!r}: no driver")
        for name, target in self.drivers.items():
            if not name.startswith(self.kind + ".") or ":" not in target:
                raise ValueError(f"kind {self.kind!r}: driver {name!r} -> {target!r} must be "
                                 f'"{self.kind}.<variant>" -> "module:Class"')
        unknown = [code for code in self.notices.values() if code not in self.problems]
        if unknown:
            raise ValueError(f"kind {self.kind!r}: notices name problem codes it has no advice for: {unknown}")
        # Frozen all the way down: the manifests are read from several threads.
        for name in ("drivers", "problems", "statuses", "notices", "counters", "named"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "peripherals", tuple(replace(p, kind=self.kind) for p in self.peripherals))

    def words(self, options: Mapping[str, Any] | None = None) -> Words:
        """What to call a device of this kind configured with ``options``
        (its ``kiosk.toml`` options): (中文, English)."""
        for (option, value), words in self.named.items():
            if options is not None and str(options.get(option, "")) == value:
                return words
        return self.zh, self.en

    @property
    def default_driver(self) -> str:
        return next(iter(self.drivers))

    @property
    def default_name(self) -> str:
        """The config name a found device of this kind gets when its probe
        does not say which peripheral it is: the first peripheral's."""
        return self.peripherals[0].name if self.peripherals else self.kind


# -- words several kinds share --------------------------------------------------
NO_DEVICE = Advice("找不到设备：检查USB线和电源", "device not found: check its USB cable and power", "staff")
BUSY = Advice("设备正忙：稍候", "device busy with another job: wait", "wait")

# Problem codes drivers/base.py itself reports, whatever the kind.
BASE_PROBLEMS: Mapping[str, Advice] = MappingProxyType({"busy": BUSY})

COMM_ERRORS: Words = ("通信错误", "communication errors")
DISCONNECTS: Words = ("断开次数", "disconnects")
CARD_READS: Words = ("读卡次数", "card reads")
CARD_READ_FAILURES: Words = ("读卡失败", "read failures")
