"""``kiosk demo`` run once per test suite, its output shared by every test
that looks at it (the walk-through's pictures, the privacy search of its
logs and state folder), across pytest-xdist workers too.

The first worker to take the lock runs the demo into a folder under the
run's common base temp folder and writes ``result.json``; the others wait
for the lock and read what it left.  Imported by tests/conftest.py (the
fixture is found by name).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300
WAIT_SCALE = "3"   # the walk-through's Until deadlines, as for the UI probes (tests/screens/conftest.py)


@dataclass(frozen=True)
class DemoRun:
    """One ``kiosk --log-level DEBUG demo --dir <hut> --out <out>`` run."""

    returncode: int
    stdout: bytes
    stderr: bytes
    hut_dir: Path
    out_dir: Path

    @property
    def text(self) -> str:
        return self.stdout.decode(errors="replace")

    def explain(self) -> str:
        return (self.stdout + self.stderr).decode(errors="replace")[-4000:]


def _shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base temp is <run's base>/popen-gwN.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _run(folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # Headless as `make demo` is on a machine without a display; the walk-through
    # starts its own Xvfb (-displayfd: no display number guessed beside other workers').
    env.update(KIOSK_DEMO_UNDER_XVFB="1", KIVY_HOME=str(folder / "kivy"), KIVY_NO_ARGS="1",
               KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT), HUT_WAIT_SCALE=WAIT_SCALE)
    with (folder / "stdout").open("wb") as out, (folder / "stderr").open("wb") as err:
        try:
            code = subprocess.run([sys.executable, "-m", "kiosk.cli", "--log-level", "DEBUG", "demo",
                                   "--dir", str(folder / "hut"), "--out", str(folder / "out")],
                                  stdout=out, stderr=err, env=env, cwd=folder, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            code = -1
            err.write(f"\n[tests/demo_run.py: the demo did not finish within {TIMEOUT} s]\n".encode())
    (folder / "result.json").write_text(json.dumps({"returncode": code}))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    folder = _shared_folder(tmp_path_factory) / "demo"
    folder.mkdir(exist_ok=True)
    with (folder.parent / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # released when the file closes
        if not (folder / "result.json").exists():
            _run(folder)
    result = json.loads((folder / "result.json").read_text())
    return DemoRun(result["returncode"], (folder / "stdout").read_bytes(), (folder / "stderr").read_bytes(),
                   folder / "hut", folder / "out")
