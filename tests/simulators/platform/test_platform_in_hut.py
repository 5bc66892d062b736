"""The reference platform inside the virtual hut: the generated kiosk.toml and
secrets.toml are enough for the outbox to file there."""

from kiosk.config import load
from kiosk.outbox.store import Outbox
from kiosk.outbox.synthetic import fill
from kiosk.outbox.worker import OutboxWorker


def test_outbox_files_to_the_hut_platform(hut):
    settings = load(hut.config_path)
    assert settings.platform.url == hut["platform"].where()
    outbox = Outbox.from_settings(settings)
    fill(outbox, 3, settings.id_hash_keys, attachment_bytes=1024)
    outbox.close()
    worker = OutboxWorker.from_settings(settings)
    assert worker.run(until_empty=True)["confirmed"] == 3
    worker.outbox.close()
    assert hut.control("platform", "stats")["applications"] == 3
    assert worker.client.catalog().matter("MZ-003").name == "高龄津贴申请"
