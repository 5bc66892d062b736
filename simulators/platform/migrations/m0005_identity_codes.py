"""Identification by code (电子身份证 / 电子社保卡 codes): the issuing service's key, the codes
issued and the codes used (a code is taken once: its id is the used table's primary key)."""

from __future__ import annotations

from simulators.platform.db import Database


def upgrade(tx: Database) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS identity_code_keys (id INTEGER PRIMARY KEY, key_hex TEXT NOT NULL)")
    tx.execute("CREATE TABLE IF NOT EXISTS identity_codes_issued (code_id TEXT PRIMARY KEY, resident TEXT NOT NULL, "
               "issued_at DOUBLE PRECISION NOT NULL)")
    tx.execute("CREATE TABLE IF NOT EXISTS identity_codes_used (code_id TEXT PRIMARY KEY, "
               "used_at DOUBLE PRECISION NOT NULL, terminal_id TEXT NOT NULL)")
