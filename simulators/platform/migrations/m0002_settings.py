"""The platform's own settings in its database (the admin token first), so
several workers on several machines share them."""

from __future__ import annotations

from simulators.platform.db import Database


def upgrade(tx: Database) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS platform_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
