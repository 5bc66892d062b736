"""自助办事 as a state machine: its table, a whole filing, the form, the
papers rule, consent, Back, and nothing of the resident left after the visit."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest

from kiosk.filing.papers import PaperState
from kiosk.flows.approval import STEP_OF, ApprovalFlow, ApprovalState
from kiosk.flows.guide import GuideFlow, GuideState
from kiosk.flows.progress import ProgressFlow, ProgressState
from kiosk.flows.services import BY_KEY, Step
from kiosk.flows.visit import VisitState
from kiosk.outbox.store import Outbox
from tests.kiosk.filing.filing_parts import JPEG, card, to_form, to_review


@pytest.mark.parametrize("machine,states", [(ApprovalFlow, ApprovalState), (GuideFlow, GuideState),
                                            (ProgressFlow, ProgressState)])
def test_every_state_is_reachable_and_no_transition_leads_outside_the_states(machine, states):
    targets = {target for _, _, target in machine.table()}
    assert targets == set(states)
    assert {source for source, _, _ in machine.table()} <= set(states)


def test_every_filing_state_but_closed_belongs_to_one_approval_step():
    steps = BY_KEY["approval"].steps
    assert set(STEP_OF) == set(ApprovalState) - {ApprovalState.CLOSED}
    assert set(STEP_OF.values()) == set(steps)
    # Back always lands one step earlier in the service (or on the same step's main state).
    for source, trigger, target in ApprovalFlow.table():
        if trigger == "back":
            assert steps.index(STEP_OF[target]) <= steps.index(STEP_OF[source])


def test_the_visit_follows_the_filing_step_by_step(make_kiosk, tmp_path, terminal):
    outbox = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    kiosk = make_kiosk(outbox=outbox, online=False)
    a = kiosk.approval
    kiosk.visit.choose("approval")
    assert a.state is ApprovalState.CHOOSING and a.view.pick.categories[0] == "社会救助"
    a.search("gljt")
    assert [m.code for m in a.view.pick.matters] == ["MZ-003"]
    assert not a.start() and a.state is ApprovalState.CHOOSING  # nothing chosen yet
    to_review(kiosk)
    assert a.submit() is None  # no consent yet
    a.consent(True)
    job = a.submit()
    assert a.state is ApprovalState.SUBMITTING and kiosk.visit.view.step == Step.SUBMIT
    kiosk.run(a, job)
    assert a.state is ApprovalState.DONE and kiosk.visit.view.step == Step.DONE
    assert a.view.number.startswith(terminal.id) and not a.view.confirmed and a.view.slip == "printed"
    assert kiosk.session.data == {}  # filed: form and pages gone from the session
    slip_text = repr(kiosk.printer.printed[0])
    assert "王*" in slip_text and "110105********002X" in slip_text and "11010519491231002X" not in slip_text
    assert not a.back() and a.state is ApprovalState.DONE  # filed: no way back into it
    assert [r["state"] for r in outbox.records()] == ["pending"]
    kiosk.visit.next()  # the last step: the visit ends, the filing closes
    assert kiosk.visit.state is VisitState.HOME and a.state is ApprovalState.CLOSED and a.view.number == ""
    outbox.close()


def test_the_form_is_prefilled_from_the_card_and_checked_with_the_catalogs_rules(make_kiosk):
    kiosk = make_kiosk()
    to_form(kiosk, "GA-001")
    a = kiosk.approval
    fields = {f.name: f for f in a.view.fields}
    assert fields["address"].prefilled and fields["address"].display.startswith("黑龙江省")
    assert fields["basis"].keyboard == "choices" and fields["moved_in_on"].keyboard == "date"
    assert fields["phone"].keyboard == "keypad" and not fields["phone"].problem  # untouched: no red yet
    assert a.view.masked_name == "王**" and a.view.masked_id == "110105********002X"
    assert not a.form_done() and a.state is ApprovalState.FORM
    shown = {f.name: f.problem for f in a.view.fields}
    assert shown["phone"] == shown["basis"] == "必填 / required"
    assert a.set_field("phone", "1391234") == "电话号码格式不正确 / not a phone number"
    assert a.set_field("phone", "139 1234 5678") is None
    assert {f.name: f.display for f in a.view.fields}["phone"] == "139****5678"
    assert a.set_field("basis", "中彩票") == "请从选项中选择 / choose one of the options"
    assert a.set_field("basis", "合法稳定住所") is None
    assert a.set_field("moved_in_on", "2024-02-30") is not None
    assert a.set_field("moved_in_on", "2024-02-28") is None
    assert a.form_done() and a.state is ApprovalState.PAPERS


def test_the_card_a_matter_accepts_decides_how_the_resident_identifies(make_kiosk):
    kiosk = make_kiosk(id_card=False, social_security=True)
    kiosk.visit.choose("approval")
    kiosk.approval.choose("MZ-003")  # accepts the social security card
    assert kiosk.approval.view.identify_mode == "social_security"
    kiosk.approval.back()
    assert kiosk.approval.state is ApprovalState.CHOOSING and kiosk.visit.view.step == Step.CHOOSE_MATTER
    kiosk.approval.choose("GA-001")  # the residence permit does not
    assert kiosk.approval.view.identify_mode == "counter"


def test_a_missing_required_paper_stops_the_filing_unless_the_matter_takes_it_later(make_kiosk):
    kiosk = make_kiosk()
    to_form(kiosk, "MZ-003")  # papers_later: false
    a = kiosk.approval
    a.set_field("phone", "13912345678")
    a.form_done()
    assert a.dont_have("hukou") is PaperState.MISSING
    assert a.state is ApprovalState.CANNOT_FILE and a.view.blocking == ("户口簿",)
    assert kiosk.visit.view.step == Step.PAPERS and not a.papers_done()
    a.have_it("hukou")
    assert a.state is ApprovalState.PAPERS and a.view.current_paper == "hukou" and a.view.blocking == ()

    kiosk = make_kiosk()
    to_form(kiosk, "YB-002")  # papers_later: true; original_records is optional and for the counter
    a = kiosk.approval
    a.set_field("disease", "高血压"), a.set_field("hospital", "区人民医院"), a.set_field("phone", "13912345678")
    a.form_done()
    assert {p.code: p.state for p in a.view.papers} == {
        "id_card": PaperState.TO_SCAN, "diagnosis": PaperState.TO_SCAN, "original_records": PaperState.AT_COUNTER}
    assert a.dont_have("diagnosis") is PaperState.LATER and a.state is ApprovalState.PAPERS
    a.add_page("id_card", JPEG), a.add_page("id_card", JPEG)  # front and back
    assert a.retake("id_card", 1, JPEG + b"again")
    assert [len(p.pages) for p in a.view.papers if p.code == "id_card"] == [2]
    assert a.view.bring_later == ("诊断证明及病历",) and a.view.bring_today == ("近半年检查报告原件",)
    assert a.papers_done()


def test_without_a_camera_the_papers_go_to_the_counter_and_filing_goes_on(make_kiosk):
    kiosk = make_kiosk(scan=False)
    to_form(kiosk, "MZ-003")
    kiosk.approval.set_field("phone", "13912345678")
    kiosk.approval.form_done()
    view = kiosk.approval.view
    assert view.papers_mode == "bring_to_counter" and view.current_paper == "" and view.papers_complete
    assert view.bring_today == ("居民身份证", "户口簿", "本人银行卡或存折")
    assert not kiosk.approval.add_page("hukou", JPEG)  # nothing to scan here
    assert kiosk.approval.papers_done()


def test_a_matter_with_sensitive_information_asks_a_separate_consent(make_kiosk, tmp_path, terminal):
    outbox = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    kiosk = make_kiosk(outbox=outbox)
    to_review(kiosk, "CL-001")  # disability: health information
    a = kiosk.approval
    assert a.view.sensitive_consent_needed
    a.consent(True)
    assert not a.view.can_submit and a.submit() is None
    a.consent_sensitive(True)
    assert a.view.can_submit and a.submit() is not None
    outbox.close()


def test_back_walks_the_steps_and_keeps_what_was_typed(make_kiosk):
    kiosk = make_kiosk()
    to_form(kiosk)
    a = kiosk.approval
    a.set_field("phone", "13912345678")
    a.form_done()
    assert a.back() and a.state is ApprovalState.FORM and kiosk.visit.view.step == Step.FORM
    assert {f.name: f.filled for f in a.view.fields}["phone"]
    assert a.back() and a.state is ApprovalState.IDENTIFY and kiosk.visit.view.step == Step.IDENTIFY
    kiosk.visit.next()  # identified again (the same card)
    assert {f.name: f.filled for f in a.view.fields}["phone"]


def test_the_idle_timeout_leaves_nothing_of_the_form_or_the_pages(make_kiosk, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk = make_kiosk()
    to_form(kiosk, "YB-002")
    a = kiosk.approval
    a.set_field("hospital", "区人民医院"), a.set_field("disease", "糖尿病"), a.set_field("phone", "13912345678")
    a.form_done()
    a.add_page("id_card", JPEG)
    form, page = weakref.ref(a.form), weakref.ref(a.paper_set.pages["id_card"][0])
    record = weakref.ref(kiosk.session.resident)
    gc.collect()
    assert form() is not None and page() is not None and record() is not None
    view = a.view
    assert "13912345678" not in repr(view) and "区人民医院" not in repr(view)
    del view
    kiosk.visit.home()  # what the app's idle timeout does (go_home -> visit.home)
    gc.collect()
    assert form() is None and page() is None and record() is None
    assert a.state is ApprovalState.CLOSED and a.view.fields == () and a.view.papers == ()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("11010519491231002X", "王秀兰", "13912345678", "区人民医院"):
        assert secret not in logged


def test_guide_browses_without_a_card_and_prints_when_a_printer_can(make_kiosk):
    kiosk = make_kiosk()
    g = kiosk.guide
    kiosk.visit.choose("guide")
    assert g.state is GuideState.CHOOSING and kiosk.session.resident is None
    g.pick_category("医疗保障")
    assert [m.code for m in g.view.pick.matters] == ["YB-001", "YB-002"]
    g.search("慢病")
    assert [m.code for m in g.view.pick.matters] == ["YB-002"]
    assert g.choose("YB-002") and kiosk.visit.view.step == Step.GUIDE
    assert g.view.matter.department == "区医疗保障局" and g.view.matter.fee == "" and g.view.can_print
    kiosk.run(g, g.print())
    assert g.view.printing == "printed"
    text = repr(kiosk.printer.printed[0])
    assert "门诊慢特病待遇认定" in text and "不收费" in text and "20个工作日" in text
    assert g.back() and g.state is GuideState.CHOOSING and kiosk.visit.view.step == Step.CHOOSE_MATTER
    kiosk.printer = None  # the printer went away
    g.choose("MZ-001")
    assert not g.view.can_print and g.print() is None


def _to_face_check(kiosk, record):
    kiosk.visit.choose("approval")
    assert kiosk.visit.view.total == 8                 # no matter chosen yet: no face check counted
    assert kiosk.approval.choose("MZ-001")             # its catalog entry asks for the face check
    assert kiosk.visit.view.total == 9 and kiosk.visit.view.step == Step.CONDITIONS
    assert kiosk.approval.start()
    kiosk.session.identify(record)
    kiosk.visit.next()  # the identify screen's Continue
    assert kiosk.visit.view.step == Step.FACE_CHECK and kiosk.approval.state is ApprovalState.FACE_CHECK
    return kiosk.approval.face


def test_a_matter_that_asks_for_the_face_check_takes_it_after_the_card(make_kiosk):
    from kiosk.face.check import FaceCheckResult
    from kiosk.flows.face_check import FaceCheckState

    kiosk = make_kiosk(face_camera=True)
    face = _to_face_check(kiosk, card(photo_bmp=b"BM" + b"\0" * 100))
    assert face.state is FaceCheckState.CONSENT
    assert not kiosk.approval.face_continue()          # nothing checked yet: no way on
    face.consent()
    assert face.camera_wanted
    face.attempt_finished(FaceCheckResult(True, True, True, 0.51, 0.63, "passed"), at="2026-11-30T10:00:00+08:00")
    assert face.state is FaceCheckState.PASSED and kiosk.approval.face_continue()
    assert kiosk.approval.state is ApprovalState.FORM and kiosk.visit.view.step == Step.FORM
    assert kiosk.visit.view.index == 4 and face.state is FaceCheckState.CLOSED
    assert kiosk.session.data["face_check"] == {"performed": True, "attempts": 1, "passed": True, "score": 0.51,
                                                "threshold": 0.63, "reason": "passed",
                                                "at": "2026-11-30T10:00:00+08:00"}
    assert kiosk.approval.back() and kiosk.approval.state is ApprovalState.FACE_CHECK
    assert face.state is FaceCheckState.CONSENT and "face_check" not in kiosk.session.data  # checked afresh
    assert kiosk.approval.back() and kiosk.approval.state is ApprovalState.IDENTIFY
    assert face.state is FaceCheckState.CLOSED


def test_the_face_check_without_a_front_camera_sends_the_resident_to_the_counter(make_kiosk):
    from kiosk.flows.face_check import FaceCheckState

    kiosk = make_kiosk(face_camera=False)
    face = _to_face_check(kiosk, card(photo_bmp=b"BM" + b"\0" * 100))
    assert face.state is FaceCheckState.NO_CAMERA
    assert not kiosk.approval.face_continue() and kiosk.approval.state is ApprovalState.FACE_CHECK
    kiosk.visit.home()
    assert face.state is FaceCheckState.CLOSED and kiosk.approval.state is ApprovalState.CLOSED


def test_a_card_whose_photo_cannot_be_read_here_skips_the_check_and_files_without_a_pass(make_kiosk):
    from kiosk.flows.face_check import FaceCheckState

    kiosk = make_kiosk(face_camera=True)
    face = _to_face_check(kiosk, card())                # no decoder: the record has no photo
    assert face.state is FaceCheckState.NO_PHOTO
    assert kiosk.approval.face_continue() and kiosk.approval.state is ApprovalState.FORM
    assert kiosk.session.data["face_check"] == {"performed": False, "reason": "no_card_photo"}


def test_a_matter_without_the_face_check_goes_from_the_card_to_the_form(make_kiosk):
    kiosk = make_kiosk(face_camera=True)
    to_form(kiosk, "MZ-003")
    assert kiosk.visit.view.index == 3 and kiosk.visit.view.total == 8
