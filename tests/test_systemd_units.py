"""The appliance's systemd units pass systemd-analyze verify."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "systemd").glob("*.service"))
ALL_UNITS = sorted(p for p in (ROOT / "systemd").iterdir() if p.suffix in (".service", ".timer"))
# The ceilings for `systemd-analyze security` (0 = locked down, 10 = exposed).
EXPOSURE_LIMITS = {"kiosk.service": 3.0, "kiosk-outbox.service": 2.0, "kiosk-metrics.service": 2.0,
                   "kiosk-platform.service": 2.0}
pytestmark = [pytest.mark.procs,
              pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")]


def _verify(unit_text: str, name: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # The units name /opt/kiosk; point them at this checkout's venv so verify can
    # check that ExecStart is executable.
    kiosk = str(Path(sys.executable).with_name("kiosk"))
    target = tmp_path / name
    target.write_text(unit_text.replace("/opt/kiosk/current/.venv/bin/kiosk", kiosk))
    return subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("unit", ALL_UNITS, ids=[u.name for u in ALL_UNITS])
def test_unit_verifies(unit, tmp_path):
    proc = _verify(unit.read_text(), unit.name, tmp_path)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_verify_catches_a_broken_unit(tmp_path):
    text = (ROOT / "systemd" / "kiosk.service").read_text().replace("Restart=always", "Restart=sometimes")
    proc = _verify(text, "kiosk.service", tmp_path)
    assert "restart specifier" in proc.stderr


def test_units_run_kiosk_command_lines_the_cli_accepts():
    """Each ExecStart must parse with the real CLI (a unit that starts
    `kiosk run --config X` must not die on an unknown option at 3 a.m.)."""
    from kiosk.cli import build_parser

    parser = build_parser()
    seen = 0
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                argv = line.split("=", 1)[1].split()
                assert argv[0] == "/opt/kiosk/current/.venv/bin/kiosk"
                args = parser.parse_args(argv[1:])
                assert callable(args.func)
                if "--config" in argv:
                    assert args.config == argv[argv.index("--config") + 1]
                seen += 1
    assert seen == len(UNITS)


def _exposure(unit: Path, tmp_path: Path) -> float:
    kiosk = str(Path(sys.executable).with_name("kiosk"))
    target = tmp_path / unit.name
    target.write_text(unit.read_text().replace("/opt/kiosk/current/.venv/bin/kiosk", kiosk))
    proc = subprocess.run(["systemd-analyze", "security", "--offline=true", str(target)],
                          capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", proc.stdout)
    assert m, proc.stdout[-2000:] + proc.stderr
    return float(m.group(1))


@pytest.mark.parametrize("name", sorted(EXPOSURE_LIMITS))
def test_units_are_locked_down(name, tmp_path):
    score = _exposure(ROOT / "systemd" / name, tmp_path)
    assert score <= EXPOSURE_LIMITS[name], f"{name} scores {score} (limit {EXPOSURE_LIMITS[name]})"


def test_every_service_is_scored_and_an_unhardened_one_scores_badly(tmp_path):
    """The security ceilings hold for every service we ship; and the scoring
    can tell (a unit stripped of its hardening is 'exposed')."""
    for unit in UNITS:
        assert _exposure(unit, tmp_path) <= 3.0, unit.name
    bare = tmp_path / "bare" / "kiosk-outbox.service"
    bare.parent.mkdir()
    bare.write_text("[Service]\nExecStart=/bin/true\n")
    assert _exposure(bare, tmp_path / "bare") > 8.0


def test_ui_unit_is_a_watchdogged_notify_service():
    text = (ROOT / "systemd" / "kiosk.service").read_text()
    for line in ("Type=notify", "Restart=always", "User=kiosk", "NotifyAccess=all", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/kiosk",
                 "DevicePolicy=closed"):
        assert line in text.splitlines(), line
    assert re.search(r"^WatchdogSec=\d+", text, re.M)
