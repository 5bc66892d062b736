"""A resident's applications still in this hut's outbox, and taking one back (撤回).

What the progress step asks of the outbox (on a job: these read and write
the disk):

* ``local_applications``: the applications of the card's holder that the
  platform has not received (pending, or refused and waiting for the staff),
  matched on the applicant's keyed ID hash inside the sealed payload;
* ``slip_application``: the application a slip printed while it was queued
  stands for, if the slip's code hashes to the one it was filed with
  (compared in constant time; a wrong code is as good as an unknown serial);
* ``withdraw``: in one transaction, an application not yet sent leaves the
  outbox (payload and pages gone: the platform never gets it); one already
  sent, or filed at another hut, gets a withdrawal request queued behind it,
  sent by the worker like any submission.  The worker's ``mark_sent`` is the
  other side of the same line, so a withdrawal racing the send either stops
  it or follows it; never both, never twice (a second withdrawal of the same
  application finds the first).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Iterable

from kiosk.outbox.sealing import SealError
from kiosk.outbox.store import CONFIRMED, DEAD, PENDING, WITHDRAWN, Outbox

_NOTHING = "-" * 64   # compared against when nothing is stored, so every path takes the same work


def slip_code_hash(code: str) -> str:
    """What the application carries of its slip's code (the contract's ``slip_code_sha256``)."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class LocalApplication:
    """An application as this outbox holds it: ``state`` pending | dead |
    withdrawn | confirmed; ``number`` the platform's once confirmed;
    ``withdrawing``: a withdrawal request for it waits to be sent."""

    serial: str
    state: str
    sent: bool
    created_at: float
    matter_code: str = ""
    number: str = ""
    withdrawing: bool = False


@dataclass(frozen=True)
class Withdrawal:
    """``outcome``: removed (it left the outbox unsent) | requested (a withdrawal
    request, ``serial``, goes to the platform)."""

    outcome: str
    serial: str = ""


def _withdrawing(outbox: Outbox, serial: str, number: str) -> str:
    """The serial of a withdrawal already queued or sent for this application ("" if none)."""
    targets = [f"serial:{serial}"] if serial else []
    targets += [f"number:{number}"] if number else []
    if not targets:
        return ""
    marks = ",".join("?" * len(targets))
    row = outbox.db.execute(f"SELECT serial FROM submissions WHERE kind='withdrawal' AND state IN (?,?) "
                            f"AND target IN ({marks}) ORDER BY id LIMIT 1", (PENDING, CONFIRMED, *targets)).fetchone()
    return row[0] if row else ""


def _matter_and_applicant(outbox: Outbox, serial: str, sealed: bytes | None) -> tuple[str, str]:
    if sealed is None:
        return "", ""
    try:
        body = json.loads(outbox.sealer.open(sealed, b"payload:" + serial.encode()))
    except (SealError, ValueError):
        return "", ""
    applicant = body.get("applicant") if isinstance(body, dict) else None
    id_hash = applicant.get("id_hash") if isinstance(applicant, dict) else None
    return str(body.get("matter_code") or ""), id_hash if isinstance(id_hash, str) else ""


def local_applications(outbox: Outbox, id_hashes: Iterable[str]) -> list[LocalApplication]:
    """The card holder's applications the platform has not received, newest first."""
    wanted = [h for h in id_hashes if h]
    found = []
    rows = outbox.db.execute("SELECT serial, state, sent, created_at, payload FROM submissions WHERE kind='application' "
                             "AND state IN (?,?) ORDER BY id DESC", (PENDING, DEAD)).fetchall()
    for serial, state, sent, created, sealed in rows:
        matter, id_hash = _matter_and_applicant(outbox, serial, sealed)
        if any(hmac.compare_digest(id_hash or _NOTHING, h) for h in wanted):
            found.append(LocalApplication(serial, state, bool(sent), created, matter,
                                          withdrawing=bool(_withdrawing(outbox, serial, ""))))
    return found


def slip_application(outbox: Outbox, serial: str, code: str) -> LocalApplication | None:
    """The application of the queued slip ``HUTAPP:<serial>:<code>`` as this
    outbox holds it, or None (not filed here, or not this code)."""
    row = outbox.db.execute("SELECT serial, state, sent, created_at, payload, slip_hash, number FROM submissions "
                            "WHERE kind='application' AND serial=?", (serial,)).fetchone()
    if not hmac.compare_digest((row[5] if row else None) or _NOTHING, slip_code_hash(code)) or row is None:
        return None
    matter, _ = _matter_and_applicant(outbox, row[0], row[4])
    return LocalApplication(row[0], row[1], bool(row[2]), row[3], matter, row[6] or "",
                            withdrawing=bool(_withdrawing(outbox, row[0], row[6] or "")))


def withdrawal_targets(outbox: Outbox) -> set[str]:
    """What the withdrawals waiting here to be sent withdraw ("number:…", "serial:…");
    once the platform has answered one, its answer (the application's status) is what counts."""
    return {r[0] for r in outbox.db.execute("SELECT target FROM submissions WHERE kind='withdrawal' AND state=?",
                                            (PENDING,)) if r[0]}


def withdraw(outbox: Outbox, applicant: dict, *, serial: str = "", number: str = "") -> Withdrawal:
    """Take the application back: ``serial`` when it was filed here (this
    outbox's serial), ``number`` the platform's; ``applicant`` is the
    contract's proof ({id_hash, id_hash_version} from the card placed now)."""
    if not serial and not number:
        raise ValueError("withdraw what? a serial or a number")
    db, blobs = outbox.db, set()
    db.execute("BEGIN IMMEDIATE")
    try:
        row = (db.execute("SELECT id, state, sent, number FROM submissions WHERE kind='application' AND serial=?",
                          (serial,)).fetchone() if serial else None)
        if row is not None and (row[1] == DEAD or (row[1] == PENDING and not row[2])):
            blobs = {r[0] for r in db.execute("SELECT blob FROM attachments WHERE submission_id=?", (row[0],))}
            db.executemany("INSERT OR IGNORE INTO trash VALUES (?)", [(b,) for b in blobs])
            db.execute("DELETE FROM attachments WHERE submission_id=?", (row[0],))
            db.execute("UPDATE submissions SET state=?, payload=NULL, finished_at=?, last_error=NULL WHERE id=?",
                       (WITHDRAWN, time.time(), row[0]))
            db.execute("COMMIT")
            outbox._empty_trash(blobs)
            return Withdrawal("removed")
        if row is not None and row[1] == WITHDRAWN:
            db.execute("COMMIT")
            return Withdrawal("removed")
        if row is not None and row[1] == CONFIRMED and row[3]:
            number = row[3]
        already = _withdrawing(outbox, serial, number)
        if already:
            db.execute("COMMIT")
            return Withdrawal("requested", already)
        body: dict = {"applicant": dict(applicant)}
        if number:
            body["application_number"] = number
        else:
            body["application_serial"] = serial
        request, _ = outbox._insert("withdrawal", body)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return Withdrawal("requested", request)


def target_application(outbox: Outbox, target: str | None) -> tuple[str, float] | None:
    """A withdrawal's application when it names this outbox's serial: its state
    and when it is next tried (None: named by number, or not here)."""
    if not target or not target.startswith("serial:"):
        return None
    row = outbox.db.execute("SELECT state, next_attempt_at FROM submissions WHERE kind='application' AND serial=?",
                            (target[len("serial:"):],)).fetchone()
    return (row[0], row[1]) if row else None


def withdrawal_target(outbox: Outbox, serial: str) -> str | None:
    row = outbox.db.execute("SELECT target FROM submissions WHERE serial=?", (serial,)).fetchone()
    return row[0] if row else None
