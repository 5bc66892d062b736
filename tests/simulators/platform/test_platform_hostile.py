"""The reference platform against a hostile network: every attack found on a
running hut, each with the refusal the contract documents (and kept so).

Raw sockets where the attack is in the framing (a body that never comes, a
body that keeps coming), requests elsewhere.  Each attack on a platform runs
on both backends (SQLite, and PostgreSQL on a throwaway cluster)."""

import hashlib
import json
import socket
import stat
import uuid

import pytest
import requests

from kiosk.central import signing
from kiosk.central.client import NeedsStaff
from kiosk.privacy import id_lookup_hash
from simulators.platform.server import PlatformServer
from simulators.platform.testing import Terminal, admin, client_for, start_platform

JSON = {"Content-Type": "application/json"}
ID_NUMBER = "110101195001011237"


@pytest.fixture(scope="module")
def shared(tmp_path_factory, backend):
    """One platform for the refusals that change nothing (keeps the suite fast)."""
    terminal = Terminal()
    server = start_platform(tmp_path_factory.mktemp("shared"), terminal, db=backend())
    yield server, terminal
    server.stop()


@pytest.fixture
def platform(tmp_path, terminal, backend):
    """Every attack on both backends: SQLite and PostgreSQL."""
    server = start_platform(tmp_path / "platform", terminal, db=backend())
    yield server
    server.stop()


def _signed(method, url, terminal, body=b"", **headers):
    return requests.request(method, url, data=body, timeout=10,
                            headers={**signing.sign(terminal.key, method, url, body, terminal.id), **headers})


def _refused(r, status, code):
    """The contract's error shape, never a plain-text answer."""
    assert r.headers["content-type"].startswith("application/json"), r.text[:200]
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text[:300]


def _raw(platform, head: str, body: bytes = b"") -> tuple[int, dict]:
    """Send a request line and headers (and maybe part of a body) and read the
    answer that comes back without waiting for the rest of the body."""
    host, port = platform.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, json.loads(answer.split(b"\r\n\r\n", 1)[1])


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def _application(serial: str, name: str = "李四") -> bytes:
    return json.dumps({"serial": serial, "matter_code": "SQ-001",
                       "applicant": {"name": name, "id_number": ID_NUMBER,
                                     "id_hash": id_lookup_hash(ID_NUMBER, b"k" * 32)},
                       "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"}},
                      ensure_ascii=False).encode()


# -- 1. the admin API -------------------------------------------------------------
ADMIN_CALLS = [("GET", "/v1/admin/stats", None), ("GET", "/v1/admin/terminals/HUT-TEST-01/heartbeat", None),
               ("POST", "/v1/admin/enrolment-codes", None), ("POST", "/v1/admin/terminals/HUT-TEST-01/revoke", None),
               ("POST", "/v1/admin/applications/PF1/status", {"status": "退回", "note": "x"}),
               ("POST", "/v1/admin/terminals", {"terminal_id": "HUT-TEST-01", "terminal_key": "00" * 32}),
               ("GET", "/v1/admin/requests?overdue=true", None),
               ("POST", "/v1/admin/requests/SQ1/transition", {"to": "派单", "actor": "x"})]


@pytest.mark.parametrize("token", [None, "", "wrong-token-wrong-token-wrong-token-1", "Basic"])
def test_admin_calls_need_the_admin_token(platform, terminal, token):
    headers = {} if token is None else {"Authorization": token if token == "Basic" else f"Bearer {token}"}
    for method, path, body in ADMIN_CALLS:
        r = requests.request(method, platform.url + path, json=body, headers=headers, timeout=5)
        _refused(r, 401, "ADMIN_UNAUTHORIZED")
        assert r.headers["WWW-Authenticate"] == "Bearer"
    # nothing happened: the terminal is still trusted with its own key
    client = client_for(platform.url, terminal)
    assert client.heartbeat({}, {})["terminal_id"] == terminal.id
    assert admin(platform, "GET", "/v1/admin/stats").json()["applications"] == 0


def test_no_admin_call_outside_the_contract_can_set_a_key(platform, terminal):
    r = admin(platform, "POST", "/v1/admin/terminals", json={"terminal_id": terminal.id, "terminal_key": "00" * 32})
    _refused(r, 404, "NOT_FOUND")
    assert admin(platform, "POST", f"/v1/admin/terminals/{terminal.id}/revoke").status_code == 200
    with pytest.raises(NeedsStaff) as info:  # revoked stays revoked
        client_for(platform.url, terminal).heartbeat({}, {})
    assert info.value.code == signing.TERMINAL_REVOKED


def _outside_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent; it only picks the outgoing interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_admin_token_is_needed_from_another_address_too(tmp_path):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    server = PlatformServer(tmp_path / "p" / "platform.sqlite3", host=address)
    server.start()
    try:
        _refused(requests.post(server.url + "/v1/admin/enrolment-codes", timeout=5), 401, "ADMIN_UNAUTHORIZED")
        assert admin(server, "POST", "/v1/admin/enrolment-codes").status_code == 201
    finally:
        server.stop()


# -- 2. bodies: limits before work ----------------------------------------------------
def test_an_unsigned_huge_body_is_refused_from_its_content_length(platform):
    status, body = _raw(platform, "POST /v1/heartbeat HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                  f"Content-Length: {2**30}\n", b"{")
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")


def test_an_unsigned_body_is_refused_before_it_is_read(platform):
    # within the size limit, but the body never comes: the answer cannot have waited for it
    status, body = _raw(platform, "POST /v1/heartbeat HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                  "Content-Length: 200000\n", b"{")
    assert (status, body["error"]["code"]) == (401, signing.SIGNATURE_MISSING)
    assert admin(platform, "GET", "/v1/admin/stats").json()["rejected_signatures"] == 1


def test_a_forged_signature_is_refused_before_the_body_is_read(platform, terminal):
    url = platform.url + "/v1/heartbeat"
    headers = signing.sign(b"\x00" * 32, "POST", url, b"{}", terminal.id)
    head = "".join(f"{k}: {v}\n" for k, v in headers.items())
    status, body = _raw(platform, "POST /v1/heartbeat HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                  f"Content-Length: 2\n{head}")
    assert (status, body["error"]["code"]) == (401, signing.SIGNATURE_INVALID)


def test_a_chunked_body_is_counted_while_it_streams(platform, terminal):
    url = platform.url + "/v1/heartbeat"
    payload = b'{"software_version": "' + b"1" * 300_000 + b'"}'
    head = "".join(f"{k}: {v}\n" for k, v in signing.sign(terminal.key, "POST", url, payload, terminal.id).items())
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 8192]), payload[i:i + 8192])
                      for i in range(0, len(payload), 8192)) + b"0\r\n\r\n"
    status, body = _raw(platform, "POST /v1/heartbeat HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                  f"Transfer-Encoding: chunked\n{head}", chunks)
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")


def test_attachments_have_their_own_larger_limit(platform, terminal):
    small = b"\x89PNG" + bytes(300_000)  # over the JSON limit, well within the attachments' one
    url = f"{platform.url}/v1/attachments/{hashlib.sha256(small).hexdigest()}"
    assert _signed("PUT", url, terminal, small, **{"Content-Type": "application/octet-stream"}).status_code == 201
    status, body = _raw(platform, f"PUT /v1/attachments/{'0' * 64} HTTP/1.1\nHost: x\n"
                                  f"Content-Type: application/octet-stream\nContent-Length: {10 * 1024 * 1024 + 1}\n")
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    assert not list((platform.store.blob_dir / ".incoming").glob("*"))  # nothing left behind


@pytest.mark.parametrize("path,method,content_type", [
    ("/v1/heartbeat", "POST", "text/plain"), ("/v1/heartbeat", "POST", None),
    ("/v1/applications", "POST", "application/x-www-form-urlencoded"),
    ("/v1/attachments/" + hashlib.sha256(b"{}").hexdigest(), "PUT", "application/json")])
def test_content_type_is_enforced(shared, path, method, content_type):
    platform, terminal = shared
    headers = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
    if content_type:
        headers["Content-Type"] = content_type
    _refused(_signed(method, platform.url + path, terminal, b"{}", **headers), 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("depth", [17, 1000, 10000])
def test_deep_json_is_malformed_not_a_crash(shared, depth):
    platform, terminal = shared
    body = b'{"software_version": "1", "devices": ' + b"[" * depth + b"]" * depth + b"}"
    _refused(_signed("POST", platform.url + "/v1/heartbeat", terminal, body, **JSON), 400, "MALFORMED_JSON")


@pytest.mark.parametrize("name", ["\\ud800", "李\\udfff四", "a\\u0000b", "a\\u0007b", "a\\nb"])
def test_invalid_text_in_a_name_is_refused_in_the_contracts_shape(shared, name):
    platform, terminal = shared
    body = _application("HOSTILE-1").replace("李四".encode(), name.encode())
    r = _signed("POST", platform.url + "/v1/applications", terminal, body,
                **JSON, **{"Idempotency-Key": "k-" + uuid.uuid4().hex})
    _refused(r, 422, "VALIDATION")


# -- 3. who may read what -----------------------------------------------------------
def test_a_terminal_reads_an_application_only_with_the_residents_proof(platform, terminal, tmp_path):
    first = client_for(platform.url, terminal)
    receipt = first.submit("application", _application("A-1"), "k-" + uuid.uuid4().hex)
    number, code = receipt["number"], receipt["access_code"]
    assert len(code) == 16 and code not in number
    admin(platform, "POST", f"/v1/admin/applications/{number}/status",
          json={"status": "审核中", "note": "已受理", "internal_note": "户籍地待核实"})
    other = Terminal(id="HUT-OTHER-02")
    platform.store.add_terminal(other.id, other.key.hex(), "another hut")
    second = client_for(platform.url, other)
    own = second.submit("application", _application("B-1"), "k-" + uuid.uuid4().hex)
    url = f"{platform.url}/v1/applications/{number}"
    _refused(_signed("GET", url, other), 422, "VALIDATION")  # no proof at all
    assert second.application_status(number, own["access_code"]) is None  # its own slip's code is not proof
    assert second.application_status(number, "0" * 16) is None
    wrong = _signed("GET", url + "?proof=" + "0" * 16, other)
    unknown = _signed("GET", f"{platform.url}/v1/applications/PF19990101000001?proof={'0' * 16}", other)
    assert wrong.json() == unknown.json()  # a guessed number cannot be told from an unknown one
    for proof in (code, id_lookup_hash(ID_NUMBER, b"k" * 32)):  # the slip's QR, or the resident's card
        status = second.application_status(number, proof)
        assert status["status"] == "审核中" and status["history"][-1]["note"] == "已受理"
        assert "户籍地待核实" not in json.dumps(status, ensure_ascii=False)
        assert all(set(step) <= {"status", "at", "note"} for step in status["history"])


# -- 4. values -------------------------------------------------------------------------
@pytest.mark.parametrize("raw,status,code", [
    (b'{"software_version": "1", "outbox": {"oldest_pending_seconds": NaN}}', 400, "MALFORMED_JSON"),
    (b'{"software_version": "1", "outbox": {"oldest_pending_seconds": Infinity}}', 400, "MALFORMED_JSON"),
    (b'{"software_version": "1", "outbox": {"oldest_pending_seconds": -Infinity}}', 400, "MALFORMED_JSON"),
    (b'{"software_version": "1", "outbox": {"oldest_pending_seconds": 1e400}}', 400, "MALFORMED_JSON"),
    (b'{"software_version": "1", "outbox": {"oldest_pending_seconds": 1e300}}', 422, "VALIDATION"),
    (b'{"software_version": "1", "outbox": {"depth": -1}}', 422, "VALIDATION"),
    (b'{"software_version": "1", "counters": {"prints": 100000000000000000000}}', 422, "VALIDATION"),
    (b'{"software_version": "1\\u0000"}', 422, "VALIDATION"),
    (b'{"software_version": "' + b"1" * 65 + b'"}', 422, "VALIDATION"),
    (b'{"software_version": "1", "counters": {"x": ' + b"9" * 5000 + b"}}", 400, "MALFORMED_JSON"),
])
def test_heartbeat_values_out_of_bounds_are_refused(shared, raw, status, code):
    platform, terminal = shared
    _refused(_signed("POST", platform.url + "/v1/heartbeat", terminal, raw, **JSON), status, code)
    assert platform.store.last_heartbeat(terminal.id) is None


def _signed_head(platform, terminal, method, path, body, **headers):
    """Request line and signed headers for ``body``, which is then not sent:
    the answer must not wait for it."""
    signed = signing.sign(terminal.key, method, platform.url + path, body, terminal.id)
    fields = {**signed, "Content-Length": str(len(body)), "Content-Type": "application/json", **headers}
    return f"{method} {path} HTTP/1.1\nHost: x\n" + "".join(f"{k}: {v}\n" for k, v in fields.items())


@pytest.mark.parametrize("value,status,code", [
    (b"NaN", 400, "MALFORMED_JSON"), (b"Infinity", 400, "MALFORMED_JSON"), (b"1e400", 400, "MALFORMED_JSON"),
    (b"1e6", 422, "VALIDATION"), (b"-1e6", 422, "VALIDATION"), (b'"' + b"9" * 65 + b'"', 422, "VALIDATION")])
def test_health_values_out_of_range_are_refused(shared, value, status, code):
    platform, terminal = shared
    body = (b'{"serial": "H-1", "resident": {"id_hash": "' + b"cd" * 32 + b'"}, '
            b'"consent": {"given": true, "at": "2026-11-26T08:00:00+00:00"}, '
            b'"measured_at": "2026-11-26T16:00:00+08:00", '
            b'"observations": [{"kind": "blood_pressure", "loinc": ["85354-9"], '
            b'"measured_at": "2026-11-26T16:00:00+08:00", "components": ['
            b'{"kind": "systolic", "loinc": ["8480-6"], "unit": "mm[Hg]", "value": ' + value + b'}, '
            b'{"kind": "diastolic", "loinc": ["8462-4"], "unit": "mm[Hg]", "value": 80}]}]}')
    r = _signed("POST", platform.url + "/v1/health-records", terminal, body,
                **JSON, **{"Idempotency-Key": "k-" + uuid.uuid4().hex})
    _refused(r, status, code)
    assert platform.store.stats()["health_records"] == 0


@pytest.mark.parametrize("size", [20_000_000, 300_000])
def test_huge_names_and_heartbeats_are_not_stored(platform, terminal, size):
    application = _application("HUGE-1", "张" * (size // 3))
    status, body = _raw(platform, _signed_head(platform, terminal, "POST", "/v1/applications", application,
                                               **{"Idempotency-Key": "k-" + uuid.uuid4().hex}))
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    beat = json.dumps({"software_version": "1", "devices": {"x": {"status": "online", "detail": {"t": "x" * size}}}})
    status, body = _raw(platform, _signed_head(platform, terminal, "POST", "/v1/heartbeat", beat.encode()))
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    assert platform.store.stats()["applications"] == 0 and platform.store.last_heartbeat(terminal.id) is None


def test_a_name_longer_than_the_contract_allows_is_refused(shared):
    platform, terminal = shared
    r = _signed("POST", platform.url + "/v1/applications", terminal, _application("LONG-1", "张" * 101),
                **JSON, **{"Idempotency-Key": "k-" + uuid.uuid4().hex})
    _refused(r, 422, "VALIDATION")


# -- 5. nonce, idempotency, files ------------------------------------------------------------
@pytest.mark.parametrize("nonce", ["1", "0" * 31, "0" * 33, "g" * 32, "../" * 11 + "..", "0" * 1000])
def test_nonces_must_be_32_hex_digits(shared, nonce):
    platform, terminal = shared
    url = platform.url + "/v1/catalog"
    r = requests.get(url, timeout=5, headers=signing.sign(terminal.key, "GET", url, b"", terminal.id, nonce=nonce))
    _refused(r, 401, signing.SIGNATURE_MALFORMED)


def test_an_idempotency_key_belongs_to_its_endpoint(platform, terminal):
    client = client_for(platform.url, terminal)
    key = "k-" + uuid.uuid4().hex
    application = client.submit("application", _application("IDEM-1"), key)
    request = client.submit("request", json.dumps({"serial": "IDEM-2", "type": "suggestion", "topic": "other",
                                                   "text": "路灯不亮", "resident": {"id_hash": "ab" * 32}},
                                                  ensure_ascii=False).encode(), key)
    assert (application["kind"], request["kind"]) == ("application", "request")
    assert request["number"].startswith("SQ") and request["serial"] == "IDEM-2"
    assert "access_code" not in request
    assert client.submit("application", _application("IDEM-1"), key) == application  # a true replay still is one


def test_the_platforms_files_are_private(tmp_path, terminal):
    folder = tmp_path / "platform"
    server = start_platform(folder, terminal)
    try:
        client = client_for(server.url, terminal)
        data = b"scan" * 100
        client.put_attachment(hashlib.sha256(data).hexdigest(), data)
        client.submit("application", _application("FILES-1"), "k-" + uuid.uuid4().hex)
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {"platform.sqlite3", "platform.sqlite3-wal", "platform.sqlite3.admin-token",
                                           hashlib.sha256(data).hexdigest()}
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    finally:
        server.stop()


def test_every_endpoint_of_the_contract_has_its_gate_rule():
    """A new endpoint cannot slip in without a size limit and a caller check."""
    from simulators.platform.documents import shipped
    from simulators.platform.gate import OTHER, rule_for

    contract = shipped("kiosk.central", "openapi.yaml")
    for path, operations in contract["paths"].items():
        concrete = path.replace("{", "").replace("}", "")
        for method, operation in operations.items():
            rule = rule_for(method.upper(), concrete)
            if path.startswith("/openapi."):
                assert rule is OTHER  # the contract itself: public, no body
            elif operation.get("security") == []:
                # public: a body has a limit; a GET without one (a certificate's check) takes none
                assert rule.caller == "anyone" and (rule.limit > 0 or "requestBody" not in operation), path
            elif path.startswith("/v1/admin/"):
                assert rule.caller == "admin", path
            else:
                assert rule.caller == "terminal", path
            assert rule.limit <= 10 * 1024 * 1024
            assert ("requestBody" in operation) == (rule.media is not None), (method, path)


# -- 6. requests (诉求) ------------------------------------------------------------------------
def _request(serial: str, text: str = "楼道灯不亮") -> bytes:
    return json.dumps({"serial": serial, "type": "complaint", "topic": "roads_lighting", "text": text,
                       "slip_code_sha256": "ab" * 32}, ensure_ascii=False).encode()


@pytest.mark.parametrize("text", ["\\ud800", "灯\\u0000", "灯\\u007f", "灯\\r\\n", "灯\\t不亮"])
def test_invalid_text_in_a_request_is_refused_in_the_contracts_shape(shared, text):
    platform, terminal = shared
    body = _request("HOSTILE-R1").replace("楼道灯不亮".encode(), text.encode())
    r = _signed("POST", platform.url + "/v1/requests", terminal, body,
                **JSON, **{"Idempotency-Key": "k-" + uuid.uuid4().hex})
    _refused(r, 422, "VALIDATION")
    assert platform.store.stats()["requests"] == 0


def test_a_huge_request_is_refused_before_it_is_read(platform, terminal):
    status, body = _raw(platform, _signed_head(platform, terminal, "POST", "/v1/requests",
                                               _request("HUGE-R1", "灯" * 100_000),
                                               **{"Idempotency-Key": "k-" + uuid.uuid4().hex}))
    assert (status, body["error"]["code"]) == (413, "BODY_TOO_LARGE")
    assert platform.store.stats()["requests"] == 0


@pytest.mark.parametrize("query", ["", "?proof=", "?proof=XYZ", "?proof=" + "0" * 64, "?proof=0&proof=1"])
def test_a_request_by_slip_needs_the_slips_code(shared, query):
    platform, terminal = shared
    _refused(_signed("GET", platform.url + "/v1/requests/by-serial/S-1" + query, terminal), 422, "VALIDATION")


def test_a_terminal_reads_no_request_without_the_residents_proof(platform, terminal):
    client = client_for(platform.url, terminal)
    client.submit("request", _request("R-PROOF-1"), "k-" + uuid.uuid4().hex)
    _refused(_signed("GET", platform.url + "/v1/requests", terminal), 422, "VALIDATION")
    _refused(_signed("GET", platform.url + "/v1/requests?id_hash=" + "AB" * 32, terminal), 422, "VALIDATION")
    many = "&".join(f"id_hash={i:064x}" for i in range(9))
    _refused(_signed("GET", platform.url + "/v1/requests?" + many, terminal), 422, "VALIDATION")
    assert client.requests_for(["ab" * 32]) == []          # an anonymous request has no hash to find it by
