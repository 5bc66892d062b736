"""The platform's database: one thin facade over SQLite or PostgreSQL, so a
module's SQL stays in the module and runs on both.

A module writes its SQL once, in the dialect both understand: ``?``
placeholders (translated to psycopg's ``%s``), ``INSERT ... ON CONFLICT ...
DO NOTHING / DO UPDATE SET x=excluded.x`` (never ``INSERT OR IGNORE``),
``DOUBLE PRECISION`` for Unix times and ``BIGINT`` for counters in its
migration.  ``SELECT ... FOR UPDATE`` locks the rows a transaction is about
to change on PostgreSQL; SQLite has no row locks and drops the clause (its
transactions are BEGIN IMMEDIATE: one writer at a time anyway).

- ``db.execute(sql, params)``: one statement in its own transaction (or in
  the thread's open transaction), its rows fetched at once.
- ``with db.transaction() as tx: tx.execute(...)``: a real transaction
  (PostgreSQL: one pooled connection, committed at the end or rolled back on
  an exception; SQLite: the process's lock and BEGIN IMMEDIATE).  A
  transaction opened inside another on the same thread joins it.

What several workers rely on is held by the database, not by a process:
a unique key that two workers insert at once fails one of them with
``Conflict``; a database that cannot be reached, or a pool with no free
connection within its timeout, raises ``Unavailable`` (the app answers 503
in the contract's shape, the terminal's outbox retries).
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_FOR_UPDATE = re.compile(r"\s+FOR\s+UPDATE\s*$", re.IGNORECASE)


class Conflict(Exception):
    """A unique or primary key the statement would break (another worker, or
    this one earlier, got there first)."""


class Unavailable(Exception):
    """The database cannot answer now (down, restarting, or every pooled
    connection busy past the pool's timeout)."""


class Result:
    """The rows of a statement (fetched at once) and how many rows it changed."""

    def __init__(self, rows: list[tuple], rowcount: int):
        self.rows, self.rowcount = rows, rowcount

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return list(self.rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class Database:
    """What both backends offer; see the module's doc."""

    dialect = ""
    lock: Any

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        raise NotImplementedError

    def transaction(self) -> Any:
        raise NotImplementedError

    def ping(self) -> None:
        """Raises Unavailable when the database does not answer."""
        self.execute("SELECT 1")

    def pool_stats(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        raise NotImplementedError


class SQLiteDatabase(Database):
    """One connection in WAL mode behind the process's lock: one process only
    (several workers need PostgreSQL)."""

    dialect = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        self._depth = threading.local()
        old_umask = os.umask(0o077)  # the -wal and -shm files SQLite creates later inherit 0600 from the db
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=5000")
        finally:
            os.umask(old_umask)
        for file in (self.path, *self.path.parent.glob(self.path.name + "-*")):
            os.chmod(file, 0o600)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        sql = _FOR_UPDATE.sub("", sql)
        with self.lock:
            try:
                cursor = self.conn.execute(sql, tuple(params))
                return Result(cursor.fetchall(), cursor.rowcount)
            except sqlite3.IntegrityError as exc:
                raise Conflict(str(exc)) from None
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Unavailable(str(exc)) from None
                raise

    @contextmanager
    def transaction(self) -> Iterator["SQLiteDatabase"]:
        with self.lock:
            depth = getattr(self._depth, "n", 0)
            if depth:
                self._depth.n = depth + 1
                try:
                    yield self
                finally:
                    self._depth.n = depth
                return
            self.execute("BEGIN IMMEDIATE")
            self._depth.n = 1
            try:
                yield self
            except BaseException:
                self._depth.n = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth.n = 0
            self.conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


@functools.lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresDatabase(Database):
    """A psycopg 3 connection pool.  ``pool_timeout``: how long a request
    waits for a free connection before it is answered 503 (never a hang)."""

    dialect = "postgresql"

    def __init__(self, url: str, min_size: int = 1, max_size: int = 8, pool_timeout: float = 5.0,
                 connect_timeout: float = 5.0):
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        self._psycopg, self._pool_timeout_error = psycopg, PoolTimeout
        self.url = url
        try:  # one connection first: a database that does not answer says why at once, in one line
            psycopg.connect(url, connect_timeout=int(max(1, connect_timeout))).close()
        except psycopg.OperationalError as exc:
            reason = " ".join(str(exc).split())  # libpq's message, which names no password
            raise Unavailable(reason[:300]) from None
        self.lock = threading.RLock()  # for code that still takes it; the database holds what matters
        self._local = threading.local()
        self.pool = ConnectionPool(url, min_size=min_size, max_size=max_size, timeout=pool_timeout,
                                   kwargs={"autocommit": True, "connect_timeout": int(max(1, connect_timeout))},
                                   open=False, name="platform")
        self.pool.open(wait=False)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        psycopg = self._psycopg
        try:
            yield
        except psycopg.errors.IntegrityError as exc:
            raise Conflict(str(exc).splitlines()[0]) from None
        except self._pool_timeout_error:
            raise Unavailable("no free database connection (pool exhausted)") from None
        except psycopg.OperationalError as exc:
            raise Unavailable(f"database unavailable ({type(exc).__name__})") from None

    def _run(self, conn: Any, sql: str, params: Sequence[Any]) -> Result:
        cursor = conn.execute(to_psycopg(sql), tuple(params))
        rows = cursor.fetchall() if cursor.description is not None else []
        return Result(rows, cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        conn = getattr(self._local, "conn", None)
        with self._errors():
            if conn is not None:
                return self._run(conn, sql, params)
            with self.pool.connection() as conn:
                return self._run(conn, sql, params)

    @contextmanager
    def transaction(self) -> Iterator["PostgresDatabase"]:
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        with self._errors():
            with self.pool.connection() as conn:
                with conn.transaction():
                    self._local.conn = conn
                    try:
                        yield self
                    finally:
                        self._local.conn = None

    def pool_stats(self) -> dict[str, int]:
        stats = self.pool.get_stats()
        return {"size": stats.get("pool_size", 0), "available": stats.get("pool_available", 0),
                "waiting": stats.get("requests_waiting", 0), "max": self.pool.max_size,
                "timeouts": stats.get("requests_errors", 0)}

    def close(self) -> None:
        self.pool.close()


def is_postgres(db: str | Path) -> bool:
    return isinstance(db, str) and db.startswith(POSTGRES_PREFIXES)


def sqlite_path(db: str | Path) -> Path:
    """The file of ``sqlite:///path``, ``sqlite:////abs/path`` or a plain path."""
    text = str(db)
    if text.startswith("sqlite:///"):
        return Path(text[len("sqlite:///"):])
    return Path(text)


def redacted(url: str) -> str:
    """A database URL fit for a log line: no password."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)
