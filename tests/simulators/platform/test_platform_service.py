"""The reference platform as a service: catalog content, attachments, status
moves, stats, failure injection, the hut simulator entry and `kiosk platform serve`."""

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import time

import pytest
import requests

from kiosk.central import signing
from kiosk.errors import KioskError
from kiosk.filing.catalog import ENHANCE_MODES, FIELD_TYPES, SCAN_SIZES, Catalog
from simulators.platform.server import PlatformSimulator, free_port
from simulators.platform.testing import admin, client_for


def _signed(method, url, terminal, body=b"", **headers):
    if body:
        headers.setdefault("Content-Type", "application/octet-stream" if method == "PUT" else "application/json")
    return requests.request(method, url, data=body, timeout=5,
                            headers={**signing.sign(terminal.key, method, url, body, terminal.id), **headers})


def test_catalog_has_at_least_15_complete_matters(platform, terminal):
    r = _signed("GET", platform.url + "/v1/catalog", terminal)
    catalog = Catalog.from_dict(r.json())
    assert len(catalog.matters) >= 15
    names = {m.name for m in catalog.matters}
    assert {"最低生活保障申请", "临时救助申请", "高龄津贴申请", "残疾人两项补贴申请", "居住证申领", "就业失业登记",
            "城乡居民医疗保险参保登记", "城乡居民养老保险参保登记", "老年人优待证办理", "生育登记",
            "居民证明开具"} <= names
    assert len({m.code for m in catalog.matters}) == len(catalog.matters)
    for m in catalog.matters:
        assert m.department and m.conditions and m.materials and m.fields and m.promised_days > 0, m.code
        for mat in m.materials:
            if mat.handling == "scan":
                assert mat.scan_size in SCAN_SIZES and mat.enhance in ENHANCE_MODES
            else:
                assert mat.handling == "counter" and mat.scan_size is None
        assert all(f.type in FIELD_TYPES and f.label for f in m.fields)
        assert all(f.choices for f in m.fields if f.type == "choice")
    assert any(mat.handling == "counter" for m in catalog.matters for mat in m.materials)
    assert {m.social_security_card for m in catalog.matters} == {True, False}


def test_form_fields_are_validated_by_type(platform):
    catalog = Catalog.from_dict(json.loads((platform.url and _catalog_text(platform))))
    dibao = catalog.matter("MZ-001")
    assert dibao.validate({"household_size": 3, "monthly_income": 1200.5, "reason": "因病",
                           "phone": "13800000000", "address": "平房区友协大街1号"}) == {}
    problems = dibao.validate({"household_size": 0, "monthly_income": "many", "reason": "想要",
                               "phone": "123", "extra": 1})
    assert set(problems) == {"household_size", "monthly_income", "reason", "phone", "address", "extra"}
    birth = catalog.matter("WJ-001")
    assert "spouse_id_number" in birth.validate({"spouse_id_number": "230108195001011235", "child_order": 1,
                                                 "phone": "13800000000"})
    assert birth.validate({"spouse_id_number": "11010119900307803X", "child_order": 1,
                           "phone": "13800000000"}) == {}


def _catalog_text(platform):
    from simulators.platform.app import load_catalog_document
    return json.dumps(load_catalog_document())


def test_attachments_are_content_addressed(platform, terminal):
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    url = f"{platform.url}/v1/attachments/{sha}"
    assert _signed("PUT", url, terminal, data).status_code == 201
    assert _signed("PUT", url, terminal, data).status_code == 200  # a repeat is a no-op
    assert platform.store.blob_path(sha).read_bytes() == data
    wrong = _signed("PUT", f"{platform.url}/v1/attachments/{'0' * 64}", terminal, data)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "HASH_MISMATCH")
    assert admin(platform, "GET", "/v1/admin/stats").json()["attachments"] == 1


def test_application_needs_its_attachments_uploaded_first(platform, terminal):
    body = json.dumps({"serial": "A-1", "matter_code": "SQ-001",
                       "applicant": {"name": "李四", "id_number": "110101195001011237"},
                       "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"},
                       "attachments": [{"sha256": "1" * 64}]}).encode()
    r = _signed("POST", platform.url + "/v1/applications", terminal, body, **{"Idempotency-Key": "k-00000001"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "ATTACHMENT_MISSING")
    r = _signed("POST", platform.url + "/v1/applications", terminal, body)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "IDEMPOTENCY_KEY_MISSING")


def test_status_moves_only_along_the_flow(platform, terminal):
    client = client_for(platform.url, terminal)
    body = json.dumps({"serial": "A-2", "matter_code": "SQ-001",
                       "applicant": {"name": "李四", "id_number": "110101195001011237"},
                       "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"}}).encode()
    receipt = client.submit("application", body, "k-00000002")
    number = receipt["number"]
    move = f"/v1/admin/applications/{number}/status"
    assert admin(platform, "POST", move, json={"status": "办结"}).json()["error"]["code"] == "BAD_TRANSITION"
    assert admin(platform, "POST", move, json={"status": "审核中"}).json()["status"] == "审核中"
    assert admin(platform, "POST", move, json={"status": "退回", "note": "材料不全",
                                               "internal_note": "申请人态度差"}).json()["status"] == "退回"
    assert admin(platform, "POST", move, json={"status": "办结"}).status_code == 409
    status = client.application_status(number, proof=receipt["access_code"])
    assert status["status"] == "退回" and status["history"][-1]["note"] == "材料不全"
    assert "申请人态度差" not in json.dumps(status, ensure_ascii=False)  # the staff's own note stays with them
    assert admin(platform, "POST", "/v1/admin/applications/PF0/status", json={"status": "审核中"}).status_code == 404


def test_stats_have_exactly_the_contract_keys(platform):
    stats = admin(platform, "GET", "/v1/admin/stats").json()
    assert set(stats) == {"applications", "health_records", "requests", "attachments", "idempotent_replays",
                          "rejected_signatures"}
    assert all(isinstance(v, int) for v in stats.values())


def test_the_contract_document_is_served(platform):
    doc = requests.get(platform.url + "/openapi.json", timeout=5).json()
    assert doc["openapi"].startswith("3.1") and "/v1/applications" in doc["paths"]
    assert "X-Kiosk-Signature" in requests.get(platform.url + "/openapi.yaml", timeout=5).text


def test_405_lists_every_allowed_method(platform):
    r = requests.delete(platform.url + "/v1/applications", timeout=5)
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "POST"}


@pytest.mark.parametrize("mode", ["error500", "drop", "malformed"])
def test_failure_injection(platform, terminal, mode):
    platform.faults.set(mode, count=1)
    url = platform.url + "/v1/heartbeat"
    body = b'{"software_version": "1"}'
    if mode == "drop":  # the status line arrives, then the connection is cut
        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            _signed("POST", url, terminal, body)
    else:
        r = _signed("POST", url, terminal, body)
        if mode == "error500":
            assert r.status_code == 500
        else:
            with pytest.raises(ValueError):
                r.json()
    assert _signed("POST", url, terminal, body).status_code == 200  # count=1: only the next request
    assert admin(platform, "GET", "/v1/admin/stats").status_code == 200


@pytest.mark.slow
def test_slow_and_timeout_injection(platform, terminal):
    url = platform.url + "/v1/heartbeat"
    platform.faults.set("slow", count=1, seconds=0.5)
    started = time.monotonic()
    assert _signed("POST", url, terminal, b'{"software_version": "1"}').status_code == 200
    assert time.monotonic() - started >= 0.5
    platform.faults.set("timeout", count=1, seconds=2)
    with pytest.raises(requests.ReadTimeout):
        requests.post(url, data=b'{"software_version": "1"}', timeout=(1, 0.5),
                      headers={**signing.sign(terminal.key, "POST", url, b'{"software_version": "1"}', terminal.id),
                               "Content-Type": "application/json"})


def test_hut_simulator_entry(tmp_path, terminal):
    sim = PlatformSimulator(tmp_path)
    sim.start()
    try:
        assert sim.name == "platform" and sim.description
        assert sim.where().startswith("http://127.0.0.1:")
        # the district's e-seal CA the platform made on its first start: the kiosk's certificate trust store
        ca = tmp_path / "platform" / "certificates" / "seal-ca.pem"
        assert sim.config_patch() == {"platform": {"url": sim.where(), "seal_ca_file": str(ca)}}
        assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
        sim.trust_terminal(terminal.id, terminal.key)
        client = client_for(sim.where(), terminal)
        assert client.heartbeat({}, {}, {})["terminal_id"] == terminal.id
        assert sim.control("fail", mode="error500", count=1) == {"fault": "error500"}
        with pytest.raises(KioskError):
            client.heartbeat({}, {}, {})
        assert set(sim.control("stats")) >= {"applications", "rejected_signatures"}
        assert sim.control("revoke", terminal_id=terminal.id) == {"revoked": True}
        assert sim.control("down") == {"running": False}
        assert sim.control("up") == {"running": True}
        with pytest.raises(ValueError, match="actions:"):
            sim.control("explode")
        with pytest.raises(ValueError):
            sim.control("fail", mode="meteor")
    finally:
        sim.stop()
        sim.stop()  # idempotent
    with socket.socket() as s:  # nothing listens on the port any more
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(sim.where().rsplit(":", 1)[1])))


@pytest.mark.procs
def test_kiosk_platform_serve(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "platform", "serve", "--db",
                             str(tmp_path / "p.sqlite3"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                anonymous = requests.get(f"http://127.0.0.1:{port}/v1/admin/stats", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.1)
        assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "ADMIN_UNAUTHORIZED")
        token_file = tmp_path / "p.sqlite3.admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        stats = requests.get(f"http://127.0.0.1:{port}/v1/admin/stats", timeout=1,
                             headers={"Authorization": f"Bearer {token_file.read_text().strip()}"}).json()
        assert stats["applications"] == 0
        assert (tmp_path / "p.sqlite3").exists()
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out and str(token_file) in out and "Traceback" not in err


@pytest.mark.procs
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_kiosk_platform_serve_beyond_loopback_needs_tls(tmp_path, host):
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "platform", "serve", "--db",
                           str(tmp_path / "p.sqlite3"), "--host", host, "--port", "0"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "without TLS" in lines[0] and "--behind-tls-proxy" in lines[0], done.stderr
    assert not (tmp_path / "p.sqlite3").exists()
