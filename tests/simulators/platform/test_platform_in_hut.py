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


def test_a_request_filed_in_the_hut_is_answered_through_the_control_api(hut):
    """The hut knows its community (preselected by the request service), and
    the demo plays the department through the platform's control actions."""
    settings = load(hut.config_path)
    catalog_communities = {c["code"] for c in hut["platform"].server.requests.document["communities"]}
    assert settings.hut.community == "xinmu" and settings.hut.community in catalog_communities
    outbox = Outbox.from_settings(settings)
    outbox.enqueue("request", {"type": "help", "topic": "heating", "text": "3号楼暖气不热",
                               "place": {"community": settings.hut.community, "building": "3"},
                               "resident": {"id_hash": "ab" * 32}})
    outbox.close()
    worker = OutboxWorker.from_settings(settings)
    assert worker.run(until_empty=True)["confirmed"] == 1
    number = worker.outbox.records()[0]["number"]
    worker.outbox.close()
    assert hut.control("platform", "move_request", number=number, to="派单")["department"] == "housing"
    refused = hut.control("platform", "move_request", number=number, to="办结")
    assert refused["error"]["code"] == "BAD_TRANSITION" and refused["error"]["allowed"] == ["办理", "退回"]
    hut.control("platform", "move_request", number=number, to="办理")
    hut.control("platform", "move_request", number=number, to="答复", note="已调整供热管网阀门，室温恢复")
    [seen] = worker.client.requests_for(["ab" * 32])
    assert (seen["state"], seen["answer"]["text"], seen["rateable"]) == ("答复", "已调整供热管网阀门，室温恢复", True)
    assert hut.control("platform", "requests", state="答复")["requests"][0]["number"] == number
