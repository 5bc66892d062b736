"""The device kinds, as their driver packages declare them.

Every subpackage of ``drivers`` with a ``manifest`` module adds its ``KINDS``
(drivers/manifest.py says what a kind declares).  They are found once, by
walking the package, in the packages' name order and each package's own
order; the registry, advice, peripherals and udev rules, probe and
provisioning, doctor, metrics, availability, the generated docs and the
virtual hut all read them from here, so no kiosk module lists the kinds.

Reading the manifests imports only ``drivers.manifest`` and the manifests
themselves: no driver, no pyserial, no OpenCV.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import drivers
from drivers.manifest import DeviceKind, Peripheral, Probe, Words
from kiosk.errors import KioskError

if TYPE_CHECKING:
    from drivers.base import Device

MANIFEST = "manifest"


@functools.cache
def all_kinds() -> tuple[DeviceKind, ...]:
    """Every declared kind.  A manifest that does not load, or two that
    claim the same kind, driver or peripheral name, stop the kiosk with the
    package named: a half-known set of devices would mislead every reader."""
    found: list[DeviceKind] = []
    for package in sorted(p.name for p in pkgutil.iter_modules(drivers.__path__, "drivers.") if p.ispkg):
        name = f"{package}.{MANIFEST}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a package of shared code, not a device kind
            raise KioskError(f"{name} cannot be loaded: {exc}") from None
        except Exception as exc:
            raise KioskError(f"{name} cannot be loaded: {type(exc).__name__}: {exc}") from None
        kinds = getattr(module, "KINDS", None)
        if not isinstance(kinds, tuple) or not all(isinstance(k, DeviceKind) for k in kinds):
            raise KioskError(f"{name}: KINDS must be a tuple of drivers.manifest.DeviceKind")
        found += kinds
    _no_twice(found)
    return tuple(found)


def rediscover() -> None:
    """Forget what was found (a test that adds a driver package)."""
    all_kinds.cache_clear()


def _no_twice(kinds: Iterable[DeviceKind]) -> None:
    seen: dict[str, str] = {}
    for k in kinds:
        names = [("kind", k.kind)] + [("driver", d) for d in k.drivers] + [("peripheral", p.name) for p in k.peripherals]
        for what, name in names:
            key = f"{what} {name!r}"
            if key in seen:
                raise KioskError(f"two device kinds declare the {key}: {seen[key]} and {k.kind}")
            seen[key] = k.kind


def kind(name: str) -> DeviceKind | None:
    return next((k for k in all_kinds() if k.kind == name), None)


def words(name: str, options: Mapping[str, Any] | None = None) -> Words:
    """What staff and doctor call a device of kind ``name`` with these
    ``options`` (kiosk.toml's): the manifest's words, by what the device does
    where its kind names it so (``DeviceKind.named``); a kind no manifest
    declares is called by its name."""
    described = kind(name)
    return described.words(options) if described is not None else (name, name)


def kind_of(driver: str) -> str:
    """The kind of a ``driver = "..."`` name: the kind whose manifest
    declares it; for a name no manifest declares (a test's stand-in), the
    part before the dot, which is what a driver name starts with."""
    for k in all_kinds():
        if driver in k.drivers:
            return k.kind
    return driver.partition(".")[0]


def drivers_by_name() -> dict[str, str]:
    """Every driver name -> ``"module:Class"``."""
    return {name: target for k in all_kinds() for name, target in k.drivers.items()}


def peripherals() -> tuple[Peripheral, ...]:
    return tuple(p for k in all_kinds() for p in k.peripherals)


def probes(transport: str) -> list[tuple[DeviceKind, Probe]]:
    """The kinds' probes for one transport, in the order they must ask."""
    found = [(k, p) for k in all_kinds() for p in k.probes if p.transport == transport]
    return sorted(found, key=lambda kp: kp[1].order)


def probe_groups() -> dict[str, tuple[str, ...]]:
    """Kind -> the kinds its probe finds: itself, then those that share it
    (camera -> camera, face_camera), for the kinds that have a probe."""
    groups = {k.kind: [k.kind] for k in all_kinds() if k.probes}
    for k in all_kinds():
        if k.shares_probe is not None and k.shares_probe.of in groups:
            groups[k.shares_probe.of].append(k.kind)
    return {owner: tuple(members) for owner, members in groups.items()}


def offering(capability: str) -> list[DeviceKind]:
    return [k for k in all_kinds() if any(o.what == capability for o in k.offers)]


def simulators() -> list[str]:
    """Every kind's virtual-hut simulators, ``"module:Class"``."""
    return [s for k in all_kinds() for s in k.simulators]


def driver_class(driver: str) -> type["Device"]:
    """The class a manifest names for ``driver``, imported now: lazily, so a
    terminal without a printer never loads python-escpos, and a broken
    optional driver cannot stop the others."""
    targets = drivers_by_name()
    try:
        target = targets[driver]
    except KeyError:
        raise KioskError(f"unknown device driver {driver!r}; known: {', '.join(sorted(targets))}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise KioskError(f"driver {driver!r} ({target}) cannot be loaded: {exc}") from None
