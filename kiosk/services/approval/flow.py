"""自助办事: filing a matter, from choosing it to the slip.

The steps (``SERVICE``): choose_matter, conditions, identify, face_check (only
for a matter whose catalog entry asks for it), form, papers, review, submit,
done.  The flow's state is the step on screen; each step with rules of its
own is a small flow the screens render and talk to (``presenter``):

* choose_matter: ``MatterChoice`` (shared with 办事指南)
* conditions: this flow: ``start()`` ("I have them, start"), ``print_guide()``
* identify: the terminal's ``IdentifyFlow``, for the cards this matter accepts (``card_request``)
* face_check: ``FaceCheckFlow`` (its camera work: ``kiosk.face.runner.FaceCheckRunner``);
  ``face_continue()`` once it passed or was skipped
* form: ``FormStep``; papers: ``PapersStep``; sign: ``SignStep`` (only for a matter
  whose catalog entry names documents to sign); review, submit, done: ``SubmitStep``

States (``TRANSITIONS``)::

    closed ─open─▶ choosing ─choose─▶ conditions ─start─▶ identify ─identified─▶ form
    identify ─face_check─▶ face_check ─face_done─▶ form
    form ─form_done─▶ papers ─papers_done─▶ review ─submitting─▶ submit ─filed─▶ done
    papers ─to_sign─▶ sign ─signed─▶ review (a matter with documents to sign);  review ─back_to_sign─▶ sign
    submit ─reviewing─▶ review (back after a failure);  every step but submit and done ─back─▶ the previous one
    any ─close─▶ closed
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from kiosk import slips
from kiosk.devices.availability import FACE_CHECK, SCAN, Availability, FaceCheck, SlipMode
from kiosk.filing.catalog import Matter
from kiosk.filing.matters import detail, guide_slip_data
from kiosk.filing.submission import print_slip
from kiosk.flows import face_check
from kiosk.flows.face_check import FaceCheckFlow, FaceCheckState
from kiosk.flows.jobs import JobSlot
from kiosk.flows.machine import FlowMachine
from kiosk.flows.matter_choice import MatterChoice
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.identity import Evidence, Identity
from kiosk.services.approval.form_step import FORM, FormStep
from kiosk.services.approval.papers_step import PAPERS, PapersStep
from kiosk.services.approval.signature_step import SignStep
from kiosk.services.approval.submit_step import SubmitStep
from kiosk.services.approval.views import ApprovalState, ApprovalView, SubmitState

log = logging.getLogger(__name__)
A = ApprovalState
FACE_CHECK_DONE = (FaceCheckState.PASSED, FaceCheckState.NO_PHOTO)


class ApprovalJob(enum.StrEnum):
    PRINT_GUIDE = "print_guide"
    PRINT_COUNTER_NOTE = "print_counter_note"


_BACK = {A.CONDITIONS: A.CHOOSING, A.IDENTIFY: A.CONDITIONS, A.FACE_CHECK: A.IDENTIFY, A.PAPERS: A.FORM,
         A.REVIEW: A.PAPERS}


class ApprovalFlow(ServiceFlow[ApprovalState, ApprovalView]):
    """One terminal's filings (one at a time)."""

    STEP_OF = {A.CHOOSING: Step.CHOOSE_MATTER, A.CONDITIONS: Step.CONDITIONS, A.NOT_ELIGIBLE: Step.CONDITIONS,
               A.IDENTIFY: Step.IDENTIFY,
               A.FACE_CHECK: Step.FACE_CHECK, A.FORM: Step.FORM, A.PAPERS: Step.PAPERS, A.SIGN: Step.SIGN,
               A.REVIEW: Step.REVIEW,
               A.SUBMIT: Step.SUBMIT, A.DONE: Step.DONE}
    TRANSITIONS = {
        **{(s, "open"): A.CHOOSING for s in A},
        **{(s, "close"): A.CLOSED for s in A},
        (A.CHOOSING, "choose"): A.CONDITIONS,
        (A.CONDITIONS, "start"): A.IDENTIFY,
        (A.IDENTIFY, "identified"): A.FORM,
        (A.IDENTIFY, "not_eligible"): A.NOT_ELIGIBLE,
        (A.NOT_ELIGIBLE, "back"): A.CHOOSING,
        (A.IDENTIFY, "face_check"): A.FACE_CHECK,
        (A.FACE_CHECK, "face_done"): A.FORM,
        (A.FORM, "face_check"): A.FACE_CHECK,     # Back from the form to the face check
        (A.FORM, "form_done"): A.PAPERS,
        (A.PAPERS, "papers_done"): A.REVIEW,
        (A.PAPERS, "to_sign"): A.SIGN,
        (A.SIGN, "signed"): A.REVIEW,
        (A.SIGN, "back"): A.PAPERS,
        (A.REVIEW, "back_to_sign"): A.SIGN,
        (A.REVIEW, "submitting"): A.SUBMIT,
        (A.SUBMIT, "reviewing"): A.REVIEW,
        (A.SUBMIT, "filed"): A.DONE,
        **{(s, "back"): target for s, target in _BACK.items()},
        (A.FORM, "back"): A.IDENTIFY,
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, ApprovalView())
        session = ctx.session
        self.choice = MatterChoice(ctx.catalog, self._chosen)
        self.face = FaceCheckFlow(session, on_done=lambda: self._to_form("face_done"))
        self.face.subscribe(self._face_changed)
        self.form = FormStep(session, self._form_done)
        self.papers = PapersStep(session, lambda: ctx.device(SCAN), ctx.post,
                                 lambda: ctx.availability().papers, self._papers_done, ctx.jobs)
        self.sign = SignStep(session, self._signed, terminal=lambda: _terminal_id(ctx), jobs=ctx.jobs,
                             hut=ctx.hut, id_hash_keys=ctx.id_hash_keys)
        self.submission = SubmitStep(session, ctx.jobs, outbox=ctx.outbox, availability=ctx.availability,
                                     printer=ctx.printer, on_change=self._submit_changed, hut=ctx.hut,
                                     id_hash_keys=ctx.id_hash_keys, language=ctx.language,
                                     wait_seconds=ctx.wait_seconds, signed=self.sign.signed)
        self.job = JobSlot(ctx.jobs)
        self.face_runner = self._face_runner(ctx)
        self._matter: Matter | None = None

    def _face_runner(self, ctx: FlowContext) -> Any:
        """The face check's attempts on the front camera (the engine loads on a
        thread when the check's consent is on screen)."""
        from kiosk.face.liveness import LivenessRules
        from kiosk.face.runner import FaceCheckRunner, default_engine

        face = getattr(ctx.settings, "face_check", None)
        kwargs: dict[str, Any] = {}
        if face is not None:
            kwargs = {"threshold": face.threshold, "rules": LivenessRules(time_limit=face.time_limit_seconds)}
        return FaceCheckRunner(self.face, lambda: ctx.device(FACE_CHECK), ctx.post,
                               engine=ctx.face_engine or default_engine, **kwargs)

    def shutdown(self) -> None:
        self.papers.scan.close()
        self.face_runner.close()

    # -- what the terminal asks -----------------------------------------------------------
    def machines(self) -> tuple[FlowMachine[Any, Any], ...]:
        return (self, self.choice, self.face, self.form, self.papers, self.sign, self.submission)

    def presenter(self) -> FlowMachine[Any, Any]:
        machines: dict[ApprovalState, FlowMachine[Any, Any]] = {
            A.CHOOSING: self.choice, A.FACE_CHECK: self.face, A.FORM: self.form, A.PAPERS: self.papers,
            A.SIGN: self.sign,
            A.REVIEW: self.submission, A.SUBMIT: self.submission, A.DONE: self.submission}
        return machines.get(self.state, self)

    def included(self) -> frozenset[Step]:
        matter = self._matter
        if matter is None:
            return frozenset()
        return frozenset(step for step, taken in ((Step.FACE_CHECK, matter.face_check),
                                                  (Step.SIGN, bool(matter.signatures))) if taken)

    def steps_known(self) -> bool:
        return self.state is not A.CHOOSING   # the matter decides whether the face check is a step

    def card_request(self) -> CardRequest | None:
        if self.state is not A.IDENTIFY or self._matter is None:
            return None
        accepts = {Evidence.ID_CARD}
        if self._matter.social_security_card:
            accepts.add(Evidence.SOCIAL_SECURITY_CARD)
        return CardRequest(frozenset(accepts))

    def availability_changed(self, availability: Availability) -> None:
        self.papers.camera_changed(availability.scan)
        self.submission.availability_changed(availability)

    def unsaved_work(self) -> bool:
        """Something the resident entered would go with 首页: a field they
        typed or chose, a page scanned, a signature, the review (or a submission that failed)."""
        if self.state in (A.REVIEW, A.SIGN) or (self.state is A.SUBMIT and self.submission.state is SubmitState.SUBMIT_FAILED):
            return True
        form, papers = self.ctx.session.get(FORM), self.ctx.session.get(PAPERS)
        return self.state in (A.FORM, A.PAPERS) and (
            bool(form is not None and form.touched) or bool(papers is not None and papers.attachments()))

    def speech(self) -> str | None:
        if self.state is A.IDENTIFY:
            return self.view.identify_mode
        if self.state is A.NOT_ELIGIBLE:
            return "not_eligible"
        if self.state is A.SIGN:
            return self.sign.detail()
        if self.state is A.PAPERS:
            if self.papers.state.value in ("cannot_file", "adjusting"):
                return self.papers.state.value
            return self.papers.view.mode
        if self.state is A.SUBMIT:
            return "submit_failed" if self.submission.state is SubmitState.SUBMIT_FAILED else ""
        if self.state is A.DONE:
            return self.submission.view.slip if self.submission.view.slip == "note_number" else "print"
        if self.state is A.FACE_CHECK:
            # the check is over and the visit is moving on: the next step speaks
            return None if self.face.state is FaceCheckState.CLOSED else self.face.view.detail
        return ""

    # -- opening and closing ----------------------------------------------------------------
    def open(self) -> None:
        self._drop()
        self._fire("open", matter=None, identify_mode="", print_guide="", refusal=("", ""))
        self.choice.open()

    def close(self) -> None:
        self._drop()
        self._fire("close", matter=None, identify_mode="", print_guide="")

    def _drop(self) -> None:
        """Forget the filing: every step closed, form and pages out of the session."""
        self.job.forget()
        self.face.cancel()
        self.choice.close()
        self.form.close(drop=True)
        self.papers.close(drop=True)
        self.sign.close(drop=True)
        self.submission.close()
        self._matter = None

    # -- choose_matter and conditions ---------------------------------------------------------
    def _chosen(self, matter: Matter) -> None:
        self._matter = matter
        self._fire("choose", matter=detail(matter), print_guide="", refusal=("", ""),
                   identify_mode=self.ctx.availability().identify(matter.social_security_card).value)

    def start(self) -> bool:
        """"I have them, start": on to the card."""
        if self._matter is None:
            return False
        return self._fire("start", identify_mode=self.ctx.availability().identify(
            self._matter.social_security_card).value)

    def print_guide(self) -> bool:
        """"Print this guide" on the conditions screen; without a printer the
        view says so (``print_guide = no_printer``)."""
        matter, printer = self._matter, self.ctx.printer()
        if matter is None or self.state is not A.CONDITIONS or self.view.print_guide == "printing":
            return False
        if printer is None or self.ctx.availability().slip_mode is not SlipMode.PRINT:
            self._set(print_guide="no_printer")
            return False
        slip = slips.service_guide(guide_slip_data(matter, self.ctx.hut), self.ctx.language)
        self._set(print_guide="printing")
        self.job.start(ApprovalJob.PRINT_GUIDE, lambda: print_slip(printer, slip),
                       lambda ok: self._set(print_guide="printed" if ok else "failed"))
        return True

    # -- identify and face check ---------------------------------------------------------------
    def identified(self, identity: Identity) -> None:
        if self.state is not A.IDENTIFY or self._matter is None:
            return
        refusal = self._matter.age_problem(identity.age_on(self.ctx.today()))
        if refusal is not None:
            # Nobody fills in a form in vain; and a card read for a matter that
            # cannot be filed is not kept (PIPL's minimisation).
            self.ctx.session.forget_resident()
            self._fire("not_eligible", refusal=refusal)
            return
        if self._matter.face_check:
            self._fire("face_check")
            self._start_face_check()
        else:
            self._to_form("identified")

    def _start_face_check(self) -> None:
        """After the card, for a matter that asks for it: no front camera here →
        the counter; a card whose photo cannot be read here → skipped, said so."""
        identity = self.ctx.session.identity
        self.face.start(camera_available=self.ctx.availability().face_check is FaceCheck.CHECK,
                        card_photo_available=bool(identity is not None and identity.photo_bmp))

    def _face_changed(self, view: Any) -> None:
        """The check ended at the counter: print the note the resident takes there
        (matter, masked name and ID, why), so the staff know what to check."""
        if view.state is not FaceCheckState.COUNTER or view.counter_slip or self._matter is None:
            return
        printer, identity = self.ctx.printer(), self.ctx.session.identity
        if printer is None or identity is None or self.ctx.availability().slip_mode is not SlipMode.PRINT:
            self.face.counter_slip("no_printer")
            return
        outcome = self.ctx.session.get(face_check.OUTCOME) or {}
        note = slips.counter_note({"matter": self._matter.name, "matter_en": self._matter.name_en,
                                   "name": identity.name, "id_number": identity.id_number,
                                   "reason": view.reason or str(outcome.get("reason") or "declined"),
                                   "time": None, "hut": self.ctx.hut}, self.ctx.language)
        self.face.counter_slip("printing")
        self.job.start(ApprovalJob.PRINT_COUNTER_NOTE, lambda: print_slip(printer, note),
                       lambda ok: self.face.counter_slip("printed" if ok else "no_printer"))

    def face_continue(self) -> bool:
        """Continue once the check passed (or was skipped for want of a card
        photo): on to the form.  Refused in any other state of the check."""
        if self.state is not A.FACE_CHECK or self.face.state not in FACE_CHECK_DONE:
            return False
        return self.face.confirm()

    def _to_form(self, trigger: str) -> bool:
        assert self._matter is not None
        if not self._fire(trigger):
            return False
        self.form.open(self._matter)
        return True

    # -- form, papers, submission ----------------------------------------------------------------
    def _form_done(self) -> None:
        if self._matter is not None and self._fire("form_done"):
            self.form.close()
            self.papers.open(self._matter)

    def _papers_done(self) -> None:
        matter = self._matter
        if matter is not None and matter.signatures and self._fire("to_sign"):
            self.papers.close()
            self.sign.open(matter)
        elif matter is not None and self._fire("papers_done"):
            self.papers.close()
            self.submission.open(matter)

    def _signed(self) -> None:
        if self._matter is not None and self._fire("signed"):
            self.sign.close()
            self.submission.open(self._matter)

    def _submit_changed(self, state: SubmitState) -> None:
        if state in (SubmitState.SUBMITTING, SubmitState.SUBMIT_FAILED):
            self._fire("submitting")
        elif state is SubmitState.DONE:
            self._fire("filed")
        elif state is SubmitState.REVIEW:
            self._fire("reviewing")

    # -- 返回 ---------------------------------------------------------------------------------------
    def back(self) -> bool:
        """Back one step; False from the first (leave the service).  Refused
        (True, nothing moves) while filing and after: the application is in the outbox."""
        state, matter = self.state, self._matter
        if state is A.CHOOSING or state is A.CLOSED:
            return False
        if state is A.SUBMIT:
            if self.submission.back():
                self._fire("reviewing")
            return True
        if state is A.DONE:
            return True
        if state is A.PAPERS and self.papers.cancel_corners():
            return True   # 返回 while adjusting the corners: back to the page (or the camera) as it was
        self.job.forget()
        if state is A.FACE_CHECK:
            self.face.cancel()
        if state is A.FORM:
            self.form.close()
            if matter is not None and matter.face_check:
                self._fire("face_check")
                self._start_face_check()
                return True
        elif state is A.PAPERS:
            self.papers.close()
        elif state is A.SIGN:
            if self.sign.back():
                return True   # from the signing box to the document
            self.sign.close()
        elif state is A.REVIEW:
            self.submission.close()
            if matter is not None and matter.signatures:
                self._fire("back_to_sign")
                self.sign.open(matter, last=True)
                return True
        self._fire("back", print_guide="", refusal=("", ""))
        if self.state is A.CHOOSING:
            self._matter = None
            self._set(matter=None, identify_mode="")
            self.choice.reopen()
        elif self.state is A.FORM and matter is not None:
            self.form.open(matter)
        elif self.state is A.PAPERS and matter is not None:
            self.papers.open(matter)
        return True


def _terminal_id(ctx: FlowContext) -> str:
    """The terminal's id, as the platform knows it (the signing record names it)."""
    terminal = getattr(getattr(ctx.settings, "terminal", None), "id", "")
    return str(terminal or ctx.hut or "")
