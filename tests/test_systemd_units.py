"""The appliance's systemd units pass systemd-analyze verify."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "systemd").glob("*.service"))
pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


def _verify(unit_text: str, name: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # The units name /opt/kiosk; point them at this checkout's venv so verify can
    # check that ExecStart is executable.
    kiosk = str(Path(sys.executable).with_name("kiosk"))
    target = tmp_path / name
    target.write_text(unit_text.replace("/opt/kiosk/.venv/bin/kiosk", kiosk))
    return subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
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
                assert argv[0] == "/opt/kiosk/.venv/bin/kiosk"
                args = parser.parse_args(argv[1:])
                assert callable(args.func)
                if "--config" in argv:
                    assert args.config == argv[argv.index("--config") + 1]
                seen += 1
    assert seen == len(UNITS)
