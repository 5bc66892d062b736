"""The district's ID hash key (issue 20, item 2): a resident's card finds
their application at any hut, also across a key rotation."""

from __future__ import annotations

import json
import uuid

from kiosk.central.client import CentralClient
from simulators.platform.server import PlatformServer
from simulators.platform.testing import admin

ID_NUMBER = "230108195001011234"


def _enrolled(server: PlatformServer, name: str):
    code = admin(server, "POST", "/v1/admin/enrolment-codes").json()["enrolment_code"]
    with CentralClient(server.url, "", b"") as fresh:
        terminal_id, key, keys = fresh.enrol(code, name)
    return CentralClient(server.url, terminal_id, key, connect_timeout=1.0, read_timeout=3.0), keys


def _file(client: CentralClient, keys, serial: str) -> str:
    id_hash, version = keys.filing_hash(ID_NUMBER)
    body = {"serial": serial, "matter_code": "SQ-001",
            "applicant": {"name": "王秀英", "id_number": ID_NUMBER, "id_hash": id_hash, "id_hash_version": version},
            "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"}}
    return client.submit("application", json.dumps(body, ensure_ascii=False).encode(), "k-" + uuid.uuid4().hex)["number"]


def test_a_card_finds_the_application_at_another_hut_and_across_a_rotation(tmp_path):
    server = PlatformServer(tmp_path / "platform.sqlite3")
    server.start()
    try:
        hut_a, keys_a = _enrolled(server, "A")
        hut_b, keys_b = _enrolled(server, "B")
        assert keys_a.entries() == keys_b.entries() and keys_a.version >= 1, "each hut got a key of its own"
        first = _file(hut_a, keys_a, "A-1")
        assert [a["application_number"] for a in hut_b.applications_for(keys_b.lookup_hashes(ID_NUMBER))] == [first]

        rotated = admin(server, "POST", "/v1/admin/id-hash-keys").json()["version"]
        assert rotated == keys_a.version + 1
        assert hut_a.heartbeat({}, {})["id_hash_key_version"] == rotated  # the terminal can tell it is behind
        during = _file(hut_a, keys_a, "A-2")  # hut A has not picked up the new key yet
        new_b = hut_b.id_hash_keys()
        assert new_b.version == rotated and [v for v, _ in new_b.previous] == [keys_b.version]
        found = {a["application_number"] for a in hut_b.applications_for(new_b.lookup_hashes(ID_NUMBER))}
        assert found == {first, during}
        only_new = {a["application_number"] for a in hut_b.applications_for([new_b.filing_hash(ID_NUMBER)[0]])}
        assert only_new == {first, during}, "applications filed under the old key are lost to the new one"
        proof = new_b.filing_hash(ID_NUMBER)[0]
        assert hut_b.application_status(first, proof)["application_number"] == first
        hut_a.close()
        hut_b.close()
    finally:
        server.stop()


def test_the_worker_says_when_the_district_rotated_its_key(tmp_path, caplog):
    import logging
    import os

    from kiosk.outbox.store import Outbox
    from kiosk.outbox.worker import OutboxWorker

    server = PlatformServer(tmp_path / "platform.sqlite3")
    server.start()
    try:
        client, keys = _enrolled(server, "A")
        outbox = Outbox(tmp_path / "box", os.urandom(32), client.terminal_id)
        worker = OutboxWorker(outbox, client, heartbeat_seconds=60, state_dir=tmp_path)
        worker.id_hash_key_version = keys.version
        with caplog.at_level(logging.WARNING, logger="kiosk.outbox.worker"):
            assert worker.send_heartbeat()
            assert "secrets upgrade" not in caplog.text
            admin(server, "POST", "/v1/admin/id-hash-keys")
            assert worker.send_heartbeat() and worker.send_heartbeat()
        assert caplog.text.count("run `kiosk secrets upgrade` as root") == 1
        outbox.close()
        client.close()
    finally:
        server.stop()
