"""The platform's staff card revocation list end to end (the reference
platform in process): fetched signed, cached with its version, a revocation
refusing the card at the next check, an older version never undoing one, the
cache too old offline; and the heartbeat's state reaching the platform."""

from __future__ import annotations

import time

import pytest

from kiosk.errors import KioskError
from kiosk.ops.staff_gate import CardVerdict, RevocationCache, card_fingerprint, parse_list
from simulators.platform.testing import admin, client_for

UID = bytes.fromhex("04A1B2C3D4E580")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_revoked_card_is_refused_after_the_next_fetch(platform, terminal, tmp_path):
    clock = Clock()
    cache = RevocationCache(tmp_path, clock)
    with client_for(platform.url, terminal) as client:
        first = cache.refresh(client)
        assert first.version == 0 and cache.verdict(UID) == (CardVerdict.STAFF, 0)
        answer = admin(platform, "POST", "/v1/admin/staff-cards/revoke", json={"uid": UID.hex()})
        assert answer.status_code == 200 and answer.json()["fingerprint"] == card_fingerprint(UID)
        assert cache.verdict(UID) == (CardVerdict.STAFF, 0)   # until the terminal asks again
        assert cache.refresh(client).version == 1
        assert cache.verdict(UID) == (CardVerdict.REVOKED, 1)
        assert cache.verdict(b"\x04\x00\x00\x01") == (CardVerdict.STAFF, 1)
        admin(platform, "POST", "/v1/admin/staff-cards/restore", json={"fingerprint": card_fingerprint(UID)})
        assert cache.refresh(client).version == 2 and cache.verdict(UID)[0] == CardVerdict.STAFF


def test_the_list_needs_the_terminals_signature_and_the_admin_token(platform, terminal):
    import requests

    assert requests.get(platform.url + "/v1/staff-cards", timeout=5).status_code == 401
    assert requests.post(platform.url + "/v1/admin/staff-cards/revoke", json={"uid": UID.hex()},
                         timeout=5).status_code == 401
    assert admin(platform, "POST", "/v1/admin/staff-cards/revoke", json={"uid": "zz"}).status_code == 422


def test_an_older_version_never_undoes_a_revocation_and_a_stale_cache_refuses(tmp_path):
    clock = Clock()
    cache = RevocationCache(tmp_path, clock, max_age=3600)
    cache.store(parse_list({"version": 5, "revoked": [card_fingerprint(UID)]}, clock.now))
    cache.store(parse_list({"version": 4, "revoked": []}, clock.now))
    assert cache.verdict(UID) == (CardVerdict.REVOKED, 5)
    clock.now += 3601
    assert cache.verdict(UID) == (CardVerdict.LIST_STALE, 5)
    assert RevocationCache(tmp_path / "none", clock).verdict(UID) == (CardVerdict.LIST_STALE, None)


@pytest.mark.parametrize("body", [[], {"version": -1, "revoked": []}, {"version": 1, "revoked": ["abc"]},
                                  {"version": True, "revoked": []}, {"version": 1}])
def test_a_malformed_list_is_refused(body):
    with pytest.raises(KioskError):
        parse_list(body, 0.0)


def test_offline_the_refresh_raises_and_the_cache_stays(terminal, tmp_path):
    cache = RevocationCache(tmp_path)
    with client_for("http://127.0.0.1:9", terminal, connect_timeout=0.2) as client, pytest.raises(KioskError):
        cache.refresh(client)
    assert cache.load() is None


def test_the_heartbeat_carries_the_apps_state(platform, terminal):
    with client_for(platform.url, terminal) as client:
        client.heartbeat({}, {"depth": 0, "dead": 0, "oldest_pending_seconds": None}, state="closed")
    found = platform.store.last_heartbeat(terminal.id)
    assert found is not None and found["heartbeat"]["state"] == "closed"
    with client_for(platform.url, terminal) as client, pytest.raises(KioskError):
        client.heartbeat({}, {"depth": 0, "dead": 0, "oldest_pending_seconds": None}, state="asleep")


# -- the root helper's socket (kiosk maintenance gate) and the app's side of it ---------------------
@pytest.fixture
def served(make_settings, tmp_path):
    """The helper serving a terminal's maintenance file on a socket (a thread,
    as kiosk-staff-gate.service would), and the app's SocketGate to it."""
    import socket
    import threading

    from kiosk.ops.maintenance_tasks import AuditLog
    from kiosk.ops.staff import staff_card_hash
    from kiosk.ops.staff_gate import LocalGate, SocketGate, serve
    from kiosk.secrets_file import load_maintenance, write_secrets_file

    settings = make_settings()
    write_secrets_file(settings.paths.secrets_file, pin="246810")
    key = load_maintenance(settings.paths.secrets_file).staff_card_key
    write_secrets_file(settings.paths.secrets_file, staff_cards=(staff_card_hash(UID, key),))
    path = tmp_path / "gate.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(LocalGate(settings, check_revocations=False), listener, stop.is_set))
    thread.start()
    cache = RevocationCache(tmp_path / "app-state")
    yield SocketGate(path, cache), cache, AuditLog(settings.admin_dir), path
    stop.set()
    thread.join(5)
    listener.close()


def test_the_app_asks_the_root_helper_and_applies_the_platforms_list_itself(served):
    gate, cache, audit, _path = served
    cache.store(parse_list({"version": 2, "revoked": []}, time.time()))
    check = gate.card(UID)
    assert check.ok and check.operator.startswith("card ") and check.list_version == 2
    assert gate.card(bytes.fromhex("04000000000001")).verdict == CardVerdict.NOT_STAFF
    cache.store(parse_list({"version": 3, "revoked": [card_fingerprint(UID)]}, time.time()))
    assert gate.card(UID).verdict == CardVerdict.REVOKED
    assert gate.pin("000000").tries_left == 4
    assert gate.pin("246810").ok
    gate.audit(check.operator, "enter", "staff screen", "by card")
    assert [(e.operator, e.action) for e in audit.entries()] == [(check.operator, "enter")]


def test_the_helper_refuses_what_is_not_a_request(served):
    import socket

    from kiosk.ops.staff_gate import SocketGate

    gate, _cache, audit, path = served
    for raw in (b"hello\n", b'{"op": "card", "uid": "zz"}\n', b'{"op": "audit", "operator": "x"}\n',
                b'{"op": "audit", "operator": "a\\nforged", "action": "b", "target": "c", "result": "d"}\n',
                b"x" * 5000 + b"\n"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(str(path))
            conn.sendall(raw)
            assert b'"error"' in conn.recv(4096)
    assert audit.entries() == []
    assert SocketGate(path.with_name("none.sock")).card(UID).verdict == CardVerdict.UNAVAILABLE
    with pytest.raises(KioskError):
        SocketGate(path.with_name("none.sock")).pin("246810")
