"""自助办事 through the terminal: its tables, a whole filing, the form, the
papers rule, consent, Back, and nothing of the resident left after the visit.

Every test drives the terminal the app runs (``tests.terminal_kit``): the
steps, the card and the devices are the real coordination, not a re-wiring."""

from __future__ import annotations

import datetime
import gc
import logging
import weakref

import pytest

from kiosk.filing.catalog import PHONE_PROBLEM
from kiosk.filing.papers import PaperState
from kiosk.flows.face_check import OUTCOME, FaceCheckState
from kiosk.flows.identify import IdentifyState
from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.services import by_key
from kiosk.services.approval.flow import ApprovalFlow
from kiosk.services.approval.form_step import FORM, FormStep
from kiosk.services.approval.papers_step import PAPERS, PapersStep
from kiosk.services.approval.submit_step import SubmitStep
from kiosk.services.approval.views import ApprovalState, PapersState, SubmitState
from kiosk.services.guide import GuideFlow, GuideState
from kiosk.services.progress.flow import ProgressFlow, ProgressState
from kiosk.terminal.view import TerminalState
from tests.terminal_kit import FACE_PASSED, JPEG, card, fill_form, identify, to_form, to_identify, to_review


@pytest.mark.parametrize("machine,states", [
    (ApprovalFlow, ApprovalState), (GuideFlow, GuideState), (ProgressFlow, ProgressState),
    (FormStep, None), (PapersStep, PapersState), (SubmitStep, SubmitState)])
def test_every_state_is_reachable_and_no_transition_leads_outside_the_states(machine, states):
    states = states or {s for s, _, _ in machine.table()}
    targets = {target for _, _, target in machine.table()}
    assert targets == set(states)
    assert {source for source, _, _ in machine.table()} <= set(states)


def test_every_filing_state_but_closed_is_one_approval_step_and_back_never_goes_forward():
    steps = by_key("approval").steps
    assert set(ApprovalFlow.STEP_OF) == set(ApprovalState) - {ApprovalState.CLOSED}
    assert set(ApprovalFlow.STEP_OF.values()) == set(steps)
    for source, trigger, target in ApprovalFlow.table():
        if trigger == "back":
            assert steps.index(ApprovalFlow.STEP_OF[target]) < steps.index(ApprovalFlow.STEP_OF[source])


def test_the_visit_follows_the_filing_step_by_step(make_kit, tmp_path, terminal):
    outbox = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox)
    t = kit.terminal
    t.open_service("approval")
    a = t.flow("approval")
    assert a.state is ApprovalState.CHOOSING and kit.here is a.choice and a.choice.view.categories[0] == "社会救助"
    a.choice.search("gljt")
    assert [m.code for m in kit.view.step_view.matters] == ["MZ-003"]
    assert not a.start() and a.state is ApprovalState.CHOOSING  # nothing chosen yet
    a = to_review(kit)
    assert not a.submission.submit()  # no consent yet
    a.submission.consent(True)
    assert a.submission.submit()
    kit.run_until(lambda: a.submission.view.slip == "printed", "the slip")
    assert a.state is ApprovalState.DONE and kit.step is Step.DONE and kit.view.index == kit.view.total - 1
    view = a.submission.view
    assert view.number.startswith(terminal.id) and not view.confirmed    # offline: the local serial
    assert not t.session.holds(FORM) and not t.session.holds(PAPERS)       # filed: form and pages gone
    slip_text = repr(kit.printer.printed[0])
    assert "王*" in slip_text and "110105********0023" in slip_text and "110105194412310023" not in slip_text
    t.back()
    assert a.state is ApprovalState.DONE and kit.step is Step.DONE       # filed: no way back into it
    assert [r["state"] for r in outbox.records()] == ["pending"]
    t.home("done")
    assert kit.view.state is TerminalState.HOME and a.state is ApprovalState.CLOSED
    assert a.submission.view.number == "" and not t.session.active
    outbox.close()


def test_the_form_is_prefilled_from_the_card_and_checked_with_the_catalogs_rules(make_kit):
    kit = make_kit()
    form = to_form(kit, "GA-001").form
    fields = {f.name: f for f in form.view.fields}
    assert fields["address"].prefilled and fields["address"].display.startswith("黑龙江省")
    assert fields["basis"].keyboard == "choices" and fields["moved_in_on"].keyboard == "date"
    assert fields["phone"].keyboard == "keypad" and not fields["phone"].problem  # untouched: no red yet
    assert form.view.masked_name == "王**" and form.view.masked_id == "110105********0023"
    assert not form.done() and kit.step is Step.FORM
    shown = {f.name: f.problem for f in kit.view.step_view.fields}
    assert shown["phone"] == shown["basis"] == "必填 / required"
    assert form.set_field("phone", "1391234") == PHONE_PROBLEM
    assert form.set_field("phone", "139 1234 5678") is None
    assert {f.name: f.display for f in kit.view.step_view.fields}["phone"] == "139****5678"
    assert form.set_field("basis", "中彩票") == "请从选项中选择 / choose one of the options"
    assert form.set_field("basis", "合法稳定住所") is None
    assert form.set_field("moved_in_on", "2024-02-30") is not None
    assert form.set_field("moved_in_on", "2024-02-28") is None
    assert form.done() and kit.step is Step.PAPERS


def test_the_card_a_matter_accepts_decides_how_the_resident_identifies(make_kit):
    kit = make_kit(unplugged=("idcard",))
    t = kit.terminal
    t.open_service("approval")
    a = t.flow("approval")
    a.choice.choose("MZ-003")  # accepts the social security card
    assert a.view.identify_mode == "social_security"
    t.back()
    assert a.state is ApprovalState.CHOOSING and kit.step is Step.CHOOSE_MATTER
    a.choice.choose("GA-001")  # the residence permit does not
    assert a.view.identify_mode == "counter"


def test_a_social_security_card_identifies_only_where_the_matter_accepts_it(make_kit):
    from tests.terminal_kit import social_security_card

    kit = make_kit()
    to_identify(kit, "GA-001")
    kit.ssc.place(social_security_card())
    kit.run_until(lambda: kit.terminal.identify.state is IdentifyState.CARD_NOT_ACCEPTED, "the card refused")
    assert not kit.terminal.continue_() and kit.step is Step.IDENTIFY
    kit.ssc.take()
    kit.terminal.home()
    to_identify(kit, "MZ-003")
    kit.ssc.place(social_security_card())
    kit.run_until(lambda: kit.terminal.identify.state is IdentifyState.IDENTIFIED, "the card read")
    assert kit.view.step_view.masked_name == "李**" and kit.terminal.continue_() and kit.step is Step.FORM


def test_a_missing_required_paper_stops_the_filing_unless_the_matter_takes_it_later(make_kit):
    kit = make_kit()
    a = to_form(kit, "MZ-003")  # papers_later: false
    a.form.set_field("phone", "13912345678")
    a.form.done()
    papers = a.papers
    assert papers.view.current_paper == "id_card"
    papers.page_taken(JPEG)
    papers.next_paper()
    assert papers.view.current_paper == "hukou" and papers.dont_have() is PaperState.MISSING
    assert papers.state is PapersState.CANNOT_FILE and papers.view.blocking == ("户口簿",)
    assert kit.step is Step.PAPERS and not papers.proceed() and a.state is ApprovalState.PAPERS
    assert papers.have_it()
    assert papers.state is PapersState.LOOKING and papers.view.current_paper == "hukou" and papers.view.blocking == ()

    kit.terminal.home()
    kit.reader.take()           # the next resident: the card left behind is never read for them
    kit.settle()
    a = to_form(kit, "YB-002")  # papers_later: true; original_records is optional and for the counter
    a.form.set_field("disease", "高血压"), a.form.set_field("hospital", "区人民医院")
    a.form.set_field("phone", "13912345678")
    a.form.done()
    papers = a.papers
    assert {p.code: p.state for p in papers.view.papers} == {
        "id_card": PaperState.TO_SCAN, "diagnosis": PaperState.TO_SCAN, "original_records": PaperState.AT_COUNTER}
    papers.page_taken(JPEG)                       # front of the ID card, checked
    assert papers.state is PapersState.CHECKING and papers.view.checking == 0
    assert papers.more_pages() and papers.page_taken(JPEG)                 # its back
    assert papers.retake() and papers.view.retaking == 1 and papers.page_taken(JPEG + b"again")
    assert [len(p.pages) for p in papers.view.papers if p.code == "id_card"] == [2]
    assert papers.next_paper() and papers.view.current_paper == "diagnosis"
    assert papers.dont_have() is PaperState.LATER and papers.state is PapersState.READY
    assert papers.view.bring_later == ("诊断证明及病历",) and papers.view.bring_today == ("近半年检查报告原件",)
    assert papers.proceed() and kit.step is Step.REVIEW


def test_without_a_camera_the_papers_go_to_the_counter_and_filing_goes_on(make_kit):
    kit = make_kit(unplugged=("camera",))
    a = to_form(kit, "MZ-003")
    a.form.set_field("phone", "13912345678")
    a.form.done()
    view = kit.view.step_view
    assert view.mode == "bring_to_counter" and view.current_paper == "" and view.complete
    assert view.state is PapersState.READY and view.bring_today == ("居民身份证", "户口簿", "本人银行卡或存折")
    assert not a.papers.page_taken(JPEG)  # nothing to scan here
    assert a.papers.proceed() and kit.step is Step.REVIEW


def test_a_matter_with_sensitive_information_asks_a_separate_consent(make_kit, tmp_path, terminal):
    outbox = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox)
    review = to_review(kit, "CL-001").submission  # disability: health information
    assert review.view.sensitive_consent_needed
    review.consent(True)
    assert not review.view.can_submit and not review.submit()
    review.consent_sensitive(True)
    assert review.view.can_submit and review.submit()
    kit.run_until(lambda: kit.step is Step.DONE, "the filing")
    outbox.close()


def test_back_walks_the_steps_and_keeps_what_was_typed(make_kit):
    kit = make_kit()
    a = to_form(kit)
    a.form.set_field("phone", "13912345678")
    a.form.done()
    kit.terminal.back()
    assert a.state is ApprovalState.FORM and kit.step is Step.FORM
    assert {f.name: f.filled for f in kit.view.step_view.fields}["phone"]
    kit.terminal.back()
    assert a.state is ApprovalState.IDENTIFY and kit.step is Step.IDENTIFY
    # The card still lies there: the step asks the reader again, and Continue goes on.
    kit.run_until(lambda: kit.terminal.identify.state is IdentifyState.IDENTIFIED, "the card read again")
    assert kit.terminal.continue_()
    assert {f.name: f.filled for f in kit.view.step_view.fields}["phone"]
    kit.terminal.back(), kit.terminal.back()
    assert kit.step is Step.CONDITIONS and kit.terminal.session.identity is None   # the card's record is gone


def test_the_idle_timeout_leaves_nothing_of_the_form_or_the_pages(make_kit, caplog):
    caplog.set_level(logging.DEBUG)
    kit = make_kit()
    a = to_form(kit, "YB-002")
    a.form.set_field("hospital", "区人民医院"), a.form.set_field("disease", "糖尿病")
    a.form.set_field("phone", "13912345678")
    a.form.done()
    a.papers.page_taken(JPEG)
    session = kit.terminal.session
    form, page = weakref.ref(session.get(FORM)), weakref.ref(session.get(PAPERS).pages["id_card"][0])
    identity = weakref.ref(session.identity)
    gc.collect()
    assert form() is not None and page() is not None and identity() is not None
    assert "13912345678" not in repr(kit.view) and "区人民医院" not in repr(kit.view.step_view)
    kit.clock.advance(kit.terminal.idle.warning_after + 1)
    kit.terminal.tick()
    assert kit.view.idle_warning and kit.step is Step.PAPERS          # warned first, the work still there
    counted = [kit.view.idle_seconds_left]
    for _ in range(3):                                                # the countdown the resident watches goes down
        kit.clock.advance(1.0)
        kit.terminal.tick()
        counted.append(kit.view.idle_seconds_left)
    assert counted == sorted(counted, reverse=True) and len(set(counted)) == 4 and counted[-1] > 0
    kit.clock.advance(kit.terminal.idle.timeout_after)
    kit.terminal.tick()
    kit.views.clear()
    gc.collect()
    assert kit.view.state is TerminalState.HOME and not kit.view.idle_warning
    assert form() is None and page() is None and identity() is None
    assert a.state is ApprovalState.CLOSED and a.form.view.fields == () and a.papers.view.papers == ()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("110105194412310023", "王秀兰", "13912345678", "区人民医院"):
        assert secret not in logged


def test_guide_browses_without_a_card_and_prints_when_a_printer_can(make_kit):
    kit = make_kit()
    t = kit.terminal
    t.open_service("guide")
    g = t.flow("guide")
    assert g.state is GuideState.CHOOSING and t.session.identity is None and kit.here is g.choice
    g.choice.pick_category("医疗保障")
    assert [m.code for m in g.choice.view.matters] == ["YB-001", "YB-002"]
    g.choice.search("慢病")
    assert [m.code for m in g.choice.view.matters] == ["YB-002"]
    assert g.choice.choose("YB-002") and kit.step is Step.GUIDE
    assert g.view.matter.department == "区医疗保障局" and g.view.matter.fee == "" and g.view.can_print
    assert g.print()
    kit.run_until(lambda: g.view.printing == "printed", "the guide printed")
    text = repr(kit.printer.printed[0])
    assert "门诊慢特病待遇认定" in text and "不收费" in text and "20个工作日" in text
    t.back()
    assert g.state is GuideState.CHOOSING and kit.step is Step.CHOOSE_MATTER
    assert g.choice.view.query == "慢病"                 # back to the list the resident chose from
    kit.printer.unplug()                                 # the printer went away
    kit.settle()
    g.choice.choose("MZ-001")
    assert not g.view.can_print and not g.print()


def _to_face_check(kit, record):
    t = kit.terminal
    t.open_service("approval")
    a = t.flow("approval")
    assert kit.view.total == -1                # no matter chosen yet: "step 1", the total once it is known
    assert a.choice.choose("MZ-001")           # its catalog entry asks for the face check
    assert kit.view.total == 10 and kit.step is Step.CONDITIONS   # with the face check and the signature
    assert a.start()
    a.face_runner.close()                      # the test reports the attempts, as the runner would
    identify(kit, record)
    assert kit.step is Step.FACE_CHECK and a.state is ApprovalState.FACE_CHECK and kit.here is a.face
    return a


def test_a_matter_that_asks_for_the_face_check_takes_it_after_the_card(make_kit):
    kit = make_kit()
    a = _to_face_check(kit, card(photo_bmp=b"BM" + b"\0" * 100))
    face, session = a.face, kit.terminal.session
    assert face.state is FaceCheckState.CONSENT
    assert not a.face_continue()               # nothing checked yet: no way on
    face.consent()
    assert face.camera_wanted
    face.attempt_finished(FACE_PASSED(), at="2026-11-30T10:00:00+08:00")
    assert face.state is FaceCheckState.PASSED and face.confirm()           # the screen's Continue
    assert a.state is ApprovalState.FORM and kit.step is Step.FORM
    assert kit.view.index == 4 and face.state is FaceCheckState.CLOSED
    assert session.get(OUTCOME) == {"performed": True, "attempts": 1, "passed": True, "score": 0.41,
                                    "threshold": 0.63, "reason": "passed", "at": "2026-11-30T10:00:00+08:00"}
    kit.terminal.back()
    assert a.state is ApprovalState.FACE_CHECK and face.state is FaceCheckState.CONSENT
    assert not session.holds(OUTCOME)          # checked afresh
    kit.terminal.back()
    assert a.state is ApprovalState.IDENTIFY and face.state is FaceCheckState.CLOSED


def test_the_face_check_without_a_front_camera_sends_the_resident_to_the_counter(make_kit):
    kit = make_kit(unplugged=("front_camera",))
    a = _to_face_check(kit, card(photo_bmp=b"BM" + b"\0" * 100))
    assert a.face.state is FaceCheckState.NO_CAMERA
    assert not a.face_continue() and a.state is ApprovalState.FACE_CHECK
    kit.terminal.home()
    assert a.face.state is FaceCheckState.CLOSED and a.state is ApprovalState.CLOSED


def test_a_card_whose_photo_cannot_be_read_here_skips_the_check_and_files_without_a_pass(make_kit):
    kit = make_kit()
    a = _to_face_check(kit, card())             # no decoder: the record has no photo
    assert a.face.state is FaceCheckState.NO_PHOTO
    assert a.face_continue() and a.state is ApprovalState.FORM
    assert kit.terminal.session.get(OUTCOME) == {"performed": False, "reason": "no_card_photo"}


def test_a_matter_without_the_face_check_goes_from_the_card_to_the_form(make_kit):
    kit = make_kit()
    to_form(kit, "MZ-003")
    assert kit.view.index == 3 and kit.view.total == 8


def test_the_papers_camera_looks_only_while_a_page_is_wanted(make_kit):
    kit = make_kit()
    a = to_form(kit, "MZ-003")
    fill_form(a)
    scan = a.papers.scan
    assert a.papers.state is PapersState.LOOKING and scan.wanted
    a.papers.page_taken(JPEG)
    assert a.papers.state is PapersState.CHECKING and not scan.wanted    # the page on check: the camera rests
    a.papers.more_pages()
    assert scan.wanted
    kit.terminal.back()
    assert kit.step is Step.FORM and not scan.wanted


def test_home_in_the_middle_of_an_application_asks_once_before_discarding(make_kit):
    """首页 with a form half filled asks "discard this application?"; going on
    keeps everything, yes ends the visit; with nothing to lose it does not ask
    (issue 21 item 8)."""
    kit = make_kit()
    t = kit.terminal
    t.open_service("approval")
    t.home()                                        # only browsing: nothing to lose, no question
    assert kit.view.state is TerminalState.HOME and not kit.view.confirm_home
    kit.reader.take()
    kit.settle()
    a = to_form(kit)
    a.form.set_field("phone", "13912345678")
    t.home()
    assert kit.view.confirm_home and kit.step is Step.FORM and t.session.holds(FORM)
    assert t.last_spoken == "Do you want to stop? What you have entered will be discarded"
    t.keep_visit()
    assert not kit.view.confirm_home and {f.name: f.filled for f in a.form.view.fields}["phone"]
    t.home()
    t.discard_visit()
    assert kit.view.state is TerminalState.HOME and not kit.view.confirm_home and not t.session.active
    kit.reader.take()
    kit.settle()
    a = to_form(kit)
    kit.clock.advance(kit.terminal.idle.timeout_after + 1)
    kit.terminal.tick()                               # the idle timeout does not ask: nobody is there
    assert kit.view.state is TerminalState.HOME and not t.session.active


def test_a_failed_face_check_says_why_and_prints_a_note_for_the_counter(make_kit):
    """Not live, no face, not the same person each have their own words and
    advice; the third failure leads to the counter with a printed note (matter,
    masked name and ID, why) (issue 21 item 12)."""
    from kiosk.face.check import FaceCheckResult
    from kiosk.terminal.voice import instruction

    kit = make_kit()
    a = _to_face_check(kit, card(photo_bmp=b"BM" + b"\0" * 100))
    face = a.face
    failures = [FaceCheckResult(False, False, True, 0.4, 0.63, "not_live"),
                FaceCheckResult(False, True, False, 0.8, 0.63, "not_same_person"),
                FaceCheckResult(False, True, False, 0.8, 0.63, "not_same_person")]
    said = set()
    for result in failures:
        if face.state is FaceCheckState.RETRY:
            face.retry()
        else:
            face.consent()
        face.attempt_finished(result, at="2026-12-07T10:00:00+08:00")
        said.add(instruction("face_check", kit.view.step_view.detail))
        if face.state is FaceCheckState.RETRY:
            assert kit.view.step_view.reason == result.reason
    assert face.state is FaceCheckState.COUNTER and kit.view.step_view.detail == "counter_not_same_person"
    assert len(said) == 3 and all(said)                  # three different sentences, none missing
    kit.run_until(lambda: face.view.counter_slip == "printed", "the note for the counter")
    note = repr(kit.printer.printed[-1])
    assert "请到服务台核验身份" in note and "人像与证件照片不一致" in note and "高龄津贴" not in note
    assert "最低生活保障申请" in note and "110105********0023" in note and "110105194412310023" not in note


def test_a_matter_the_card_shows_the_resident_cannot_file_is_refused_before_the_form(make_kit):
    """高龄津贴 is for residents aged 80 and over: a 76-year-old's card is
    answered at once with the reason, the card's record is not kept, and the
    resident chooses another matter (issue 21 item 15)."""
    kit = make_kit()
    t = kit.terminal
    a = to_identify(kit, "MZ-003")
    young = card(name="张桂芝", id_number="110105195003150025", birth_date=datetime.date(1950, 3, 15))
    kit.reader.place(young)
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED)
    assert t.continue_()
    view = kit.view.step_view
    assert a.state is ApprovalState.NOT_ELIGIBLE and kit.step is Step.CONDITIONS
    today = datetime.date.today()
    age = today.year - 1950 - ((today.month, today.day) < (3, 15))        # 76 on the day this was written
    assert "年满80周岁" in view.refusal[0] and f"{age}周岁" in view.refusal[0] and "aged 80 and over" in view.refusal[1]
    assert t.session.identity is None and not t.session.holds(FORM)
    assert "cannot file this matter" in t.last_spoken
    t.back()
    assert kit.step is Step.CHOOSE_MATTER and a.view.refusal == ("", "")
    kit.reader.take()
    kit.settle()
    t.home()
    a = to_form(kit, "MZ-003")                          # an 81-year-old (the kit's card) goes on to the form
    assert a.state is ApprovalState.FORM


def test_a_field_is_required_when_another_answer_needs_it(make_kit):
    """邮寄到家 needs an address to post to (issue 21 item 15)."""
    kit = make_kit()
    a = to_form(kit, "LL-001")
    form = a.form
    form.set_field("phone", "13912345678"), form.set_field("birth_date", "1944-12-31")
    assert form.set_field("pickup", "社区领取") is None and form.set_field("address", "") is None
    assert form.done() is True
    kit.terminal.back()
    form.set_field("pickup", "邮寄到家")
    assert form.set_field("address", "") == "必填 / required"
    assert not form.done()
    assert {f.name: f.required for f in kit.view.step_view.fields}["address"]
    assert form.set_field("address", "平房区友协大街1号") is None and form.done()
