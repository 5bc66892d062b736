"""kiosk doctor for maintenance staff, against the virtual hut: with the app
running it reads the app's report (devices are the app's), says what to do
in plain words, and adds outbox, platform, clock and disk; exit 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
import tomli_w

from drivers.base import HealthLevel
from kiosk import config as config_mod
from kiosk.config import write_secrets_file
from kiosk.devices.owner import DeviceOwner
from kiosk.outbox.store import Outbox
from kiosk.outbox.synthetic import fill
from simulators.hut import Hut

pytestmark = pytest.mark.procs


def doctor(config, *args):
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), "doctor", *args],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def hut(tmp_path_factory):
    with Hut(tmp_path_factory.mktemp("doctor-hut"), only=["platform", "printer", "idcard"]) as hut:
        yield hut


@pytest.fixture(scope="module")
def app(hut):
    """The kiosk app's device owner, leaving its report in the state folder."""
    settings = config_mod.load(hut.config_path)
    owner = DeviceOwner(settings, snapshot_dir=settings.paths.state_dir)
    owner.start(background=False)
    owner.wait_settled()
    yield owner
    owner.stop()


def test_all_well_exits_0_and_reads_the_app_report(hut, app):
    proc = doctor(hut.config_path, "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, report["needs_staff"]
    assert report["app_running"] is True
    rows = {r["name"]: r for r in report["devices"]}
    assert rows["printer"]["info"]["model"] == "HUT-SIM80" and rows["printer"]["info"]["serial"]
    assert rows["printer"]["advice"] == {"zh": "正常", "en": "working", "who": "none"}
    assert report["platform"]["reachable"] is True and abs(report["platform"]["clock_offset_seconds"]) < 5
    assert report["disk"]["free_bytes"] > 0
    assert report["outbox"] == {"pending": 0, "dead": 0, "oldest_pending_seconds": None}


def test_paper_out_says_replace_paper_and_exits_1(hut, app):
    hut.control("printer", "set_paper", state="end")
    try:
        app.check_health("printer", HealthLevel.INTERNAL)  # the app notices at its next status query
        proc = doctor(hut.config_path)
    finally:
        hut.control("printer", "set_paper", state="ok")
        app.check_health("printer", HealthLevel.INTERNAL)
    assert proc.returncode == 1
    assert "printer (凭条打印机 receipt printer): 换纸 / replace the paper roll" in proc.stdout
    assert "last error: paper roll is out" in proc.stdout and "(clear, 0 min ago)" in proc.stdout
    assert "verdict: needs staff" in proc.stdout


def test_outbox_depth_and_oldest_age(hut, app):
    settings = config_mod.load(hut.config_path)
    outbox = Outbox.from_settings(settings)
    try:
        fill(outbox, 2, settings.id_hash_keys, attachment_bytes=100)
    finally:
        outbox.close()
    report = json.loads(doctor(hut.config_path, "--json", "--offline").stdout)
    assert report["outbox"]["pending"] == 2 and report["outbox"]["oldest_pending_seconds"] >= 0
    assert "outbox 待发: 2 pending" in doctor(hut.config_path, "--offline").stdout


def test_external_check_refuses_while_the_app_holds_the_devices(hut, app):
    proc = doctor(hut.config_path, "--check", "external")
    assert proc.returncode == 2 and "stop it first" in proc.stderr


def test_an_unenrolled_terminal_cannot_serve(hut, tmp_path):
    secrets = tmp_path / "secrets.toml"
    write_secrets_file(secrets)  # no terminal key
    config = tmp_path / "kiosk.toml"
    config.write_text(hut.config_path.read_text().replace(str(hut.secrets_path), str(secrets)), encoding="utf-8")
    proc = doctor(config, "--offline")
    assert proc.returncode == 2
    assert "verdict: cannot serve" in proc.stdout and "not_enrolled" in proc.stdout


def test_an_app_that_reported_and_stopped_needs_staff(hut, tmp_path):
    from kiosk.devices.snapshot import write_snapshot

    state = tmp_path / "state"
    write_snapshot(state, {"printer": {"status": "online"}}, now=1.0)  # long ago
    site = tomllib.loads(hut.config_path.read_text())
    site["paths"]["state_dir"] = str(state)
    site.pop("devices")  # the finding is the app's; the devices are the other tests'
    config = tmp_path / "kiosk.toml"
    config.write_text(tomli_w.dumps(site), encoding="utf-8")
    proc = doctor(config, "--offline")
    assert proc.returncode == 1
    assert "app_not_running: 自助程序未运行" in proc.stdout and "opened by doctor (app not running)" in proc.stdout
