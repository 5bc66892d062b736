"""What the filing screens render: the filing's states and the view of each step.

Kept apart from the flows so a screen module can import a view without the
flows' dependencies.  Every view is masked (name, ID, phone) and its ``repr``
names no value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.filing.form import FieldView
from kiosk.filing.matters import MatterDetail
from kiosk.filing.papers import PaperView


class ApprovalState(enum.StrEnum):
    """The filing's steps: the state is the step on screen (``ApprovalFlow.STEP_OF``)."""

    CLOSED = "closed"
    CHOOSING = "choosing"              # categories, search (``MatterChoice``)
    CONDITIONS = "conditions"          # who may apply, papers; print; "I have them, start"
    NOT_ELIGIBLE = "not_eligible"      # the card says the resident cannot file it (age): why, on the conditions
    IDENTIFY = "identify"              # the terminal's identify step, for the card this matter accepts
    FACE_CHECK = "face_check"          # 人证核验 (``FaceCheckFlow``), for a matter that asks for it
    FORM = "form"                      # ``FormStep``
    PAPERS = "papers"                  # ``PapersStep``
    SIGN = "sign"                      # ``SignStep``: the documents the catalog asks to sign, on the touchscreen
    REVIEW = "review"                  # ``SubmitStep``: every field, the pages, the consent(s)
    SUBMIT = "submit"                  # ``SubmitStep``: in the outbox, waiting for the number (or it failed)
    DONE = "done"                      # ``SubmitStep``: the number; the slip printing, printed or to note down


@dataclass(frozen=True)
class ApprovalView:
    """The filing as a whole, and what the conditions step shows.
    ``identify_mode``: id_card | social_security | counter for this matter;
    ``print_guide``: "" | printing | printed | failed | no_printer."""

    state: ApprovalState = ApprovalState.CLOSED
    matter: MatterDetail | None = None
    identify_mode: str = ""
    print_guide: str = ""
    refusal: tuple[str, str] = ("", "")   # not_eligible: why, (Chinese, English)

    def __repr__(self) -> str:
        return f"ApprovalView(state={self.state.value!r}, matter={self.matter.code if self.matter else None!r})"


class FormState(enum.StrEnum):
    CLOSED = "closed"
    EDITING = "editing"


@dataclass(frozen=True)
class FormView:
    state: FormState = FormState.CLOSED
    masked_name: str = ""
    masked_id: str = ""
    fields: tuple[FieldView, ...] = ()
    complete: bool = False

    def __repr__(self) -> str:
        return f"FormView(state={self.state.value!r}, fields={len(self.fields)}, complete={self.complete})"


class PapersState(enum.StrEnum):
    CLOSED = "closed"
    LOOKING = "looking"            # the camera looks for the current paper's next page (or the one retaken)
    CHECKING = "checking"          # the page just taken, large: "is it clear?" retake / more pages / next
    READY = "ready"                # nothing left for the camera: the papers for the counter, Continue
    CANNOT_FILE = "cannot_file"    # a required paper is missing and cannot come later
    CAMERA_LOST = "camera_lost"    # the camera stopped: hand the paper in at the counter, or it comes back by itself
    ADJUSTING = "adjusting"        # corners by touch: the frame the page is taken from, four handles to drag


@dataclass(frozen=True)
class CornersView:
    """Corners by touch (调整边角): the frame's size and the four handles in
    frame pixels (x right, y down), going round the page.  ``start``: where
    重置 puts them (the detector's corners, or a rectangle inset in the frame
    when it found no page or was unsure: ``guessed``).  ``problem``: why the
    outline was refused (Chinese, English), or empty.  ``working``: the page
    is being made again from the corners.  ``new_page``: the page is not
    taken yet (taken by hand from the live view)."""

    frame_size: tuple[int, int] = (0, 0)
    corners: tuple[tuple[float, float], ...] = ()
    start: tuple[tuple[float, float], ...] = ()
    guessed: bool = False
    problem: tuple[str, str] = ("", "")
    working: bool = False
    new_page: bool = False

    def __repr__(self) -> str:
        return f"CornersView({self.frame_size[0]}x{self.frame_size[1]}, problem={bool(self.problem[0])})"


@dataclass(frozen=True)
class PapersView:
    """``mode``: scan | bring_to_counter; ``current_paper``: the paper the
    camera asks for ("" when none is left); ``checking``: index of the page
    shown for review (-1 while the camera looks); ``retaking``: the page the
    camera takes again (-1: a new page)."""

    state: PapersState = PapersState.CLOSED
    mode: str = ""
    papers: tuple[PaperView, ...] = ()
    current_paper: str = ""
    checking: int = -1
    retaking: int = -1
    complete: bool = False
    blocking: tuple[str, ...] = ()     # names of the papers that stop the filing (cannot_file)
    bring_today: tuple[str, ...] = ()  # originals for the hut's counter today
    bring_later: tuple[str, ...] = ()  # papers to bring within the promised days
    can_adjust: bool = False           # the page on check was taken from a frame still held: 调整边角
    adjusting: CornersView | None = None

    @property
    def paper(self) -> PaperView | None:
        return next((p for p in self.papers if p.code == self.current_paper), None)

    @property
    def position(self) -> tuple[int, int]:
        """("paper 2 of 3"): the current paper's place among those the camera
        asks for; one the resident skipped keeps its place (after "2 of 3" is
        skipped, the next is "3 of 3", not "2 of 2")."""
        asked = [p.code for p in self.papers if p.for_camera]
        return (asked.index(self.current_paper) + 1 if self.current_paper in asked else 0, len(asked))

    def __repr__(self) -> str:
        return f"PapersView(state={self.state.value!r}, papers={len(self.papers)}, current={self.current_paper!r})"


class SubmitState(enum.StrEnum):
    CLOSED = "closed"
    REVIEW = "review"
    SUBMITTING = "submitting"          # in the outbox; waiting briefly for the platform's number
    SUBMIT_FAILED = "submit_failed"    # the outbox could not take it: ask the staff (or try again)
    DONE = "done"


@dataclass(frozen=True)
class SubmitView:
    """``submit_mode``: online | queued; ``slip``: "" | printing | printed |
    note_number (show ``number`` large).  ``confirmed``: ``number`` is the
    platform's; otherwise the local serial, "it will be sent by itself"."""

    state: SubmitState = SubmitState.CLOSED
    matter: MatterDetail | None = None
    masked_name: str = ""
    masked_id: str = ""
    fields: tuple[FieldView, ...] = ()
    papers: tuple[PaperView, ...] = ()
    consent_given: bool = False
    sensitive_consent_needed: bool = False
    sensitive_consent_given: bool = False
    submit_mode: str = ""
    number: str = ""
    confirmed: bool = False
    slip: str = ""
    error: str = ""
    # The printer can print now: the review warns before submitting when it cannot
    # ("the number will be shown to note down"), the done screen offers 重新打印 when it can again.
    printer_ready: bool = False
    reprinted: bool = False

    @property
    def can_reprint(self) -> bool:
        return self.state is SubmitState.DONE and self.slip == "note_number" and self.printer_ready

    @property
    def can_submit(self) -> bool:
        return (self.state in (SubmitState.REVIEW, SubmitState.SUBMIT_FAILED) and self.consent_given
                and (self.sensitive_consent_given or not self.sensitive_consent_needed))

    def __repr__(self) -> str:
        return f"SubmitView(state={self.state.value!r}, fields={len(self.fields)}, slip={self.slip!r})"


class SignState(enum.StrEnum):
    CLOSED = "closed"
    READING = "reading"      # the document in large type with the resident's details: 签名 (or at the counter)
    SIGNING = "signing"      # the signing box: 清除, 确认; 返回 goes back to the document, dropping the strokes
    SIGNED = "signed"        # confirmed: the signature shown under the document; sign again, or continue


@dataclass(frozen=True)
class SignView:
    """The document being signed (``document``: its code; ``title``/``text``
    and their English), the resident masked, the declared values as the form
    shows them, ``position`` (document i of n), the strokes drawn so far
    (``strokes``: how many; the pad holds their drawing), ``problem``: why the
    last try was refused (empty | dot | short | outside, ``kiosk.filing.signature.Problem``),
    ``signed_png``: the confirmed signature (SIGNED) and ``fingerprint``: its record's, shortened."""

    state: SignState = SignState.CLOSED
    document: str = ""
    title: str = ""
    title_en: str = ""
    text: str = ""
    text_en: str = ""
    masked_name: str = ""
    masked_id: str = ""
    values: tuple[FieldView, ...] = ()
    position: tuple[int, int] = (0, 0)
    strokes: int = 0
    problem: str = ""
    signed_png: bytes = b""
    fingerprint: str = ""
    kiosk_suffices: bool = True
    stale: bool = False      # a signature made before went: what it signed has changed since

    def __repr__(self) -> str:
        return f"SignView(state={self.state.value!r}, document={self.document!r}, strokes={self.strokes})"
