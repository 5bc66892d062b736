"""Suite-wide set-up: Kivy kept quiet and out of the user's home, and the
virtual hut as a fixture."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from tests.demo_run import demo_run  # noqa: F401  (fixture: pytest finds it by name)
from tests.tiers import (  # noqa: F401  (hooks: pytest finds them by name)
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    pytest_sessionfinish,
    pytest_xdist_make_scheduler,
)

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))


def pytest_sessionstart(session):
    """Build the virtual hut's stand-in card photo decoder (a C library, once
    per machine) before any test: no in-process test then runs a compiler
    because it happens to be the first to start an ID card simulator."""
    from simulators.idcard.photo import StandinUnavailable, build_standin

    try:
        build_standin()
    except StandinUnavailable:
        pass   # the tests that need card photos say so


@pytest.fixture
def hut(tmp_path):
    """A started virtual hut in a temporary folder; stopped after the test."""
    from simulators.hut import Hut

    with Hut(tmp_path / "hut") as running:
        yield running


@pytest.fixture
def kiosk_cmd():
    """The kiosk CLI as a subprocess argv prefix (runs the code in this checkout)."""
    return [sys.executable, "-m", "kiosk.cli"]


@pytest.fixture
def make_settings(tmp_path):
    """``make_settings(devices_toml="", **platform)``: a validated Settings with
    its own state folder and secrets file, for tests of kiosk/ that need one."""
    from kiosk import config
    from tests.site_config import write_site

    def make(devices_toml: str = "", heartbeat_seconds: float = 60) -> "config.Settings":
        folder = Path(tempfile.mkdtemp(dir=tmp_path, prefix="site-"))
        path = write_site(folder, devices_toml, platform_extra=f"heartbeat_seconds = {heartbeat_seconds}")
        return config.load(path)

    return make
