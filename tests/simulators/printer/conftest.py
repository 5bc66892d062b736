"""A started printer simulator per test (ephemeral TCP port + pty)."""

from __future__ import annotations

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
