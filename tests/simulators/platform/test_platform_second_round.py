"""The second attack on the reference platform (issue 20, items 12 to 15):
idle and slow connections, what a terminal claims about its attachments and
its applicant, access codes and application numbers, enrolment codes.
Every refusal in the contract's error shape."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import time
import uuid

import pytest
import requests

from kiosk.central import signing
from simulators.platform.connections import ConnectionLimits
from simulators.platform.server import PlatformServer
from simulators.platform.testing import Terminal, admin, client_for, start_platform

JSON = {"Content-Type": "application/json"}
ID_NUMBER = "110101195001011237"
JPEG = b"\xff\xd8\xff\xe0" + bytes(2000)


def _refused(r, status, code):
    assert r.headers["content-type"].startswith("application/json"), r.text[:200]
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text[:300]


def _signed(method, url, terminal, body=b"", **headers):
    return requests.request(method, url, data=body, timeout=10,
                            headers={**signing.sign(terminal.key, method, url, body, terminal.id), **headers})


def _application(serial, terminal, attachments=(), **applicant):
    keys = terminal.id_hash_keys
    return json.dumps({"serial": serial, "matter_code": "SQ-001",
                       "applicant": {"name": "李四", "id_number": ID_NUMBER, "id_hash": keys.filing_hash(ID_NUMBER)[0],
                                     **applicant},
                       "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"},
                       "attachments": list(attachments)}, ensure_ascii=False).encode()


def _file(platform, terminal, body):
    return _signed("POST", platform.url + "/v1/applications", terminal, body, **JSON,
                   **{"Idempotency-Key": "k-" + uuid.uuid4().hex})


# -- 12. connections ------------------------------------------------------------------------
def _get_from(address: str, url: str) -> requests.Response:
    """A request from another loopback address (a different client to the platform)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter()
    adapter.init_poolmanager(1, 1, source_address=(address, 0))
    session.mount("http://", adapter)
    try:
        return session.get(url, timeout=10)
    finally:
        session.close()


@pytest.mark.slow  # waits out real intervals: make test, not make check
def test_idle_connections_are_dropped_and_cannot_crowd_out_other_clients(tmp_path):
    limits = ConnectionLimits(header_seconds=2.0, per_address=16, refused_seconds=1.0)
    server = PlatformServer(tmp_path / "p" / "platform.sqlite3", limits=limits)
    server.start()
    host, port = "127.0.0.1", server.port
    idle = []
    try:
        for _ in range(200):
            idle.append(socket.create_connection((host, port), timeout=10))
        time.sleep(0.3)
        other = _get_from("127.0.0.2", server.url + "/openapi.json")
        assert other.status_code == 200, "one address's idle connections denied service to another"
        crowded = requests.get(server.url + "/openapi.json", timeout=10)
        _refused(crowded, 503, "TOO_MANY_CONNECTIONS")
        assert int(crowded.headers["Retry-After"]) > 0
        deadline = time.monotonic() + 8
        closed = 0
        for sock in idle:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                answer = sock.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            except ConnectionResetError:
                answer = b""
            closed += 1
            if answer:
                assert b"408" in answer.split(b"\r\n")[0] and b'"REQUEST_TIMEOUT"' in answer
        assert closed == 200, f"only {closed} of 200 idle connections were dropped"
        assert requests.get(server.url + "/openapi.json", timeout=10).status_code == 200
    finally:
        for sock in idle:
            sock.close()
        server.stop()


def test_a_request_head_trickled_byte_by_byte_is_cut_off(tmp_path):
    server = PlatformServer(tmp_path / "p" / "platform.sqlite3", limits=ConnectionLimits(header_seconds=1.5))
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            started = time.monotonic()
            answer = b""
            for byte in b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    break
                time.sleep(0.1)
                sock.setblocking(False)
                try:
                    answer += sock.recv(4096)
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
                if answer:
                    break
            assert time.monotonic() - started < 6
            assert answer.startswith(b"HTTP/1.1 408") and b'"REQUEST_TIMEOUT"' in answer
    finally:
        server.stop()


@pytest.mark.slow  # waits out real intervals: make test, not make check
def test_a_body_that_stops_coming_is_cut_off(tmp_path):
    terminal = Terminal()
    server = start_platform(tmp_path / "p", terminal)
    server.stop()
    server = PlatformServer(tmp_path / "p" / "platform.sqlite3", limits=ConnectionLimits(body_seconds=1.5))
    server.start()
    try:
        body = json.dumps({"software_version": "1", "devices": {}}).encode()
        url = server.url + "/v1/heartbeat"
        head = "".join(f"{k}: {v}\r\n" for k, v in signing.sign(terminal.key, "POST", url, body, terminal.id).items())
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"POST /v1/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n{head}\r\n".encode() + body[:5])
            started = time.monotonic()
            try:
                while sock.recv(4096):
                    pass
            except ConnectionResetError:
                pass
            assert time.monotonic() - started < 6, "a half-sent body held the connection"
        assert server.store.last_heartbeat(terminal.id) is None
    finally:
        server.stop()


# -- 13. what a terminal claims ------------------------------------------------------------
@pytest.fixture
def two_terminals(tmp_path):
    first = Terminal()
    server = start_platform(tmp_path / "platform", first)
    second = Terminal(id="HUT-OTHER-02", id_hash_key=first.id_hash_key)
    server.store.add_terminal(second.id, second.key.hex(), "another hut")
    yield server, first, second
    server.stop()


def test_declared_size_and_content_type_must_be_what_was_uploaded(two_terminals):
    platform, terminal, _ = two_terminals
    sha = hashlib.sha256(JPEG).hexdigest()
    assert client_for(platform.url, terminal).put_attachment(sha, JPEG)
    lied_size = _file(platform, terminal, _application("LIE-1", terminal, [{"sha256": sha, "size": 10, "content_type":
                                                                           "image/jpeg"}]))
    _refused(lied_size, 422, "ATTACHMENT_MISMATCH")
    lied_type = _file(platform, terminal, _application("LIE-2", terminal, [{"sha256": sha, "size": len(JPEG),
                                                                           "content_type": "application/pdf"}]))
    _refused(lied_type, 422, "ATTACHMENT_MISMATCH")
    text = b"#!/bin/sh\nrm -rf /\n"
    text_sha = hashlib.sha256(text).hexdigest()
    client_for(platform.url, terminal).put_attachment(text_sha, text)
    _refused(_file(platform, terminal, _application("LIE-3", terminal, [{"sha256": text_sha}])), 422,
             "ATTACHMENT_MISMATCH")
    honest = _file(platform, terminal, _application("TRUE-1", terminal, [{"sha256": sha, "size": len(JPEG),
                                                                         "content_type": "image/jpeg"}]))
    assert honest.status_code == 201, honest.text
    assert platform.store.stats()["applications"] == 1


def test_a_terminal_cannot_reference_another_terminals_upload(two_terminals):
    platform, first, second = two_terminals
    sha = hashlib.sha256(JPEG).hexdigest()
    assert client_for(platform.url, first).put_attachment(sha, JPEG)
    unknown = _file(platform, second, _application("B-1", second, [{"sha256": "ab" * 32}]))
    theirs = _file(platform, second, _application("B-2", second, [{"sha256": sha}]))
    _refused(theirs, 422, "ATTACHMENT_MISSING")
    assert theirs.json() == unknown.json()  # the same answer as for a page nobody uploaded
    assert client_for(platform.url, second).put_attachment(sha, JPEG), "its own upload of the same page is new to it"
    assert _file(platform, second, _application("B-3", second, [{"sha256": sha}])).status_code == 201


def test_unknown_fields_in_the_applicant_are_refused_not_stored(two_terminals):
    platform, terminal, _ = two_terminals
    junk = {f"extra_{i}": "x" * 3999 for i in range(65)}
    _refused(_file(platform, terminal, _application("JUNK-1", terminal, **junk)), 422, "VALIDATION")
    _refused(_file(platform, terminal, _application("JUNK-2", terminal, nickname="老李")), 422, "VALIDATION")
    assert platform.store.stats()["applications"] == 0


# -- 14. access codes and numbers -----------------------------------------------------------------
def test_an_access_code_is_handed_out_once_and_numbers_do_not_count(two_terminals):
    platform, terminal, _ = two_terminals
    client = client_for(platform.url, terminal)
    receipts = [client.submit("application", _application(f"N-{i}", terminal), "k-" + uuid.uuid4().hex)
                for i in range(3)]
    numbers = [r["number"] for r in receipts]
    assert all(re.fullmatch(r"PF\d{8}[0-9A-HJKMNP-TV-Z]{10}", n) for n in numbers), numbers
    assert len({n[10:] for n in numbers}) == 3  # random tails: no count of the day's filings
    lost = client.submission("N-0")  # the terminal lost the answer: the code once, now
    assert lost["access_code"] == receipts[0]["access_code"]
    again = client.submission("N-0")
    assert "access_code" not in again and again["number"] == numbers[0]
    other = client.submission("N-1")
    platform.store.db.execute("UPDATE submissions SET received_at='2020-01-01T00:00:00+00:00' WHERE serial='N-2'")
    assert "access_code" in other and "access_code" not in client.submission("N-2"), "an old code was handed out"


# -- 15. enrolment codes ------------------------------------------------------------------------------
def test_enrolment_codes_expire_and_guessing_is_rate_limited(two_terminals):
    platform, _terminal, _ = two_terminals
    made = admin(platform, "POST", "/v1/admin/enrolment-codes")
    assert made.status_code == 201 and made.json()["expires_at"]
    short = admin(platform, "POST", "/v1/admin/enrolment-codes", json={"valid_hours": 0.0003}).json()
    time.sleep(1.5)
    url = platform.url + "/v1/enrolment"
    _refused(requests.post(url, json={"enrolment_code": short["enrolment_code"]}, timeout=5), 403,
             "ENROLMENT_CODE_INVALID")
    answers = [requests.post(url, json={"enrolment_code": f"{n:04X}-0000-0000-0000"}, timeout=5) for n in range(12)]
    assert [a.status_code for a in answers].count(429) >= 3, [a.status_code for a in answers]
    limited = next(a for a in answers if a.status_code == 429)
    _refused(limited, 429, "TOO_MANY_ATTEMPTS")
    assert int(limited.headers["Retry-After"]) > 0
    still = requests.post(url, json={"enrolment_code": made.json()["enrolment_code"]}, timeout=5)
    _refused(still, 429, "TOO_MANY_ATTEMPTS")  # even the right code waits: a guesser cannot tell
    _refused(admin(platform, "POST", "/v1/admin/enrolment-codes", json={"valid_hours": 0}), 422, "VALIDATION")
