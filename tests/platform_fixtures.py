"""The reference platform and the terminal it trusts, as fixtures shared by
the central-client and outbox tests (imported by their conftests)."""

from __future__ import annotations

import itertools

import pytest

from simulators.platform.pgcluster import ThrowawayCluster
from simulators.platform.testing import Terminal, start_platform

# The backends a contract test runs against: SQLite in process, PostgreSQL on
# a throwaway cluster (a process: procs), one cluster per module.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.procs)]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    """Makes the database of one platform: None (a SQLite file in the
    platform's folder) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield lambda: None
        return
    cluster = ThrowawayCluster().start()
    numbers = itertools.count()
    yield lambda: cluster.create_database(f"platform{next(numbers)}")
    cluster.drop()


@pytest.fixture
def terminal():
    return Terminal()


@pytest.fixture
def platform(tmp_path, terminal):
    server = start_platform(tmp_path / "platform", terminal)
    yield server
    server.stop()
