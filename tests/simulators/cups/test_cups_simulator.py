"""The virtual hut's A4 printer (simulators/cups/sim.py): its config, its
control actions as the hut's control API calls them, and CUPS stopped and
started again under a driver that watches it."""

from __future__ import annotations

import pytest

from drivers.a4printer.device import A4Printer
from drivers.base import Status
from simulators.cups.sim import CupsSimulator
from tests.cups_fixtures import wait_for

pytestmark = pytest.mark.procs


def test_the_simulator_at_its_real_interface(tmp_path):
    sim = CupsSimulator(tmp_path)
    sim.start()
    try:
        table = sim.config_patch()["devices"]["a4_printer"]
        assert table["driver"] == "a4printer.cups" and table["url"].startswith("unix:/")
        printer = A4Printer("a4_printer", url=table["url"], options=table["options"])
        assert printer.read().ready
        with pytest.raises(ValueError, match="tray state"):
            sim.control("tray", state="sheets many")
        with pytest.raises(ValueError, match="unknown a4_printer action"):
            sim.control("explode")
        sim.control("pause", reason="service")
        assert printer.read().detail["problem"] == "paused"
        sim.control("resume")
        assert printer.read().ready
        sim.control("stop_cups")
        gone = printer.read()
        assert gone.status is Status.OFFLINE and gone.detail["problem"] == "no_cups"
        sim.control("start_cups")
        wait_for(lambda: printer.read().ready, what="the queue back after cupsd restarted")
        assert sim.control("printed") == {"printed": []}
    finally:
        sim.stop()
    assert not list((tmp_path / "a4_printer").glob("cups.sock"))
