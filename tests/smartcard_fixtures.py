"""Fixtures shared by the smart card driver and simulator tests: one real
pcscd with the vpcd readers per test module, and an event recorder that
waits with a bound instead of sleeping.

Imported by tests/drivers/smartcard/conftest.py and
tests/simulators/smartcard/conftest.py (see tests/printer_fixtures.py for
why not ``pytest_plugins``).  Module scope: pcscd is one per machine and the
vpcd slots are fixed ports, so two modules must never hold them at once;
pytest tears a module's fixture down before the next module starts.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any, Callable, Generator

import pytest

from drivers.base import DeviceError, DeviceEvent, StatusChanged

# A fixed "today" for pure reads (the default card expires in 2030).
TODAY = dt.date(2026, 6, 1)


def run(exchange: Generator[bytes, bytes, Any], answer) -> tuple[Any, list[bytes]]:
    """Drive an exchange; ``answer`` is a card (``respond``) or a list of replies."""
    sent: list[bytes] = []
    replies = iter(answer) if isinstance(answer, list) else None
    try:
        command = next(exchange)
        while True:
            sent.append(command)
            reply = next(replies) if replies is not None else answer.respond(command)
            command = exchange.send(reply)
    except StopIteration as done:
        return done.value, sent


@pytest.fixture(scope="module")
def smartcard_sim(tmp_path_factory):
    """The hut's smart card simulator: pcscd (started here unless one runs)
    and two empty vpcd slots.  Skips when pcscd cannot be started at all."""
    from simulators.smartcard import SmartcardSimulator
    from simulators.smartcard.pcscd import PcscdUnavailable

    sim = SmartcardSimulator(tmp_path_factory.mktemp("smartcard"))
    try:
        sim.start()
    except PcscdUnavailable as exc:
        pytest.skip(f"pcscd with the vpcd driver cannot be started here: {exc}")
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def slots(smartcard_sim):
    """Both readers empty (as pcscd sees them) before and after each test."""
    for role in smartcard_sim.slots:
        smartcard_sim.control("remove", reader=role)
    yield smartcard_sim
    for role in smartcard_sim.slots:
        smartcard_sim.control("remove", reader=role)


class Recorder:
    """Collects a device's events; ``wait`` blocks until one matches."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait(self, match: Callable[[Any], bool], timeout: float = 5.0, after: int = 0) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if match(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching event within {timeout} s; got {self.events[after:]!r}")
                self._cond.wait(remaining)

    def kind(self, kind: str, timeout: float = 5.0, after: int = 0) -> DeviceEvent:
        return self.wait(lambda e: isinstance(e, DeviceEvent) and e.kind == kind, timeout, after)

    def error(self, timeout: float = 5.0, after: int = 0) -> DeviceError:
        return self.wait(lambda e: isinstance(e, DeviceError), timeout, after)

    def status(self, status: str, timeout: float = 5.0, after: int = 0) -> StatusChanged:
        return self.wait(lambda e: isinstance(e, StatusChanged) and e.new.status.value == status, timeout, after)

    def kinds(self) -> list[str]:
        with self._cond:
            return [e.kind for e in self.events if isinstance(e, DeviceEvent)]

    def mark(self) -> int:
        with self._cond:
            return len(self.events)
