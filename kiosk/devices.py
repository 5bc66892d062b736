"""Which driver class serves which ``driver = "..."`` name in the config.

The kiosk is the composition root: it alone knows the concrete drivers.
Drivers are imported lazily so that a terminal without a printer never loads
python-escpos, and a broken optional driver cannot stop the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kiosk.errors import KioskError

if TYPE_CHECKING:
    from drivers.base import Device
    from kiosk.config import Settings

DRIVERS: dict[str, str] = {
    "idcard.sam": "drivers.idcard.device:IdCardReader",
    "printer.escpos": "drivers.printer.device:ReceiptPrinter",
    "camera.uvc": "drivers.camera.device:DocumentCamera",
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
