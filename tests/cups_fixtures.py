"""A private cupsd for the A4 printer's tests (simulators/cups): started once
per module that imports ``cups_server``, stopped at its end."""

from __future__ import annotations

import time
from typing import Callable

import pytest


@pytest.fixture(scope="module")
def cups_server(tmp_path_factory):
    from simulators.cups.server import CupsServer

    missing = CupsServer.available()
    if missing:
        pytest.fail(f"the A4 printer's tests need {missing} (provisioning/install-deps.sh installs them)")
    server = CupsServer(tmp_path_factory.mktemp("cups"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(check: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    """``check()``'s first true answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what or check}")
        time.sleep(0.05)
