"""Certificates (证明打印): the certificates the district issued, their holders' keyed hashes
(under every ID hash key the platform holds), and the simulated residents already issued theirs
(one worker issues them: the primary key decides)."""

from __future__ import annotations

from simulators.platform.db import Database


def upgrade(tx: Database) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS certificates (code TEXT PRIMARY KEY, kind TEXT NOT NULL, "
               "id_number TEXT NOT NULL, holder_name TEXT NOT NULL, issued_on TEXT NOT NULL, pages INTEGER NOT NULL, "
               "pdf_sha256 TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, gender TEXT NOT NULL DEFAULT '', "
               "birth TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '')")
    tx.execute("CREATE TABLE IF NOT EXISTS certificate_holders (code TEXT NOT NULL, id_hash TEXT NOT NULL, "
               "PRIMARY KEY (code, id_hash))")
    tx.execute("CREATE INDEX IF NOT EXISTS certificate_holders_by_hash ON certificate_holders (id_hash)")
    tx.execute("CREATE TABLE IF NOT EXISTS certificates_issued_for (id_number TEXT PRIMARY KEY)")
