"""The platform's storage layer on SQLite, in process: migrations (twice is a
no-op, a newer database is refused), what the facade hands PostgreSQL, and
the state a platform from before migrations leaves behind taken over."""

import json
import sqlite3

import pytest
import requests

from kiosk.errors import KioskError
from simulators.platform import migrations
from simulators.platform.db import Conflict, SQLiteDatabase, redacted, to_psycopg
from simulators.platform.metrics import endpoint
from simulators.platform.staff_cards import StaffCardList
from simulators.platform.store import PlatformStore
from simulators.platform.testing import Terminal, start_platform


def test_a_migration_run_twice_changes_nothing(tmp_path):
    db = SQLiteDatabase(tmp_path / "p.sqlite3")
    try:
        assert migrations.migrate(db) == [name for _, name, _ in migrations.steps()]
        assert migrations.migrate(db) == []
        assert migrations.current(db) == migrations.latest()
        assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(migrations.steps())
    finally:
        db.close()


def test_a_database_newer_than_the_platform_is_refused_in_one_line(tmp_path):
    PlatformStore(tmp_path / "p.sqlite3").close()
    with sqlite3.connect(tmp_path / "p.sqlite3") as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'm0099_future', 'later')")
    with pytest.raises(KioskError) as info:
        PlatformStore(tmp_path / "p.sqlite3")
    assert "schema version 99, newer than this platform" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_transaction_rolls_back_as_a_whole_and_a_duplicate_key_is_a_conflict(tmp_path):
    store = PlatformStore(tmp_path / "p.sqlite3")
    try:
        with pytest.raises(Conflict):
            with store.db.transaction() as tx:
                tx.execute("INSERT INTO counters VALUES ('a', 1)")
                tx.execute("INSERT INTO counters VALUES ('a', 2)")
        assert store.counter("a") == 0   # the first insert went with the second
        store.bump("a")
        store.bump("a", 4)
        assert store.counter("a") == 5
    finally:
        store.close()


def test_sql_is_handed_to_psycopg_with_its_placeholders_and_percent_signs():
    assert to_psycopg("SELECT * FROM t WHERE a=? AND b LIKE 'x%' AND c IN (?,?)") == \
        "SELECT * FROM t WHERE a=%s AND b LIKE 'x%%' AND c IN (%s,%s)"
    assert redacted("postgresql://kiosk:s3cret@db:5432/p") == "postgresql://kiosk:***@db:5432/p"


def test_metrics_label_routes_never_serials_or_hashes():
    assert endpoint("PUT", "/v1/attachments/" + "ab" * 32) == "PUT /v1/attachments/{id}"
    assert endpoint("GET", "/v1/applications/by-serial/S-1") == "GET /v1/applications/by-serial/{id}"
    assert endpoint("GET", "/wp-admin/setup.php") == "other"


def test_a_staff_card_list_from_before_is_taken_over_once(tmp_path):
    store = PlatformStore(tmp_path / "p.sqlite3")
    legacy = store.side_file(".staff-cards.json")
    legacy.write_text(json.dumps({"version": 3, "revoked": ["ab" * 32]}))
    try:
        cards = StaffCardList(store, legacy)
        assert cards.document() == {"version": 3, "revoked": ["ab" * 32]}
        assert not legacy.exists()
        assert cards.change("cd" * 32, True) == 4 and cards.change("cd" * 32, True) == 4
        assert StaffCardList(store, legacy).document()["version"] == 4   # not imported again
    finally:
        store.close()


def test_health_readiness_and_metrics(tmp_path):
    server = start_platform(tmp_path / "p", Terminal())
    try:
        assert requests.get(server.url + "/healthz", timeout=5).json() == {"status": "ok"}
        ready = requests.get(server.url + "/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["schema_version"] == migrations.latest()
        assert requests.get(server.url + "/v1/catalog", timeout=5).status_code == 401
        metrics = requests.get(server.url + "/metrics", timeout=5).text
        assert 'platform_requests_total{endpoint="GET /v1/catalog",status="401"} 1.0' in metrics
        assert 'platform_request_seconds_bucket{endpoint="GET /readyz",le="0.5"} 1.0' in metrics
        assert server.store is not None
        server.store.db.execute("INSERT INTO schema_migrations VALUES (99, 'm0099_future', 'later')")
        refused = requests.get(server.url + "/readyz", timeout=5)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "SCHEMA_MISMATCH"
    finally:
        server.stop()
