"""The schema of the reference platform as it was on one SQLite file, before
migrations (a database from then is brought up to it: its missing columns added)."""

from __future__ import annotations

import time

from simulators.platform.db import Database

ENROLMENT_CODE_SECONDS = 24 * 3600.0

TABLES = [
    "CREATE TABLE IF NOT EXISTS terminals (id TEXT PRIMARY KEY, key_hex TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', "
    "revoked INTEGER NOT NULL DEFAULT 0, enrolled_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS enrolment_codes (code TEXT PRIMARY KEY, used_by TEXT, expires_at DOUBLE PRECISION)",
    "CREATE TABLE IF NOT EXISTS nonces (terminal_id TEXT NOT NULL, nonce TEXT NOT NULL, "
    "seen_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (terminal_id, nonce))",
    "CREATE INDEX IF NOT EXISTS nonces_seen_at ON nonces (seen_at)",
    "CREATE TABLE IF NOT EXISTS attachments (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, stored_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS attachment_owners (sha256 TEXT NOT NULL, terminal_id TEXT NOT NULL, "
    "PRIMARY KEY (sha256, terminal_id))",
    "CREATE TABLE IF NOT EXISTS id_hash_keys (version INTEGER PRIMARY KEY, key_hex TEXT NOT NULL, "
    "created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS id_hashes (number TEXT NOT NULL, id_hash TEXT NOT NULL, PRIMARY KEY (number, id_hash))",
    "CREATE INDEX IF NOT EXISTS id_hashes_by_hash ON id_hashes (id_hash)",
    "CREATE TABLE IF NOT EXISTS submissions (number TEXT PRIMARY KEY, kind TEXT NOT NULL, terminal_id TEXT NOT NULL, "
    "serial TEXT NOT NULL, matter_code TEXT, id_hash TEXT, status TEXT NOT NULL, body TEXT NOT NULL, "
    "received_at TEXT NOT NULL, promised_by TEXT, history TEXT NOT NULL, access_code TEXT, "
    "code_recovered INTEGER NOT NULL DEFAULT 1, slip_code_sha256 TEXT, papers_due TEXT, papers_due_by TEXT, "
    "UNIQUE (terminal_id, serial))",
    "CREATE INDEX IF NOT EXISTS submissions_serial ON submissions (serial)",
    "CREATE INDEX IF NOT EXISTS submissions_id_hash ON submissions (id_hash)",
    "CREATE TABLE IF NOT EXISTS withdrawals (terminal_id TEXT NOT NULL, serial TEXT NOT NULL, number TEXT NOT NULL, "
    "received_at TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (terminal_id, serial))",
    "CREATE TABLE IF NOT EXISTS idempotency (terminal_id TEXT NOT NULL, key TEXT NOT NULL, "
    "body_sha256 TEXT NOT NULL, status_code INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (terminal_id, key))",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS heartbeats (terminal_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS help_requests (terminal_id TEXT NOT NULL, requested_at TEXT NOT NULL, "
    "received_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (terminal_id, requested_at))",
    "CREATE TABLE IF NOT EXISTS request_ratings (terminal_id TEXT NOT NULL, serial TEXT NOT NULL, "
    "number TEXT NOT NULL, received_at TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (terminal_id, serial))",
]


def upgrade(tx: Database) -> None:
    for statement in TABLES:
        tx.execute(statement)
    if tx.dialect == "sqlite":
        _from_before_migrations(tx)


def _from_before_migrations(tx: Database) -> None:
    """A SQLite file of an older reference platform gains what is new."""
    columns = {row[1] for row in tx.execute("PRAGMA table_info(submissions)")}
    if "access_code" not in columns:  # from before access codes
        tx.execute("ALTER TABLE submissions ADD COLUMN access_code TEXT")
    if "code_recovered" not in columns:  # from before access codes were handed out once
        tx.execute("ALTER TABLE submissions ADD COLUMN code_recovered INTEGER NOT NULL DEFAULT 1")
    for column in ("slip_code_sha256", "papers_due", "papers_due_by"):  # from before slip codes and papers due
        if column not in columns:
            tx.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")
    if "expires_at" not in {row[1] for row in tx.execute("PRAGMA table_info(enrolment_codes)")}:
        tx.execute("ALTER TABLE enrolment_codes ADD COLUMN expires_at REAL")
        # codes from before expiry get one full period from now, not forever
        tx.execute("UPDATE enrolment_codes SET expires_at=? WHERE used_by IS NULL",
                   (time.time() + ENROLMENT_CODE_SECONDS,))
    rows = tx.execute("SELECT number, id_hash FROM submissions WHERE kind='application' AND id_hash IS NOT NULL "
                      "AND number NOT IN (SELECT number FROM id_hashes)").fetchall()
    for number, id_hash in rows:  # from before look-ups by several keys
        tx.execute("INSERT INTO id_hashes VALUES (?, ?) ON CONFLICT DO NOTHING", (number, id_hash))
