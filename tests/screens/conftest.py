"""UI tests run the kiosk app in a child process under Xvfb.

Kivy's Window is a process-wide singleton, so each test module starts one
child (``apps/<probe>.py``) that drives the app like a resident and writes
what it observed as JSON; the module's tests then assert on those facts.
When ``DISPLAY`` is unset a private Xvfb is started (and stopped) per module.
With ``PROBE_PROFILE=<folder>`` each child runs under cProfile and leaves
``<folder>/<probe>.prof`` (where a probe's time goes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site_config import write_site

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# The probes' Until deadlines (sized on an idle machine) times this: make test
# runs them beside other tests, and a 5 s "the challenge" deadline then fails
# at load 10 though the app gets there.  Only a failure waits longer.
WAIT_SCALE = "3"


@pytest.fixture(scope="module")
def display():
    from screens.headless import virtual_display

    with virtual_display(set_env=False) as value:
        yield value


@pytest.fixture(scope="module")
def kiosk_config():
    """``kiosk_config(folder, screen=..., timeouts=...)`` -> path of a kiosk.toml."""
    return write_config


@pytest.fixture(scope="module")
def probe(display):
    """``probe("probe_x.py", folder, config, env={...})`` -> the facts the child observed."""
    return lambda name, folder, config, timeout=120, env=None: run_probe(name, display, folder, config, timeout, env)


def cache_catalog(folder: Path) -> None:
    """The reference platform's catalog where the kiosk's client caches it (a matter
    to choose without a platform running)."""
    from simulators.platform.app import load_catalog_document

    cache = folder / "state" / "catalog"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "catalog.json").write_text(json.dumps(load_catalog_document(), ensure_ascii=False), encoding="utf-8")


def write_config(folder: Path, *, screen: str = "", timeouts: str = "", extra: str = "") -> Path:
    """A minimal valid kiosk.toml (no devices) plus an empty 0600 secrets file."""
    return write_site(folder, f"[screen]\n{screen}\n[timeouts]\n{timeouts}\n{extra}", terminal_id="UI-TEST-1")


def run_probe(probe: str, display: str, folder: Path, config: Path, timeout: float = 120,
              extra_env: dict[str, str] | None = None) -> dict:
    out = folder / "facts.json"
    env = dict(os.environ, DISPLAY=display, KIVY_NO_ARGS="1", KIVY_HOME=str(folder / "kivy-home"),
               KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT), HUT_WAIT_SCALE=WAIT_SCALE, **(extra_env or {}))
    profile = ["-m", "cProfile", "-o", os.environ["PROBE_PROFILE"] + "/" + probe + ".prof"] \
        if os.environ.get("PROBE_PROFILE") else []
    proc = subprocess.run([sys.executable, *profile, str(HERE / "apps" / probe), str(config), str(out)],
                          env=env, cwd=str(folder), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{probe} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text(encoding="utf-8"))
