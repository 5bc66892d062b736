"""Fixtures for the ID card driver tests: a simulator on a real pty and a
reader on it, both torn down after each test."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.base import DeviceError, DeviceEvent, StatusChanged
from drivers.idcard.device import IdCardReader
from simulators.idcard import IdCardSimulator

FAST = dict(poll_interval=0.05, command_timeout=0.3, read_timeout=1.0, reconnect_interval=0.1, retries=2)


class Recorder:
    """Collects a device's events and waits for them."""

    def __init__(self) -> None:
        self.events: list = []
        self.cond = threading.Condition()

    def __call__(self, event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def kinds(self) -> list[str]:
        with self.cond:
            return [e.kind for e in self.events if isinstance(e, DeviceEvent)]

    def records(self) -> list:
        with self.cond:
            return [e.data for e in self.events if isinstance(e, DeviceEvent) and e.kind == "record"]

    def errors(self) -> list[DeviceError]:
        with self.cond:
            return [e for e in self.events if isinstance(e, DeviceError)]

    def statuses(self) -> list[str]:
        with self.cond:
            return [e.new.status.value for e in self.events if isinstance(e, StatusChanged)]

    def wait(self, predicate, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; events so far: {self.events}")
                self.cond.wait(remaining)

    def wait_kind(self, kind: str, count: int = 1, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while sum(1 for e in self.events if isinstance(e, DeviceEvent) and e.kind == kind) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {count} {kind}; got {self.kinds()}")
                self.cond.wait(remaining)

    def wait_status(self, status: str, timeout: float = 5.0) -> None:
        self.wait(lambda e: isinstance(e, StatusChanged) and e.new.status.value == status, timeout)

    def wait_transition(self, old: str, new: str, timeout: float = 5.0) -> None:
        """A recovery is proven by the change itself (e.g. unknown -> online),
        not by any "online" seen before the fault took hold."""
        self.wait(lambda e: isinstance(e, StatusChanged) and e.old.status.value == old
                  and e.new.status.value == new, timeout)

    def clear(self) -> None:
        with self.cond:
            self.events.clear()


@pytest.fixture
def sim(tmp_path):
    s = IdCardSimulator(tmp_path / "hut", card_delay=0.005, seed=1)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def wait_commands(sim):
    """Wait until the simulated SAM has answered ``more`` further commands:
    the reader has really polled that many times (instead of a sleep)."""
    def wait(more: int, timeout: float = 5.0) -> None:
        target = sim.control("status")["commands"] + more
        deadline = time.monotonic() + timeout
        while sim.control("status")["commands"] < target:
            if time.monotonic() > deadline:
                raise AssertionError(f"the SAM answered fewer than {more} more commands in {timeout} s")
            time.sleep(0.02)
    return wait


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def make_reader(sim, recorder):
    readers: list[IdCardReader] = []

    def make(**options) -> IdCardReader:
        reader = IdCardReader("idcard", options.pop("port", sim.where()), **{**FAST, **options})
        reader.subscribe(recorder)
        readers.append(reader)
        reader.open()
        return reader

    yield make
    for reader in readers:
        reader.close()


@pytest.fixture
def reader(make_reader):
    return make_reader()
