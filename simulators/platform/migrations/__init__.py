"""Schema migrations of the platform's database, for SQLite and PostgreSQL alike.

Why not Alembic: Alembic needs SQLAlchemy (a second database layer beside
the facade in db.py) and its strength, autogenerating migrations from ORM
models, has nothing to work from here: the platform's SQL is hand-written in
its modules.  What is needed is small: numbered steps applied once, in
order, in a transaction, recorded in ``schema_migrations``; two workers
starting at once do not both apply a step (PostgreSQL: an advisory lock;
SQLite: BEGIN IMMEDIATE); a database newer than the code is refused.

A step is a module ``mNNNN_<what>.py`` in this package with ``upgrade(tx)``;
``tx`` is the facade (``tx.execute(sql, params)``, ``tx.dialect``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from types import ModuleType

from simulators.platform.db import Database

_STEP = re.compile(r"^m(\d{4})_\w+$")
_ADVISORY_KEY = 0x6B696F736B  # "kiosk": one migration at a time per PostgreSQL database


class SchemaTooNew(Exception):
    """The database was migrated by a newer platform than this one."""


def steps() -> list[tuple[int, str, ModuleType]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _STEP.match(info.name)
        if match:
            found.append((int(match.group(1)), info.name, importlib.import_module(f"{__name__}.{info.name}")))
    return sorted(found, key=lambda s: s[0])


def latest() -> int:
    return steps()[-1][0]


def current(db: Database) -> int:
    """The database's schema version (0: never migrated)."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)")
    return int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])


def check(db: Database) -> int:
    """The version; raises SchemaTooNew for a database newer than this code."""
    version = current(db)
    if version > latest():
        raise SchemaTooNew(f"the platform's database is at schema version {version}, newer than this platform "
                           f"(version {latest()}): run the newer platform, or restore a matching backup")
    return version


def migrate(db: Database) -> list[str]:
    """Apply the steps the database lacks; the names applied (none: it was
    up to date, so a second run is a no-op)."""
    check(db)
    applied = []
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_ADVISORY_KEY,))
        version = check(tx)
        for number, name, module in steps():
            if number <= version:
                continue
            module.upgrade(tx)
            tx.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                       (number, name, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
            applied.append(name)
    return applied
