import pytest

from simulators.platform.testing import client_for
from tests.platform_fixtures import backend, platform, terminal  # noqa: F401  (fixtures, found by name)


@pytest.fixture
def client(platform, terminal, tmp_path):
    c = client_for(platform.url, terminal, tmp_path / "state")
    yield c
    c.close()
