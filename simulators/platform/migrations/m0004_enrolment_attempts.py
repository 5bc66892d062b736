"""Enrolment attempts per client address, in the database: the limit (10 a
minute) holds across every worker on every machine, not per process."""

from __future__ import annotations

from simulators.platform.db import Database


def upgrade(tx: Database) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS enrolment_attempts (address TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)")
    tx.execute("CREATE INDEX IF NOT EXISTS enrolment_attempts_by_address ON enrolment_attempts (address, at)")
    tx.execute("CREATE INDEX IF NOT EXISTS enrolment_attempts_by_time ON enrolment_attempts (at)")
