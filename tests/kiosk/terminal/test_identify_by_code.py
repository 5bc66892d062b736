"""Identification by an e-ID code at the scanner, through the terminal in
process: a code is routed like a placed card, verified by the platform (a
fake here, the reference platform in the last test), refused in words, and
not offered where it cannot work."""

from __future__ import annotations

import datetime as dt

from kiosk.central.client import NeedsStaff, RetryLater
from kiosk.flows.identify import IdentifyState
from kiosk.flows.service import Step
from kiosk.services.progress.flow import ProgressState
from kiosk.terminal.voice import instruction
from tests.terminal_kit import CODE_SCANNER, DEVICES, to_identify

WITH_SCANNER = DEVICES + CODE_SCANNER
ALL = ("idcard", "ssc", "printer", "camera", "front_camera", "speaker", "code_scanner")
ANSWER = {"evidence": "e_id_code", "card_type": "resident", "name": "王秀兰", "id_number": "110105194412310023",
          "masked_id": "110105********0023", "id_hash": "0" * 64, "id_hash_version": 1, "gender_code": "2",
          "birth_date": "1944-12-31", "address": "黑龙江省哈尔滨市平房区友协大街1号"}


class Platform:
    """The platform's answer to each code: an identity, or a refusal by code."""

    def __init__(self, refuse: str = "", answer: dict | None = None):
        self.refuse, self.answer, self.asked = refuse, answer or ANSWER, []

    def verify_identity_code(self, code, budget=None):
        self.asked.append(code)
        if self.refuse == "timeout":
            raise RetryLater("platform did not answer within 3 s", "BUDGET")
        if self.refuse:
            raise NeedsStaff(f"platform refused (422 {self.refuse})", self.refuse, 422)
        return dict(self.answer)

    def application_status(self, number, proof, budget=None):
        self.asked.append(("status", number, proof))
        return {"application_number": number, "status": "受理"}

    def applications_for(self, id_hash, budget=None):
        return []

    def requests_for(self, id_hash, budget=None):
        return []


def kit_with(make_kit, platform=None, online=True, **kw):
    return make_kit(online=online, devices_toml=WITH_SCANNER, devices=ALL, client=platform or Platform(), **kw)


def test_the_identify_step_offers_the_code_and_a_code_identifies_like_a_card(make_kit):
    platform = Platform()
    kit = kit_with(make_kit, platform)
    t = kit.terminal
    to_identify(kit)
    assert t.identify.view.code_mode == "offered"
    kit.scanner.show("EID1.AAAA.BBBB")
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the code to be verified")
    assert platform.asked == ["EID1.AAAA.BBBB"]
    view = kit.view.identify
    assert (view.masked_name, view.masked_id, view.code_state) == ("王**", "110105********0023", "")
    assert t.session.identity is not None and t.session.identity.evidence.value == "e_id_code"
    assert t.continue_() and kit.step is Step.FORM
    assert t.session.identity.age_on(dt.date(2026, 12, 7)) == 81


def test_refusals_say_why_and_the_resident_can_show_a_new_code_or_a_card(make_kit):
    platform = Platform(refuse="CODE_EXPIRED")
    kit = kit_with(make_kit, platform)
    t = kit.terminal
    to_identify(kit)
    for refused, shown in (("CODE_EXPIRED", "expired"), ("CODE_USED", "used"), ("CODE_UNKNOWN", "unknown"),
                           ("timeout", "failed")):
        platform.refuse = refused
        kit.scanner.show(f"EID1.{refused}.x")
        kit.run_until(lambda shown=shown: t.identify.view.code_state == shown, shown)
        assert t.identify.state is IdentifyState.WAITING and t.session.identity is None
        assert t.last_spoken == instruction("identify", f"code_{shown}")   # said as well as shown
    kit.scanner.show("https://pay.example.cn/qr/123")       # a payment code: not sent anywhere
    kit.run_until(lambda: t.identify.view.code_state == "not_id", "not an identity code")
    assert len(platform.asked) == 4
    platform.refuse = ""
    kit.scanner.show("EID1.fresh.x")                          # refreshed on the phone
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the fresh code")


def test_offline_the_code_is_not_offered_and_a_code_shown_is_answered_in_words(make_kit):
    platform = Platform()
    kit = kit_with(make_kit, platform, online=False)
    t = kit.terminal
    to_identify(kit)
    assert t.identify.view.code_mode == "offline"
    kit.scanner.show("EID1.AAAA.BBBB")
    kit.run_until(lambda: t.identify.view.code_state == "offline", "the offline answer")
    assert platform.asked == [] and t.identify.state is IdentifyState.WAITING


def test_without_a_scanner_nothing_is_offered_and_an_unplugged_one_stops_the_offer(make_kit):
    kit = make_kit(online=True, client=Platform())
    to_identify(kit)
    assert kit.terminal.identify.view.code_mode == ""
    kit2 = kit_with(make_kit)
    to_identify(kit2)
    kit2.scanner.unplug()
    kit2.settle()
    kit2.terminal.refresh_availability()
    assert kit2.terminal.identify.view.code_mode == ""


def test_an_answer_after_the_visit_ended_identifies_nobody(make_kit):
    from kiosk.flows.jobs import QueuedJobs

    kit = kit_with(make_kit)
    t = kit.terminal
    jobs = QueuedJobs()
    t.codes.slot.jobs = jobs
    to_identify(kit)
    kit.scanner.show("EID1.AAAA.BBBB")
    kit.settle()
    assert t.identify.view.code_state == "verifying"
    t.home()
    jobs.run_all()
    kit.settle()
    assert t.session.identity is None and t.identify.state is IdentifyState.CLOSED


def test_a_code_at_home_is_nobodys_and_a_matter_with_the_face_check_still_asks_for_it(make_kit):
    platform = Platform()
    kit = kit_with(make_kit, platform)
    t = kit.terminal
    kit.scanner.show("EID1.AAAA.BBBB")       # nobody asked for it
    kit.settle()
    assert platform.asked == [] and t.session.identity is None
    approval = to_identify(kit, "MZ-001")
    approval.face_runner.close()
    kit.scanner.show("EID1.AAAA.BBBB")
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the code")
    assert t.continue_()
    assert kit.step is Step.FACE_CHECK


def test_the_slips_qr_at_the_scanner_goes_straight_to_the_progress_query(make_kit):
    from kiosk.filing.submission import slip_qr

    platform = Platform()
    kit = kit_with(make_kit, platform)
    t = kit.terminal
    progress = t.flow("progress")
    t.open_service("progress")
    assert progress.state is ProgressState.WAITING
    kit.scanner.show(slip_qr("PF20261130000123", "0123456789abcdef"))
    kit.run_until(lambda: progress.state is ProgressState.RESULTS, "the slip's application")
    assert ("status", "PF20261130000123", "0123456789abcdef") in platform.asked
    assert not any(isinstance(a, str) for a in platform.asked)   # no identity verification was asked


def test_end_to_end_against_the_reference_platform(make_kit, platform, terminal):
    from simulators.platform.testing import client_for, mint_identity_code

    with client_for(platform.url, terminal) as client:
        kit = kit_with(make_kit, client, id_hash_keys=terminal.id_hash_keys)
        t = kit.terminal
        to_identify(kit)
        code = mint_identity_code(platform, "resident")
        kit.scanner.show(code)
        kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the platform's answer")
        assert kit.view.identify.masked_name == "李**"
        t.back()
        to_identify(kit)
        kit.scanner.show(code)                 # the same code again, on the next try: spent
        kit.run_until(lambda: t.identify.view.code_state == "used", "the refusal")


def test_the_progress_query_takes_an_e_id_code_like_a_card(make_kit):
    class Listing(Platform):
        def applications_for(self, id_hash, budget=None):
            self.asked.append(("by_hash", tuple(id_hash) if isinstance(id_hash, list) else (id_hash,)))
            return [{"application_number": "HUT-2026-1001", "matter_code": "MZ-003", "status": "受理",
                     "received_at": "2026-12-01T10:00:00"}]

    platform = Listing()
    kit = kit_with(make_kit, platform)
    t = kit.terminal
    progress = t.flow("progress")
    t.open_service("progress")
    platform.refuse = "CODE_EXPIRED"
    kit.scanner.show("EID1.expired.x")
    kit.run_until(lambda: t.identify.view.code_state == "expired", "the refusal the progress screen shows")
    platform.refuse = ""
    kit.scanner.show("EID1.fresh.x")
    kit.run_until(lambda: progress.state is ProgressState.RESULTS, "the resident's applications")
    assert [a for a in platform.asked if isinstance(a, tuple) and a[0] == "by_hash"]
    assert progress.view.masked_name == "王**"
