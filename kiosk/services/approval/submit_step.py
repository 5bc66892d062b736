"""The filing's last steps: review with the consents, submit, and the number with its slip.

The review shows what will be sent (masked), asks the consent in plain words
and, for a matter that holds sensitive personal information, a second,
separate one (PIPL art. 29).  Submitting enqueues the application in the
outbox (durable and encrypted before the resident sees a number) and waits a
short, bounded time for the platform's number; offline it is the local
serial.  Then the slip prints, or the number is shown large to note down.

States::

    closed ─open─▶ review ─submit─▶ submitting ─filed─▶ done
                     ▲                    └─failed─▶ submit_failed ─submit─▶ submitting
                     └──────── back ──────────────────────┘
    any ─close─▶ closed

Blocking work (the outbox, the printer) runs as jobs through the ``JobSlot``.
"""

from __future__ import annotations

import enum
import logging
from typing import Any, Callable

from kiosk import slips
from kiosk.devices.availability import Availability, SlipMode, Submit
from kiosk.filing.catalog import Matter
from kiosk.filing.matters import detail
from kiosk.filing.signature import SignedDocument
from kiosk.filing.submission import WAIT_SECONDS, Filed, Filing, application_body, new_slip_code, print_slip, receipt_data
from kiosk.flows import face_check
from kiosk.flows.jobs import Jobs, JobSlot
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session
from kiosk.privacy import IdHashKeys
from kiosk.services.approval.form_step import FORM
from kiosk.services.approval.papers_step import PAPERS
from kiosk.services.approval.signature_step import SIGNATURES
from kiosk.services.approval.views import SubmitState, SubmitView

log = logging.getLogger(__name__)
S = SubmitState


class SubmitJob(enum.StrEnum):
    FILE = "file"
    PRINT_SLIP = "print_slip"


class SubmitStep(FlowMachine[SubmitState, SubmitView]):
    """Intents: ``consent(bool)``, ``consent_sensitive(bool)``, ``submit() -> bool``,
    ``back() -> bool`` (refused once the application is in the outbox)."""

    TRANSITIONS = {
        **{(s, "open"): S.REVIEW for s in S},
        **{(s, "close"): S.CLOSED for s in S},
        (S.REVIEW, "submit"): S.SUBMITTING,
        (S.SUBMIT_FAILED, "submit"): S.SUBMITTING,
        (S.SUBMIT_FAILED, "back"): S.REVIEW,
        (S.SUBMITTING, "filed"): S.DONE,
        (S.SUBMITTING, "failed"): S.SUBMIT_FAILED,
    }

    def __init__(self, session: Session, jobs: Jobs, *, outbox: Any, availability: Callable[[], Availability],
                 printer: Callable[[], Any], on_change: Callable[[SubmitState], None], hut: str = "",
                 id_hash_keys: IdHashKeys | None = None, wait_seconds: float = WAIT_SECONDS, language: str = "both",
                 signed: Callable[[], list[SignedDocument]] = list):
        super().__init__(SubmitView())
        self.session, self.job = session, JobSlot(jobs)
        self.outbox, self.availability, self.printer, self.on_change = outbox, availability, printer, on_change
        self.hut, self.id_hash_keys, self.wait_seconds, self.language = hut, id_hash_keys, wait_seconds, language
        self.signed = signed   # the documents signed on the touchscreen (SignStep.signed)
        self._matter: Matter | None = None
        self._slip: Any = None   # the printed slip (masked), kept for 重新打印 until the visit ends

    def _printer_ready(self) -> bool:
        return self.availability().slip_mode is SlipMode.PRINT and self.printer() is not None

    def availability_changed(self, _availability: Any) -> None:
        if self.state is not S.CLOSED:
            self._set(printer_ready=self._printer_ready())

    def open(self, matter: Matter) -> None:
        """The review opens (after the papers): what will be sent, consents not yet given."""
        self._matter = matter
        identity, form, papers = self.session.identity, self.session.get(FORM), self.session.get(PAPERS)
        self.job.forget()
        self._fire("open", matter=detail(matter), masked_name=identity.masked_name if identity else "",
                   masked_id=identity.masked_id if identity else "",
                   fields=form.views(True) if form else (), papers=papers.views() if papers else (),
                   consent_given=False, sensitive_consent_given=False, sensitive_consent_needed=matter.sensitive,
                   submit_mode=self.availability().submit.value, number="", confirmed=False, slip="", error="",
                   printer_ready=self._printer_ready(), reprinted=False)

    def close(self) -> None:
        self.job.forget()
        self._matter = self._slip = None
        self._fire("close", **_cleared())

    def back(self) -> bool:
        """Back from a failed submission to the review; refused while filing and after."""
        return self._fire("back", error="")

    # -- review --------------------------------------------------------------------------
    def consent(self, given: bool) -> None:
        if self.state in (S.REVIEW, S.SUBMIT_FAILED):
            self._set(consent_given=bool(given))

    def consent_sensitive(self, given: bool) -> None:
        """The separate consent for sensitive personal information (PIPL art. 29)."""
        if self.state in (S.REVIEW, S.SUBMIT_FAILED) and self.view.sensitive_consent_needed:
            self._set(sensitive_consent_given=bool(given))

    def submit(self) -> bool:
        """File it: enqueue and wait for the number on a job.  False (nothing
        happens) without the consents, or with nothing to file."""
        identity, form, papers, matter = (self.session.identity, self.session.get(FORM), self.session.get(PAPERS),
                                          self._matter)
        if not self.view.can_submit or identity is None or form is None or papers is None or matter is None \
                or self.outbox is None:
            return False
        outcome = self.session.get(face_check.OUTCOME) if matter.face_check else None
        slip_code = new_slip_code()   # printed in a queued slip's QR; only its hash goes with the application
        signed = self.signed()
        body = application_body(matter, identity, form.submission(), self.id_hash_keys, face_check=outcome,
                                papers_later=[m.code for m in papers.bring_later()], slip_code=slip_code,
                                signatures=signed)
        filing = Filing(body, papers.attachments() + [a for s in signed for a in s.attachments()], slip_code)
        online = self.availability().submit is Submit.ONLINE
        outbox, wait = self.outbox, self.wait_seconds if online else 0.0
        self._fire("submit", submit_mode=(Submit.ONLINE if online else Submit.QUEUED).value, error="")
        self.on_change(self.state)
        self.job.start(SubmitJob.FILE, lambda: filing.run(outbox, wait), self._filed)
        return True

    # -- outcomes ------------------------------------------------------------------------
    def _filed(self, filed: Any) -> None:
        if not isinstance(filed, Filed) or filed.error:
            self._fire("failed", error=getattr(filed, "error", "") or "no outcome")
            self.on_change(self.state)
            return
        matter, identity, papers = self._matter, self.session.identity, self.session.get(PAPERS)
        assert matter is not None and identity is not None
        signed_codes = {s.code for s in self.signed()}
        data = receipt_data(matter, identity, filed, hut=self.hut,
                            bring_today=papers.bring_today() if papers else [],
                            bring_later=papers.bring_later() if papers else [],
                            signed_here=[d for d in matter.signatures if d.code in signed_codes])
        slip = slips.application_receipt(data, self.language)  # masked here; no data kept
        # Filed: the form, the pages and the signatures have no use here any more.
        self.session.pop(FORM)
        self.session.pop(PAPERS)
        self.session.pop(SIGNATURES)   # the strokes and the signed page are in the outbox now
        self._slip = slip
        printer = self.printer() if self.availability().slip_mode is SlipMode.PRINT else None
        self._fire("filed", number=filed.number, confirmed=filed.confirmed, fields=(), papers=(), error="",
                   slip="printing" if printer is not None else SlipMode.NOTE_NUMBER.value,
                   printer_ready=self._printer_ready())
        self.on_change(self.state)
        if printer is not None:
            self.job.start(SubmitJob.PRINT_SLIP, lambda: print_slip(printer, slip), self._printed)

    def reprint(self) -> bool:
        """重新打印: the slip that could not be printed, now that the printer is back."""
        printer, slip = self.printer(), self._slip
        if not self.view.can_reprint or printer is None or slip is None:
            return False
        self._set(slip="printing", reprinted=True)
        self.job.start(SubmitJob.PRINT_SLIP, lambda: print_slip(printer, slip), self._printed)
        return True

    def _printed(self, ok: Any) -> None:
        self._set(slip="printed" if ok else SlipMode.NOTE_NUMBER.value, printer_ready=self._printer_ready())


def _cleared() -> dict[str, Any]:
    empty = SubmitView()
    return {f: getattr(empty, f) for f in SubmitView.__dataclass_fields__ if f != "state"}
