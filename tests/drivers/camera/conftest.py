"""A small seeded scene set shared by the camera pipeline tests (the
200-scene run is bench/bench_scan.py)."""

from __future__ import annotations

import pytest

from simulators.camera.scenes import Scene, render_scene, scene_set


@pytest.fixture(scope="session")
def scenes() -> list[Scene]:
    return list(scene_set(20, seed=7, with_tray=True))


@pytest.fixture(scope="session")
def plain_scene() -> Scene:
    """An A4 page on a dark tray with nothing in the way."""
    return render_scene(3, "dark", doc="a4", conditions=(), with_tray=True)
