"""Requests (诉求) and their ratings through the outbox to the reference
platform: every type, identified and anonymous, with and without photos; a
lost answer that must not file a request twice; what the progress step reads
of the outbox while the platform has not received them."""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest

from kiosk.outbox.local_requests import discard_refused, local_requests, rating_waiting, slip_request
from kiosk.outbox.store import Attachment
from simulators.platform.testing import admin, client_for

RESIDENT = "ab" * 32
TYPES = ("consult", "help", "complaint", "suggestion", "report")


def photo(i: int) -> Attachment:
    return Attachment("photo", b"\xff\xd8\xff\xe0" + secrets.token_bytes(2000 + i))


def body(type_, topic="roads_lighting", anonymous=False, code=None, **extra):
    out = {"type": type_, "topic": topic, "text": "5号楼门前路灯不亮", "catalog_version": "2026.12-1",
           "place": {"community": "xinmu", "building": "5"}, **extra}
    if not anonymous:
        out["resident"] = {"id_hash": RESIDENT, "id_hash_version": 1, "name": "王秀兰"}
    if code:
        out["slip_code_sha256"] = hashlib.sha256(code.encode()).hexdigest()
    return out


def test_every_type_identified_and_anonymous_with_and_without_photos(platform, terminal, outbox, make_worker):
    filed = {}
    for i, type_ in enumerate(TYPES):                                   # identified, 0 to 3 photos
        filed[outbox.enqueue("request", body(type_), [photo(j) for j in range(i % 4)]).serial] = type_
    codes = {}
    for type_, photos in (("complaint", 3), ("report", 0)):            # anonymous: found by the slip only
        code = secrets.token_hex(8)
        serial = outbox.enqueue("request", body(type_, "sanitation", anonymous=True, code=code),
                                [photo(9 + j) for j in range(photos)]).serial
        codes[serial] = code
    status = make_worker(platform.url).run(until_empty=True)
    assert (status["confirmed"], status["dead"]) == (7, 0)
    stats = admin(platform, "GET", "/v1/admin/stats").json()
    assert (stats["requests"], stats["attachments"]) == (7, 0 + 1 + 2 + 3 + 0 + 3)
    assert {r["number"][:2] for r in outbox.records()} == {"SQ"}
    client = client_for(platform.url, terminal)
    mine = client.requests_for([RESIDENT])
    assert sorted(r["type"] for r in mine) == sorted(TYPES) and not any(r["anonymous"] for r in mine)
    assert {r["serial"]: r["type"] for r in mine} == filed
    for serial, code in codes.items():
        found = client.request_by_slip(serial, code)
        assert found["anonymous"] is True and found["topic"] == "sanitation" and found["state"] == "受理"
    listed = admin(platform, "GET", "/v1/admin/requests").json()["requests"]
    assert sorted(r["photos"] for r in listed) == [0, 0, 0, 1, 2, 3, 3]
    client.close()


def test_a_rating_goes_through_the_outbox_once(platform, terminal, outbox, make_worker):
    outbox.enqueue("request", body("help"))
    worker = make_worker(platform.url)
    worker.run(until_empty=True)
    number = outbox.records()[0]["number"]
    admin(platform, "POST", f"/v1/admin/requests/{number}/transition", json={"to": "答复", "note": "已修好",
                                                                            "actor": "区城管局"})
    outbox.enqueue("request_rating", {"number": number, "rating": "satisfied", "proof": RESIDENT})
    assert rating_waiting(outbox, number) and not rating_waiting(outbox, "SQ20261201XXXXXXXXXX")
    platform.faults.set("drop", count=1, path="/v1/request-ratings")   # recorded, but the answer is lost
    assert worker.process(outbox.next_due()) == "retry"
    assert worker.process(outbox.next_due(now=time.time() + 10)) == "confirmed"
    assert not rating_waiting(outbox, number)
    client = client_for(platform.url, terminal)
    [seen] = client.requests_for(RESIDENT)
    assert (seen["state"], seen["rating"]["rating"]) == ("办结", "satisfied")
    assert [s["state"] for s in seen["steps"]].count("回访") == 1
    assert [r["platform_status"] for r in outbox.records() if r["kind"] == "request_rating"] == ["办结"]
    client.close()


def test_a_lost_answer_does_not_file_the_request_twice(platform, terminal, outbox, make_worker):
    queued = outbox.enqueue("request", body("complaint"), [photo(1)])
    platform.faults.set("drop", count=1, path="/v1/requests")
    worker = make_worker(platform.url)
    assert worker.process(outbox.next_due()) == "retry"
    assert worker.process(outbox.next_due(now=time.time() + 10)) == "confirmed"
    assert platform.store.serial_counts() == {queued.serial: 1}


def test_the_progress_step_finds_requests_the_platform_has_not_received(platform, terminal, outbox, make_worker):
    code = secrets.token_hex(8)
    mine = outbox.enqueue("request", body("help", code=code)).serial
    anonymous = outbox.enqueue("request", body("report", anonymous=True, code=secrets.token_hex(8))).serial
    outbox.enqueue("application", {"matter_code": "SQ-001", "applicant": {"id_hash": RESIDENT}, "form": {}})
    found = local_requests(outbox, ["00" * 32, RESIDENT])
    assert [(r.serial, r.type, r.topic, r.state) for r in found] == [(mine, "help", "roads_lighting", "pending")]
    assert local_requests(outbox, ["cd" * 32]) == [] and anonymous not in {r.serial for r in found}
    assert slip_request(outbox, mine, code).serial == mine
    assert slip_request(outbox, mine, "0" * 16) is None and slip_request(outbox, "NOPE-1", code) is None
    make_worker(platform.url).run(until_empty=True)
    assert local_requests(outbox, [RESIDENT]) == [] and slip_request(outbox, mine, code) is None


def test_a_refused_request_waits_for_the_staff_and_is_still_shown(platform, terminal, outbox, make_worker):
    serial = outbox.enqueue("request", body("help", topic="parking")).serial      # a topic the platform dropped
    status = make_worker(platform.url).run(until_empty=True)
    assert status["dead"] == 1
    assert outbox.status()["dead_letters"][0]["error"] == "UNKNOWN_TOPIC"     # the staff see why
    assert [(r.serial, r.state) for r in local_requests(outbox, [RESIDENT])] == [(serial, "dead")]


def test_a_request_refused_for_an_old_catalog_leaves_once_filed_again(platform, terminal, outbox, make_worker):
    old = outbox.enqueue("request", body("help", topic="parking"), [photo(1), photo(2)]).serial
    other = outbox.enqueue("request", body("help", phone="13812345678")).serial      # refused: no consent
    make_worker(platform.url).run(until_empty=True)
    assert outbox.status()["dead"] == 2
    blobs = set((outbox.folder / "blobs").iterdir())
    assert discard_refused(outbox, other) is False                   # not a catalog matter: the staff look
    assert discard_refused(outbox, old) is True
    assert discard_refused(outbox, old) is False                     # once
    assert len(set((outbox.folder / "blobs").iterdir())) == len(blobs) - 1   # the photos are gone
    assert [r.serial for r in local_requests(outbox, [RESIDENT])] == [other]
    assert [d["serial"] for d in outbox.status()["dead_letters"]] == [other]


@pytest.mark.parametrize("kind", ["request_rating", "withdrawal"])
def test_follow_ups_carry_no_attachments(outbox, terminal, kind):
    extra = {"application_number": "PF1"} if kind == "withdrawal" else {"number": "SQ1", "rating": "satisfied",
                                                                       "proof": RESIDENT}
    serial = outbox.enqueue(kind, extra).serial
    item = outbox.next_due()
    assert item.serial == serial and b"attachments" not in outbox.open_payload(item)
