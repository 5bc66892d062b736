import pytest

from kiosk.outbox.store import Outbox
from simulators.platform.testing import client_for
from tests.platform_fixtures import platform, terminal  # noqa: F401  (fixtures, found by name)


@pytest.fixture
def outbox(tmp_path, terminal):
    box = Outbox(tmp_path / "state" / "outbox", terminal.outbox_key, terminal.id)
    yield box
    box.close()


@pytest.fixture
def make_worker(tmp_path, terminal):
    """A worker (its own Outbox connection, like the separate process) with fast backoff."""
    from kiosk.outbox.worker import OutboxWorker
    made = []

    def make(url, **kw):
        kw.setdefault("base_delay", 0.05)
        kw.setdefault("max_backoff", 0.3)
        kw.setdefault("idle_poll", 0.05)
        client = client_for(url, terminal, read_timeout=kw.pop("read_timeout", 1.0))
        worker = OutboxWorker(Outbox(tmp_path / "state" / "outbox", terminal.outbox_key, terminal.id,
                                     durable=False), client, **kw)
        made.append(worker)
        return worker

    yield make
    for w in made:
        w.outbox.close()
        w.client.close()
