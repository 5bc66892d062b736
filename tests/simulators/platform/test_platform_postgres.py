"""The platform on PostgreSQL with several workers: what must hold across
processes is held by the database (one throwaway cluster for the module),
and the failures a deployment meets (the database restarted, the pool
exhausted, a worker killed, a migration run twice or on a newer database)
end in the contract's answers, nothing lost and nothing doubled."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from kiosk.central.client import RetryLater
from kiosk.privacy import id_lookup_hash
from simulators.platform import migrations
from simulators.platform.db import PostgresDatabase
from simulators.platform.pgcluster import ThrowawayCluster
from simulators.platform.server import free_port
from simulators.platform.store import PlatformStore
from simulators.platform.testing import Terminal, admin, client_for, start_platform

pytestmark = pytest.mark.procs
ID_NUMBER = "110101195001011237"
KIOSK = [sys.executable, "-m", "kiosk.cli"]


@pytest.fixture(scope="module")
def cluster():
    cluster = ThrowawayCluster().start()
    yield cluster
    cluster.drop()


@pytest.fixture
def db(cluster):
    return cluster.create_database("p" + uuid.uuid4().hex[:12])


def _application(serial: str) -> bytes:
    return json.dumps({"serial": serial, "matter_code": "SQ-001",
                       "applicant": {"name": "李四", "id_number": ID_NUMBER,
                                     "id_hash": id_lookup_hash(ID_NUMBER, b"k" * 32)},
                       "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"}},
                      ensure_ascii=False).encode()


def _at_once(call, *targets) -> list:
    """``call(target)`` for each target on its own thread, released together."""
    start = threading.Barrier(len(targets))

    def run(target):
        start.wait()
        return call(target)

    with ThreadPoolExecutor(len(targets)) as pool:
        return list(pool.map(run, targets))


def _kiosk(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSK, "platform", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KIOSK_PLATFORM_DB": db})


# -- migrations ------------------------------------------------------------------
def test_migrate_twice_is_a_no_op_and_a_newer_database_is_refused_in_one_line(db, tmp_path):
    first = _kiosk("migrate", db=db)
    assert first.returncode == 0 and "from schema 0 to" in first.stdout, first.stderr
    again = _kiosk("migrate", db=db)
    assert again.returncode == 0 and "is up to date" in again.stdout
    with psycopg.connect(db, autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"submissions", "idempotency", "nonces", "enrolment_codes", "platform_settings"} <= tables
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == migrations.latest()
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'm0099_future', 'later')")
    for action in (["migrate"], ["serve", "--port", "0", "--attachments", str(tmp_path / "a")]):
        newer = _kiosk(*action, db=db)
        assert newer.returncode != 0
        lines = newer.stderr.strip().splitlines()
        assert len(lines) == 1 and "schema version 99, newer than this platform" in lines[0], newer.stderr


def test_a_database_that_does_not_answer_is_said_in_one_line(tmp_path):
    nowhere = f"postgresql://kiosk@127.0.0.1:{free_port()}/platform"
    for action in (["migrate"], ["serve", "--port", "0", "--attachments", str(tmp_path / "a")]):
        done = _kiosk(*action, db=nowhere)
        lines = done.stderr.strip().splitlines()
        assert done.returncode != 0 and len(lines) == 1 and "cannot reach the database" in lines[0], done.stderr


def test_a_worker_refuses_a_database_that_was_not_migrated(db, tmp_path):
    with pytest.raises(Exception, match="run `kiosk platform migrate"):
        PlatformStore(db, tmp_path / "a", migrate=False)


# -- what several workers share -------------------------------------------------------
def test_two_enrolments_racing_for_one_code_enrol_one_terminal(db, tmp_path):
    stores = [PlatformStore(db, tmp_path / "a") for _ in range(2)]  # two pools: as two workers
    try:
        for _ in range(10):
            code, _ = stores[0].new_enrolment_code()
            results = _at_once(lambda store, code=code: store.enrol(code, "hut"), *stores)
            assert sum(r is not None for r in results) == 1, results
        assert stores[1].db.execute("SELECT COUNT(*) FROM terminals").fetchone()[0] == 10
    finally:
        for store in stores:
            store.close()


def test_the_enrolment_attempt_limit_holds_across_workers(db, tmp_path):
    stores = [PlatformStore(db, tmp_path / "a") for _ in range(2)]
    try:
        waits = [stores[i % 2].enrolment_attempt("192.0.2.7") for i in range(12)]
        assert waits[:10] == [None] * 10 and all(w is not None and 0 < w <= 60 for w in waits[10:])
        assert stores[1].enrolment_attempt("192.0.2.8") is None   # another address has its own
    finally:
        for store in stores:
            store.close()


def test_a_nonce_is_taken_once_by_any_worker(db, tmp_path):
    stores = [PlatformStore(db, tmp_path / "a") for _ in range(2)]
    try:
        for i in range(20):
            nonce = f"{i:032x}"
            assert sorted(_at_once(lambda store, nonce=nonce: store.use_nonce("HUT-1", nonce), *stores)) == [False, True]
    finally:
        for store in stores:
            store.close()


def test_one_idempotency_key_sent_to_two_workers_at_once_files_once(db, tmp_path):
    terminal = Terminal()
    servers = [start_platform(tmp_path / f"w{i}", terminal, db=db) for i in range(2)]
    try:
        for n in range(8):
            body, key = _application(f"RACE-{n}"), "k-" + uuid.uuid4().hex
            answers = _at_once(lambda server, body=body, key=key: client_for(server.url, terminal).submit(
                "application", body, key), *servers)
            assert answers[0]["number"] == answers[1]["number"]
        counts = servers[0].store.serial_counts()
        assert {s: c for s, c in counts.items() if s.startswith("RACE-")} == {f"RACE-{n}": 1 for n in range(8)}
    finally:
        for server in servers:
            server.stop()


def test_an_attachment_uploaded_through_two_workers_is_one_whole_file(db, tmp_path):
    terminal = Terminal()
    servers = [start_platform(tmp_path / "shared", terminal, db=db) for _ in range(2)]
    try:
        data = b"\xff\xd8" + os.urandom(300_000)
        sha = hashlib.sha256(data).hexdigest()
        _at_once(lambda server: client_for(server.url, terminal).put_attachment(sha, data), *servers)
        assert servers[0].store.blob_path(sha).read_bytes() == data
        assert servers[1].store.attachment_of(terminal.id, sha) == len(data)
        assert not [p for p in (tmp_path / "shared" / "attachments" / ".incoming").glob("*")]
    finally:
        for server in servers:
            server.stop()


def test_a_staff_card_revoked_through_one_worker_is_revoked_on_every_worker(db, tmp_path):
    terminal = Terminal()
    servers = [start_platform(tmp_path / "shared", terminal, db=db) for _ in range(2)]
    try:
        uid = "04A1B2C3"
        answer = admin(servers[0], "POST", "/v1/admin/staff-cards/revoke", json={"uid": uid})
        assert answer.status_code == 200 and answer.json()["version"] == 1
        with client_for(servers[1].url, terminal) as client:
            listed = client.json_of(client.request("GET", "/v1/staff-cards"))
        assert listed == {"version": 1, "revoked": [answer.json()["fingerprint"]]}
        assert admin(servers[1], "POST", "/v1/admin/staff-cards/revoke", json={"uid": uid}).json()["version"] == 1
    finally:
        for server in servers:
            server.stop()


# -- failures --------------------------------------------------------------------------
def test_the_pool_exhausted_answers_503_not_a_hang(db, tmp_path):
    terminal = Terminal()
    server = start_platform(tmp_path / "p", terminal, db=db)
    assert server.store is not None
    server.store.close()  # the same platform with one connection that waits at most 0.5 s
    server.store.database = server.store.db = PostgresDatabase(db, max_size=1, pool_timeout=0.5)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with server.store.db.transaction() as tx:
            tx.execute("SELECT 1")
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        r = admin(server, "GET", "/v1/admin/stats")
        assert time.monotonic() - started < 3
        assert r.status_code == 503 and r.json()["error"]["code"] == "UNAVAILABLE", r.text
        assert r.headers["Retry-After"]
    finally:
        release.set()
        holder.join()
    assert admin(server, "GET", "/v1/admin/stats").status_code == 200
    server.stop()


def _serve(db: str, folder: Path, workers: int) -> tuple[subprocess.Popen, str]:
    assert _kiosk("migrate", db=db).returncode == 0
    port = free_port()
    proc = subprocess.Popen([*KIOSK, "platform", "serve", "--port", str(port), "--workers", str(workers),
                             "--attachments", str(folder / "attachments"), "--pool-timeout", "1"],
                            env={**os.environ, "KIOSK_PLATFORM_DB": db}, stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the platform did not become ready")


def _add_terminal(db: str, terminal: Terminal) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO terminals (id, key_hex, name, enrolled_at) VALUES (%s, %s, 'test', 'now')",
                     (terminal.id, terminal.key.hex()))


def _file_all(url: str, terminal: Terminal, serials: list[str], during=None) -> dict[str, str]:
    """Each serial filed with its own key, retried (same key) on every RetryLater
    as an outbox does; ``during`` runs once, after the first third was sent."""
    client = client_for(url, terminal, connect_timeout=1, read_timeout=5)
    keys = {s: "k-" + uuid.uuid4().hex for s in serials}
    numbers: dict[str, str] = {}
    retried = 0
    for i, serial in enumerate(serials):
        if during and i == len(serials) // 3:
            during()
        deadline = time.monotonic() + 60
        while True:
            try:
                numbers[serial] = client.submit("application", _application(serial), keys[serial])["number"]
                break
            except RetryLater as exc:
                retried += 1
                assert time.monotonic() < deadline, f"{serial}: still {exc.code} after 60 s"
                time.sleep(0.2)
    return {"retried": str(retried), **numbers}


def test_two_workers_behind_one_port_survive_a_killed_worker_and_a_database_restart(db, cluster, tmp_path):
    proc, url = _serve(db, tmp_path, workers=2)
    terminal = Terminal()
    _add_terminal(db, terminal)
    try:
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(children) == 2
        first = [f"KILL-{n}" for n in range(30)]
        _file_all(url, terminal, first, during=lambda: os.kill(children[0], signal.SIGKILL))

        answers: list[requests.Response] = []

        def restart() -> None:
            cluster.stop("fast")
            try:
                answers.append(requests.get(url + "/readyz", timeout=5))
            finally:
                cluster.start()

        second = [f"RESTART-{n}" for n in range(30)]
        _file_all(url, terminal, second, during=restart)
        assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(503, "UNAVAILABLE")]
        with psycopg.connect(db, autocommit=True) as conn:
            counts = dict(conn.execute("SELECT serial, COUNT(*) FROM submissions GROUP BY serial").fetchall())
        assert counts == {s: 1 for s in first + second}  # nothing lost, nothing doubled
        metrics = requests.get(url + "/metrics", timeout=5).text
        assert 'platform_requests_total{endpoint="POST /v1/applications",status="201"}' in metrics
        assert "platform_request_seconds_bucket" in metrics and "platform_db_pool_connections" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
