"""A resident's requests (诉求) and ratings still in this hut's outbox.

What the progress step asks of the outbox about requests (on a job: these
read the disk), so a request filed while the platform was down is shown
("will be sent automatically") instead of "nothing found":

* ``local_requests``: the card holder's requests the platform has not
  received (pending, or refused and waiting for the staff), matched on the
  resident's keyed ID hash inside the sealed payload;
* ``slip_request``: the request a slip printed while it was queued stands for,
  if the slip's code hashes to the one it was filed with (compared in
  constant time; a wrong code is as good as an unknown serial);
* ``rating_waiting``: whether a rating of a request waits here to be sent, so
  the screen does not ask the resident to rate it twice;
* ``discard_refused``: a request the platform refused because the hut's
  catalog was out of date (an unknown type, topic or community) leaves the
  outbox once the resident files it again with the new catalog, so the dead
  letters keep no second copy of it (payload and photos gone, state
  ``withdrawn``: never sent).
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass
from typing import Iterable

from kiosk.outbox.sealing import SealError
from kiosk.outbox.store import DEAD, PENDING, WITHDRAWN, Outbox
from kiosk.outbox.withdrawals import slip_code_hash

_NOTHING = "-" * 64   # compared against when nothing is stored, so every path takes the same work
CATALOG_REFUSALS = ("UNKNOWN_TYPE", "UNKNOWN_TOPIC", "UNKNOWN_COMMUNITY")


@dataclass(frozen=True)
class LocalRequest:
    """A request as this outbox holds it: ``state`` pending | dead;
    ``type`` and ``topic`` the request catalog's codes."""

    serial: str
    state: str
    sent: bool
    created_at: float
    type: str = ""
    topic: str = ""


def _opened(outbox: Outbox, serial: str, sealed: bytes | None) -> dict:
    if sealed is None:
        return {}
    try:
        body = json.loads(outbox.sealer.open(sealed, b"payload:" + serial.encode()))
    except (SealError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _local(serial: str, state: str, sent: int, created: float, body: dict) -> LocalRequest:
    return LocalRequest(serial, state, bool(sent), created, str(body.get("type") or ""), str(body.get("topic") or ""))


def local_requests(outbox: Outbox, id_hashes: Iterable[str]) -> list[LocalRequest]:
    """The card holder's requests the platform has not received, newest first."""
    wanted = [h for h in id_hashes if h]
    found = []
    rows = outbox.db.execute("SELECT serial, state, sent, created_at, payload FROM submissions WHERE kind='request' "
                             "AND state IN (?,?) ORDER BY id DESC", (PENDING, DEAD)).fetchall()
    for serial, state, sent, created, sealed in rows:
        body = _opened(outbox, serial, sealed)
        resident = body.get("resident")
        id_hash = resident.get("id_hash") if isinstance(resident, dict) else None
        if any(hmac.compare_digest(id_hash if isinstance(id_hash, str) else _NOTHING, h) for h in wanted):
            found.append(_local(serial, state, sent, created, body))
    return found


def slip_request(outbox: Outbox, serial: str, code: str) -> LocalRequest | None:
    """The request of a queued slip (its serial and code) as this outbox holds
    it while the platform has not received it, or None (not filed here, sent
    already, or not this code)."""
    row = outbox.db.execute("SELECT serial, state, sent, created_at, payload, slip_hash FROM submissions "
                            "WHERE kind='request' AND serial=? AND state IN (?,?)", (serial, PENDING, DEAD)).fetchone()
    if not hmac.compare_digest((row[5] if row else None) or _NOTHING, slip_code_hash(code)) or row is None:
        return None
    return _local(row[0], row[1], row[2], row[3], _opened(outbox, row[0], row[4]))


def rating_waiting(outbox: Outbox, number: str) -> bool:
    """A rating of the request ``number`` waits in this outbox to be sent."""
    rows = outbox.db.execute("SELECT serial, payload FROM submissions WHERE kind='request_rating' AND state=?",
                             (PENDING,)).fetchall()
    return any(_opened(outbox, serial, sealed).get("number") == number for serial, sealed in rows)


def discard_refused(outbox: Outbox, serial: str) -> bool:
    """Drop the request ``serial`` if the platform refused it for an out-of-date
    catalog (it is filed again under a new serial); False for anything else
    (pending, sent, refused for another reason: the staff's to look at)."""
    db = outbox.db
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT id, last_error FROM submissions WHERE kind='request' AND serial=? AND state=?",
                         (serial, DEAD)).fetchone()
        if row is None or row[1] not in CATALOG_REFUSALS:
            db.execute("COMMIT")
            return False
        blobs = {r[0] for r in db.execute("SELECT blob FROM attachments WHERE submission_id=?", (row[0],))}
        db.executemany("INSERT OR IGNORE INTO trash VALUES (?)", [(b,) for b in blobs])
        db.execute("DELETE FROM attachments WHERE submission_id=?", (row[0],))
        db.execute("UPDATE submissions SET state=?, payload=NULL, finished_at=? WHERE id=?",
                   (WITHDRAWN, time.time(), row[0]))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    outbox._empty_trash(blobs)
    return True
