"""The reference platform and the terminal it trusts, as fixtures shared by
the central-client and outbox tests (imported by their conftests)."""

from __future__ import annotations

import pytest

from simulators.platform.testing import Terminal, start_platform


@pytest.fixture
def terminal():
    return Terminal()


@pytest.fixture
def platform(tmp_path, terminal):
    server = start_platform(tmp_path / "platform", terminal)
    yield server
    server.stop()
