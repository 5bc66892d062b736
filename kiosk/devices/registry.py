"""Building the devices ``kiosk.toml`` configures, and finding the one a
command should use.

The kiosk is the composition root: it alone loads the concrete drivers, by
the names their packages' manifests declare (``kiosk.devices.kinds.
driver_class``, which the config also uses to check a table: it needs no
settings, so config and registry no longer import each other).
"""

from __future__ import annotations

from typing import Callable, Collection

from drivers.base import Counters, Device
from kiosk.config import DeviceConfig, Settings
from kiosk.devices.kinds import driver_class
from kiosk.errors import KioskError

__all__ = ["build_device", "configured_device", "driver_class"]


def build_device(settings: Settings, name: str) -> Device:
    """Construct (not open) the device configured as ``[devices.<name>]``."""
    try:
        cfg = settings.devices[name]
    except KeyError:
        raise KioskError(f"{settings.source}: no device [devices.{name}] is configured") from None
    cls = driver_class(cfg.driver)
    counters = Counters(settings.counters_path(name))
    return cls.from_config(name, cfg, counters)


def configured_device(settings: Settings, drivers: Collection[str], what: str, name: str | None = None,
                      where: Callable[[DeviceConfig], bool] | None = None) -> str:
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
