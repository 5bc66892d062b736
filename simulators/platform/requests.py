"""Requests (诉求, the district's "天大小事") on the reference platform: the
request catalog, the checks a request must pass beyond the contract's schema,
its record and lifecycle, what a resident may see of it, and ratings.

A request is a row of the platform's ``submissions`` (kind ``request``):
``status`` is its state, ``promised_by`` its due date, ``history`` its steps
(each with the time, the actor, a note meant for the resident and maybe an
internal one) and ``slip_code_sha256`` the hash of its slip's code.  What the
resident sees (``RequestStatus``) is derived from the steps: the department
it is with, the latest answer, the rating of that answer.

The lifecycle (``WORKFLOW``): 受理 → 派单 (to a department) → 办理 → 答复 →
办结, with 退回 (back at dispatch: the department sent it back, or the
resident said the wrong department answered) and 回访 (the resident's rating,
a step that changes the state only through what it decides: satisfied and
basically satisfied close it, unsatisfied reopens it).

Time limits are working days (``WorkingCalendar``): Monday to Friday, less the
holidays of the district's calendar, plus the weekend days it makes working
days; the request catalog's yaml holds both (``calendar``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Callable

from simulators.platform.bodies import Refused, error_response
from simulators.platform.documents import shipped
from simulators.platform.store import PlatformStore, now_iso

RECEIVED, DISPATCHED, HANDLING, ANSWERED, CLOSED, RETURNED, FOLLOW_UP = "受理", "派单", "办理", "答复", "办结", "退回", "回访"
WORKFLOW: dict[str, tuple[str, ...]] = {
    RECEIVED: (DISPATCHED, ANSWERED),   # a question the platform answers itself needs no department
    DISPATCHED: (HANDLING, RETURNED),
    HANDLING: (ANSWERED, RETURNED),
    RETURNED: (DISPATCHED,),
    ANSWERED: (CLOSED, HANDLING),
    CLOSED: (),
}
NEEDS_NOTE = (ANSWERED, RETURNED)
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
PHOTO_TYPES = ("image/jpeg", "image/png")
LISTED = 20          # a resident's requests in one answer
ADMIN_LISTED = 200
_NO_HASH = "-" * 64  # compared against when nothing is stored, so every path takes the same work


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: Monday to Friday, less ``holidays``, plus ``workdays``
    (the weekend days a holiday notice makes working days)."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_dict(cls, data: dict) -> "WorkingCalendar":
        def days(key: str) -> frozenset[dt.date]:
            return frozenset(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
                             for d in data.get(key) or ())
        return cls(days("holidays"), days("workdays"))

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself for 0):
        a request received on Friday with 2 working days is due on Tuesday."""
        day = start
        while days > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day


def load_request_catalog() -> tuple[dict, WorkingCalendar]:
    """The catalog as served (everything but the calendar) and the calendar."""
    data = shipped("simulators.platform", "request_catalog.yaml")
    calendar = WorkingCalendar.from_dict(data.pop("calendar", None) or {})
    return data, calendar


def _refuse(code: str, message: str, **extra: Any) -> Refused:
    return Refused(error_response(422, code, message, **extra))


class RequestDesk:
    """The platform's request desk: one per app, over the platform's store.
    ``today`` is the platform's date (tests and the demo move it)."""

    def __init__(self, store: PlatformStore, document: dict | None = None, calendar: WorkingCalendar | None = None,
                 today: Callable[[], dt.date] = dt.date.today):
        if document is None:
            document, loaded = load_request_catalog()
            calendar = calendar or loaded
        self.store, self.document, self.today = store, document, today
        self.calendar = calendar or WorkingCalendar()
        self.version = str(document["version"])
        self.types = {t["code"]: t for t in document["types"]}
        self.topics = {t["code"]: t for t in document["topics"]}
        self.communities = {c["code"]: c for c in document["communities"]}
        self.departments = {d["code"]: d for d in document["departments"]}
        self.reasons = {r["code"]: r for r in document["rating_reasons"]}
        self.document_bytes = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.etag = '"' + hashlib.sha256(self.document_bytes).hexdigest()[:32] + '"'

    # -- filing ------------------------------------------------------------------
    def check(self, data: dict) -> str | None:
        """What the schema cannot say; the resident's id_hash (None: anonymous)."""
        kind = self.types.get(data["type"])
        if kind is None:
            raise _refuse("UNKNOWN_TYPE", f"no request type {data['type'][:32]!r} in the request catalog",
                          catalog_version=self.version)
        if data["topic"] not in self.topics:
            raise _refuse("UNKNOWN_TOPIC", f"no topic {data['topic'][:32]!r} in the request catalog",
                          catalog_version=self.version)
        place = data.get("place")
        if place is not None and place["community"] not in self.communities:
            raise _refuse("UNKNOWN_COMMUNITY", "place.community is not a community of the request catalog",
                          catalog_version=self.version)
        if not data["text"].strip():
            raise _refuse("VALIDATION", "text: a description, not only spaces")
        resident = data.get("resident")
        if resident is None:
            if not kind["anonymous_allowed"]:
                raise _refuse("ANONYMOUS_NOT_ALLOWED", f"a {kind['code']} request names the resident "
                                                       "(anonymous: only types with anonymous_allowed)")
            if "slip_code_sha256" not in data:
                raise _refuse("VALIDATION", "slip_code_sha256: an anonymous request is found by its slip only")
        if "phone" in data and data.get("phone_consent") is not True:
            raise _refuse("PHONE_CONSENT_MISSING", "phone_consent must be true when a phone is given")
        for i, photo in enumerate(data.get("attachments", [])):
            if photo.get("content_type") not in PHOTO_TYPES:
                raise _refuse("VALIDATION", f"attachments[{i}].content_type: a photo is image/jpeg or image/png")
        return resident["id_hash"] if resident else None

    def file(self, terminal_id: str, key: str, body_sha: str, data: dict) -> dict:
        """Record a checked request and its idempotency answer in one transaction."""
        store, received = self.store, now_iso()
        limit = int(self.types[data["type"]]["limit_working_days"])
        due = self.calendar.add(self.today(), limit).isoformat()
        resident = data.get("resident")
        steps = [{"state": RECEIVED, "at": received, "note": "", "actor": "platform"}]
        with store.db.transaction() as tx:
            number = store._new_number("request")
            tx.execute(
                "INSERT INTO submissions (number, kind, terminal_id, serial, matter_code, id_hash, status, body, "
                "received_at, promised_by, history, code_recovered, slip_code_sha256) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?)",
                (number, "request", terminal_id, data["serial"], data["topic"],
                 resident["id_hash"] if resident else None, RECEIVED, json.dumps(data, ensure_ascii=False),
                 received, due, json.dumps(steps, ensure_ascii=False), data.get("slip_code_sha256")))
            answer = {"kind": "request", "serial": data["serial"], "number": number, "status": RECEIVED,
                      "received_at": received, "due_date": due, "limit_working_days": limit}
            tx.execute("INSERT INTO idempotency VALUES (?,?,?,?,?)",
                       (terminal_id, key, body_sha, 201, json.dumps(answer, ensure_ascii=False)))
        return answer

    # -- what a resident may see -------------------------------------------------------
    _COLUMNS = "number, serial, status, received_at, promised_by, history, body, terminal_id"

    def _rows(self, where: str, params: tuple) -> list[tuple]:
        """Rows of requests; ``where`` may end in FOR UPDATE inside a transaction."""
        return self.store.db.execute(f"SELECT {self._COLUMNS} FROM submissions WHERE kind='request' AND {where}",
                                     params).fetchall()

    def shown(self, row: tuple) -> dict:
        """A request as the contract's ``RequestStatus``: no actor, no internal note."""
        number, serial, state, received, due, history, body = row[:7]
        steps, data = json.loads(history), json.loads(body)
        department: str | None = None
        answer: dict | None = None
        rating: dict | None = None
        shown_steps = []
        for step in steps:
            if step["state"] == DISPATCHED:
                department = step.get("department")
            elif step["state"] == RETURNED:
                department = None
            elif step["state"] == ANSWERED:
                answer, rating = {"text": step.get("note", ""), "at": step["at"], "department": department}, None
            elif step["state"] == FOLLOW_UP:
                rating = {"rating": step["rating"], "reason": step.get("reason"), "at": step["at"]}
            item = {k: step[k] for k in ("state", "at", "note", "department", "rating", "reason") if step.get(k)}
            item.setdefault("note", "")
            shown_steps.append(item)
        state_at = next(s["at"] for s in reversed(steps) if s["state"] == state)
        return {"number": number, "serial": serial, "type": data["type"], "topic": data["topic"], "state": state,
                "state_at": state_at, "received_at": received, "due_date": due,
                "limit_working_days": int(self.types.get(data["type"], {}).get("limit_working_days", 0)),
                "overdue": state not in (ANSWERED, CLOSED) and self.today().isoformat() > due,
                "department": department, "anonymous": "resident" not in data, "steps": shown_steps,
                "answer": answer, "rating": rating,
                "rateable": state in (ANSWERED, CLOSED) and answer is not None and rating is None}

    def for_residents(self, id_hashes: list[str]) -> list[dict]:
        marks = ",".join("?" * len(id_hashes))
        rows = self._rows(f"id_hash IN ({marks}) ORDER BY received_at DESC, number DESC LIMIT {LISTED}",
                          tuple(id_hashes))
        return [self.shown(r) for r in rows]

    def by_slip(self, serial: str, code: str) -> dict | None:
        """The request a slip stands for, or None: unknown serial and wrong code alike."""
        wanted = hashlib.sha256(code.encode("ascii", "replace")).hexdigest()
        rows = self.store.db.execute("SELECT number, slip_code_sha256 FROM submissions WHERE serial=? AND "
                                     "kind='request'", (serial,)).fetchall()
        found = None
        for number, stored in rows or [(None, None)]:
            if hmac.compare_digest(stored or _NO_HASH, wanted) and number is not None and stored:
                found = number
        return self.status(found) if found else None

    def status(self, number: str) -> dict | None:
        rows = self._rows("number=?", (number,))
        return self.shown(rows[0]) if rows else None

    def _proved(self, number: str, proof: str | list[str]) -> bool:
        """``proof``: the slip's code (16 hex digits) or the resident's id_hash,
        or a list of them (one id_hash per key the terminal holds)."""
        row = self.store.db.execute("SELECT id_hash, slip_code_sha256 FROM submissions WHERE number=? AND "
                                    "kind='request'", (number,)).fetchone()
        proved = False
        for given in [proof] if isinstance(proof, str) else proof:
            if len(given) == 16:
                stored, given = (row[1] if row else None), hashlib.sha256(given.encode("ascii", "replace")).hexdigest()
            else:
                stored = row[0] if row else None
            proved |= hmac.compare_digest(stored or _NO_HASH, given) and bool(stored)
        return proved

    # -- ratings ----------------------------------------------------------------------------
    def check_rating(self, data: dict) -> None:
        reason = data.get("reason")
        if reason is not None and reason not in self.reasons:
            raise _refuse("VALIDATION", "reason: a code of the request catalog's rating_reasons",
                          catalog_version=self.version)

    def rating_serial_used(self, terminal_id: str, serial: str) -> bool:
        return self.store.db.execute("SELECT 1 FROM request_ratings WHERE terminal_id=? AND serial=?",
                                     (terminal_id, serial)).fetchone() is not None

    def rating_by_serial(self, terminal_id: str, serial: str) -> dict | None:
        row = self.store.db.execute("SELECT answer FROM request_ratings WHERE terminal_id=? AND serial=?",
                                    (terminal_id, serial)).fetchone()
        return json.loads(row[0]) if row else None

    def rate(self, terminal_id: str, key: str, body_sha: str, data: dict) -> dict | None:
        """Take a rating (None: no such request for this proof).  Taken once per
        answer, while the request is answered or closed; otherwise the answer
        says ``recorded: false`` and the state now.  Recorded with the
        idempotency key in one transaction, so a repeat gets the same answer."""
        number = data["number"]
        if not self._proved(number, data["proof"]):
            return None
        store, received = self.store, now_iso()
        with store.db.transaction() as tx:
            row = self._rows("number=? FOR UPDATE", (number,))[0]
            state, steps = row[2], json.loads(row[5])
            recorded = self.shown(row)["rateable"]
            if recorded:
                state = self._record_rating(number, json.loads(row[6])["type"], state, data, steps, received)
            answer = {"kind": "request_rating", "serial": data["serial"], "number": number, "status": state,
                      "received_at": received, "recorded": recorded}
            tx.execute("INSERT INTO request_ratings VALUES (?,?,?,?,?)",
                       (terminal_id, data["serial"], number, received, json.dumps(answer, ensure_ascii=False)))
            tx.execute("INSERT INTO idempotency VALUES (?,?,?,?,?)",
                       (terminal_id, key, body_sha, 201, json.dumps(answer, ensure_ascii=False)))
        return answer

    def _record_rating(self, number: str, kind: str, state: str, data: dict, steps: list[dict], at: str) -> str:
        """The 回访 step, then 办结 (satisfied: unless the back office closed it
        already) or the reopening (unsatisfied, with a new due date); the new state."""
        reason = data.get("reason")
        follow_up = {"state": FOLLOW_UP, "at": at, "note": "", "actor": "resident", "rating": data["rating"]}
        if reason:
            follow_up["reason"] = reason
        steps.append(follow_up)
        due = None
        if data["rating"] != "unsatisfied":
            if state != CLOSED:
                steps.append({"state": CLOSED, "at": at, "note": "", "actor": "platform"})
            state = CLOSED
        else:
            due = self.calendar.add(self.today(), int(self.types[kind]["limit_working_days"])).isoformat()
            if reason and self.reasons[reason].get("reopen") == "dispatch":
                state, note = RETURNED, "居民不满意，退回重新派单 / the resident was not satisfied: sent back to dispatch"
            else:
                state, note = HANDLING, "居民不满意，重新办理 / the resident was not satisfied: handled again"
            last_department = next((s.get("department") for s in reversed(steps) if s.get("department")), None)
            step = {"state": state, "at": at, "note": note, "actor": "platform"}
            if state == HANDLING and last_department:
                step["department"] = last_department
            steps.append(step)
        self.store.db.execute("UPDATE submissions SET status=?, history=?, promised_by=COALESCE(?, promised_by) "
                              "WHERE number=?", (state, json.dumps(steps, ensure_ascii=False), due, number))
        return state

    # -- the back office -------------------------------------------------------------------------
    def transition(self, number: str, to: str, actor: str, note: str = "", internal_note: str = "",
                   department: str | None = None) -> dict:
        """Move a request; raises Refused (404 unknown, 409 not allowed from
        its state with the allowed moves, 422 a missing note or department)."""
        with self.store.db.transaction() as tx:
            rows = self._rows("number=? FOR UPDATE", (number,))
            if not rows:
                raise Refused(error_response(404, "NOT_FOUND", "no request with this number"))
            row = rows[0]
            state, steps, data = row[2], json.loads(row[5]), json.loads(row[6])
            allowed = list(WORKFLOW.get(state, ()))
            if to not in allowed:
                raise Refused(error_response(409, "BAD_TRANSITION", f"a request in {state} may move to: "
                                             f"{', '.join(allowed) or 'nothing (it is closed)'}", allowed=allowed))
            if to in NEEDS_NOTE and not note.strip():
                raise _refuse("VALIDATION", f"note: {to} needs a note for the resident (the answer, or why)")
            step: dict[str, Any] = {"state": to, "at": now_iso(), "note": note.strip(), "actor": actor}
            if to == DISPATCHED:
                department = department or self.topics.get(data["topic"], {}).get("department")
                if department not in self.departments:
                    raise _refuse("VALIDATION", f"department: one of {', '.join(self.departments)}")
                step["department"] = department
            elif department:
                raise _refuse("VALIDATION", "department: only a dispatch (派单) names the department")
            if internal_note:
                step["internal_note"] = internal_note
            steps.append(step)
            tx.execute("UPDATE submissions SET status=?, history=? WHERE number=?",
                       (to, json.dumps(steps, ensure_ascii=False), number))
        found = self.admin_list(number=number)
        return found[0]

    def admin_list(self, overdue: bool | None = None, state: str | None = None, number: str | None = None) -> list[dict]:
        """Requests as the back office sees them, newest first."""
        where, params = "1=1", []
        if state:
            where, params = where + " AND status=?", [state]
        if number:
            where, params = where + " AND number=?", [*params, number]
        rows = self._rows(f"{where} ORDER BY received_at DESC, number DESC", tuple(params))
        found = []
        for row in rows:
            item = self.shown(row)
            if overdue is not None and item["overdue"] != overdue:
                continue
            data = json.loads(row[6])
            item.update(terminal_id=row[7], text=data["text"].strip(), place=data.get("place"),
                        phone=data.get("phone"), photos=len(data.get("attachments", [])), history=json.loads(row[5]))
            found.append(item)
            if len(found) >= ADMIN_LISTED:
                break
        return found
