"""Which driver class serves which ``driver = "..."`` name in the config.

The kiosk is the composition root: it alone knows the concrete drivers.
Drivers are imported lazily so that a terminal without a printer never loads
python-escpos, and a broken optional driver cannot stop the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Collection

from kiosk.errors import KioskError

if TYPE_CHECKING:
    from drivers.base import Device
    from kiosk.config import DeviceConfig, Settings

DRIVERS: dict[str, str] = {
    "idcard.sam": "drivers.idcard.device:IdCardReader",
    "printer.escpos": "drivers.printer.device:ReceiptPrinter",
    "health.line": "drivers.health.line:LineHealthDevice",
    "health.cms50d": "drivers.health.oximeter:PulseOximeter",
    "health.ble": "drivers.health.ble:BleHealthDevice",
    "smartcard.pcsc": "drivers.smartcard.device:SmartCardReader",
    "camera.uvc": "drivers.camera.device:DocumentCamera",
    "face_camera.uvc": "drivers.camera.front:FrontCamera",
}


def driver_class(driver: str) -> type["Device"]:
    try:
        target = DRIVERS[driver]
    except KeyError:
        raise KioskError(f"unknown device driver {driver!r}; known: {', '.join(sorted(DRIVERS))}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise KioskError(f"driver {driver!r} ({target}) cannot be loaded: {exc}") from None


def build_device(settings: "Settings", name: str) -> "Device":
    """Construct (not open) the device configured as ``[devices.<name>]``."""
    from drivers.base import Counters

    try:
        cfg = settings.devices[name]
    except KeyError:
        raise KioskError(f"{settings.source}: no device [devices.{name}] is configured") from None
    cls = driver_class(cfg.driver)
    counters = Counters(settings.counters_path(name))
    return cls.from_config(name, cfg, counters)


def configured_device(settings: "Settings", drivers: Collection[str], what: str, name: str | None = None,
                      where: Callable[["DeviceConfig"], bool] | None = None) -> str:
    """The name of the device a command should use: ``name`` when given (it
    must be one of ``drivers`` and enabled), else the first enabled device
    with one of ``drivers`` (and ``where`` true).  ``what`` says it in words
    ("receipt printer") for the one-line error a technician reads."""
    wanted = " or ".join(f'"{d}"' for d in sorted(drivers))
    if name is not None:
        cfg = settings.devices.get(name)
        if cfg is None:
            raise KioskError(f"{settings.source}: no device [devices.{name}] is configured")
        if cfg.driver not in drivers:
            raise KioskError(f"{settings.source}: [devices.{name}] is not a {what} (driver = \"{cfg.driver}\")")
        if not cfg.enabled:
            raise KioskError(f"{settings.source}: [devices.{name}] is disabled (enabled = false)")
        return name
    for found, cfg in settings.devices.items():
        if cfg.driver in drivers and cfg.enabled and (where is None or where(cfg)):
            return found
    raise KioskError(f"{settings.source}: no {what} configured (an enabled [devices.<name>] table with "
                     f"driver = {wanted})")
