"""Requests (诉求, "天大小事") on the reference platform, on 127.0.0.1: filing
with its refusals, the time limits in working days, the lifecycle the back
office drives (with 退回 and a reopening on 不满意), what a resident may see
by card and by slip, ratings, replays."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

import pytest
import requests as http

from kiosk.central import signing
from kiosk.central.client import NeedsStaff
from simulators.platform.requests import WorkingCalendar, load_request_catalog
from simulators.platform.testing import Terminal, admin, client_for

RESIDENT = "ab" * 32
NEIGHBOUR = "cd" * 32
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)


def request(serial, type_="help", topic="roads_lighting", **extra):
    body = {"serial": serial, "type": type_, "topic": topic, "text": "3号楼2单元楼道灯不亮，晚上看不清台阶",
            "place": {"community": "xinmu", "building": "3", "unit": "2", "text": "楼道"},
            "resident": {"id_hash": RESIDENT, "id_hash_version": 1, "name": "王秀兰"}, "catalog_version": "2026.12-1",
            "slip_code_sha256": hashlib.sha256(b"0123456789abcdef").hexdigest()}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def send(client, body, kind="request", key=None):
    return client.submit(kind, json.dumps(body, ensure_ascii=False).encode(), key or "k-" + secrets.token_hex(8))


def refused(client, body, code, kind="request"):
    with pytest.raises(NeedsStaff) as info:
        send(client, body, kind)
    assert (info.value.status, info.value.code) == (422, code), info.value
    return info.value


def move(platform, number, to, **body):
    body.setdefault("actor", "区住建局 值班员")
    return admin(platform, "POST", f"/v1/admin/requests/{number}/transition", json={"to": to, **body})


def rate(client, number, rating, proof=RESIDENT, reason=None, key=None):
    body = {"serial": "R-" + secrets.token_hex(4).upper(), "number": number, "rating": rating, "proof": proof}
    if reason:
        body["reason"] = reason
    return send(client, body, "request_rating", key)


@pytest.fixture
def client(platform, terminal):
    c = client_for(platform.url, terminal)
    yield c
    c.close()


def on(platform, day):
    platform.requests.today = lambda: dt.date.fromisoformat(day)


# -- time limits in working days ---------------------------------------------------------
CALENDAR = load_request_catalog()[1]


@pytest.mark.parametrize("start,days,due", [
    ("2026-11-27", 2, "2026-12-01"),   # Friday + 2: over the weekend to Tuesday
    ("2026-11-28", 1, "2026-11-30"),   # received on a Saturday: Monday is the first
    ("2026-09-30", 2, "2026-10-09"),   # National Day week (1-7 October) skipped
    ("2026-10-08", 2, "2026-10-10"),   # Saturday 10 October is a working day (调休上班)
    ("2026-02-13", 2, "2026-02-24"),   # Spring Festival: 14 Feb is worked, 15-23 are holidays
    ("2026-04-02", 2, "2026-04-07"),   # Qingming: 4-6 April
    ("2026-12-30", 2, "2027-01-01"),   # 2027 not in the table yet: weekends only
])
def test_working_days_skip_weekends_and_the_holidays_of_the_notice(start, days, due):
    assert CALENDAR.add(dt.date.fromisoformat(start), days).isoformat() == due


def test_the_calendar_holds_the_2026_notice():
    assert len(CALENDAR.holidays) == 33 and len(CALENDAR.workdays) == 6
    assert all(d.weekday() >= 5 for d in CALENDAR.workdays)
    assert WorkingCalendar().add(dt.date(2026, 10, 1), 1) == dt.date(2026, 10, 2)  # without a table: weekdays


@pytest.mark.parametrize("type_,day,due", [
    ("consult", "2026-11-27", "2026-12-01"), ("help", "2026-11-27", "2026-12-11"),
    ("complaint", "2026-09-30", "2026-10-27"), ("suggestion", "2026-02-13", "2026-03-05"),
    ("report", "2026-02-13", "2026-03-12")])
def test_each_type_is_due_within_its_limit(platform, client, type_, day, due):
    on(platform, day)
    ack = send(client, request("T-1", type_))
    limits = {"consult": 2, "help": 10, "complaint": 15, "suggestion": 10, "report": 15}
    assert (ack["due_date"], ack["limit_working_days"], ack["status"]) == (due, limits[type_], "受理")
    assert ack["number"].startswith("SQ") and ack["kind"] == "request"


# -- filing: what is refused, and nothing of it stored ------------------------------------------
@pytest.mark.parametrize("change,code", [
    ({"type": "petition"}, "UNKNOWN_TYPE"),
    ({"topic": "parking"}, "UNKNOWN_TOPIC"),
    ({"place": {"community": "nowhere"}}, "UNKNOWN_COMMUNITY"),
    ({"resident": None}, "ANONYMOUS_NOT_ALLOWED"),                       # a call for help names the resident
    ({"type": "complaint", "resident": None, "slip_code_sha256": None}, "VALIDATION"),  # then nothing finds it
    ({"text": "路" * 501}, "VALIDATION"),
    ({"text": ""}, "VALIDATION"),
    ({"text": "   \u3000 "}, "VALIDATION"),
    ({"text": "灯不亮\x07"}, "VALIDATION"),
    ({"text": "灯不亮\x1b[2J"}, "VALIDATION"),
    ({"phone": "13812345678"}, "PHONE_CONSENT_MISSING"),
    ({"phone": "13812345678", "phone_consent": False}, "PHONE_CONSENT_MISSING"),
    ({"phone": "138-1234-5678", "phone_consent": True}, "VALIDATION"),
    ({"resident": {"id_hash": RESIDENT, "id_number": "110101195001011237"}}, "VALIDATION"),
    ({"category": "其他"}, "VALIDATION"),                                   # the 1.2 shape is gone
    ({"place": {"community": "xinmu", "building": "3" * 21}}, "VALIDATION"),
])
def test_a_request_the_contract_forbids_is_refused(platform, client, change, code):
    body = request("BAD-1")
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    refused(client, body, code)
    assert platform.store.stats()["requests"] == 0


def test_an_unknown_topic_names_the_catalog_version_to_refresh(platform, terminal):
    body = json.dumps(request("BAD-2", topic="parking"), ensure_ascii=False).encode()
    url = platform.url + "/v1/requests"
    r = http.post(url, data=body, timeout=5, headers={
        **signing.sign(terminal.key, "POST", url, body, terminal.id), "Content-Type": "application/json",
        "Idempotency-Key": "k-" + secrets.token_hex(8)})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "UNKNOWN_TOPIC"
    assert r.json()["error"]["catalog_version"] == platform.requests.version


def test_500_characters_are_enough(platform, client):
    ack = send(client, request("LEN-1", text="灯" * 500))
    assert ack["status"] == "受理"
    number = send(client, request("LEN-2", text="  楼道灯不亮\n晚上看不清  "))["number"]  # a newline is text
    listed = {r["number"]: r["text"] for r in admin(platform, "GET", "/v1/admin/requests").json()["requests"]}
    assert listed[number] == "楼道灯不亮\n晚上看不清"                      # the spaces around go


def test_a_question_needs_no_place_and_a_phone_needs_consent(platform, client):
    ack = send(client, request("Q-1", "consult", "social_security", text="养老金每月几号发放？", place=None,
                               phone="13812345678", phone_consent=True))
    listed = admin(platform, "GET", "/v1/admin/requests").json()["requests"]
    assert [(r["number"], r["place"], r["phone"]) for r in listed] == [(ack["number"], None, "13812345678")]
    assert "13812345678" not in json.dumps(client.requests_for([RESIDENT]))  # the hut never gets it back


def _upload(client, data):
    sha = hashlib.sha256(data).hexdigest()
    client.put_attachment(sha, data)
    return {"sha256": sha, "material_code": "photo", "content_type": "image/jpeg", "size": len(data)}


def test_photos_are_jpeg_or_png_uploaded_first_and_at_most_three(platform, client):
    photos = [_upload(client, JPEG + bytes([i])) for i in range(4)]
    refused(client, request("PH-1", attachments=photos), "VALIDATION")                   # four
    pdf = b"%PDF-1.4" + bytes(100)
    refused(client, request("PH-2", attachments=[{**_upload(client, pdf), "content_type": "application/pdf"}]),
            "VALIDATION")
    refused(client, request("PH-3", attachments=[{**photos[0], "content_type": "image/png"}]), "ATTACHMENT_MISMATCH")
    refused(client, request("PH-4", attachments=[{"sha256": "0" * 64, "content_type": "image/jpeg"}]),
            "ATTACHMENT_MISSING")
    assert platform.store.stats()["requests"] == 0
    ack = send(client, request("PH-5", attachments=photos[:3]))
    assert admin(platform, "GET", "/v1/admin/requests").json()["requests"][0]["photos"] == 3
    assert ack["status"] == "受理"


# -- replays -------------------------------------------------------------------------------------
def test_a_request_sent_twice_is_one_request(platform, client):
    key = "k-" + secrets.token_hex(8)
    first = send(client, request("TWICE-1"), key=key)
    assert send(client, request("TWICE-1"), key=key) == first          # the double tap, or a retry
    assert platform.store.serial_counts()["TWICE-1"] == 1
    with pytest.raises(NeedsStaff) as info:
        send(client, request("TWICE-1", text="另一件事"), key=key)
    assert info.value.code == "IDEMPOTENCY_MISMATCH"
    with pytest.raises(NeedsStaff) as info:
        send(client, request("TWICE-1"))                                  # same serial, new key
    assert info.value.code == "SERIAL_REUSED"
    assert client.submission("TWICE-1")["number"] == first["number"]


# -- the lifecycle -------------------------------------------------------------------------------------
def test_the_department_answers_after_a_return_and_the_resident_sees_only_their_part(platform, client):
    number = send(client, request("LIFE-1"))["number"]
    assert move(platform, number, "派单", note="已转区城市管理局").json()["department"] == "urban_management"
    move(platform, number, "办理", note="已安排电工")
    r = move(platform, number, "退回", note="楼道灯属物业维修范围", internal_note="物业公司：某某物业")
    assert (r.status_code, r.json()["state"], r.json()["department"]) == (200, "退回", None)
    r = move(platform, number, "办理")
    assert r.status_code == 409 and r.json()["error"]["allowed"] == ["派单"]
    move(platform, number, "派单", department="housing", note="转区住建局督促物业")
    move(platform, number, "办理")
    assert move(platform, number, "答复").json()["error"]["code"] == "VALIDATION"    # an answer says something
    move(platform, number, "答复", note="物业已于12月3日更换灯泡", internal_note="已电话回访")
    [seen] = client.requests_for([RESIDENT])
    assert [s["state"] for s in seen["steps"]] == ["受理", "派单", "办理", "退回", "派单", "办理", "答复"]
    assert seen["answer"]["text"] == "物业已于12月3日更换灯泡" and seen["answer"]["department"] == "housing"
    assert (seen["state"], seen["department"], seen["rateable"], seen["rating"]) == ("答复", "housing", True, None)
    assert seen["steps"][3]["note"] == "楼道灯属物业维修范围"
    text = json.dumps(seen, ensure_ascii=False)
    for private in ("值班员", "某某物业", "已电话回访", "actor", "internal_note", "王秀兰", "楼道灯不亮"):
        assert private not in text
    assert all(set(s) <= {"state", "at", "note", "department", "rating", "reason"} for s in seen["steps"])


def test_a_satisfied_rating_is_the_follow_up_and_closes_it_once(platform, client):
    number = send(client, request("RATE-1"))["number"]
    early = rate(client, number, "satisfied")
    assert (early["recorded"], early["status"]) == (False, "受理")         # nothing to rate yet
    move(platform, number, "答复", note="已修复")                          # answered at intake
    ack = rate(client, number, "basically_satisfied")
    assert (ack["kind"], ack["recorded"], ack["status"]) == ("request_rating", True, "办结")
    seen = client.requests_for([RESIDENT])[0]
    assert [s["state"] for s in seen["steps"]][-2:] == ["回访", "办结"]
    assert seen["rating"]["rating"] == "basically_satisfied" and seen["rateable"] is False
    again = rate(client, number, "unsatisfied", reason="not_solved")
    assert (again["recorded"], again["status"]) == (False, "办结")       # one rating per answer
    assert client.requests_for([RESIDENT])[0]["state"] == "办结"
    assert move(platform, number, "办理").status_code == 409                # closed is closed


def test_unsatisfied_reopens_to_the_same_department_or_back_to_dispatch(platform, client):
    on(platform, "2026-11-27")
    number = send(client, request("REOPEN-1"))["number"]
    move(platform, number, "派单")
    move(platform, number, "办理")
    move(platform, number, "答复", note="已报修")
    on(platform, "2026-12-04")
    ack = rate(client, number, "unsatisfied", reason="not_solved")
    assert (ack["recorded"], ack["status"]) == (True, "办理")
    seen = client.requests_for([RESIDENT])[0]
    assert (seen["department"], seen["due_date"], seen["rateable"]) == ("urban_management", "2026-12-18", False)
    assert [s["state"] for s in seen["steps"]][-2:] == ["回访", "办理"]
    assert seen["steps"][-2]["rating"] == "unsatisfied" and seen["steps"][-2]["reason"] == "not_solved"
    move(platform, number, "答复", note="灯具已整体更换")
    ack = rate(client, number, "unsatisfied", reason="wrong_department")
    assert ack["status"] == "退回"
    seen = client.requests_for([RESIDENT])[0]
    assert (seen["state"], seen["department"]) == ("退回", None)
    assert move(platform, number, "派单", department="housing").json()["state"] == "派单"


def test_a_rating_is_idempotent_and_needs_the_residents_proof(platform, client):
    number = send(client, request("PROOF-1", "complaint"))["number"]
    move(platform, number, "答复", note="已处理")
    with pytest.raises(NeedsStaff) as info:
        rate(client, number, "satisfied", proof=NEIGHBOUR)
    assert info.value.status == 404
    with pytest.raises(NeedsStaff):
        rate(client, number, "satisfied", proof="fedcba9876543210")        # not the slip's code
    with pytest.raises(NeedsStaff) as info:
        rate(client, number, "satisfied", reason="because")
    assert info.value.code == "VALIDATION"
    key = "k-" + secrets.token_hex(8)
    body = {"serial": "R-ONCE", "number": number, "rating": "unsatisfied", "reason": "too_slow",
            "proof": "0123456789abcdef"}                                       # the slip proves it too
    first = send(client, body, "request_rating", key)
    assert send(client, body, "request_rating", key) == first and first["recorded"] is True
    steps = client.requests_for([RESIDENT])[0]["steps"]
    assert [s["state"] for s in steps].count("回访") == 1
    move(platform, number, "答复", note="已再次处理")
    ack = rate(client, number, "satisfied", proof=[NEIGHBOUR, RESIDENT])   # one hash per key held: one is it
    assert (ack["recorded"], ack["status"]) == (True, "办结")
    assert client.submission("R-ONCE") == first                           # asked after an ambiguous failure


# -- who sees what --------------------------------------------------------------------------------------
def test_by_card_only_the_residents_own_identified_requests(platform, client):
    mine = send(client, request("MINE-1"))["number"]
    send(client, request("THEIRS-1", resident={"id_hash": NEIGHBOUR}))
    anonymous = send(client, request("ANON-1", "report", resident=None))["number"]
    assert [r["number"] for r in client.requests_for([RESIDENT, "ef" * 32])] == [mine]
    assert [r["anonymous"] for r in client.requests_for(NEIGHBOUR)] == [False]
    assert anonymous not in json.dumps(client.requests_for([RESIDENT, NEIGHBOUR]))


def test_by_slip_with_its_code_at_any_hut_and_a_wrong_code_like_an_unknown_serial(platform, client, terminal):
    code = secrets.token_hex(8)
    number = send(client, request("SLIP-1", "complaint", resident=None,
                                  slip_code_sha256=hashlib.sha256(code.encode()).hexdigest()))["number"]
    other = Terminal(id="HUT-OTHER-02")
    platform.store.add_terminal(other.id, other.key.hex(), "another hut")
    elsewhere = client_for(platform.url, other)
    found = elsewhere.request_by_slip("SLIP-1", code)
    assert (found["number"], found["anonymous"], found["state"]) == (number, True, "受理")
    assert elsewhere.request_by_slip("SLIP-1", "0" * 16) is None
    assert client.request_by_slip("SLIP-2", code) is None
    url = platform.url + "/v1/requests/by-serial/SLIP-1?proof=" + "0" * 16
    wrong = http.get(url, headers=signing.sign(other.key, "GET", url, b"", other.id), timeout=5)
    url = platform.url + "/v1/requests/by-serial/NOPE-1?proof=" + "0" * 16
    unknown = http.get(url, headers=signing.sign(other.key, "GET", url, b"", other.id), timeout=5)
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    with pytest.raises(NeedsStaff):
        elsewhere.request_by_slip("SLIP-1", "not-hex")


# -- the back office's listing -----------------------------------------------------------------------------
def test_overdue_requests_are_listed_for_the_back_office(platform, client):
    on(platform, "2026-11-27")
    late = send(client, request("LATE-1", "consult", "social_security", place=None))["number"]   # due 1 Dec
    answered = send(client, request("DONE-1", "consult", "social_security", place=None))["number"]
    later = send(client, request("OK-1", "complaint"))["number"]                                 # due 18 Dec
    move(platform, answered, "答复", note="每月15日发放")
    on(platform, "2026-12-02")
    overdue = admin(platform, "GET", "/v1/admin/requests?overdue=true").json()["requests"]
    assert [r["number"] for r in overdue] == [late]
    assert overdue[0]["text"] == "3号楼2单元楼道灯不亮，晚上看不清台阶" and overdue[0]["terminal_id"]
    assert overdue[0]["history"][0]["actor"] == "platform"
    on_time = admin(platform, "GET", "/v1/admin/requests?overdue=false&state=受理").json()["requests"]
    assert [r["number"] for r in on_time] == [later]
    assert {r["number"]: r["overdue"] for r in client.requests_for([RESIDENT])} == {
        late: True, answered: False, later: False}
    assert admin(platform, "GET", "/v1/admin/requests?state=关闭").status_code == 422
    assert admin(platform, "POST", "/v1/admin/requests/SQ1/transition",
                 json={"to": "派单", "actor": "x"}).status_code == 404


def test_a_move_names_who_made_it_and_a_known_department(platform, client):
    number = send(client, request("MOVE-1"))["number"]
    assert move(platform, number, "派单", actor="").status_code == 422
    assert move(platform, number, "派单", department="police").json()["error"]["code"] == "VALIDATION"
    assert move(platform, number, "派单", extra=1).status_code == 422
    assert move(platform, number, "办结").json()["error"]["allowed"] == ["派单", "答复"]


# -- the catalog ------------------------------------------------------------------------------------------------
def test_the_request_catalog_is_cached_with_its_etag(platform, terminal, tmp_path):
    client = client_for(platform.url, terminal, tmp_path / "state")
    first = client.request_catalog()
    assert first["version"] == "2026.12-1" and "calendar" not in first
    assert [t["code"] for t in first["types"]] == ["consult", "help", "complaint", "suggestion", "report"]
    assert {t["code"]: t["anonymous_allowed"] for t in first["types"]} == {
        "consult": False, "help": False, "complaint": True, "suggestion": False, "report": True}
    topics = {t["code"]: t for t in first["topics"]}
    assert list(topics) == ["heating", "water_power", "property", "sanitation", "roads_lighting", "neighbours",
                            "elderly_care", "social_security", "other"]
    assert "楼道灯不亮" in [p["text"] for p in topics["roads_lighting"]["phrases"]]
    assert all(p["text_en"] for t in first["topics"] for p in t["phrases"])
    assert {n["code"] for n in first["not_here"]} == {"litigation", "petition", "emergency"}
    assert first["limits_source"]
    etag = (tmp_path / "state" / "catalog" / "request-catalog.etag").read_text()
    url = platform.url + "/v1/request-catalog"
    r = http.get(url, headers={**signing.sign(terminal.key, "GET", url, b"", terminal.id), "If-None-Match": etag},
                 timeout=5)
    assert r.status_code == 304
    assert client.request_catalog() == first and client.cached_request_catalog() == first
    platform.stop()
    assert client.request_catalog() == first                    # the platform down: the cached copy
    client.close()


def test_the_simulated_huts_community_is_in_the_catalog():
    import tomllib
    from pathlib import Path

    import simulators
    profile = tomllib.loads((Path(simulators.__file__).parent / "profiles" / "simulated.toml").read_text("utf-8"))
    communities = {c["code"]: c for c in load_request_catalog()[0]["communities"]}
    community = communities[profile["hut"]["community"]]
    assert community["name"] == "新牧社区" and community["addresses"][0]["units"]
