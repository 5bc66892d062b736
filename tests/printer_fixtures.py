"""Fixtures shared by the printer driver tests and the printer simulator
tests: a started simulator per test (ephemeral TCP port + a pty).

Imported by tests/drivers/printer/conftest.py and
tests/simulators/printer/conftest.py rather than listed in ``pytest_plugins``:
pytest refuses ``pytest_plugins`` in a conftest below the rootdir once a
whole-suite run collects it, and tests/conftest.py belongs to the lead.
"""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def printer_sim(tmp_path):
    from simulators.printer import PrinterSimulator

    sim = PrinterSimulator(tmp_path / "hut")
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def wait_jobs(sim, count: int, timeout: float = 5.0) -> list[dict]:
    """The simulator's jobs once ``count`` are drawn (it draws on its own
    thread, as a printer prints while it answers status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = sim.jobs()
        if len(jobs) >= count:
            return jobs
        time.sleep(0.05)
    raise AssertionError(f"simulator has {len(sim.jobs())} jobs, wanted {count}")
