"""The reference platform's storage: one SQLite file plus a folder of
attachments named by their SHA-256.

Why SQLite and files: tests must see the platform's state after it restarts
(the "platform down, then up" test) and the bench must measure real writes.
One connection behind a lock keeps it simple; the platform is a reference,
not a production service.  The files hold terminal keys and residents' data:
they are created 0600 and their folders 0700.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.central.signing import NONCE_WINDOW_SECONDS
from kiosk.privacy import id_lookup_hash

log = logging.getLogger(__name__)
KINDS = {"application": "PF", "health_record": "JK", "request": "SQ"}
# Crockford's base32: no I, L, O or U, so a number read off a slip is typed back right.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM = 10  # 50 bits: a slip says nothing about how many others were filed that day
ENROLMENT_CODE_SECONDS = 24 * 3600.0
RECOVERY_SECONDS = 3600.0  # how long GET /v1/submissions/{serial} may still hand out a lost access code
KEEP_PREVIOUS_KEYS = 2  # ID hash key versions served (and so still found) after a rotation
STATUS_FLOW = {"受理": ("审核中",), "审核中": ("办结", "退回")}
# The resident may withdraw an application while the department has not taken it up:
# while its status is still the one it got on arrival (受理).  Withdrawn: 撤回, final.
WITHDRAWABLE = "受理"
WITHDRAWN = "撤回"
STATS_KEYS = ("applications", "health_records", "requests", "attachments", "idempotent_replays",
              "rejected_signatures")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS terminals (id TEXT PRIMARY KEY, key_hex TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    revoked INTEGER NOT NULL DEFAULT 0, enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (code TEXT PRIMARY KEY, used_by TEXT, expires_at REAL);
CREATE TABLE IF NOT EXISTS nonces (terminal_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (terminal_id, nonce));
CREATE TABLE IF NOT EXISTS attachments (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, stored_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attachment_owners (sha256 TEXT NOT NULL, terminal_id TEXT NOT NULL,
    PRIMARY KEY (sha256, terminal_id));
CREATE TABLE IF NOT EXISTS id_hash_keys (version INTEGER PRIMARY KEY, key_hex TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS id_hashes (number TEXT NOT NULL, id_hash TEXT NOT NULL, PRIMARY KEY (number, id_hash));
CREATE INDEX IF NOT EXISTS id_hashes_by_hash ON id_hashes (id_hash);
CREATE TABLE IF NOT EXISTS submissions (number TEXT PRIMARY KEY, kind TEXT NOT NULL, terminal_id TEXT NOT NULL,
    serial TEXT NOT NULL, matter_code TEXT, id_hash TEXT, status TEXT NOT NULL, body TEXT NOT NULL,
    received_at TEXT NOT NULL, promised_by TEXT, history TEXT NOT NULL, access_code TEXT,
    slip_code_sha256 TEXT, papers_due TEXT, papers_due_by TEXT,
    UNIQUE (terminal_id, serial));
CREATE INDEX IF NOT EXISTS submissions_serial ON submissions (serial);
CREATE TABLE IF NOT EXISTS withdrawals (terminal_id TEXT NOT NULL, serial TEXT NOT NULL, number TEXT NOT NULL,
    received_at TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (terminal_id, serial));
CREATE INDEX IF NOT EXISTS submissions_id_hash ON submissions (id_hash);
CREATE TABLE IF NOT EXISTS idempotency (terminal_id TEXT NOT NULL, key TEXT NOT NULL, body_sha256 TEXT NOT NULL,
    status_code INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (terminal_id, key));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats (terminal_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS help_requests (terminal_id TEXT NOT NULL, requested_at TEXT NOT NULL,
    received_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (terminal_id, requested_at));
"""


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class PlatformStore:
    """The platform's whole state, so a test can check it directly (e.g. each
    serial filed exactly once) and a restart keeps it."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.blob_dir = self.db_path.with_name(self.db_path.name + ".attachments")
        private_folder(self.db_path.parent)
        private_folder(self.blob_dir)
        self.lock = threading.RLock()
        old_umask = os.umask(0o077)  # the -wal and -shm files SQLite creates later inherit 0600 from the db
        try:
            self.db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        finally:
            os.umask(old_umask)
        for path in (self.db_path, *self.db_path.parent.glob(self.db_path.name + "-*")):
            os.chmod(path, 0o600)
        self._migrate()
        self._last_nonce_purge = 0.0

    def _migrate(self) -> None:
        """A database from an older reference platform gains what is new."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(submissions)")}
        if "access_code" not in columns:  # from before access codes
            self.db.execute("ALTER TABLE submissions ADD COLUMN access_code TEXT")
        if "code_recovered" not in columns:  # from before access codes were handed out once
            self.db.execute("ALTER TABLE submissions ADD COLUMN code_recovered INTEGER NOT NULL DEFAULT 1")
        for column in ("slip_code_sha256", "papers_due", "papers_due_by"):  # from before slip codes and papers due
            if column not in columns:
                self.db.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")
        if "expires_at" not in {row[1] for row in self.db.execute("PRAGMA table_info(enrolment_codes)")}:
            self.db.execute("ALTER TABLE enrolment_codes ADD COLUMN expires_at REAL")
            # codes from before expiry get one full period from now, not forever
            self.db.execute("UPDATE enrolment_codes SET expires_at=? WHERE used_by IS NULL",
                            (time.time() + ENROLMENT_CODE_SECONDS,))
        if self.db.execute("SELECT COUNT(*) FROM id_hash_keys").fetchone()[0] == 0:
            self.rotate_id_hash_key()
        rows = self.db.execute("SELECT number, id_hash FROM submissions WHERE kind='application' AND id_hash IS NOT NULL "
                               "AND number NOT IN (SELECT number FROM id_hashes)").fetchall()
        for number, id_hash in rows:  # from before look-ups by several keys
            self.db.execute("INSERT OR IGNORE INTO id_hashes VALUES (?, ?)", (number, id_hash))

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- terminals ---------------------------------------------------------
    def add_terminal(self, terminal_id: str, key_hex: str, name: str = "") -> None:
        bytes.fromhex(key_hex)
        with self.lock:
            self.db.execute("INSERT INTO terminals (id, key_hex, name, enrolled_at) VALUES (?,?,?,?) "
                            "ON CONFLICT(id) DO UPDATE SET key_hex=excluded.key_hex, revoked=0",
                            (terminal_id, key_hex, name, now_iso()))

    def terminal(self, terminal_id: str) -> tuple[bytes, bool] | None:
        with self.lock:
            row = self.db.execute("SELECT key_hex, revoked FROM terminals WHERE id=?", (terminal_id,)).fetchone()
        return (bytes.fromhex(row[0]), bool(row[1])) if row else None

    def revoke(self, terminal_id: str) -> bool:
        with self.lock:
            return self.db.execute("UPDATE terminals SET revoked=1 WHERE id=?", (terminal_id,)).rowcount == 1

    def new_enrolment_code(self, valid_seconds: float = ENROLMENT_CODE_SECONDS) -> tuple[str, float]:
        """A one-time code (64 random bits) and when it expires (Unix time)."""
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        expires = time.time() + valid_seconds
        with self.lock:
            self.db.execute("INSERT INTO enrolment_codes (code, expires_at) VALUES (?, ?)", (code, expires))
        return code, expires

    def enrol(self, code: str, name: str) -> tuple[str, str] | None:
        with self.lock:
            row = self.db.execute("SELECT used_by, expires_at FROM enrolment_codes WHERE code=?", (code,)).fetchone()
            if row is None or row[0] is not None or row[1] is None or row[1] < time.time():
                return None
            n = self.db.execute("SELECT COUNT(*) FROM terminals").fetchone()[0] + 1
            terminal_id = f"HUT-{n:04d}-{secrets.token_hex(2).upper()}"
            key_hex = secrets.token_hex(32)
            self.db.execute("BEGIN")
            self.db.execute("UPDATE enrolment_codes SET used_by=? WHERE code=?", (terminal_id, code))
            self.db.execute("INSERT INTO terminals (id, key_hex, name, enrolled_at) VALUES (?,?,?,?)",
                            (terminal_id, key_hex, name, now_iso()))
            self.db.execute("COMMIT")
        return terminal_id, key_hex

    def use_nonce(self, terminal_id: str, nonce: str) -> bool:
        """True the first time a nonce is seen within the window."""
        now = time.time()
        with self.lock:
            if now - self._last_nonce_purge > 60:
                self.db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - NONCE_WINDOW_SECONDS,))
                self._last_nonce_purge = now
            try:
                self.db.execute("INSERT INTO nonces VALUES (?,?,?)", (terminal_id, nonce, now))
            except sqlite3.IntegrityError:
                row = self.db.execute("SELECT seen_at FROM nonces WHERE terminal_id=? AND nonce=?",
                                      (terminal_id, nonce)).fetchone()
                if row and now - row[0] > NONCE_WINDOW_SECONDS:
                    self.db.execute("UPDATE nonces SET seen_at=? WHERE terminal_id=? AND nonce=?",
                                    (now, terminal_id, nonce))
                    return True
                return False
        return True

    # -- the district's ID hash keys ---------------------------------------------
    def rotate_id_hash_key(self, key: bytes | None = None) -> int:
        """A new current key (version + 1); every application gains its hash
        under it (the platform holds the ID numbers), so a terminal with any
        served key finds what was filed under another."""
        key = key or secrets.token_bytes(32)
        with self.lock:
            version = (self.db.execute("SELECT MAX(version) FROM id_hash_keys").fetchone()[0] or 0) + 1
            self.db.execute("INSERT INTO id_hash_keys VALUES (?, ?, ?)", (version, key.hex(), now_iso()))
            for number, body in self.db.execute("SELECT number, body FROM submissions WHERE kind='application'"
                                                ).fetchall():
                id_number = json.loads(body).get("applicant", {}).get("id_number")
                if isinstance(id_number, str) and id_number:
                    self.db.execute("INSERT OR IGNORE INTO id_hashes VALUES (?, ?)",
                                    (number, id_lookup_hash(id_number, key)))
        return version

    def id_hash_keys(self) -> list[dict]:
        """The keys terminals are given: the current one and the previous
        ``KEEP_PREVIOUS_KEYS``, newest first ({version, key})."""
        with self.lock:
            rows = self.db.execute("SELECT version, key_hex FROM id_hash_keys ORDER BY version DESC LIMIT ?",
                                   (1 + KEEP_PREVIOUS_KEYS,)).fetchall()
        return [{"version": v, "key": k} for v, k in rows]

    # -- attachments -------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        return self.blob_dir / sha[:2] / sha

    def attachment_of(self, terminal_id: str, sha: str) -> int | None:
        """The size of an attachment ``terminal_id`` uploaded; None for one it
        did not (another terminal's upload is not its to reference)."""
        with self.lock:
            row = self.db.execute("SELECT a.size FROM attachments a JOIN attachment_owners o USING (sha256) "
                                  "WHERE a.sha256=? AND o.terminal_id=?", (sha, terminal_id)).fetchone()
        return row[0] if row else None

    def adopt_attachment(self, terminal_id: str, sha: str, spooled: Path, size: int) -> bool:
        """Store a file that arrived (spooled, already hashed) under its hash,
        as uploaded by ``terminal_id``; False when this terminal had already
        uploaded it (a no-op)."""
        with self.lock:
            stored = self.db.execute("SELECT 1 FROM attachments WHERE sha256=?", (sha,)).fetchone() is not None
            mine = self.db.execute("INSERT OR IGNORE INTO attachment_owners VALUES (?, ?)",
                                   (sha, terminal_id)).rowcount == 1
        if not stored:
            path = self.blob_path(sha)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            os.chmod(spooled, 0o600)
            os.replace(spooled, path)
            with self.lock:
                self.db.execute("INSERT OR IGNORE INTO attachments VALUES (?,?,?)", (sha, size, now_iso()))
        return mine

    # -- submissions -------------------------------------------------------
    def idempotent(self, terminal_id: str, key: str) -> tuple[str, int, dict] | None:
        with self.lock:
            row = self.db.execute("SELECT body_sha256, status_code, response FROM idempotency "
                                  "WHERE terminal_id=? AND key=?", (terminal_id, key)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def by_serial(self, terminal_id: str, serial: str, recover_code: bool = False) -> dict | None:
        """The acknowledgement of ``serial``.  ``recover_code``: also the access
        code, handed out this one time only and only within ``RECOVERY_SECONDS``
        of the filing (the terminal lost the answer that carried it)."""
        with self.lock:
            row = self.db.execute("SELECT number, kind, serial, status, received_at, access_code, code_recovered "
                                  "FROM submissions WHERE terminal_id=? AND serial=?", (terminal_id, serial)).fetchone()
            if row is None:
                withdrawal = self.db.execute("SELECT answer FROM withdrawals WHERE terminal_id=? AND serial=?",
                                             (terminal_id, serial)).fetchone()
                return json.loads(withdrawal[0]) if withdrawal else None
            found = {"kind": row[1], "serial": row[2], "number": row[0], "status": row[3], "received_at": row[4]}
            fresh = dt.datetime.fromisoformat(row[4]).timestamp() > time.time() - RECOVERY_SECONDS
            if recover_code and row[5] and not row[6] and fresh:
                found["access_code"] = row[5]
                self.db.execute("UPDATE submissions SET code_recovered=1 WHERE number=?", (row[0],))
        return found

    def create_submission(self, terminal_id: str, kind: str, key: str, body_sha: str, body: dict,
                          matter_code: str | None, id_hash: str | None, promised_days: int | None) -> dict:
        """Insert the submission and its idempotency record in one transaction.

        An application's decision is promised, and the papers it says the
        resident brings later (``papers_later``) are due, within the matter's
        promised days counted in working days (``add_working_days``)."""
        received = now_iso()
        promised = papers_due = papers_due_by = None
        if promised_days is not None:
            promised = add_working_days(dt.date.today(), promised_days).isoformat()
        later = body.get("papers_later") if kind == "application" else None
        if later and promised:
            papers_due, papers_due_by = json.dumps(list(later), ensure_ascii=False), promised
        slip_hash = body.get("slip_code_sha256") if kind == "application" else None
        status = "受理"
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                number = self._new_number(kind)
                history = json.dumps([{"status": status, "at": received, "note": ""}], ensure_ascii=False)
                code = secrets.token_hex(8) if kind == "application" else None
                self.db.execute("INSERT INTO submissions (number, kind, terminal_id, serial, matter_code, id_hash, "
                                "status, body, received_at, promised_by, history, access_code, code_recovered, "
                                "slip_code_sha256, papers_due, papers_due_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)",
                                (number, kind, terminal_id, body["serial"], matter_code, id_hash, status,
                                 json.dumps(body, ensure_ascii=False), received, promised, history, code,
                                 slip_hash if isinstance(slip_hash, str) else None, papers_due, papers_due_by))
                if kind == "application":
                    self._index_id_hashes(number, id_hash, body)
                receipt = {"kind": kind, "serial": body["serial"], "number": number, "status": status,
                           "received_at": received}
                if promised:
                    receipt["promised_by"] = promised
                if papers_due_by:
                    receipt["papers_due_by"] = papers_due_by
                if code:
                    receipt["access_code"] = code
                self.db.execute("INSERT INTO idempotency VALUES (?,?,?,?,?)",
                                (terminal_id, key, body_sha, 201, json.dumps(receipt, ensure_ascii=False)))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return receipt

    def _new_number(self, kind: str) -> str:
        """Kind, date and 10 random characters: not a count, not guessable."""
        while True:
            tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM))
            number = f"{KINDS[kind]}{dt.date.today():%Y%m%d}{tail}"
            if self.db.execute("SELECT 1 FROM submissions WHERE number=?", (number,)).fetchone() is None:
                return number

    def _index_id_hashes(self, number: str, sent: str | None, body: dict) -> None:
        """The hash the terminal sent, and the applicant's under every key
        still served, so a look-up with any of them finds the application."""
        hashes = {sent} if sent else set()
        id_number = body.get("applicant", {}).get("id_number")
        if isinstance(id_number, str) and id_number:
            hashes |= {id_lookup_hash(id_number, bytes.fromhex(k["key"])) for k in self.id_hash_keys()}
        for value in hashes:
            self.db.execute("INSERT OR IGNORE INTO id_hashes VALUES (?, ?)", (number, value))

    def application(self, number: str) -> dict | None:
        with self.lock:
            row = self.db.execute(f"SELECT {STATUS_COLUMNS} FROM submissions WHERE number=? AND kind='application'",
                                  (number,)).fetchone()
        return None if row is None else _status(row)

    def application_with_proof(self, number: str, proof: str) -> dict | None:
        """The application, if ``proof`` is its slip's access code or its
        applicant's id_hash (what only the resident brings to a hut)."""
        with self.lock:
            row = self.db.execute("SELECT access_code FROM submissions WHERE number=? AND kind='application'",
                                  (number,)).fetchone()
            hashes = [r[0] for r in self.db.execute("SELECT id_hash FROM id_hashes WHERE number=?", (number,))]
        if row is None or not any(v and hmac.compare_digest(v, proof) for v in [row[0], *hashes]):
            return None
        return self.application(number)

    def applications_by_id_hash(self, id_hashes: list[str], limit: int = 20) -> list[dict]:
        """Applications whose applicant hashes to any of ``id_hashes`` (one per key the terminal holds)."""
        marks = ",".join("?" * len(id_hashes))
        with self.lock:
            rows = self.db.execute(f"SELECT {STATUS_COLUMNS} FROM submissions WHERE kind='application' AND number IN "
                                   f"(SELECT number FROM id_hashes WHERE id_hash IN ({marks})) "
                                   "ORDER BY received_at DESC, number DESC LIMIT ?", (*id_hashes, limit)).fetchall()
        return [_status(r) for r in rows]

    def health_records_by_id_hash(self, id_hashes: list[str], limit: int = 10) -> list[tuple[str, str, dict]]:
        """(number, received_at, body) of the resident's last ``limit`` health
        records, newest measurement first, by any of ``id_hashes``: only a
        query with the resident's own hash finds them."""
        marks = ",".join("?" * len(id_hashes))
        with self.lock:
            rows = self.db.execute(f"SELECT number, received_at, body FROM submissions WHERE kind='health_record' "
                                   f"AND id_hash IN ({marks})", tuple(id_hashes)).fetchall()
        found = [(number, received, json.loads(body)) for number, received, body in rows]

        def measured(entry: tuple[str, str, dict]) -> dt.datetime:
            text = entry[2].get("measured_at") or entry[1]
            try:
                when = dt.datetime.fromisoformat(str(text))
            except ValueError:
                when = dt.datetime.fromisoformat(entry[1])
            return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        return sorted(found, key=measured, reverse=True)[:limit]

    def move(self, number: str, status: str, note: str, internal_note: str = "") -> dict | str:
        """Advance an application; returns the new status or why not.
        ``note`` is for the resident; ``internal_note`` stays with the staff."""
        with self.lock:
            row = self.db.execute("SELECT status, history FROM submissions WHERE number=? AND kind='application'",
                                  (number,)).fetchone()
            if row is None:
                return "NOT_FOUND"
            if status not in STATUS_FLOW.get(row[0], ()):
                return "BAD_TRANSITION"
            step = {"status": status, "at": now_iso(), "note": note}
            if internal_note:
                step["internal_note"] = internal_note
            history = json.loads(row[1]) + [step]
            self.db.execute("UPDATE submissions SET status=?, history=? WHERE number=?",
                            (status, json.dumps(history, ensure_ascii=False), number))
        return self.application(number)  # type: ignore[return-value]

    def bump(self, name: str, by: int = 1) -> None:
        with self.lock:
            self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value=value+?",
                            (name, by, by))

    def save_heartbeat(self, terminal_id: str, body: dict) -> None:
        """Keep the latest heartbeat of each terminal (what a district's
        operations screen would show), and each staff call it tells of, once,
        in its latest state (the operations screen's list of huts asking for help)."""
        received = now_iso()
        call = body.get("help_request")
        with self.lock:
            self.db.execute("INSERT INTO heartbeats VALUES (?, ?, ?) ON CONFLICT(terminal_id) DO UPDATE SET "
                            "received_at=excluded.received_at, body=excluded.body",
                            (terminal_id, received, json.dumps(body, ensure_ascii=False)))
            if isinstance(call, dict):
                self.db.execute("INSERT INTO help_requests VALUES (?, ?, ?, ?) ON CONFLICT(terminal_id, requested_at) "
                                "DO UPDATE SET received_at=excluded.received_at, body=excluded.body",
                                (terminal_id, str(call["requested_at"]), received, json.dumps(call, ensure_ascii=False)))
        self.bump("heartbeats")

    def help_requests(self, limit: int = 100) -> list[dict]:
        """The staff calls heard of, newest first."""
        with self.lock:
            rows = self.db.execute("SELECT terminal_id, received_at, body FROM help_requests "
                                   "ORDER BY requested_at DESC LIMIT ?", (limit,)).fetchall()
        return [{"terminal_id": r[0], "received_at": r[1], "help_request": json.loads(r[2])} for r in rows]

    def last_heartbeat(self, terminal_id: str) -> dict | None:
        with self.lock:
            row = self.db.execute("SELECT received_at, body FROM heartbeats WHERE terminal_id=?",
                                  (terminal_id,)).fetchone()
        return None if row is None else {"received_at": row[0], "heartbeat": json.loads(row[1])}

    def stats(self) -> dict[str, int]:
        with self.lock:
            kinds = dict(self.db.execute("SELECT kind, COUNT(*) FROM submissions GROUP BY kind").fetchall())
            counters = dict(self.db.execute("SELECT name, value FROM counters").fetchall())
            attachments = self.db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0]
        return {"applications": kinds.get("application", 0), "health_records": kinds.get("health_record", 0),
                "requests": kinds.get("request", 0), "attachments": attachments,
                "idempotent_replays": counters.get("idempotent_replays", 0),
                "rejected_signatures": counters.get("rejected_signatures", 0)}

    def counter(self, name: str) -> int:
        """A counter outside the contract's stats (e.g. serial_lookups_found)."""
        with self.lock:
            row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return row[0] if row else 0

    def serial_counts(self) -> dict[str, int]:
        """How many submissions each serial produced (tests check 'none twice')."""
        with self.lock:
            return dict(self.db.execute("SELECT serial, COUNT(*) FROM submissions GROUP BY serial").fetchall())


STATUS_COLUMNS = "number, serial, matter_code, status, received_at, promised_by, history, papers_due, papers_due_by"


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself for 0).

    Working days are Monday to Friday: Saturdays and Sundays are skipped,
    public holidays and the days swapped around them are not known here (a
    district's platform keeps its own calendar)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _status(row: Any) -> dict:
    """An application as a terminal may see it: the staff's internal notes left
    out; whether the resident may still withdraw it; the papers still due at the
    counter (their codes: the app names them from the catalog) and by when."""
    history = [{k: v for k, v in step.items() if k != "internal_note"} for step in json.loads(row[6])]
    out = {"application_number": row[0], "serial": row[1], "matter_code": row[2], "status": row[3],
           "received_at": row[4], "history": history, "withdrawable": row[3] == WITHDRAWABLE}
    if row[5]:
        out["promised_by"] = row[5]
    if row[7] and row[3] in ("受理", "审核中"):   # decided, returned or withdrawn: nothing is due any more
        out["papers_due"], out["papers_due_by"] = json.loads(row[7]), row[8]
    return out


def private_folder(folder: Path) -> None:
    """Create ``folder`` 0700.  An existing folder others can enter is only
    warned about: narrowing a folder someone chose (their home, /srv) is
    theirs to decide."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        log.warning("%s is open to other users (mode %o); the platform's database holds terminal keys: "
                    "keep it in a folder of mode 0700", folder, folder.stat().st_mode & 0o777)
