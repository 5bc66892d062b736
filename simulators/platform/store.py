"""The reference platform's storage: a database (one SQLite file, or
PostgreSQL for several workers; db.py) plus a folder of attachments named by
their SHA-256.

Why SQLite by default: tests must see the platform's state after it restarts
(the "platform down, then up" test) and the bench must measure real writes;
one file needs nothing installed.  A city's platform runs on PostgreSQL with
several workers: what must hold across them (an idempotency key used once,
a nonce seen once, an enrolment code taken once) is held by keys and
conditional updates in the database, never by a lock in one process.  The
files hold terminal keys and residents' data: they are created 0600 and
their folders 0700.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from kiosk.central.signing import NONCE_WINDOW_SECONDS
from kiosk.errors import KioskError
from kiosk.privacy import id_lookup_hash
from simulators.platform import migrations
from simulators.platform.db import Conflict, Database, PostgresDatabase, SQLiteDatabase, Unavailable, is_postgres, sqlite_path

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

def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class PlatformStore:
    """The platform's whole state, so a test can check it directly (e.g. each
    serial filed exactly once) and a restart keeps it.

    ``db``: a SQLite file (a path, or ``sqlite:///path``) or a PostgreSQL URL
    (``postgresql://...``; then ``attachments`` names the attachment folder,
    a path every worker shares).  ``migrate``: bring the schema up to date
    first (the default; a deployment on PostgreSQL runs ``kiosk platform
    migrate`` once and starts its workers with ``migrate=False``, which then
    refuse a database that is behind or ahead of them)."""

    def __init__(self, db: Path | str, attachments: Path | None = None, migrate: bool = True,
                 pool_size: int = 8, pool_timeout: float = 5.0):
        self.database: Database
        if is_postgres(db):
            if attachments is None:
                raise KioskError("a PostgreSQL platform needs its attachment folder (--attachments DIR, "
                                 "shared by every worker)")
            self.db_path = Path(attachments).with_name(Path(attachments).name + ".state")
            self.blob_dir = Path(attachments)
            private_folder(self.blob_dir)
            self.database = PostgresDatabase(str(db), max_size=pool_size, pool_timeout=pool_timeout)
        else:
            self.db_path = sqlite_path(db)
            self.blob_dir = Path(attachments) if attachments else self.db_path.with_name(
                self.db_path.name + ".attachments")
            private_folder(self.db_path.parent)
            private_folder(self.blob_dir)
            self.database = SQLiteDatabase(self.db_path)
        self.db = self.database
        self.lock = self.database.lock
        try:
            if migrate:
                migrations.migrate(self.db)
            version = migrations.check(self.db)
            if version < migrations.latest():
                raise KioskError(f"the platform's database is at schema version {version}, this platform needs "
                                 f"{migrations.latest()}: run `kiosk platform migrate --db ...` first")
            if self.db.execute("SELECT COUNT(*) FROM id_hash_keys").fetchone()[0] == 0:
                with self.db.transaction() as tx:
                    if tx.dialect == "postgresql":  # two workers starting at once make one key, not two
                        tx.execute("LOCK TABLE id_hash_keys IN EXCLUSIVE MODE")
                    if tx.execute("SELECT COUNT(*) FROM id_hash_keys").fetchone()[0] == 0:
                        self.rotate_id_hash_key()
        except migrations.SchemaTooNew as exc:
            self.database.close()
            raise KioskError(str(exc)) from None
        except BaseException:
            self.database.close()
            raise
        self._last_nonce_purge = 0.0

    def close(self) -> None:
        self.database.close()

    def side_file(self, suffix: str) -> Path:
        """A file of the platform's beside its state (e.g. the staff card list)."""
        return self.db_path.with_name(self.db_path.name + suffix)

    def admin_token(self) -> str:
        """The back office's token, held in the database (made at the first ask),
        so every worker on every machine knows the same one."""
        return stored_admin_token(self.db)

    # -- terminals ---------------------------------------------------------
    def add_terminal(self, terminal_id: str, key_hex: str, name: str = "") -> None:
        bytes.fromhex(key_hex)
        self.db.execute("INSERT INTO terminals (id, key_hex, name, enrolled_at) VALUES (?,?,?,?) "
                        "ON CONFLICT(id) DO UPDATE SET key_hex=excluded.key_hex, revoked=0",
                        (terminal_id, key_hex, name, now_iso()))

    def terminal(self, terminal_id: str) -> tuple[bytes, bool] | None:
        row = self.db.execute("SELECT key_hex, revoked FROM terminals WHERE id=?", (terminal_id,)).fetchone()
        return (bytes.fromhex(row[0]), bool(row[1])) if row else None

    def revoke(self, terminal_id: str) -> bool:
        return self.db.execute("UPDATE terminals SET revoked=1 WHERE id=?", (terminal_id,)).rowcount == 1

    def new_enrolment_code(self, valid_seconds: float = ENROLMENT_CODE_SECONDS) -> tuple[str, float]:
        """A one-time code (64 random bits) and when it expires (Unix time)."""
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        expires = time.time() + valid_seconds
        self.db.execute("INSERT INTO enrolment_codes (code, expires_at) VALUES (?, ?)", (code, expires))
        return code, expires

    def enrol(self, code: str, name: str) -> tuple[str, str] | None:
        """A new terminal for a valid code, or None.  The code is taken by one
        conditional UPDATE in the terminal's transaction: of two enrolments
        racing for it (on any worker) exactly one changes the row."""
        key_hex = secrets.token_hex(32)
        for _ in range(5):
            try:
                with self.db.transaction() as tx:
                    n = tx.execute("SELECT COUNT(*) FROM terminals").fetchone()[0] + 1
                    terminal_id = f"HUT-{n:04d}-{secrets.token_hex(2).upper()}"
                    taken = tx.execute("UPDATE enrolment_codes SET used_by=? WHERE code=? AND used_by IS NULL "
                                       "AND expires_at >= ?", (terminal_id, code, time.time())).rowcount
                    if taken != 1:
                        return None
                    tx.execute("INSERT INTO terminals (id, key_hex, name, enrolled_at) VALUES (?,?,?,?)",
                               (terminal_id, key_hex, name, now_iso()))
                return terminal_id, key_hex
            except Conflict:  # the same id drawn by another enrolment at once (16 random bits): draw again
                continue
        raise Unavailable("could not draw a free terminal id")

    def enrolment_attempt(self, address: str, count: int = 10, seconds: float = 60.0) -> float | None:
        """Count one enrolment attempt from ``address``: None when it is
        allowed, else the seconds to wait (at most ``count`` per ``seconds``,
        across every worker).  One address's attempts are counted in turn."""
        now = time.time()
        with self.db.transaction() as tx:
            if tx.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (address,))
            tx.execute("DELETE FROM enrolment_attempts WHERE at < ?", (now - seconds,))
            recent = [row[0] for row in tx.execute("SELECT at FROM enrolment_attempts WHERE address=? ORDER BY at",
                                                   (address,))]
            if len(recent) >= count:
                return float(recent[0] + seconds - now)
            tx.execute("INSERT INTO enrolment_attempts VALUES (?, ?)", (address, now))
        return None

    def use_nonce(self, terminal_id: str, nonce: str) -> bool:
        """True the first time a nonce is seen within the window."""
        """True the first time a nonce is seen within the window: the primary
        key decides (on any worker), and a nonce older than the window is
        taken again only by the one UPDATE that finds it still old."""
        now = time.time()
        if now - self._last_nonce_purge > 60:
            self._last_nonce_purge = now
            self.db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - NONCE_WINDOW_SECONDS,))
        if self.db.execute("INSERT INTO nonces VALUES (?,?,?) ON CONFLICT DO NOTHING",
                           (terminal_id, nonce, now)).rowcount == 1:
            return True
        return self.db.execute("UPDATE nonces SET seen_at=? WHERE terminal_id=? AND nonce=? AND seen_at < ?",
                               (now, terminal_id, nonce, now - NONCE_WINDOW_SECONDS)).rowcount == 1

    # -- the district's ID hash keys ---------------------------------------------
    def rotate_id_hash_key(self, key: bytes | None = None) -> int:
        """A new current key (version + 1); every application gains its hash
        under it (the platform holds the ID numbers), so a terminal with any
        served key finds what was filed under another."""
        key = key or secrets.token_bytes(32)
        with self.db.transaction() as tx:
            version = (tx.execute("SELECT MAX(version) FROM id_hash_keys").fetchone()[0] or 0) + 1
            tx.execute("INSERT INTO id_hash_keys VALUES (?, ?, ?)", (version, key.hex(), now_iso()))
            for number, body in tx.execute("SELECT number, body FROM submissions WHERE kind='application'"
                                           ).fetchall():
                id_number = json.loads(body).get("applicant", {}).get("id_number")
                if isinstance(id_number, str) and id_number:
                    tx.execute("INSERT INTO id_hashes VALUES (?, ?) ON CONFLICT DO NOTHING",
                               (number, id_lookup_hash(id_number, key)))
        return version

    def id_hash_keys(self) -> list[dict]:
        """The keys terminals are given: the current one and the previous
        ``KEEP_PREVIOUS_KEYS``, newest first ({version, key})."""
        rows = self.db.execute("SELECT version, key_hex FROM id_hash_keys ORDER BY version DESC LIMIT ?",
                               (1 + KEEP_PREVIOUS_KEYS,)).fetchall()
        return [{"version": v, "key": k} for v, k in rows]

    # -- attachments -------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        return self.blob_dir / sha[:2] / sha

    def attachment_of(self, terminal_id: str, sha: str) -> int | None:
        """The size of an attachment ``terminal_id`` uploaded; None for one it
        did not (another terminal's upload is not its to reference)."""
        row = self.db.execute("SELECT a.size FROM attachments a JOIN attachment_owners o USING (sha256) "
                              "WHERE a.sha256=? AND o.terminal_id=?", (sha, terminal_id)).fetchone()
        return row[0] if row else None

    def adopt_attachment(self, terminal_id: str, sha: str, spooled: Path, size: int) -> bool:
        """Store a file that arrived (spooled, already hashed) under its hash,
        as uploaded by ``terminal_id``; False when this terminal had already
        uploaded it (a no-op).

        Several workers (on several machines sharing the folder) may adopt
        the same file at once: the file is renamed into place (atomic; the
        same bytes under the same name whichever wins) before its row is
        written, so a row never names a missing or half-written file."""
        stored = self.db.execute("SELECT 1 FROM attachments WHERE sha256=?", (sha,)).fetchone() is not None
        path = self.blob_path(sha)
        if not stored or not path.exists():
            path.parent.mkdir(mode=0o700, exist_ok=True)
            os.chmod(spooled, 0o600)
            os.replace(spooled, path)
            self.db.execute("INSERT INTO attachments VALUES (?,?,?) ON CONFLICT DO NOTHING", (sha, size, now_iso()))
        return self.db.execute("INSERT INTO attachment_owners VALUES (?, ?) ON CONFLICT DO NOTHING",
                               (sha, terminal_id)).rowcount == 1

    # -- submissions -------------------------------------------------------
    def idempotent(self, terminal_id: str, key: str) -> tuple[str, int, dict] | None:
        row = self.db.execute("SELECT body_sha256, status_code, response FROM idempotency "
                              "WHERE terminal_id=? AND key=?", (terminal_id, key)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def by_serial(self, terminal_id: str, serial: str, recover_code: bool = False) -> dict | None:
        """The acknowledgement of ``serial``.  ``recover_code``: also the access
        code, handed out this one time only and only within ``RECOVERY_SECONDS``
        of the filing (the terminal lost the answer that carried it)."""
        row = self.db.execute("SELECT number, kind, serial, status, received_at, access_code, code_recovered "
                              "FROM submissions WHERE terminal_id=? AND serial=?", (terminal_id, serial)).fetchone()
        if row is None:
            withdrawal = self.db.execute("SELECT answer FROM withdrawals WHERE terminal_id=? AND serial=?",
                                         (terminal_id, serial)).fetchone()
            return json.loads(withdrawal[0]) if withdrawal else None
        found = {"kind": row[1], "serial": row[2], "number": row[0], "status": row[3], "received_at": row[4]}
        fresh = dt.datetime.fromisoformat(row[4]).timestamp() > time.time() - RECOVERY_SECONDS
        # handed out once: of two look-ups at once (on any worker) only the one whose UPDATE changed the row
        if recover_code and row[5] and not row[6] and fresh and self.db.execute(
                "UPDATE submissions SET code_recovered=1 WHERE number=? AND code_recovered=0", (row[0],)).rowcount == 1:
            found["access_code"] = row[5]
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
        with self.db.transaction() as tx:
            number = self._new_number(kind)
            history = json.dumps([{"status": status, "at": received, "note": ""}], ensure_ascii=False)
            code = secrets.token_hex(8) if kind == "application" else None
            tx.execute("INSERT INTO submissions (number, kind, terminal_id, serial, matter_code, id_hash, "
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
            tx.execute("INSERT INTO idempotency VALUES (?,?,?,?,?)",
                       (terminal_id, key, body_sha, 201, json.dumps(receipt, ensure_ascii=False)))
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
            self.db.execute("INSERT INTO id_hashes VALUES (?, ?) ON CONFLICT DO NOTHING", (number, value))

    def application(self, number: str) -> dict | None:
        row = self.db.execute(f"SELECT {STATUS_COLUMNS} FROM submissions WHERE number=? AND kind='application'",
                              (number,)).fetchone()
        return None if row is None else _status(row)

    def application_with_proof(self, number: str, proof: str) -> dict | None:
        """The application, if ``proof`` is its slip's access code or its
        applicant's id_hash (what only the resident brings to a hut)."""
        row = self.db.execute("SELECT access_code FROM submissions WHERE number=? AND kind='application'",
                              (number,)).fetchone()
        hashes = [r[0] for r in self.db.execute("SELECT id_hash FROM id_hashes WHERE number=?", (number,))]
        if row is None or not any(v and hmac.compare_digest(v, proof) for v in [row[0], *hashes]):
            return None
        return self.application(number)

    def applications_by_id_hash(self, id_hashes: list[str], limit: int = 20) -> list[dict]:
        """Applications whose applicant hashes to any of ``id_hashes`` (one per key the terminal holds)."""
        marks = ",".join("?" * len(id_hashes))
        rows = self.db.execute(f"SELECT {STATUS_COLUMNS} FROM submissions WHERE kind='application' AND number IN "
                               f"(SELECT number FROM id_hashes WHERE id_hash IN ({marks})) "
                               "ORDER BY received_at DESC, number DESC LIMIT ?", (*id_hashes, limit)).fetchall()
        return [_status(r) for r in rows]

    def health_records_by_id_hash(self, id_hashes: list[str], limit: int = 10) -> list[tuple[str, str, dict]]:
        """(number, received_at, body) of the resident's last ``limit`` health
        records, newest measurement first, by any of ``id_hashes``: only a
        query with the resident's own hash finds them."""
        marks = ",".join("?" * len(id_hashes))
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
        with self.db.transaction() as tx:
            row = tx.execute("SELECT status, history FROM submissions WHERE number=? AND kind='application' "
                             "FOR UPDATE", (number,)).fetchone()
            if row is None:
                return "NOT_FOUND"
            if status not in STATUS_FLOW.get(row[0], ()):
                return "BAD_TRANSITION"
            step = {"status": status, "at": now_iso(), "note": note}
            if internal_note:
                step["internal_note"] = internal_note
            history = json.loads(row[1]) + [step]
            tx.execute("UPDATE submissions SET status=?, history=? WHERE number=?",
                       (status, json.dumps(history, ensure_ascii=False), number))
        return self.application(number)  # type: ignore[return-value]

    def bump(self, name: str, by: int = 1) -> None:
        self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                        "value=counters.value+excluded.value", (name, by))

    def save_heartbeat(self, terminal_id: str, body: dict) -> None:
        """Keep the latest heartbeat of each terminal (what a district's
        operations screen would show), and each staff call it tells of, once,
        in its latest state (the operations screen's list of huts asking for help)."""
        received = now_iso()
        call = body.get("help_request")
        with self.db.transaction() as tx:  # one commit (on PostgreSQL: one WAL flush) for the three
            tx.execute("INSERT INTO heartbeats VALUES (?, ?, ?) ON CONFLICT(terminal_id) DO UPDATE SET "
                       "received_at=excluded.received_at, body=excluded.body",
                       (terminal_id, received, json.dumps(body, ensure_ascii=False)))
            if isinstance(call, dict):
                tx.execute("INSERT INTO help_requests VALUES (?, ?, ?, ?) ON CONFLICT(terminal_id, requested_at) "
                           "DO UPDATE SET received_at=excluded.received_at, body=excluded.body",
                           (terminal_id, str(call["requested_at"]), received, json.dumps(call, ensure_ascii=False)))
            self.bump("heartbeats")

    def help_requests(self, limit: int = 100) -> list[dict]:
        """The staff calls heard of, newest first."""
        rows = self.db.execute("SELECT terminal_id, received_at, body FROM help_requests "
                               "ORDER BY requested_at DESC LIMIT ?", (limit,)).fetchall()
        return [{"terminal_id": r[0], "received_at": r[1], "help_request": json.loads(r[2])} for r in rows]

    def last_heartbeat(self, terminal_id: str) -> dict | None:
        row = self.db.execute("SELECT received_at, body FROM heartbeats WHERE terminal_id=?",
                              (terminal_id,)).fetchone()
        return None if row is None else {"received_at": row[0], "heartbeat": json.loads(row[1])}

    def stats(self) -> dict[str, int]:
        kinds = dict(self.db.execute("SELECT kind, COUNT(*) FROM submissions GROUP BY kind").fetchall())
        counters = dict(self.db.execute("SELECT name, value FROM counters").fetchall())
        attachments = self.db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0]
        return {"applications": kinds.get("application", 0), "health_records": kinds.get("health_record", 0),
                "requests": kinds.get("request", 0), "attachments": attachments,
                "idempotent_replays": counters.get("idempotent_replays", 0),
                "rejected_signatures": counters.get("rejected_signatures", 0)}

    def counter(self, name: str) -> int:
        """A counter outside the contract's stats (e.g. serial_lookups_found)."""
        row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return row[0] if row else 0

    def serial_counts(self) -> dict[str, int]:
        """How many submissions each serial produced (tests check 'none twice')."""
        return dict(self.db.execute("SELECT serial, COUNT(*) FROM submissions GROUP BY serial").fetchall())


def stored_admin_token(db: Database) -> str:
    """The admin token kept in the database, made (once, whichever worker asks first) when missing."""
    db.execute("INSERT INTO platform_settings VALUES ('admin_token', ?) ON CONFLICT DO NOTHING",
               (secrets.token_urlsafe(32),))
    return str(db.execute("SELECT value FROM platform_settings WHERE name='admin_token'").fetchone()[0])


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
