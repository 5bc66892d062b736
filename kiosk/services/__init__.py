"""The resident services, one module (or package) each, found by their ``SERVICE``.

``registered()`` imports every module of this package and returns the
services they declare, in home-screen order; a new service is a new module
here with its ``SERVICE = Service(...)`` (``kiosk.flows.service``), its screens
and its tests.  Modules keep heavy imports (the pinyin dictionary, the
platform client) inside functions, so listing the services is quick.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from kiosk.flows.service import Lines, Service


@functools.cache
def registered() -> tuple[Service, ...]:
    found: dict[str, Service] = {}
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        module = importlib.import_module(info.name)
        service = getattr(module, "SERVICE", None)
        if isinstance(service, Service):
            if service.key in found:
                raise RuntimeError(f"two services have the key {service.key!r}: {info.name} and another")
            found[service.key] = service
    return tuple(sorted(found.values(), key=lambda s: (s.order, s.key)))


def by_key(key: str) -> Service:
    for service in registered():
        if service.key == key:
            return service
    raise ValueError(f"unknown service {key!r}; known: {', '.join(s.key for s in registered())}")


def lines() -> Lines:
    """Every registered service's spoken lines in one table (a test checks
    that two services never give one (step, detail) different words)."""
    table: dict[tuple[str, str], str] = {}
    for service in registered():
        table.update(service.lines)
    return table
