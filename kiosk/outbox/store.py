"""The outbox: where a resident's submission waits, encrypted, until the
platform confirms it.

Why this shape:
* The UI process calls ``enqueue`` and shows the receipt number at once; one
  SQLite transaction (WAL, ``synchronous=FULL``) makes the submission durable
  before the number is shown.  Attachments are sealed into files and fsynced
  *before* that transaction, so a committed row never points at a missing
  file; a crash in between leaves only an orphan file, swept later.
* The body bytes are frozen at enqueue time, so every retry sends identical
  bytes under the same Idempotency-Key and the platform can recognise it.
* Once confirmed, the payload and attachments are deleted; a minimal record
  (serial, platform number, time, status) stays ``retention_days``.
* An application's access code (the slip's proof for progress queries) is
  kept with the confirmed row only until the app takes it for the slip
  (``take_confirmation``), sealed like the payload: whoever holds it can read
  the application's progress, so it is never in ``records()`` or a log.
* A resident may withdraw an application (``kiosk.outbox.withdrawals``): one
  not yet sent leaves the outbox (state ``withdrawn``: payload and pages gone,
  the platform never gets it); ``mark_sent`` is the line, in one transaction
  each, so a withdrawal racing the worker either keeps it from sending or
  finds it sent and queues a withdrawal request behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from kiosk.outbox.sealing import Sealer, SealError

if TYPE_CHECKING:
    from kiosk.central.client import PlatformAcknowledgement

KINDS = ("application", "health_record", "request", "withdrawal", "request_rating")
# Kinds that act on something filed before and carry no attachments of their own.
FOLLOW_UPS = ("withdrawal", "request_rating")
PENDING, CONFIRMED, DEAD, WITHDRAWN = "pending", "confirmed", "dead", "withdrawn"
_ACCESS_CODE = re.compile(r"^[0-9a-f]{16}$")
ACCESS_CODE_SECONDS = 3600.0   # an untaken access code is erased by the next purge after this
_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY, serial TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, idem_key TEXT NOT NULL,
    created_at REAL NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL, sent INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    payload BLOB, number TEXT, platform_status TEXT, finished_at REAL, access_code BLOB,
    slip_hash TEXT, target TEXT);
CREATE INDEX IF NOT EXISTS submissions_due ON submissions (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL REFERENCES submissions(id),
    blob TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, sha256 TEXT NOT NULL,
    size INTEGER NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS attachments_submission ON attachments (submission_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trash (blob TEXT PRIMARY KEY);
"""

if TYPE_CHECKING:
    from kiosk.config import Settings


@dataclass(frozen=True)
class Attachment:
    """A document image handed over by a flow; ``data`` never touches disk unsealed."""

    material_code: str
    data: bytes
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class QueuedSubmission:
    """What ``enqueue`` hands back: the serial the resident's slip shows at
    once (the platform's own number comes with its acknowledgement)."""

    serial: str
    created_at: float


@dataclass(frozen=True)
class Confirmation:
    """The platform's word on one submission, as the app reads it back:
    its number and status, and (applications, first read only) the access code."""

    serial: str
    number: str
    status: str
    access_code: str = ""

    def __repr__(self) -> str:  # the access code opens the application's progress
        return f"Confirmation({self.serial!r}, number={self.number!r}, status={self.status!r})"


@dataclass(frozen=True)
class StoredAttachment:
    """Where one sealed attachment lies: a slice of its submission's blob file."""

    id: int
    blob: str
    offset: int
    length: int
    sha256: str
    uploaded: bool


@dataclass(frozen=True)
class Item:
    """One due submission, as the worker sees it."""

    id: int
    serial: str
    kind: str
    idem_key: str
    attempts: int
    sent: bool
    payload: bytes
    attachments: tuple[StoredAttachment, ...]


def _serial_prefix(terminal_id: str) -> str:
    clean = "".join(c for c in terminal_id.upper() if c.isascii() and (c.isalnum() or c == "-")).strip("-")
    return (clean or "HUT")[:24]


class Outbox:
    """Shared by two processes (the UI enqueues, the worker sends), each with
    its own connection; SQLite's locking and short transactions keep the UI
    from ever waiting on the network."""

    def __init__(self, folder: Path, key: bytes, terminal_id: str, *, durable: bool = True):
        """``durable=False`` (the worker) uses synchronous=NORMAL: its commits
        survive a process crash, and what a power cut could undo is repaired
        by idempotency and ask-by-serial."""
        self.folder = Path(folder)
        self.blob_dir = self.folder / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self.sealer = Sealer(key)
        self.prefix = _serial_prefix(terminal_id)
        self._synchronous = "FULL" if durable else "NORMAL"
        self._local = threading.local()
        self._closed = False
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(submissions)")}
        if "access_code" not in columns:  # an outbox from before access codes
            db.execute("ALTER TABLE submissions ADD COLUMN access_code BLOB")
        # From before slip codes and withdrawals: an application's slip code hash (a
        # queued slip is checked against it), and what a withdrawal withdraws
        # ("number:<platform number>" or "serial:<this outbox's serial>").
        for column in ("slip_hash", "target"):
            if column not in columns:
                db.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection to the outbox.

        One connection per thread: the UI's thread and a job's thread (a
        progress lookup reading the queue while the resident's rating is
        enqueued) each have their own, so SQLite's locking orders their
        transactions.  One connection shared between threads interleaved one
        thread's statements into the other's transaction and, in the suite,
        crashed the interpreter (a statement stepped on two threads at once).
        A thread's connection closes when the thread ends."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the outbox is closed")
            db = sqlite3.connect(self.folder / "outbox.sqlite3", isolation_level=None, timeout=30)
            db.execute(f"PRAGMA synchronous={self._synchronous}")
            db.execute("PRAGMA secure_delete=ON")
            self._local.db = db
        return db

    @classmethod
    def from_settings(cls, settings: "Settings", *, durable: bool = True) -> "Outbox":
        return cls(settings.paths.state_dir / "outbox", settings.secrets.outbox_key, settings.terminal.id,
                   durable=durable)

    def close(self) -> None:
        """Close this thread's connection; no thread opens a new one after
        (a job still running on another thread finishes on its own, which
        closes when that thread ends)."""
        self._closed = True
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- the UI side --------------------------------------------------------
    def enqueue(self, kind: str, body: dict, attachments: Iterable[Attachment] = ()) -> QueuedSubmission:
        """Make a submission durable and return its serial (the receipt number).

        ``body`` is the contract's submission object without ``serial`` and
        ``attachments``; both are added here.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        blob, rows, refs = self._seal_attachments(attachments)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            serial, now = self._insert(kind, body, refs, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self.blob_path(blob).unlink(missing_ok=True)
            raise
        return QueuedSubmission(serial, now)

    def _seal_attachments(self, attachments: Iterable[Attachment]) -> tuple[str, list[tuple], list[dict]]:
        """Seal every page into one blob file, fsynced (before the row that names it)."""
        # All of a submission's attachments go into one file (one fsync, not one per page).
        blob = uuid.uuid4().hex
        parts, rows, refs, offset = [], [], [], 0
        for a in attachments:
            sealed = self.sealer.seal(a.data, f"blob:{blob}:{offset}".encode())
            sha = hashlib.sha256(a.data).hexdigest()
            parts.append(sealed)
            rows.append((blob, offset, len(sealed), sha, len(a.data)))
            refs.append({"sha256": sha, "material_code": a.material_code, "content_type": a.content_type,
                         "size": len(a.data)})
            offset += len(sealed)
        if parts:
            self._write_blob(blob, b"".join(parts))
            _fsync_dir(self.blob_dir)
        return blob, rows, refs

    def _insert(self, kind: str, body: dict, refs: Sequence[dict] = (), rows: Sequence[tuple] = ()) -> tuple[str, float]:
        """Add a submission inside the caller's transaction; its serial and time."""
        db, now = self.db, time.time()
        seq = db.execute("INSERT INTO meta VALUES ('seq', 1) ON CONFLICT(key) DO UPDATE SET value=value+1 "
                         "RETURNING value").fetchone()[0]
        serial = f"{self.prefix}-{dt.datetime.now():%y%m%d}-{seq:05d}{secrets.token_hex(1).upper()}"
        document = {**body, "serial": serial,
                    "submitted_at": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(timespec="seconds")}
        if kind not in FOLLOW_UPS:
            document["attachments"] = list(refs)
        raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sealed = self.sealer.seal(raw, b"payload:" + serial.encode())
        slip_hash = body.get("slip_code_sha256") if kind in ("application", "request") else None
        target = None
        if kind == "withdrawal":
            target = (f"number:{body['application_number']}" if body.get("application_number")
                      else f"serial:{body.get('application_serial', '')}")
        sid = db.execute("INSERT INTO submissions (serial, kind, idem_key, created_at, state, next_attempt_at, "
                         "payload, slip_hash, target) VALUES (?,?,?,?,?,?,?,?,?)",
                         (serial, kind, uuid.uuid4().hex, now, PENDING, now, sealed,
                          slip_hash if isinstance(slip_hash, str) else None, target)).lastrowid
        db.executemany("INSERT INTO attachments (submission_id, blob, offset, length, sha256, size) "
                       "VALUES (?,?,?,?,?,?)", [(sid, *row) for row in rows])
        return serial, now

    def blob_path(self, blob: str) -> Path:
        return self.blob_dir / f"{blob}.bin"

    def _write_blob(self, blob: str, sealed: bytes) -> None:
        fd = os.open(self.blob_path(blob), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, sealed)
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- the worker side --------------------------------------------------------
    def next_due(self, now: float | None = None) -> Item | None:
        now = time.time() if now is None else now
        row = self.db.execute("SELECT id, serial, kind, idem_key, attempts, sent, payload FROM submissions "
                              "WHERE state=? AND next_attempt_at<=? ORDER BY next_attempt_at, id LIMIT 1",
                              (PENDING, now)).fetchone()
        if row is None:
            return None
        atts = self.db.execute("SELECT id, blob, offset, length, sha256, uploaded FROM attachments "
                               "WHERE submission_id=? ORDER BY id", (row[0],)).fetchall()
        return Item(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6],
                    tuple(StoredAttachment(a[0], a[1], a[2], a[3], a[4], bool(a[5])) for a in atts))

    def next_wakeup(self) -> float | None:
        row = self.db.execute("SELECT MIN(next_attempt_at) FROM submissions WHERE state=?", (PENDING,)).fetchone()
        return row[0]

    def open_payload(self, item: Item) -> bytes:
        return self.sealer.open(item.payload, b"payload:" + item.serial.encode())

    def open_attachment(self, att: StoredAttachment) -> bytes:
        with open(self.blob_path(att.blob), "rb") as f:
            f.seek(att.offset)
            sealed = f.read(att.length)
        return self.sealer.open(sealed, f"blob:{att.blob}:{att.offset}".encode())

    def mark_uploaded(self, attachment_id: int) -> None:
        self.db.execute("UPDATE attachments SET uploaded=1 WHERE id=?", (attachment_id,))

    def mark_sent(self, item: Item) -> bool:
        """Before the POST: from now on an interruption is ambiguous, and the
        resident can no longer take it back out of the outbox (a withdrawal
        goes to the platform).  False: it was withdrawn first, send nothing."""
        return self.db.execute("UPDATE submissions SET sent=1 WHERE id=? AND state=?",
                               (item.id, PENDING)).rowcount == 1

    def still_pending(self, item: Item) -> bool:
        """Not withdrawn (nor finished) since the worker took it."""
        row = self.db.execute("SELECT state FROM submissions WHERE id=?", (item.id,)).fetchone()
        return row is not None and row[0] == PENDING

    def reschedule(self, item: Item, delay: float, error_code: str, failed: bool = True) -> None:
        self.db.execute("UPDATE submissions SET next_attempt_at=?, last_error=?, attempts=attempts+? WHERE id=?",
                        (time.time() + delay, error_code[:64], 1 if failed else 0, item.id))

    def hold_all(self, delay: float, error_code: str) -> int:
        """Put every pending submission off by ``delay``: the platform refused
        the terminal itself, so trying the others now would only repeat it."""
        return self.db.execute("UPDATE submissions SET next_attempt_at=MAX(next_attempt_at, ?), last_error=? "
                               "WHERE state=?", (time.time() + delay, error_code[:64], PENDING)).rowcount

    def reupload(self, item: Item) -> None:
        self.db.execute("UPDATE attachments SET uploaded=0 WHERE submission_id=?", (item.id,))

    def confirm(self, item: Item, ack: PlatformAcknowledgement) -> None:
        """Keep only the minimal record; delete payload and attachments.

        The files to delete are listed in ``trash`` in the same transaction,
        so a crash before they are unlinked leaves a note, not a forgotten file.
        """
        blobs = {a.blob for a in item.attachments}
        code = ack.get("access_code")
        sealed_code = (self.sealer.seal(code.encode("ascii"), b"access:" + item.serial.encode())
                       if isinstance(code, str) and _ACCESS_CODE.match(code) else None)
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR IGNORE INTO trash VALUES (?)", [(b,) for b in blobs])
        self.db.execute("UPDATE submissions SET state=?, payload=NULL, number=?, platform_status=?, finished_at=?, "
                        "last_error=NULL, access_code=? WHERE id=?",
                        (CONFIRMED, str(ack.get("number", ""))[:64], str(ack.get("status", ""))[:16], time.time(),
                         sealed_code, item.id))
        self.db.execute("DELETE FROM attachments WHERE submission_id=?", (item.id,))
        self.db.execute("COMMIT")
        self._empty_trash(blobs)

    def take_confirmation(self, serial: str) -> Confirmation | None:
        """The platform's number for ``serial`` once the worker has it (None
        while pending or dead-lettered), with the access code the first time
        only: it is handed to the slip and erased here, so the outbox never
        keeps a key to a resident's application longer than the visit."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT number, platform_status, access_code FROM submissions "
                                  "WHERE serial=? AND state=?", (serial, CONFIRMED)).fetchone()
            if row is not None and row[2] is not None:
                self.db.execute("UPDATE submissions SET access_code=NULL WHERE serial=?", (serial,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if row is None:
            return None
        code = ""
        if row[2] is not None:
            try:
                code = self.sealer.open(row[2], b"access:" + serial.encode()).decode("ascii")
            except SealError:  # another outbox key: the slip goes without the code
                code = ""
        return Confirmation(serial, row[0] or "", row[1] or "", code)

    def _empty_trash(self, blobs: Iterable[str] | None = None) -> None:
        if blobs is None:
            blobs = [r[0] for r in self.db.execute("SELECT blob FROM trash")]
        for blob in blobs:
            self.blob_path(blob).unlink(missing_ok=True)
            self.db.execute("DELETE FROM trash WHERE blob=?", (blob,))

    def dead_letter(self, item: Item, error_code: str) -> None:
        """A pending submission the platform refused (one withdrawn meanwhile stays withdrawn)."""
        self.db.execute("UPDATE submissions SET state=?, last_error=?, finished_at=? WHERE id=? AND state=?",
                        (DEAD, error_code[:64], time.time(), item.id, PENDING))

    def requeue(self, serial: str) -> bool:
        """Maintenance: send a dead-lettered submission again."""
        return self.db.execute("UPDATE submissions SET state=?, next_attempt_at=?, attempts=0 WHERE serial=? "
                               "AND state=?", (PENDING, time.time(), serial, DEAD)).rowcount == 1

    def retry_now(self) -> int:
        """Maintenance: end every pending submission's back-off (after fixing
        the network, the clock or the enrolment)."""
        return self.db.execute("UPDATE submissions SET next_attempt_at=? WHERE state=?",
                               (time.time(), PENDING)).rowcount

    # -- maintenance ------------------------------------------------------------
    def purge(self, retention_days: int, now: float | None = None, orphan_age: float = 600.0) -> int:
        """Forget finished records past retention (dead ones with their data),
        finish deletions a crash interrupted, and sweep orphan files from
        enqueues that never committed."""
        now = time.time() if now is None else now
        # An access code nobody took (the resident left before the platform
        # answered, so the slip showed the local serial) has no use any more.
        self.db.execute("UPDATE submissions SET access_code=NULL WHERE access_code IS NOT NULL AND finished_at < ?",
                        (now - ACCESS_CODE_SECONDS,))
        cutoff = now - retention_days * 86400
        old = self.db.execute("SELECT id FROM submissions WHERE state IN (?,?,?) AND finished_at < ?",
                              (CONFIRMED, DEAD, WITHDRAWN, cutoff)).fetchall()
        ids = [r[0] for r in old]
        if ids:
            marks = ",".join("?" * len(ids))
            blobs = {r[0] for r in self.db.execute(f"SELECT blob FROM attachments WHERE submission_id IN ({marks})",
                                                   ids)}
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"DELETE FROM attachments WHERE submission_id IN ({marks})", ids)
            self.db.execute(f"DELETE FROM submissions WHERE id IN ({marks})", ids)
            self.db.execute("COMMIT")
            for blob in blobs:
                self.blob_path(blob).unlink(missing_ok=True)
        self._empty_trash()
        known = {r[0] for r in self.db.execute("SELECT blob FROM attachments")}
        for path in self.blob_dir.glob("*.bin"):
            if path.stem not in known:
                try:
                    if now - path.stat().st_mtime > orphan_age:
                        path.unlink()
                except FileNotFoundError:
                    pass
        return len(ids)

    def status(self, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        counts = dict(self.db.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
        oldest = self.db.execute("SELECT MIN(created_at) FROM submissions WHERE state=?", (PENDING,)).fetchone()[0]
        dead = [{"serial": r[0], "kind": r[1], "error": r[2], "since": r[3]} for r in self.db.execute(
            "SELECT serial, kind, last_error, finished_at FROM submissions WHERE state=? ORDER BY id", (DEAD,))]
        return {"pending": counts.get(PENDING, 0), "confirmed": counts.get(CONFIRMED, 0), "dead": counts.get(DEAD, 0),
                "withdrawn": counts.get(WITHDRAWN, 0),
                "oldest_pending_seconds": None if oldest is None else round(now - oldest, 1), "dead_letters": dead}

    def records(self) -> list[dict]:
        """The minimal records (no personal data), newest first."""
        rows = self.db.execute("SELECT serial, kind, state, number, platform_status, created_at, finished_at, "
                               "last_error FROM submissions ORDER BY id DESC").fetchall()
        keys = ("serial", "kind", "state", "number", "platform_status", "created_at", "finished_at", "last_error")
        return [dict(zip(keys, r)) for r in rows]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
