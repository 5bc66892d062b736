"""自助办事: filing a matter, from choosing it to the slip.

The approval service's steps (``kiosk.flows.services``): choose_matter,
conditions, identify, face_check (only for a matter whose catalog entry asks
for it: ``VisitFlow.include``), form, papers, review, submit, done.  ``VisitFlow`` routes
them (the app maps ``visit.view.step`` to a screen); this flow holds what the
steps decide and follows the visit: it opens when the visit enters the first
step, closes (dropping the form and pages) when the visit leaves the service
or goes home, and moves the visit on itself when one of its own steps is
done, so a screen never decides "may I continue".  The identify step stays
``IdentifyFlow``'s (the app's Continue moves the visit); entering the form
step takes the identified record from the session and pre-fills the form.

States (``TRANSITIONS``)::

    closed ─open─▶ choosing ─choose─▶ conditions ─start─▶ identify ─identified─▶ form
    identify ─face_check─▶ face_check ─identified─▶ form   (form ─face_check─▶ face_check is Back)
    form ─form_done─▶ papers ─papers_done─▶ review ─submit─▶ submitting ─filed─▶ done
    papers ─missing─▶ cannot_file ─found─▶ papers      submitting ─failed─▶ submit_failed ─submit─▶ …
    every state but submitting and done ─back─▶ the previous one;  any ─close─▶ closed

Intents by step (what the screens call):

* choose_matter: ``pick_category(name)``, ``search(text)``, ``choose(code)``
* conditions: ``start()`` ("I have them, start"), ``print_guide() -> Job | None``
* identify: the app's ``continue_service`` (IdentifyFlow) as for every service
* face_check: ``face`` (a ``FaceCheckFlow``: ``consent()``, ``decline()``,
  ``retry()``), and ``face_continue()`` once it passed or was skipped; the
  camera work is ``kiosk.face.runner.FaceCheckRunner``'s
* form: ``set_field(name, value) -> problem | None``, ``form_done() -> bool``
* papers: ``show_paper(code)``, ``add_page(code, jpeg)``, ``retake(code, index, jpeg)``,
  ``remove_page(code, index)``, ``next_paper()``, ``dont_have(code)``, ``have_it(code)``,
  ``papers_done() -> bool``
* review: ``consent(bool)``, ``consent_sensitive(bool)``, ``submit() -> Job | None``
* every step: ``back()`` (refused once the application is filed)
* done: the app's ``go_home("done")`` ends the visit; ``IdentifyFlow.end()``
  raises the card reminder while the card is still on the reader.

Blocking work comes back as a ``kiosk.flows.jobs.Job`` for the app to run on
a worker thread and return through ``job_done(job, outcome)``, which may
hand back the next job (the slip to print after the number).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from kiosk import slips
from kiosk.devices.availability import Availability, FaceCheck, SlipMode, Submit
from kiosk.filing.catalog import Matter
from kiosk.filing.form import FilingForm, record_value
from kiosk.filing.matters import detail, guide_slip_data
from kiosk.filing.papers import PaperSet, PaperState
from kiosk.filing.submission import WAIT_SECONDS, Filed, Filing, SlipPrinter, application_body, print_slip, receipt_data
from kiosk.flows.approval_view import STEP_OF, ApprovalState, ApprovalView
from kiosk.flows.face_check import FaceCheckFlow, FaceCheckState
from kiosk.flows.jobs import Job
from kiosk.flows.machine import FlowMachine
from kiosk.flows.picking import CatalogSource, Picker
from kiosk.flows.services import Step
from kiosk.flows.session import Session
from kiosk.flows.visit import VisitFlow, VisitState, VisitView
from kiosk.outbox.store import Outbox
from kiosk.privacy import IdHashKeys, mask_id, mask_name

log = logging.getLogger(__name__)
SERVICE = "approval"
FORM_KEY, PAPERS_KEY = "approval.form", "approval.papers"
FACE_CHECK_KEY = "face_check"   # kiosk.flows.face_check.SESSION_KEY: the outcome, never a picture
FACE_CHECK_DONE = (FaceCheckState.PASSED, FaceCheckState.NO_PHOTO)


_ALL = tuple(ApprovalState)
_BACK = {
    ApprovalState.CONDITIONS: ApprovalState.CHOOSING, ApprovalState.IDENTIFY: ApprovalState.CONDITIONS,
    ApprovalState.FACE_CHECK: ApprovalState.IDENTIFY,
    ApprovalState.FORM: ApprovalState.IDENTIFY, ApprovalState.PAPERS: ApprovalState.FORM,
    ApprovalState.CANNOT_FILE: ApprovalState.FORM, ApprovalState.REVIEW: ApprovalState.PAPERS,
    ApprovalState.SUBMIT_FAILED: ApprovalState.REVIEW,
}


class ApprovalFlow(FlowMachine[ApprovalState, ApprovalView]):
    """One terminal's filings.  ``catalog`` returns the current catalog (or
    None), ``availability`` the current ``Availability``, ``printer`` the
    printer to use (or None); ``outbox`` is the app's outbox connection."""

    TRANSITIONS = {
        **{(s, "open"): ApprovalState.CHOOSING for s in _ALL},
        **{(s, "close"): ApprovalState.CLOSED for s in _ALL},
        (ApprovalState.CHOOSING, "choose"): ApprovalState.CONDITIONS,
        (ApprovalState.CONDITIONS, "start"): ApprovalState.IDENTIFY,
        (ApprovalState.IDENTIFY, "identified"): ApprovalState.FORM,
        (ApprovalState.IDENTIFY, "face_check"): ApprovalState.FACE_CHECK,
        (ApprovalState.FORM, "face_check"): ApprovalState.FACE_CHECK,
        (ApprovalState.FACE_CHECK, "identified"): ApprovalState.FORM,
        (ApprovalState.FORM, "form_done"): ApprovalState.PAPERS,
        (ApprovalState.PAPERS, "missing"): ApprovalState.CANNOT_FILE,
        (ApprovalState.CANNOT_FILE, "found"): ApprovalState.PAPERS,
        (ApprovalState.PAPERS, "papers_done"): ApprovalState.REVIEW,
        (ApprovalState.REVIEW, "submit"): ApprovalState.SUBMITTING,
        (ApprovalState.SUBMIT_FAILED, "submit"): ApprovalState.SUBMITTING,
        (ApprovalState.SUBMITTING, "filed"): ApprovalState.DONE,
        (ApprovalState.SUBMITTING, "failed"): ApprovalState.SUBMIT_FAILED,
        **{(s, "back"): target for s, target in _BACK.items()},
    }

    def __init__(self, session: Session, visit: VisitFlow, catalog: CatalogSource,
                 availability: Callable[[], Availability], outbox: Outbox | None,
                 printer: Callable[[], SlipPrinter | None] = lambda: None, *, hut: str = "",
                 id_hash_key: IdHashKeys | None = None, wait_seconds: float = WAIT_SECONDS, language: str = "both"):
        super().__init__(ApprovalView())
        self.session, self.visit = session, visit
        self.face = FaceCheckFlow(session)  # its camera work: kiosk.face.runner.FaceCheckRunner
        self.picker = Picker(catalog)
        self.availability, self.outbox, self.printer = availability, outbox, printer
        self.hut, self.id_hash_key, self.wait_seconds, self.language = hut, id_hash_key, wait_seconds, language
        self._matter: Matter | None = None
        self._waiting: Job | None = None
        self._show_problems = False
        visit.subscribe(self._follow)

    # -- what the session holds ----------------------------------------------------
    @property
    def form(self) -> FilingForm | None:
        return self.session.data.get(FORM_KEY)

    @property
    def paper_set(self) -> PaperSet | None:
        return self.session.data.get(PAPERS_KEY)

    # -- following the visit --------------------------------------------------------
    def _follow(self, v: VisitView) -> None:
        if v.service != SERVICE or v.state is not VisitState.STEP:
            if self.state is not ApprovalState.CLOSED:
                self._close()
            return
        if STEP_OF.get(self.state) == v.step:
            return
        if self.state is ApprovalState.FACE_CHECK:
            self.face.cancel()  # leaving the step: the runner lets go of the camera and the card photo
        if v.step == Step.CHOOSE_MATTER:
            self._open()
        elif v.step == Step.FACE_CHECK and self.state in (ApprovalState.IDENTIFY, ApprovalState.FORM):
            self._fire("face_check")
            self._start_face_check()
        elif v.step == Step.FORM and self.state in (ApprovalState.IDENTIFY, ApprovalState.FACE_CHECK):
            self._identified()
        elif STEP_OF.get(_BACK.get(self.state, self.state)) == v.step:
            self._fire("back", error="")
        elif v.step == Step.IDENTIFY and self.state is ApprovalState.CONDITIONS:
            self._fire("start")
        else:
            log.warning("approval: the visit is at %s while filing is at %s", v.step, self.state)

    def _open(self) -> None:
        self._drop()
        self._fire("open", **{**_cleared(), "pick": self.picker.open()})

    def _close(self) -> None:
        self.face.cancel()
        self._drop()
        self._fire("close", **_cleared())

    def _drop(self) -> None:
        """Forget the filing: form and pages out of the session, nothing in the view."""
        for key in (FORM_KEY, PAPERS_KEY):
            held = self.session.data.pop(key, None)
            if isinstance(held, PaperSet):
                held.clear()
        self._matter = None
        self._waiting = None
        self._show_problems = False

    # -- choose_matter ---------------------------------------------------------------
    def pick_category(self, category: str) -> None:
        if self.state is ApprovalState.CHOOSING:
            self._set(pick=self.picker.pick_category(self.view.pick, category))

    def search(self, query: str) -> None:
        if self.state is ApprovalState.CHOOSING:
            self._set(pick=self.picker.search(self.view.pick, query))

    def choose(self, code: str) -> bool:
        matter = self.picker.matter(code) if self.state is ApprovalState.CHOOSING else None
        if matter is None:
            return False
        self._matter = matter
        self.visit.include(Step.FACE_CHECK, matter.face_check)
        mode = self.availability().identify(matter.social_security_card).value
        self._fire("choose", matter=detail(matter), identify_mode=mode,
                   sensitive_consent_needed=matter.sensitive)
        self.visit.next()
        return True

    # -- conditions -------------------------------------------------------------------
    def start(self) -> bool:
        """"I have them, start": on to identify."""
        if not self._fire("start", identify_mode=self._identify_mode()):
            return False
        self.visit.next()
        return True

    def print_guide(self) -> Job | None:
        """"Print this guide" on the conditions screen (None: no printer now)."""
        matter, printer = self._matter, self.printer()
        if matter is None or self.state is not ApprovalState.CONDITIONS or printer is None \
                or self.availability().slip_mode is not SlipMode.PRINT:
            return None
        slip = slips.service_guide(guide_slip_data(matter, self.hut), self.language)
        job = Job("print_guide", lambda: print_slip(printer, slip))
        self._waiting = job
        self._set(print_guide="printing")
        return job

    def _identify_mode(self) -> str:
        return self.availability().identify(self._matter.social_security_card).value if self._matter else ""

    # -- face check -------------------------------------------------------------------
    def _start_face_check(self) -> None:
        """After the card, for a matter that asks for it: no front camera here →
        the counter; a card whose photo cannot be read here → skipped, said so."""
        photo = getattr(self.session.resident, "photo_bmp", b"")
        self.face.start(camera_available=self.availability().face_check is FaceCheck.CHECK,
                        card_photo_available=bool(photo))

    def face_continue(self) -> bool:
        """Continue once the check passed (or was skipped for want of a card
        photo): on to the form.  Refused in any other state of the check."""
        if self.state is not ApprovalState.FACE_CHECK or self.face.state not in FACE_CHECK_DONE:
            return False
        self.face.confirm()
        self.visit.next()
        return True

    # -- form ---------------------------------------------------------------------------
    def _identified(self) -> None:
        record = self.session.resident
        if record is None or self._matter is None:
            return
        form = self.form
        if form is None or form.matter is not self._matter:
            form = FilingForm(self._matter, record)
            self.session.data[FORM_KEY] = form
        else:
            form.prefill(record)
        name = record_value(record, "name") or record_value(record, "name_en") or ""
        self._show_problems = False
        self._fire("identified", masked_name=mask_name(str(name)),
                   masked_id=mask_id(str(record_value(record, "id_number") or "")), **self._form_view())

    def _form_view(self) -> dict[str, Any]:
        form = self.form
        if form is None:
            return {"fields": (), "form_complete": False}
        return {"fields": form.views(self._show_problems), "form_complete": form.complete()}

    def set_field(self, name: str, value: Any) -> str | None:
        """The resident entered a value; its problem (Chinese / English) or None."""
        form = self.form
        if self.state is not ApprovalState.FORM or form is None:
            return None
        problem = form.set(name, value)
        self._set(**self._form_view())
        return problem

    def form_done(self) -> bool:
        """Continue on the form: on to the papers when nothing is wrong, else
        every problem is shown."""
        form = self.form
        if self.state is not ApprovalState.FORM or form is None or self._matter is None:
            return False
        if not form.complete():
            self._show_problems = True
            self._set(**self._form_view())
            return False
        papers = self.paper_set
        if papers is None or papers.matter is not self._matter:
            papers = PaperSet(self._matter, self.availability().papers)
            self.session.data[PAPERS_KEY] = papers
        self._fire("form_done", **self._papers_view(papers, first=True))
        self.visit.next()
        return True

    # -- papers ---------------------------------------------------------------------------
    def _papers_view(self, papers: PaperSet, first: bool = False, current: str | None = None) -> dict[str, Any]:
        waiting = [m.code for m in papers.to_scan()]
        if current is None:
            current = self.view.current_paper
        if first or (current and papers.state(current) not in (PaperState.TO_SCAN, PaperState.SCANNED)):
            current = waiting[0] if waiting else ""
        return {"papers_mode": papers.mode.value, "papers": papers.views(), "current_paper": current,
                "papers_complete": papers.complete(), "blocking": tuple(m.name for m in papers.blocking()),
                "bring_today": tuple(m.name for m in papers.bring_today()),
                "bring_later": tuple(m.name for m in papers.bring_later())}

    def _papers(self) -> PaperSet | None:
        return self.paper_set if self.state in (ApprovalState.PAPERS, ApprovalState.CANNOT_FILE) else None

    def show_paper(self, code: str) -> None:
        """Go to one paper (to retake a page or add one)."""
        papers = self._papers()
        if papers is not None and papers.state(code) in (PaperState.TO_SCAN, PaperState.SCANNED):
            self._set(**self._papers_view(papers, current=code))

    def add_page(self, code: str, jpeg: bytes) -> bool:
        """A captured page of ``code`` (call again for more pages)."""
        papers = self._papers()
        if papers is None:
            return False
        try:
            papers.add_page(code, jpeg)
        except (KeyError, ValueError) as exc:
            log.info("page refused: %s", exc)
            return False
        self._set(**self._papers_view(papers, current=code))
        return True

    def retake(self, code: str, index: int, jpeg: bytes) -> bool:
        papers = self._papers()
        if papers is None:
            return False
        try:
            papers.retake(code, index, jpeg)
        except (KeyError, IndexError):
            return False
        self._set(**self._papers_view(papers, current=code))
        return True

    def remove_page(self, code: str, index: int) -> None:
        papers = self._papers()
        if papers is not None and 0 <= index < len(papers.pages.get(code, ())):
            papers.remove_page(code, index)
            self._set(**self._papers_view(papers, current=code))

    def next_paper(self) -> None:
        """Done with the current paper: the next one still to scan."""
        papers = self._papers()
        if papers is None:
            return
        waiting = [m.code for m in papers.to_scan() if m.code != self.view.current_paper]
        self._set(**self._papers_view(papers, current=waiting[0] if waiting else ""))

    def dont_have(self, code: str) -> PaperState | None:
        """"I don't have it with me": later, left out, or the matter cannot be filed today."""
        papers = self._papers()
        if papers is None:
            return None
        state = papers.dont_have(code)
        changes = self._papers_view(papers)
        if state is PaperState.MISSING:
            self._fire("missing", **changes)
        else:
            self._set(**changes)
        return state

    def have_it(self, code: str) -> None:
        """The resident found the paper after all: scan it."""
        papers = self._papers()
        if papers is None:
            return
        papers.have_it(code)
        changes = self._papers_view(papers, current=code)
        if not papers.blocking():
            self._fire("found", **changes)
        self._set(**changes)

    def papers_done(self) -> bool:
        papers = self._papers()
        if papers is None or self.state is not ApprovalState.PAPERS or not papers.complete():
            return False
        self._fire("papers_done", consent_given=False, sensitive_consent_given=False,
                   submit_mode=self.availability().submit.value, **self._form_view())
        self.visit.next()
        return True

    # -- review --------------------------------------------------------------------------
    def consent(self, given: bool) -> None:
        if self.state in (ApprovalState.REVIEW, ApprovalState.SUBMIT_FAILED):
            self._set(consent_given=bool(given))

    def consent_sensitive(self, given: bool) -> None:
        """The separate consent for sensitive personal information (PIPL art. 29)."""
        if self.state in (ApprovalState.REVIEW, ApprovalState.SUBMIT_FAILED) and self.view.sensitive_consent_needed:
            self._set(sensitive_consent_given=bool(given))

    def submit(self) -> Job | None:
        """File it: a job that enqueues and waits for the number (None: not
        allowed now: consent missing, or no outbox)."""
        form, papers, matter, record = self.form, self.paper_set, self._matter, self.session.resident
        if not self.view.can_submit or form is None or papers is None or matter is None or record is None \
                or self.outbox is None:
            return None
        body = application_body(matter, record, form.submission(), self.id_hash_key,
                                face_check=self.session.data.get(FACE_CHECK_KEY) if matter.face_check else None)
        filing = Filing(body, papers.attachments())
        online = self.availability().submit is Submit.ONLINE
        outbox, wait = self.outbox, self.wait_seconds if online else 0.0
        job = Job("file", lambda: filing.run(outbox, wait))
        self._waiting = job
        moved_on = self.state is ApprovalState.REVIEW
        self._fire("submit", submit_mode=Submit.ONLINE.value if online else Submit.QUEUED.value, error="")
        if moved_on:
            self.visit.next()
        return job

    # -- outcomes -------------------------------------------------------------------------
    def job_done(self, job: Job, outcome: Any) -> Job | None:
        """A job's outcome, on the UI thread; may return the next job."""
        if job is not self._waiting:
            return None  # a late answer for a visit that ended or a step left
        self._waiting = None
        if job.name == "print_guide":
            self._set(print_guide="printed" if outcome else "failed")
        elif job.name == "file" and isinstance(outcome, Filed):
            return self._filed(outcome)
        elif job.name == "print_slip":
            self._set(slip="printed" if outcome else SlipMode.NOTE_NUMBER.value)
        return None

    def _filed(self, filed: Filed) -> Job | None:
        if filed.error:
            self._fire("failed", error=filed.error)
            return None
        matter, record, papers = self._matter, self.session.resident, self.paper_set
        assert matter is not None
        data = receipt_data(matter, record, filed, hut=self.hut,
                            bring_today=[m.name for m in papers.bring_today()] if papers else [],
                            bring_later=[m.name for m in papers.bring_later()] if papers else [])
        slip = slips.application_receipt(data, self.language)  # masked on the UI thread; no data kept
        # Filed: the form and the pages have no use here any more.
        for key in (FORM_KEY, PAPERS_KEY):
            held = self.session.data.pop(key, None)
            if isinstance(held, PaperSet):
                held.clear()
        printer = self.printer() if self.availability().slip_mode is SlipMode.PRINT else None
        changes: dict[str, Any] = {"number": filed.number, "confirmed": filed.confirmed, "fields": (),
                                   "papers": (), "error": ""}
        job = None if printer is None else Job("print_slip", lambda: print_slip(printer, slip))
        self._waiting = job
        self._fire("filed", slip="printing" if job else SlipMode.NOTE_NUMBER.value, **changes)
        self.visit.next()
        return job

    # -- every step -------------------------------------------------------------------------
    def back(self) -> bool:
        """Back; refused while filing and after (the application is in the outbox)."""
        if self.state not in _BACK:
            return False
        self._waiting = None
        self.visit.back()
        return True


def _cleared() -> dict[str, Any]:
    """Every field of the view back to empty (a new filing, or none)."""
    empty = ApprovalView()
    return {f: getattr(empty, f) for f in ApprovalView.__dataclass_fields__ if f != "state"}


__all__ = ["STEP_OF", "ApprovalFlow", "ApprovalState", "ApprovalView"]
