"""The device owner end to end: ``kiosk run`` in the virtual hut opens the ID
card reader and the printer, and with the outbox worker sending a heartbeat
every 5 s, the reference platform sees both online while the kiosk stands
idle; opening the printer's cover (no print job) shows there within 15 s, and
closing it brings the printer back.  ``kiosk doctor`` reads the same registry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]  # a whole virtual hut: its own pcscd too


HEARTBEAT = 5  # seconds: the shortest the config allows


def _beat(hut) -> dict:
    found = hut["platform"].server.store.last_heartbeat(hut.terminal_id)
    return found["heartbeat"]["devices"] if found else {}


def _wait_for(hut, what, condition, timeout):
    deadline = time.monotonic() + timeout
    devices: dict = {}
    while time.monotonic() < deadline:
        devices = _beat(hut)
        if condition(devices):
            return devices, time.monotonic()
        time.sleep(0.1)
    raise AssertionError(f"{what}: not seen within {timeout} s; last heartbeat devices: {devices}")


def _first_beat_after(hut, moment: float, timeout: float) -> dict:
    """The devices of the first heartbeat the platform receives after
    ``moment`` (time.monotonic())."""
    store, terminal = hut["platform"].server.store, hut.terminal_id
    deadline = moment + timeout
    received = None
    while time.monotonic() < deadline:
        found = store.last_heartbeat(terminal)
        now = time.monotonic()
        if found is not None and found["received_at"] != received:
            if received is not None and now > moment:
                return found["heartbeat"]["devices"]
            received = found["received_at"]
        time.sleep(0.1)
    raise AssertionError(f"no heartbeat within {timeout:g} s after the idle span")


def _status(devices, name):
    return devices.get(name, {}).get("status")


def test_idle_kiosk_reports_its_devices_and_a_cover_opened_without_a_job(tmp_path):
    from screens.headless import virtual_display
    from simulators.hut import Hut

    overrides = {"platform": {"heartbeat_seconds": HEARTBEAT}}
    with virtual_display(set_env=False) as display, Hut(tmp_path / "hut", overrides=overrides) as hut:
        env = dict(os.environ, DISPLAY=display, KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy"),
                   KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT))
        config = str(hut.config_path)
        logs = tmp_path / "logs"
        logs.mkdir()
        procs = [subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", config, cmd, *rest],
                                  env=env, cwd=tmp_path, stdout=(logs / f"{cmd}.log").open("wb"),
                                  stderr=subprocess.STDOUT)
                 for cmd, rest in (("run", []), ("outbox", ["worker"]))]
        try:
            online = lambda d: _status(d, "idcard") == "online" and _status(d, "printer") == "online"  # noqa: E731
            _, online_at = _wait_for(hut, "both devices online", online, 60)
            # Idle for more than three heartbeat intervals (the worker's "app not
            # running" age; nothing has changed since): the first heartbeat after
            # that must still show both online, not unknown.
            devices = _first_beat_after(hut, online_at + 3 * HEARTBEAT + 0.5, 3 * HEARTBEAT + 0.5 + 2 * HEARTBEAT + 5)
            assert online(devices), devices

            opened_at = time.monotonic()
            hut.control("printer", "open_cover")
            devices, seen_at = _wait_for(hut, "the open cover", lambda d: _status(d, "printer") != "online", 15)
            assert _status(devices, "printer") == "user_error"
            assert devices["printer"]["detail"]["cover"] == "open"
            assert seen_at - opened_at <= 15

            hut.control("printer", "close_cover")
            _wait_for(hut, "the printer back online", lambda d: _status(d, "printer") == "online", 15)
            assert _status(_beat(hut), "idcard") == "online"
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        output = {p.name: p.read_text(errors="replace") for p in logs.iterdir()}
        assert "Traceback" not in output["run.log"], output["run.log"][-3000:]
