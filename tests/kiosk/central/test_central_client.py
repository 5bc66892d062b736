"""The client against the reference platform: error mapping, catalog cache,
status budget, enrolment, idempotency, TLS settings."""

import json
import time
import uuid

import pytest

from kiosk.central import CentralClient, NeedsStaff, RetryLater, signing
from kiosk.central.client import parse_retry_after
from simulators.platform.testing import admin, client_for

ID_HASH = "ab" * 32


def _app_body(serial, **over):
    body = {"serial": serial, "matter_code": "SQ-001",
            "applicant": {"name": "张三", "id_number": "110101195001011237", "id_hash": ID_HASH},
            "form": {"certificate": "居住证明", "purpose": "办理入学", "phone": "13800000000"}}
    body.update(over)
    return json.dumps(body, ensure_ascii=False).encode()


@pytest.mark.parametrize("mode,params", [
    ("error500", {}), ("status", {"code": 503}), ("status", {"code": 408}), ("status", {"code": 409}),
    ("status", {"code": 429}), ("drop", {}),
    ("malformed", {}), ("timeout", {"seconds": 3}),
])
def test_transient_failures_mean_retry_later(platform, client, mode, params):
    platform.faults.set(mode, count=1, **params)
    with pytest.raises(RetryLater):
        client.submit("application", _app_body("S-1"), "key-" + uuid.uuid4().hex)


def test_platform_down_means_retry_later(terminal, tmp_path):
    from simulators.platform.server import free_port
    with client_for(f"http://127.0.0.1:{free_port()}", terminal) as c, pytest.raises(RetryLater) as info:
        c.heartbeat({}, {}, {})
    assert info.value.code == "NETWORK" and not info.value.ambiguous


def test_429_retry_after_is_honoured(platform, client):
    platform.faults.set("status", count=1, code=429, retry_after=7)
    with pytest.raises(RetryLater) as info:
        client.heartbeat({}, {}, {})
    assert info.value.status == 429 and info.value.retry_after == 7


def test_other_4xx_needs_staff_with_the_platform_code(client):
    with pytest.raises(NeedsStaff) as info:
        client.submit("application", _app_body("S-2", matter_code="NOPE"), "key-" + uuid.uuid4().hex)
    assert (info.value.status, info.value.code) == (422, "UNKNOWN_MATTER")


def test_form_validation_problems_come_back(client):
    body = _app_body("S-3", form={"certificate": "结婚证明", "purpose": "x", "phone": "12"})
    with pytest.raises(NeedsStaff) as info:
        client.submit("application", body, "key-" + uuid.uuid4().hex)
    assert info.value.code == "FORM_INVALID"


def test_repeat_returns_the_original_and_changed_body_is_422(platform, client):
    key = "key-" + uuid.uuid4().hex
    first = client.submit("application", _app_body("S-4"), key)
    again = client.submit("application", _app_body("S-4"), key)
    assert again == first and first["number"].startswith("PF")
    with pytest.raises(NeedsStaff) as info:
        client.submit("application", _app_body("S-4", form={"certificate": "其他", "purpose": "y",
                                                            "phone": "13800000000"}), key)
    assert (info.value.status, info.value.code) == (422, "IDEMPOTENCY_MISMATCH")
    stats = admin(platform, "GET", "/v1/admin/stats").json()
    assert stats["applications"] == 1 and stats["idempotent_replays"] == 1


def test_repeat_while_the_first_answer_is_held_is_a_replay(platform, client, terminal):
    """The client gave up waiting (ambiguous); its retry must not file twice."""
    import threading
    platform.faults.set("timeout", count=1, seconds=1.5)
    key = "key-" + uuid.uuid4().hex
    slow = client_for(platform.url, terminal, read_timeout=5)
    t = threading.Thread(target=slow.submit, args=("application", _app_body("S-5"), key))
    t.start()
    deadline = time.monotonic() + 10
    while admin(platform, "GET", "/v1/admin/stats").json()["applications"] < 1:
        assert time.monotonic() < deadline, "the first request was never processed"
        time.sleep(0.02)
    # the first one is processed but its answer held: a repeat now is a replay, not a second application
    assert client.submit("application", _app_body("S-5"), key)["serial"] == "S-5"
    t.join()
    slow.close()
    assert admin(platform, "GET", "/v1/admin/stats").json()["applications"] == 1


def test_serial_query(client):
    assert client.submission("S-6") is None
    ack = client.submit("application", _app_body("S-6"), "key-" + uuid.uuid4().hex)
    assert client.submission("S-6")["number"] == ack["number"]


def test_catalog_is_cached_with_etag_and_works_offline(platform, client, tmp_path):
    catalog = client.catalog()
    assert len(catalog.matters) >= 15
    etag = (tmp_path / "state" / "catalog" / "catalog.etag").read_text()
    assert etag.startswith('"')
    assert client.catalog() == catalog  # answered 304 from the cache
    platform.stop()
    assert client.catalog() == catalog  # offline: the cached copy


def test_no_catalog_offline_without_cache(terminal, tmp_path):
    from simulators.platform.server import free_port
    with client_for(f"http://127.0.0.1:{free_port()}", terminal, tmp_path) as c, pytest.raises(RetryLater) as info:
        c.catalog()
    assert info.value.code == "NO_CATALOG"


def test_status_query_respects_its_budget(platform, client):
    ack = client.submit("application", _app_body("S-7"), "key-" + uuid.uuid4().hex)
    code = ack["access_code"]
    assert client.application_status(ack["number"], code)["status"] == "受理"
    platform.faults.set("slow", count=1, seconds=2)
    started = time.monotonic()
    with pytest.raises(RetryLater) as info:
        client.application_status(ack["number"], code, budget=0.5)
    assert time.monotonic() - started < 1.0 and info.value.code == "BUDGET"
    assert client.application_status("PF00000000000000", code) is None


def test_status_moves_and_lookup_by_id_hash(platform, client):
    ack = client.submit("application", _app_body("S-8"), "key-" + uuid.uuid4().hex)
    move = f"/v1/admin/applications/{ack['number']}/status"
    assert admin(platform, "POST", move, json={"status": "审核中"}).status_code == 200
    assert admin(platform, "POST", move, json={"status": "办结", "note": "已发放"}).status_code == 200
    found = client.applications_for(ID_HASH)
    assert [a["status"] for a in found] == ["办结"]
    assert [h["status"] for h in found[0]["history"]] == ["受理", "审核中", "办结"]


def test_enrolment_with_a_one_time_code(platform, tmp_path):
    code = admin(platform, "POST", "/v1/admin/enrolment-codes").json()["enrolment_code"]
    with CentralClient(platform.url, "", b"", state_dir=tmp_path) as fresh:
        terminal_id, key, id_hash_keys = fresh.enrol(code, "平房区某社区小屋")
        assert len(key) == 32 and id_hash_keys.version >= 1 and len(id_hash_keys.key) == 32
        with CentralClient(platform.url, terminal_id, key) as enrolled:
            assert enrolled.heartbeat({"printer": {"status": "online"}}, {"depth": 0})["terminal_id"] == terminal_id
        with pytest.raises(NeedsStaff) as info:
            fresh.enrol(code)
    assert info.value.code == "ENROLMENT_CODE_INVALID"


def test_tls_verification_is_on_by_default_and_takes_a_ca_file(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert CentralClient("https://p.example", "T", b"k" * 32).session.verify is True
    c = CentralClient("https://p.example", "T", b"k" * 32, ca_file=ca, client_cert=tmp_path / "c.pem",
                      client_key=tmp_path / "k.pem")
    assert c.session.verify == str(ca) and c.session.cert == (str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))


def test_retry_after_parsing():
    assert parse_retry_after("12") == 12
    assert parse_retry_after(None) is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.001


def test_client_from_the_terminal_configuration(tmp_path):
    import tomli_w

    from kiosk.config import load, write_secrets_file
    key = bytes(range(32))
    write_secrets_file(tmp_path / "secrets.toml", terminal_key=key)
    (tmp_path / "ca.pem").write_text("x")
    (tmp_path / "kiosk.toml").write_text(tomli_w.dumps({
        "terminal": {"id": "HUT-0042"},
        "platform": {"url": "https://platform.example.gov.cn", "ca_file": str(tmp_path / "ca.pem"),
                     "connect_timeout": 2.5, "read_timeout": 7.0},
        "paths": {"state_dir": str(tmp_path / "state"), "secrets_file": str(tmp_path / "secrets.toml")},
        "timeouts": {"status_query_seconds": 2.0}}))
    c = CentralClient.from_settings(load(tmp_path / "kiosk.toml"))
    assert (c.terminal_id, c.timeout, c.status_budget) == ("HUT-0042", (2.5, 7.0), 2.0)
    assert c.session.verify == str(tmp_path / "ca.pem") and c.session.auth.key == key
    assert c.state_dir == tmp_path / "state"


def test_a_repeat_while_the_first_is_being_processed_is_409_in_flight(platform, client, terminal):
    import threading
    store = platform.store
    original = store.create_submission

    writing, repeated = threading.Event(), threading.Event()

    def slow_create(*args, **kw):  # the platform's own write, held until the repeat is answered
        writing.set()
        repeated.wait(10)
        return original(*args, **kw)

    store.create_submission = slow_create
    key = "key-" + uuid.uuid4().hex
    first = client_for(platform.url, terminal, read_timeout=15)
    results = {}
    t = threading.Thread(target=lambda: results.setdefault("first", first.submit("application", _app_body("S-9"), key)))
    t.start()
    assert writing.wait(10), "the first request never reached the platform's write"
    try:
        with pytest.raises(RetryLater) as info:
            client.submit("application", _app_body("S-9"), key)
    finally:
        repeated.set()
    t.join()
    assert (info.value.status, info.value.code, info.value.retry_after) == (409, "IN_FLIGHT", 1)
    assert client.submit("application", _app_body("S-9"), key) == results["first"]  # afterwards: a replay
    first.close()


def test_an_unusable_url_needs_staff(terminal):
    with client_for("htp:/platform", terminal) as c, pytest.raises(NeedsStaff) as info:
        c.heartbeat({}, {}, {})
    assert info.value.code == "CONFIG" and "platform.url" in str(info.value)


def test_heartbeat_carries_the_device_monitor_view(platform, client, tmp_path, terminal):
    from kiosk.outbox.store import Outbox
    box = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    outbox = box.status()
    box.close()
    devices = {  # the shape of kiosk.devices.owner.DeviceOwner.heartbeat_devices()
        "printer": {"status": "user_error", "detail": {"paper": "out", "cover": "closed"},
                    "info": {"model": "TM-T88", "serial": "X1", "firmware": None, "capabilities": ["near_end"]},
                    "counters": {"prints": 120, "cuts": 118, "failed_cuts": 0},
                    "last_error": {"what": "paper out", "action": "clear"}},
        "idcard": {"status": "no_device", "detail": {}, "last_error": {"what": "no such port", "action": "maintenance"}},
    }
    assert client.heartbeat(devices, {"depth": outbox["pending"], "dead": outbox["dead"],
                                      "oldest_pending_seconds": outbox["oldest_pending_seconds"]},
                            {"uptime_seconds": 3600})["terminal_id"] == terminal.id
    with pytest.raises(NeedsStaff) as info:
        client.heartbeat({"printer": {"detail": {}}}, {})  # no status
    assert info.value.code == "VALIDATION" and "printer" in str(info.value)


def test_an_unreadable_retry_after_counts_as_absent():
    """A proxy's odd header must not crash the worker: the backoff still applies."""
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 99 Foo 2015") is None
    assert parse_retry_after("-3") == 0
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000") <= 0.001


@pytest.mark.parametrize("typed", ["PF 2026", "申请1", "PF2026/1", "PF?x=1", "PF#1", "%41"])
def test_a_status_query_for_any_typed_number_is_signed_correctly(client, typed):
    """What a resident types goes into the path percent-encoded and signed as
    sent: an unknown number is 'not found', never 'the terminal key may be wrong'."""
    assert client.application_status(typed, ID_HASH) is None


def test_a_number_with_an_encoded_character_is_found(platform, client):
    ack = client.submit("application", _app_body("S-10"), "key-" + uuid.uuid4().hex)
    platform.store.db.execute("UPDATE submissions SET number=? WHERE serial='S-10'", ("PF 申请 1",))
    assert client.application_status("PF 申请 1", ack["access_code"])["serial"] == "S-10" != ack["number"]


def test_a_well_formed_but_wrong_answer_is_retry_later(platform, client):
    platform.store.applications_by_id_hash = lambda *a, **k: {"not": "a list"}
    with pytest.raises(RetryLater) as info:
        client.applications_for(ID_HASH)
    assert info.value.code == "MALFORMED_RESPONSE"


def test_a_retry_is_signed_afresh_and_keeps_its_idempotency_key(platform, client):
    sent = []
    client.session.hooks["response"].append(lambda r, *a, **k: sent.append(dict(r.request.headers)))
    platform.faults.set("error500", count=1, path="/v1/applications")
    key = "key-" + uuid.uuid4().hex
    with pytest.raises(RetryLater):
        client.submit("application", _app_body("S-11"), key)
    assert client.submit("application", _app_body("S-11"), key)["serial"] == "S-11"
    first, retry = sent
    assert first["Idempotency-Key"] == retry["Idempotency-Key"] == key
    for header in (signing.H_NONCE, signing.H_SIGNATURE):
        assert first[header] != retry[header]
    assert first[signing.H_BODY_SHA] == retry[signing.H_BODY_SHA]


def test_health_history_under_its_budget_and_shape(platform, client, monkeypatch):
    import simulators.platform.app as platform_app

    assert client.health_history(ID_HASH) == []
    monkeypatch.setattr(platform_app, "history_entry", lambda *entry: "not a record")
    client.submit("health_record", json.dumps(_health_body("S-H1")).encode(), "key-" + uuid.uuid4().hex)
    with pytest.raises(RetryLater) as info:
        client.health_history([ID_HASH])
    assert info.value.code == "MALFORMED_RESPONSE"
    platform.faults.set("malformed", count=1, path="/v1/health-records")
    with pytest.raises(RetryLater) as info:
        client.health_history(ID_HASH)
    assert info.value.code == "MALFORMED_RESPONSE"
    platform.faults.set("slow", count=1, seconds=2, path="/v1/health-records")
    started = time.monotonic()
    with pytest.raises(RetryLater) as info:
        client.health_history(ID_HASH, budget=0.3)
    assert time.monotonic() - started < 1.0 and info.value.code == "BUDGET"


def _health_body(serial):
    at = "2026-12-07T09:30:00+08:00"
    return {"serial": serial, "resident": {"id_hash": ID_HASH}, "consent": {"given": True, "at": at},
            "measured_at": at, "observations": [{"kind": "temperature", "loinc": ["8310-5"], "value": 36.6,
                                                 "unit": "Cel", "measured_at": at}]}
