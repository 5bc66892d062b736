"""Signing on the touchscreen, through the terminal in process: the 低保 matter's
property declaration, signed in the flow instead of "hand the signed original
to the counter", refused when it is no signature, wiped with the visit, filed
with its record, PNG and PDF, and checked by the reference platform."""

from __future__ import annotations

import base64
import gc
import json
import weakref

from kiosk.filing import signature as sig
from kiosk.filing.papers import PaperState
from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.services.approval.signature_step import SIGNATURES
from kiosk.services.approval.views import SignState
from kiosk.terminal.view import TerminalState
from kiosk.terminal.voice import instruction
from tests.kiosk.terminal.test_filing_platform import Worker, wait_confirmed
from tests.terminal_kit import BOX, JPEG, card, fill_form, name_strokes, scan_all, sign, to_form

DIBAO = "MZ-001"


def to_sign(kit):
    approval = to_form(kit, DIBAO, card(photo_bmp=b"BM" + bytes(100)))
    fill_form(approval)
    scan_all(approval)
    assert kit.step is Step.SIGN
    return approval


def draw(step, strokes, box=BOX):
    for stroke in strokes:
        assert step.add_stroke(stroke, box)


def test_the_declaration_is_a_step_of_its_own_with_the_residents_details(make_kit):
    kit = make_kit()
    approval = to_sign(kit)
    view = kit.view.step_view
    assert view.state is SignState.READING and view.title == "家庭财产申报表"
    assert view.title_en == "Household property declaration" and "真实、完整" in view.text
    assert view.masked_name and "*" in view.masked_id                   # masked, as every view
    assert [f.name for f in view.values] == ["household_size", "monthly_income", "reason"]
    assert kit.view.index == 6 and kit.view.total == 10                 # step 7 of 10: after the papers
    # no longer "the signed original" for the counter
    assert approval.papers.paper_set.state("property_statement") is PaperState.SIGNED
    assert approval.papers.paper_set.bring_today() == []
    assert instruction("sign", kit.terminal.flow("approval").speech()) == \
        "Please read the declaration. If it is right, press Sign"


def test_no_signature_a_dot_one_short_stroke_and_outside_the_box_are_asked_again(make_kit):
    kit = make_kit()
    step = to_sign(kit).sign
    assert step.sign() and step.state is SignState.SIGNING
    assert step.confirm() == "empty"
    said = {instruction("sign", "empty")}
    for strokes, problem in (([[(450, 150, 0)]], "dot"),
                             ([[(300 + i * 8, 150, i * 10) for i in range(15)]], "short"),
                             (name_strokes(BOX, dx=BOX[0] * 0.8), "outside")):
        draw(step, strokes)
        assert step.view.strokes == len(strokes)
        assert step.confirm() == problem
        view = kit.view.step_view
        # asked again: still the box, the problem in the view for the words, nothing kept
        assert view.state is SignState.SIGNING and view.problem == problem and view.strokes == 0
        assert kit.terminal.session.get(SIGNATURES).pending == []
        assert kit.terminal.flow("approval").speech() == problem
        said.add(instruction("sign", problem))
    assert len(said) == 4 and all(said)                                 # four different sentences, none missing
    draw(step, name_strokes())
    assert step.view.problem == ""                                      # drawing again clears the words
    assert step.confirm() is None and step.state is SignState.SIGNED


def test_clear_empties_the_box_and_back_returns_to_the_document_keeping_nothing(make_kit):
    kit = make_kit()
    approval = to_sign(kit)
    step = approval.sign
    step.sign()
    draw(step, name_strokes())
    assert step.clear() and step.view.strokes == 0
    draw(step, name_strokes())
    kit.terminal.back()                                                 # 返回 from the box
    assert kit.step is Step.SIGN and step.state is SignState.READING
    assert kit.terminal.session.get(SIGNATURES).pending == [] and not kit.terminal.session.get(SIGNATURES).signed
    kit.terminal.back()                                                 # from the document: the papers
    assert kit.step is Step.PAPERS
    approval.papers.proceed()
    assert kit.step is Step.SIGN and step.state is SignState.READING


def test_a_confirmed_signature_stays_through_back_and_goes_when_what_it_signed_changes(make_kit):
    kit = make_kit()
    approval = to_sign(kit)
    sign(approval)
    assert kit.step is Step.REVIEW
    signatures = kit.terminal.session.get(SIGNATURES)
    # 确认 answered at once; the signed page (PDF) is made on a job and lands with the signature
    kit.run_until(lambda: bool(signatures.signed["property_statement"].pdf), "the signed page")
    assert sig.page_image(signatures.signed["property_statement"].pdf).startswith(b"\xff\xd8")
    kit.terminal.back()
    assert kit.step is Step.SIGN
    view = kit.view.step_view
    assert view.state is SignState.SIGNED and view.signed_png.startswith(b"\x89PNG") and not view.stale
    # 重新签名, then 返回: the signature confirmed before is still there
    assert approval.sign.sign_again()
    kit.terminal.back()
    assert approval.sign.state is SignState.SIGNED
    # back to the papers, a page taken again: the signature no longer binds them, it goes
    kit.terminal.back()
    assert kit.step is Step.PAPERS
    papers = approval.papers.paper_set
    papers.retake("income_proof", 0, JPEG + b"retaken")
    approval.papers.proceed()
    assert kit.step is Step.SIGN
    view = kit.view.step_view
    assert view.state is SignState.READING and view.stale and not view.signed_png
    assert instruction("sign", kit.terminal.flow("approval").speech()).startswith("What you signed has changed")


def test_the_idle_timeout_while_signing_warns_then_wipes_the_strokes(make_kit):
    kit = make_kit()
    step = to_sign(kit).sign
    step.sign()
    draw(step, name_strokes())
    pending = weakref.ref(kit.terminal.session.get(SIGNATURES).pending[0][0])   # a point of the strokes
    kit.clock.advance(kit.terminal.idle.warning_after + 1)
    kit.terminal.tick()
    assert kit.view.idle_warning and kit.step is Step.SIGN and step.view.strokes == 3   # warned, still there
    kit.clock.advance(kit.terminal.idle.timeout_after)
    kit.terminal.tick()
    kit.views.clear()
    gc.collect()
    assert kit.view.state is TerminalState.HOME and pending() is None
    assert kit.terminal.session.get(SIGNATURES) is None and step.state is SignState.CLOSED


def test_a_resident_who_cannot_sign_here_takes_the_original_to_the_counter(make_kit):
    kit = make_kit()
    approval = to_sign(kit)
    assert approval.sign.at_counter() and kit.step is Step.REVIEW
    assert approval.papers.paper_set.state("property_statement") is PaperState.AT_COUNTER
    assert approval.sign.signed() == []


def test_the_signed_declaration_is_filed_checked_by_the_platform_and_named_on_the_slip(make_kit, platform,
                                                                                        terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox, id_hash_keys=terminal.id_hash_keys, terminal_id=terminal.id)
    approval = to_sign(kit)
    sign(approval)
    review = approval.submission
    review.consent(True), review.consent_sensitive(True)
    assert review.submit()
    kit.run_until(lambda: kit.step is Step.DONE and review.view.slip == "printed", "the filing and its slip")
    body = json.loads(outbox.open_payload(outbox.next_due()))
    entry = body["signatures"][0]
    record = entry["record"]
    assert record["document"]["code"] == "property_statement" and record["terminal"] == terminal.id
    assert record["identity"]["card"] == "id_card" and record["identity"]["face_check"]["passed"] is True
    assert record["identity"]["id_hash"] == body["applicant"]["id_hash"]
    assert entry["fingerprint"] == sig.fingerprint(record)
    strokes = sig.decode(base64.b64decode(entry["strokes"]))
    assert len(strokes.strokes) == 3 and (strokes.width, strokes.height) == BOX
    kinds = {a["material_code"]: a["content_type"] for a in body["attachments"]}
    assert kinds["property_statement.signature"] == "image/png"
    assert kinds["property_statement.signed"] == "application/pdf"
    slip = repr(kit.printer.printed[0])
    assert "已在自助终端签名：家庭财产申报表" in slip and "Signed at the kiosk" in slip
    assert "原件交服务台" not in slip and "originals to the counter" not in slip   # nothing for the counter
    with Worker(folder, terminal, platform.url) as worker:
        wait_confirmed(worker)
    assert outbox.records()[0]["state"] == "confirmed"
    assert kit.terminal.session.get(SIGNATURES) is None or not kit.terminal.session.get(SIGNATURES).signed
    outbox.close()
