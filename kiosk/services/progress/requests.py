"""One request (诉求) as the progress screen lists it beside the applications:
its type and topic in words, the state in words with what it means, every
step with its date and the note meant for the resident, the department's
answer, the due date (and whether it is overdue), and whether it can be rated
now.  From the platform's ``RequestStatus`` (``from_platform``), or from this
hut's outbox for a request the platform has not received yet (``local_request``:
only with the slip's code, as the platform asks too).  No personal data: no
description, no place, no phone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# The platform's states: (zh, en, what it means zh, en).
STATE_WORDS: dict[str, tuple[str, str, str, str]] = {
    "受理": ("已受理", "Received", "诉求已受理，正在分派给负责的部门",
           "Received; it is being passed to the department in charge"),
    "派单": ("已派单", "Dispatched", "诉求已派给负责的部门", "The department in charge has it"),
    "办理": ("办理中", "Being handled", "部门正在办理", "The department is working on it"),
    "答复": ("已答复", "Answered", "部门已答复，请查看答复并评价", "The department answered; please read it and rate it"),
    "办结": ("已办结", "Closed", "诉求已办结", "The request is closed"),
    "退回": ("重新派单中", "Being re-dispatched", "部门退回，正在重新分派",
           "Sent back by a department; it is being passed on again"),
    "回访": ("已评价", "Rated", "您已评价这次答复", "You rated the answer"),
    "queued": ("待送达", "Not received yet", "已在本小屋提交，平台尚未收到，将自动发送",
               "Filed at this hut, not yet received by the platform; it is sent by itself"),
    "held": ("未能送达", "Could not be sent", "平台未能接收这份诉求，请到服务台咨询",
             "The platform could not take this request; please ask the staff"),
}
_UNKNOWN = ("处理中", "In progress", "诉求正在处理", "It is being handled")
RATINGS: dict[str, tuple[str, str]] = {
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
}


@dataclass(frozen=True)
class RequestStep:
    state_zh: str
    state_en: str
    on: str            # YYYY-MM-DD
    note: str = ""


@dataclass(frozen=True)
class RequestItem:
    """One request on the progress screen; ``number`` is the platform's (the
    hut's serial while it waits to be sent); ``rateable``: the platform says
    it may be rated now."""

    number: str
    serial: str
    type_zh: str
    type_en: str
    topic_zh: str
    topic_en: str
    state: str
    state_zh: str
    state_en: str
    meaning_zh: str
    meaning_en: str
    received_on: str = ""
    due_date: str = ""
    overdue: bool = False
    steps: tuple[RequestStep, ...] = ()
    answer: str = ""
    answer_on: str = ""
    department_zh: str = ""
    department_en: str = ""
    rating: str = ""               # satisfied | basically_satisfied | unsatisfied: the latest answer's
    rateable: bool = False
    local: bool = False
    anonymous: bool = False

    @property
    def key(self) -> str:
        return self.number or self.serial


def _words(state: str) -> tuple[str, str, str, str]:
    return STATE_WORDS.get(state, _UNKNOWN)


def _names(catalog: Any, kind: str, code: str) -> tuple[str, str]:
    found = getattr(catalog, kind)(code) if catalog is not None and code else None
    return (found.name, found.name_en or found.name) if found is not None else (code, code)


def _department(catalog: Any, code: Any) -> tuple[str, str]:
    if not isinstance(code, str) or not code:
        return "", ""
    return _names(catalog, "department", code)


def from_platform(r: dict, catalog: Any) -> RequestItem:
    """The platform's ``RequestStatus`` (``catalog``: the request catalog, for the names; None: the codes)."""
    state = str(r.get("state", ""))
    words = _words(state)
    type_zh, type_en = _names(catalog, "type", str(r.get("type") or ""))
    topic_zh, topic_en = _names(catalog, "topic", str(r.get("topic") or ""))
    steps = []
    for step in r.get("steps") or ():
        if isinstance(step, dict):
            zh, en = _words(str(step.get("state", "")))[:2]
            if step.get("state") == "回访" and step.get("rating") in RATINGS:
                zh, en = f"回访：{RATINGS[step['rating']][0]}", f"Rated: {RATINGS[step['rating']][1]}"
            steps.append(RequestStep(zh, en, str(step.get("at") or "")[:10], str(step.get("note") or "")))
    answer: dict = r["answer"] if isinstance(r.get("answer"), dict) else {}
    rating: dict = r["rating"] if isinstance(r.get("rating"), dict) else {}
    department_zh, department_en = _department(catalog, answer.get("department") or r.get("department"))
    return RequestItem(number=str(r.get("number") or ""), serial=str(r.get("serial") or ""), type_zh=type_zh,
                       type_en=type_en, topic_zh=topic_zh, topic_en=topic_en, state=state, state_zh=words[0],
                       state_en=words[1], meaning_zh=words[2], meaning_en=words[3],
                       received_on=str(r.get("received_at") or "")[:10], due_date=str(r.get("due_date") or ""),
                       overdue=r.get("overdue") is True, steps=tuple(steps), answer=str(answer.get("text") or ""),
                       answer_on=str(answer.get("at") or "")[:10], department_zh=department_zh,
                       department_en=department_en, rating=str(rating.get("rating") or ""),
                       rateable=r.get("rateable") is True, anonymous=r.get("anonymous") is True)


def from_outbox(local: Any, catalog: Any) -> RequestItem:
    """A request this hut's outbox holds that the platform has not received
    (``kiosk.outbox.local_requests.LocalRequest``): queued, or refused and held for the staff."""
    words = _words("queued" if local.state == "pending" else "held")
    type_zh, type_en = _names(catalog, "type", local.type)
    topic_zh, topic_en = _names(catalog, "topic", local.topic)
    received = dt.date.fromtimestamp(local.created_at).isoformat() if local.created_at else ""
    return RequestItem(number=local.serial, serial=local.serial, type_zh=type_zh, type_en=type_en, topic_zh=topic_zh,
                       topic_en=topic_en, state="queued" if local.state == "pending" else "held",
                       state_zh=words[0], state_en=words[1], meaning_zh=words[2], meaning_en=words[3],
                       received_on=received, local=True)
