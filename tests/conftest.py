"""Suite-wide set-up: Kivy kept quiet and out of the user's home, and the
virtual hut as a fixture."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))


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
