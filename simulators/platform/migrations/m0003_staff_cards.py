"""The staff card revocation list in the database (it was a JSON file each
process read once: a card revoked through one worker stayed allowed by the
others).  The list's version is the counter ``staff_card_list_version``."""

from __future__ import annotations

from simulators.platform.db import Database


def upgrade(tx: Database) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS staff_cards_revoked (fingerprint TEXT PRIMARY KEY, revoked_at TEXT NOT NULL)")
