"""Shared parts of the filing tests: the reference catalog, a resident's ID
card record, a whole set of flows on one session, and printers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from drivers.idcard.records import CardType, IdCardRecord
from kiosk.devices.availability import Availability
from kiosk.face.check import FaceCheckResult
from kiosk.filing.catalog import Catalog
from kiosk.flows.approval import ApprovalFlow, ApprovalState
from kiosk.flows.guide import GuideFlow
from kiosk.flows.progress import ProgressFlow
from kiosk.flows.services import SERVICES, Step
from kiosk.flows.session import Session
from kiosk.flows.visit import VisitFlow
from kiosk.privacy import IdHashKeys
from simulators.platform.app import load_catalog_document

CATALOG = Catalog.from_dict(load_catalog_document())
ALL_STEPS = {step for svc in SERVICES for step in svc.steps}
JPEG = b"\xff\xd8\xff\xe0" + b"page" * 100 + b"\xff\xd9"


def card(name: str = "王秀兰", id_number: str = "11010519491231002X", **kw: Any) -> IdCardRecord:
    return IdCardRecord(card_type=CardType.RESIDENT, name=name, gender_code="2", birth_date=dt.date(1949, 12, 31),
                        id_number=id_number, valid_from=dt.date(2015, 1, 1), valid_to="长期", id_number_valid=True,
                        address="黑龙江省哈尔滨市平房区友协大街1号", **kw)


@dataclass
class SlipPrinter:
    """A printer that keeps what it was given (``fail``: it reports a failed job)."""

    fail: bool = False
    printed: list = field(default_factory=list)

    def print_receipt(self, receipt: Any, holder: str = "print", job_id: str | None = None, wait: float = 5.0):
        self.printed.append(receipt)
        return type("JobResult", (), {"ok": not self.fail})()


class Kiosk:
    """The flows of one terminal, wired as the app wires them; ``availability``
    and ``printer`` may be changed mid-test (a device goes down)."""

    def __init__(self, outbox: Any, client: Any, id_hash_key: IdHashKeys, printer: SlipPrinter | None,
                 wait_seconds: float, availability: Availability):
        self.availability, self.printer = availability, printer
        self.session = Session()
        self.visit = VisitFlow(self.session, presentable=ALL_STEPS)
        self.approval = ApprovalFlow(self.session, self.visit, lambda: CATALOG, lambda: self.availability, outbox,
                                     lambda: self.printer, hut="友协社区服务小屋", id_hash_key=id_hash_key,
                                     wait_seconds=wait_seconds)
        self.guide = GuideFlow(self.visit, lambda: CATALOG, lambda: self.availability, lambda: self.printer,
                               hut="友协社区服务小屋")
        self.progress = ProgressFlow(self.visit, client, id_hash_key, lambda: self.availability, lambda: CATALOG)

    def run(self, flow: Any, job: Any) -> Any:
        """What the app does with a job (inline here: the outcome comes back the same way)."""
        assert job is not None
        following = flow.job_done(job, job.run())
        while following is not None:
            following = flow.job_done(following, following.run())


TEST_KEYS = IdHashKeys(1, b"k" * 32)


@pytest.fixture
def make_kiosk():
    def make(outbox=None, client=None, id_hash_key=TEST_KEYS, printer=None, wait_seconds=0.0, **available):
        avail = Availability(**{"id_card": True, "scan": True, "slip": True, "online": True, "face_camera": True,
                                **available})
        return Kiosk(outbox, client, id_hash_key, printer if printer is not None else SlipPrinter(), wait_seconds,
                     avail)
    return make


FACE_PASSED = FaceCheckResult(True, True, True, 0.41, 0.63, "passed")


def to_form(kiosk, code="MZ-003", record=None):
    """Choose ``code``, identify with ``record``, and for a matter with the face
    check pass it as the runner would report (or skip it: no card photo)."""
    kiosk.visit.choose("approval")
    assert kiosk.approval.choose(code)
    assert kiosk.approval.start()
    kiosk.session.identify(record or card())
    kiosk.visit.next()  # the identify screen's Continue (the app's continue_service)
    if kiosk.visit.view.step == Step.FACE_CHECK:
        face = kiosk.approval.face
        if face.consent():
            face.attempt_finished(FACE_PASSED, at="2026-11-30T19:00:00+08:00")
        assert kiosk.approval.face_continue()
    assert kiosk.approval.state is ApprovalState.FORM and kiosk.visit.view.step == Step.FORM


def to_review(kiosk, code="MZ-003", phone="13912345678", record=None):
    to_form(kiosk, code, record)
    a = kiosk.approval
    for f in a.view.fields:
        if not f.filled and f.required:
            value = {"phone": phone, "date": "2020-01-01", "integer": "2", "decimal": "1200"}.get(
                f.name if f.name == "phone" else f.type) or (f.choices[0] if f.choices else "平房区")
            assert a.set_field(f.name, value) is None, f.name
    assert a.form_done()
    while a.view.current_paper:
        assert a.add_page(a.view.current_paper, JPEG)
        a.next_paper()
    assert a.papers_done()
    assert a.state is ApprovalState.REVIEW
