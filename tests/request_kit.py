"""A small request catalog document (the contract's shape) and fakes of the
platform client and outbox, for the 诉求反映 tests in process and the UI probe."""

from __future__ import annotations

import copy
import threading
from typing import Any

CATALOG_DOC: dict[str, Any] = {
    "version": "2026-12-01",
    "limits_source": "区12345热线工作规范（试行）第十二条",
    "types": [
        {"code": "consult", "name": "咨询", "name_en": "Question", "example": "养老金什么时候发？",
         "example_en": "When is the pension paid?", "anonymous_allowed": False, "limit_working_days": 2},
        {"code": "help", "name": "求助", "name_en": "Help", "example": "楼道灯不亮，老人上下楼不方便",
         "example_en": "The stair light is out", "anonymous_allowed": False, "limit_working_days": 10},
        {"code": "complaint", "name": "投诉", "name_en": "Complaint", "example": "垃圾三天没人清运",
         "example_en": "Rubbish not collected for three days", "anonymous_allowed": True,
         "limit_working_days": 15},
        {"code": "suggestion", "name": "建议", "name_en": "Suggestion", "example": "小区门口加一条长椅",
         "example_en": "A bench at the gate", "anonymous_allowed": False, "limit_working_days": 10},
        {"code": "report", "name": "举报", "name_en": "Report", "example": "有人占用消防通道",
         "example_en": "The fire lane is blocked", "anonymous_allowed": True, "limit_working_days": 15},
    ],
    "topics": [
        {"code": "heating", "name": "供暖", "name_en": "Heating", "needs_place": True,
         "phrases": [{"text": "暖气不热", "text_en": "The heating is not warm"},
                     {"text": "暖气漏水", "text_en": "The radiator leaks"}]},
        {"code": "lighting", "name": "道路照明", "name_en": "Roads and lighting", "needs_place": True,
         "phrases": [{"text": "楼道灯不亮", "text_en": "The stair light is out"}]},
        {"code": "sanitation", "name": "环境卫生", "name_en": "Sanitation", "needs_place": True,
         "phrases": [{"text": "垃圾没有清运", "text_en": "Rubbish not collected"}]},
        {"code": "social_security", "name": "社会保障", "name_en": "Social security", "needs_place": False,
         "phrases": [{"text": "养老金", "text_en": "Pension"}]},
        {"code": "other", "name": "其他", "name_en": "Other", "needs_place": False, "phrases": []},
    ],
    "not_here": [
        {"code": "court", "name": "法院诉讼", "name_en": "Court cases", "where": "请到区人民法院诉讼服务中心",
         "where_en": "Go to the district court's litigation service centre"},
        {"code": "petition", "name": "信访", "name_en": "Petitions (xinfang)", "where": "请到区信访接待中心",
         "where_en": "Go to the district's petition reception centre"},
        {"code": "emergency", "name": "紧急情况", "name_en": "Emergencies", "where": "请立即拨打110、119或120",
         "where_en": "Call 110, 119 or 120 now"},
    ],
    "departments": [
        {"code": "property", "name": "物业公司", "name_en": "Property management"},
        {"code": "street_office", "name": "街道办事处", "name_en": "Street office"},
    ],
    "rating_reasons": [
        {"code": "not_solved", "name": "问题没有解决", "name_en": "Not solved", "reopen": "handling"},
        {"code": "slow", "name": "处理太慢", "name_en": "Too slow", "reopen": "handling"},
        {"code": "wrong_department", "name": "不是这个部门的事", "name_en": "Wrong department",
         "reopen": "dispatch"},
    ],
    "communities": [
        {"code": "dongfeng", "name": "东风社区", "name_en": "Dongfeng community",
         "addresses": [{"building": "1", "units": ["1", "2"]},
                       {"building": "2", "units": ["1", "2", "3"]},
                       {"building": "3", "units": ["1"]}]},
    ],
}


def catalog_doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(CATALOG_DOC)
    doc.update(changes)
    return doc


class RequestPlatform:
    """What the flows ask of the platform client: the request catalog, and the
    requests by card or slip (the progress query)."""

    def __init__(self, doc: dict | None = None, down: bool = False):
        self.doc = doc if doc is not None else catalog_doc()
        self.down = down
        self.catalog_asked = 0
        self.requests: list[dict] = []
        self.asked: list[Any] = []

    def request_catalog(self) -> dict:
        self.catalog_asked += 1
        if self.down:
            raise ConnectionError("down")
        return self.doc

    def requests_for(self, id_hashes: list[str], budget: float | None = None) -> list[dict]:
        self.asked.append(("requests_for", list(id_hashes)))
        if self.down:
            raise ConnectionError("down")
        return list(self.requests)

    def request_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None:
        self.asked.append(("request_by_slip", serial, slip_code))
        return next((r for r in self.requests if r["serial"] == serial), None)

    def applications_for(self, id_hashes: list[str], budget: float | None = None) -> list[dict]:
        return []

    def application_status(self, number: str, proof: str, budget: float | None = None) -> dict | None:
        return None

    def application_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None:
        return None


class MemoryOutbox:
    """The outbox's enqueue and read-back, in memory: ``answer`` says what the
    platform makes of the next submission (a number, a refusal, or nothing yet)."""

    def __init__(self, number: str | None = None, refusal: str = "", fail: bool = False,
                 rating_status: str | None = "办结"):
        self.queued: list[tuple[str, dict, list]] = []
        self.number, self.refusal, self.fail = number, refusal, fail
        self.rating_status = rating_status     # the request's state the platform answers a rating with
        self.lock = threading.Lock()

    def enqueue(self, kind: str, body: dict, attachments: Any = ()) -> Any:
        if self.fail:
            raise OSError("disk full")
        with self.lock:
            self.queued.append((kind, dict(body), [(a.material_code, a.data) for a in attachments]))
            serial = f"HUT-0001-261207-{len(self.queued):05d}A"
        return type("Queued", (), {"serial": serial, "created_at": 0.0})()

    def take_confirmation(self, serial: str) -> Any:
        from kiosk.outbox.store import Confirmation

        index = int(serial.rsplit("-", 1)[1][:5]) - 1
        kind, body, _ = self.queued[index]
        if kind == "request_rating":
            return Confirmation(serial, body["number"], self.rating_status) if self.rating_status else None
        if self.number is None or self.refusal:
            return None
        return Confirmation(serial, self.number, "受理", "")

    def records(self) -> list[dict]:
        return [{"serial": f"HUT-0001-261207-{i + 1:05d}A", "kind": k, "state": "dead" if self.refusal else "pending",
                 "last_error": self.refusal or None} for i, (k, _b, _a) in enumerate(self.queued)]

    def of_kind(self, kind: str) -> list[tuple[str, dict, list]]:
        return [q for q in self.queued if q[0] == kind]


def request_status(number: str = "SQ20261201000007", state: str = "答复", rateable: bool = True, **changes: Any) -> dict:
    """The platform's ``RequestStatus`` of an answered request (the contract's shape)."""
    status = {
        "number": number, "serial": "HUT-0001-261201-00007C", "type": "help", "topic": "lighting", "state": state,
        "state_at": "2026-12-04T15:20:00+08:00", "received_at": "2026-12-01T09:12:00+08:00",
        "due_date": "2026-12-15", "limit_working_days": 10, "overdue": False, "department": "property",
        "anonymous": False,
        "steps": [{"state": "受理", "at": "2026-12-01T09:12:00+08:00", "note": ""},
                  {"state": "派单", "at": "2026-12-01T14:00:00+08:00", "note": "已派给物业公司"},
                  {"state": "办理", "at": "2026-12-02T10:00:00+08:00", "note": "物业已安排电工"},
                  {"state": "答复", "at": "2026-12-04T15:20:00+08:00", "note": "灯已修好"}],
        "answer": {"text": "二号楼三单元楼道灯已于12月4日更换，请您查看。", "at": "2026-12-04T15:20:00+08:00",
                   "department": "property"},
        "rating": None, "rateable": rateable,
    }
    status.update(changes)
    return status
