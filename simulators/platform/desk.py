"""What the reference platform does with an application after it arrived, at
the resident's asking: find it by the slip a hut printed while it was still
queued (the terminal's serial and the slip's code), take a withdrawal, and
note that the papers due at the counter were brought.

The slip's code is the resident's secret: the terminal sends only its
SHA-256 with the application (``slip_code_sha256``) and prints the code in the
slip's QR.  A look-up compares hashes in constant time, and a wrong code
answers exactly like an unknown serial, so serials (which count up) cannot be
probed.  A withdrawal proves the applicant with the keyed hash of the ID
number from the card placed at the hut (``applicant.id_hash``), compared the
same way; it withdraws the application while its status is still the one it
got on arrival (``WITHDRAWABLE``) and otherwise answers what it is now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from simulators.platform.store import WITHDRAWABLE, WITHDRAWN, PlatformStore, now_iso

_NO_HASH = "-" * 64   # compared against when nothing is stored (no hash is ever this), so both take the same work


def slip_code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def application_by_slip(store: PlatformStore, serial: str, code: str) -> dict | None:
    """The application a queued slip (``HUTAPP:<serial>:<code>``) stands for, or
    None: unknown serial and wrong code alike.  A serial is unique per
    terminal, so every application of that serial is checked (the slip may be
    shown at another hut than the one that printed it)."""
    wanted = slip_code_hash(code)
    rows = store.db.execute("SELECT number, slip_code_sha256 FROM submissions WHERE serial=? AND "
                            "kind='application'", (serial,)).fetchall()
    found = None
    for number, stored in rows or [(None, None)]:
        if hmac.compare_digest(stored or _NO_HASH, wanted) and number is not None and stored:
            found = number
    return store.application(found) if found else None


def _proved(store: PlatformStore, number: str, id_hash: str) -> bool:
    hashes = [r[0] for r in store.db.execute("SELECT id_hash FROM id_hashes WHERE number=?", (number,))]
    return any(hmac.compare_digest(h, id_hash) for h in hashes or [_NO_HASH])


def withdraw(store: PlatformStore, terminal_id: str, key: str, body_sha: str, body: dict) -> dict | None:
    """Take a withdrawal (the contract's ``Withdrawal``); the acknowledgement,
    or None when no application of this number (or of this terminal's serial)
    has this applicant.  The application is withdrawn only while the department
    has not taken it up; either way the answer says its status now
    (``withdrawn``), and it is recorded with the idempotency key in one
    transaction, so a repeat gets the same answer."""
    number = body.get("application_number")
    if not isinstance(number, str):
        row = store.db.execute("SELECT number FROM submissions WHERE terminal_id=? AND serial=? AND "
                               "kind='application'", (terminal_id, str(body.get("application_serial")))).fetchone()
        number = row[0] if row else ""
    if not number or not _proved(store, number, str(body["applicant"]["id_hash"])):
        return None
    received = now_iso()
    with store.db.transaction() as tx:
        row = tx.execute("SELECT status, history FROM submissions WHERE number=? AND kind='application' FOR UPDATE",
                         (number,)).fetchone()
        if row is None:
            return None
        withdrawn = row[0] in (WITHDRAWABLE, WITHDRAWN)
        if row[0] == WITHDRAWABLE:
            history = json.loads(row[1]) + [{"status": WITHDRAWN, "at": received,
                                             "note": "居民在自助服务小屋撤回 / withdrawn by the resident at a hut"}]
            tx.execute("UPDATE submissions SET status=?, history=? WHERE number=?",
                       (WITHDRAWN, json.dumps(history, ensure_ascii=False), number))
        answer: dict[str, Any] = {"kind": "withdrawal", "serial": body["serial"], "number": number,
                                  "status": WITHDRAWN if withdrawn else row[0], "received_at": received,
                                  "withdrawn": withdrawn}
        tx.execute("INSERT INTO withdrawals VALUES (?,?,?,?,?)", (terminal_id, body["serial"], number,
                                                                 received, json.dumps(answer)))
        tx.execute("INSERT INTO idempotency VALUES (?,?,?,?,?)",
                   (terminal_id, key, body_sha, 201, json.dumps(answer, ensure_ascii=False)))
    return answer


def withdrawal_serial_used(store: PlatformStore, terminal_id: str, serial: str) -> bool:
    return store.db.execute("SELECT 1 FROM withdrawals WHERE terminal_id=? AND serial=?",
                            (terminal_id, serial)).fetchone() is not None


def papers_received(store: PlatformStore, number: str) -> dict | str:
    """The back office: the papers due at the counter were brought (they are due no more)."""
    with store.db.transaction() as tx:
        row = tx.execute("SELECT history, status FROM submissions WHERE number=? AND kind='application' FOR UPDATE",
                         (number,)).fetchone()
        if row is None:
            return "NOT_FOUND"
        history = json.loads(row[0]) + [{"status": row[1], "at": now_iso(),
                                         "note": "补交材料已收到 / the papers brought later were received"}]
        tx.execute("UPDATE submissions SET papers_due=NULL, papers_due_by=NULL, history=? WHERE number=?",
                   (json.dumps(history, ensure_ascii=False), number))
    return store.application(number)  # type: ignore[return-value]
