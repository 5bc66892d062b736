import pytest

from simulators.platform.testing import Terminal, client_for, start_platform


@pytest.fixture
def terminal():
    return Terminal()


@pytest.fixture
def platform(tmp_path, terminal):
    server = start_platform(tmp_path / "platform", terminal)
    yield server
    server.stop()


@pytest.fixture
def client(platform, terminal, tmp_path):
    c = client_for(platform.url, terminal, tmp_path / "state")
    yield c
    c.close()
