"""What the approval screens render: the filing's states and its view.

Kept apart from the flow (``kiosk.flows.approval``) so a screen module can
import the view without the flow's dependencies, and the flow stays readable.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.filing.form import FieldView
from kiosk.filing.matters import MatterDetail
from kiosk.filing.papers import PaperView
from kiosk.flows.picking import PickView
from kiosk.flows.services import Step


class ApprovalState(str, enum.Enum):
    CLOSED = "closed"
    CHOOSING = "choosing"              # categories, search
    CONDITIONS = "conditions"          # who may apply, papers; print; "I have them, start"
    IDENTIFY = "identify"              # IdentifyFlow's step
    FACE_CHECK = "face_check"          # 人证核验 (FaceCheckFlow's step), for a matter that asks for it
    FORM = "form"
    PAPERS = "papers"
    CANNOT_FILE = "cannot_file"        # a required paper is missing and cannot come later
    REVIEW = "review"                  # every field, the pages, the consent(s)
    SUBMITTING = "submitting"          # in the outbox; waiting briefly for the platform's number
    SUBMIT_FAILED = "submit_failed"    # the outbox could not take it: ask the staff (or try again)
    DONE = "done"                      # the number; the slip printing, printed or to note down

    def __str__(self) -> str:
        return self.value


STEP_OF: dict[ApprovalState, str] = {
    ApprovalState.CHOOSING: Step.CHOOSE_MATTER, ApprovalState.CONDITIONS: Step.CONDITIONS,
    ApprovalState.IDENTIFY: Step.IDENTIFY, ApprovalState.FACE_CHECK: Step.FACE_CHECK,
    ApprovalState.FORM: Step.FORM, ApprovalState.PAPERS: Step.PAPERS,
    ApprovalState.CANNOT_FILE: Step.PAPERS, ApprovalState.REVIEW: Step.REVIEW,
    ApprovalState.SUBMITTING: Step.SUBMIT, ApprovalState.SUBMIT_FAILED: Step.SUBMIT, ApprovalState.DONE: Step.DONE,
}


@dataclass(frozen=True)
class ApprovalView:
    """What the approval screens render; masked (name, ID, phone), and its
    ``repr`` names no value.

    ``identify_mode``: id_card | social_security | counter for this matter;
    ``papers_mode``: scan | bring_to_counter; ``submit_mode``: online | queued;
    ``slip``: "" | printing | printed | note_number (show ``number`` large).
    ``confirmed``: ``number`` is the platform's; otherwise the local serial,
    "it will be sent by itself".
    """

    state: ApprovalState = ApprovalState.CLOSED
    pick: PickView = PickView()
    matter: MatterDetail | None = None
    identify_mode: str = ""
    masked_name: str = ""
    masked_id: str = ""
    fields: tuple[FieldView, ...] = ()
    form_complete: bool = False
    papers_mode: str = ""
    papers: tuple[PaperView, ...] = ()
    current_paper: str = ""            # the paper the camera asks for ("" when none is left)
    papers_complete: bool = False
    blocking: tuple[str, ...] = ()     # names of the papers that stop the filing (cannot_file)
    bring_today: tuple[str, ...] = ()  # originals for the hut's counter today
    bring_later: tuple[str, ...] = ()  # papers to bring within the promised days
    consent_given: bool = False
    sensitive_consent_needed: bool = False
    sensitive_consent_given: bool = False
    submit_mode: str = ""
    number: str = ""
    confirmed: bool = False
    slip: str = ""
    print_guide: str = ""              # "" | printing | printed | failed
    error: str = ""

    @property
    def can_submit(self) -> bool:
        return (self.state in (ApprovalState.REVIEW, ApprovalState.SUBMIT_FAILED) and self.consent_given
                and (self.sensitive_consent_given or not self.sensitive_consent_needed))

    def __repr__(self) -> str:
        return (f"ApprovalView(state={self.state.value!r}, matter={self.matter.code if self.matter else None!r}, "
                f"fields={len(self.fields)}, papers={len(self.papers)}, slip={self.slip!r})")
