"""The filing's papers step: each required paper under the camera, taken by itself.

For the paper the step asks for, the camera looks (``LiveScan``, while the
step is ``looking``) and the page it takes is shown for checking: take it
again, add more pages, or go on to the next paper.  "I don't have it with me"
asks the papers' rule (``kiosk.filing.papers``) whether the matter can still
be filed (bring it later, or leave an optional paper out) or not today
(``cannot_file``, until the resident finds it after all).  With no camera the
step lists the papers to hand in at the counter instead.

States::

    closed ─open─▶ looking ─page─▶ checking ─retake / more─▶ looking
                      │              └─next─▶ looking (next paper) │ ready │ done
                      │    checking ─adjust─▶ adjusting ─adjusted / back_to_check─▶ checking
                      ├─adjust (by hand)─▶ adjusting ─adjusted─▶ checking; ─back_to_look─▶ looking
                      ├─missing─▶ cannot_file ─found─▶ looking │ ready
                      ├─camera_lost─▶ camera_lost ─camera_back─▶ looking
                      │                    └─hand_in─▶ ready (the rest to the counter)
                      └─(nothing for the camera)─▶ ready ─proceed─▶ done
    any ─close─▶ closed

The camera is the device owner's: when it stops (unplugged, no frames), the
terminal says so (``availability_changed``) and the step tells the resident
the camera is not working, offers to hand the paper in at the counter (the
rule that holds when a hut has no camera at all), and goes back to looking
by itself when the camera returns.

Corners by touch (调整边角): the frame a page was taken from is kept with the
page under check (``SHOT``, a session slot: in memory, for the visit, never
written or logged) and dropped once the resident moves on.  ``adjust_corners``
shows it with four handles at the detector's corners; ``move_corner`` drags
one (frame pixels), ``reset_corners`` puts them back, ``cancel_corners``
keeps the page as it was, and ``confirm_corners`` checks the outline
(``drivers.camera.rectify.check_corners``: a crossed, dented or squashed one
is refused in words, the handles stay) and makes the page again from it as a
job (~100 ms), replacing the page in its place with its new fingerprint.  When
the detector finds no page or is unsure, the resident can take the camera's
frame by hand (``adjust_corners`` while looking): the handles start at a
rectangle inset in the frame, and confirming adds the page.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from kiosk.devices.availability import Papers
from kiosk.filing.catalog import Matter
from kiosk.filing.live_scan import TAKEN_ALREADY, LiveScan, Seen, Shot, make_page, same_page
from kiosk.filing.papers import PaperSet, PaperState
from kiosk.flows.camera_work import Post
from kiosk.flows.jobs import Jobs, JobSlot
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session, Slot
from kiosk.services.approval.views import CornersView, PapersState, PapersView

log = logging.getLogger(__name__)


@dataclass(eq=False)
class HeldShot:
    """The frame of the page under check (or being taken by hand): which
    page it makes (``index`` -1: a new page) and the corners it was made from."""

    shot: Shot = field(repr=False)
    code: str
    index: int
    corners: tuple[tuple[float, float], ...] | None = field(default=None, repr=False)


PAPERS: Slot[PaperSet] = Slot("approval.papers", drop=PaperSet.clear)
SHOT: Slot[HeldShot] = Slot("approval.papers.shot")
P = PapersState

INSET = 0.15   # the handles' start when the detector found no page: this share of the frame in from each side
REFUSED = {"no_page": ("页面在画面之外，请把四个角拖到纸张的四个角上",
                       "The page lies outside the view: drag the four corners onto the paper's corners")}


class PapersJob(enum.StrEnum):
    CORNERS = "corners"   # the page made again from the corners the resident set


def inset_rectangle(size: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    """Four corners (top-left first, clockwise) ``INSET`` in from the frame's sides."""
    w, h = size
    x0, y0, x1, y1 = w * INSET, h * INSET, w * (1 - INSET), h * (1 - INSET)
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _inside(corners: Any, size: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    w, h = size
    return tuple((min(max(float(x), 0.0), w - 1.0), min(max(float(y), 0.0), h - 1.0)) for x, y in corners)


def _refusal(code: str | None) -> tuple[str, str]:
    from drivers.camera.rectify import CORNER_WORDS

    return CORNER_WORDS.get(code or "") or REFUSED.get(code or "") or CORNER_WORDS["bad_corners"]


class PapersStep(FlowMachine[PapersState, PapersView]):
    """Intents: ``retake()``, ``more_pages()``, ``next_paper()``,
    ``dont_have()``, ``have_it()``, ``proceed()``; the camera's pages come
    through ``page_taken(data)``.  ``preview()`` is the newest camera frame
    and what the scan made of it, for the screen's live picture."""

    TRANSITIONS = {
        **{(s, "open"): P.LOOKING for s in P},
        **{(s, "open_ready"): P.READY for s in P},
        **{(s, "close"): P.CLOSED for s in P},
        (P.LOOKING, "page"): P.CHECKING,
        (P.CHECKING, "look"): P.LOOKING,
        (P.CHECKING, "next"): P.LOOKING,
        (P.LOOKING, "next"): P.LOOKING,
        (P.CHECKING, "ready"): P.READY,
        (P.LOOKING, "ready"): P.READY,
        (P.LOOKING, "missing"): P.CANNOT_FILE,
        (P.CHECKING, "missing"): P.CANNOT_FILE,
        (P.CANNOT_FILE, "found"): P.LOOKING,
        (P.CANNOT_FILE, "found_ready"): P.READY,
        (P.LOOKING, "camera_lost"): P.CAMERA_LOST,
        (P.CAMERA_LOST, "camera_back"): P.LOOKING,
        (P.CAMERA_LOST, "hand_in"): P.READY,
        (P.CHECKING, "adjust"): P.ADJUSTING,
        (P.LOOKING, "adjust"): P.ADJUSTING,
        (P.ADJUSTING, "adjusted"): P.CHECKING,
        (P.ADJUSTING, "back_to_check"): P.CHECKING,
        (P.ADJUSTING, "back_to_look"): P.LOOKING,
    }

    def __init__(self, session: Session, camera: Callable[[], Any], post: Post,
                 mode: Callable[[], Papers], on_done: Callable[[], None], jobs: Jobs):
        super().__init__(PapersView())
        self.session, self.mode, self.on_done = session, mode, on_done
        self.scan = LiveScan(camera, post, self.page_taken)
        self.job = JobSlot(jobs)
        self.subscribe(self._follow)

    def camera_changed(self, usable: bool) -> None:
        """The document camera stopped or came back (the terminal follows the device owner)."""
        if not usable and self.state is P.LOOKING and self.view.mode == Papers.SCAN.value:
            self._fire("camera_lost", checking=-1)
        elif usable and self.state is P.CAMERA_LOST:
            self._fire("camera_back")

    def hand_in(self) -> bool:
        """The camera is not working: the papers still to scan go to the counter today."""
        papers = self.paper_set
        if papers is None or self.state is not P.CAMERA_LOST:
            return False
        for material in papers.to_scan():
            papers.hand_in(material.code)
        return self._fire("hand_in", **self._views(papers, current_paper="", checking=-1, retaking=-1))

    @property
    def paper_set(self) -> PaperSet | None:
        return self.session.get(PAPERS)

    # -- opening and closing ------------------------------------------------------------
    def open(self, matter: Matter) -> None:
        """The step opens (after the form, or back from the review)."""
        papers = self.paper_set
        if papers is None or papers.matter is not matter:
            papers = self.session.put(PAPERS, PaperSet(matter, self.mode()))
        waiting = [m.code for m in papers.to_scan()]
        changes = self._views(papers, current_paper=waiting[0] if waiting else "", checking=-1, retaking=-1)
        if papers.blocking():
            self._fire("open", **changes)
            self._fire("missing")
        else:
            self._fire("open" if waiting else "open_ready", **changes)

    def close(self, drop: bool = False) -> None:
        """The step is left (``drop``: the filing is over, the pages go too)."""
        self.scan.stop()
        self.job.forget()
        self.session.pop(SHOT)
        if drop:
            self.session.pop(PAPERS)
        self._fire("close", papers=(), current_paper="", checking=-1, retaking=-1, complete=False, blocking=(),
                   bring_today=(), bring_later=(), mode="", can_adjust=False, adjusting=None)

    def _views(self, papers: PaperSet, **changes: Any) -> dict[str, Any]:
        return {"mode": papers.mode.value, "papers": papers.views(), "complete": papers.complete(), "can_adjust": False,
                "blocking": tuple(m.name for m in papers.blocking()),
                "bring_today": tuple(m.name for m in papers.bring_today()),
                "bring_later": tuple(m.name for m in papers.bring_later()), **changes}

    # -- the camera -----------------------------------------------------------------------
    def _follow(self, view: PapersView) -> None:
        if view.state not in (P.CHECKING, P.ADJUSTING) and self.session.get(SHOT) is not None:
            self.session.pop(SHOT)   # the page is accepted (or the step left): its frame goes
        paper = view.paper
        looking = view.state is P.LOOKING and view.mode == Papers.SCAN.value and paper is not None
        papers = self.paper_set
        if looking and paper is not None and papers is not None:
            retaking = (paper.code, view.retaking) if view.retaking >= 0 else None
            self.scan.aim(paper.scan_size, paper.enhance, papers.fingerprints(leave_out=retaking))
        self.scan.want(looking)

    def preview(self) -> tuple[Any, Seen]:
        """The camera's newest frame (None while it does not look) and the latest outline and words."""
        return self.scan.latest_frame(), self.scan.snapshot()

    def page_taken(self, data: bytes, fingerprint: Any = None, shot: Shot | None = None) -> bool:
        """A page the camera took of the current paper (again, when retaking);
        ``shot``: the frame it was taken from, kept for corners by touch."""
        papers, code = self.paper_set, self.view.current_paper
        if self.state is not P.LOOKING or papers is None or not code:
            return False
        index = self._store(papers, code, self.view.retaking, data, fingerprint)
        if index is None:
            return False
        if shot is not None:
            self.session.put(SHOT, HeldShot(shot, code, index, shot.corners))
        return self._fire("page", **self._views(papers, checking=index, retaking=-1, can_adjust=shot is not None))

    @staticmethod
    def _store(papers: PaperSet, code: str, index: int, data: bytes, fingerprint: Any) -> int | None:
        """Page ``index`` of ``code`` replaced, or (-1, or no such page) a page added: its index."""
        try:
            if 0 <= index < len(papers.pages.get(code, ())):
                papers.retake(code, index, data, fingerprint)
                return index
            papers.add_page(code, data, fingerprint)
        except (KeyError, ValueError, IndexError):
            return None
        return len(papers.pages[code]) - 1

    # -- corners by touch ------------------------------------------------------------------
    def adjust_corners(self) -> bool:
        """调整边角: the page under check's frame with its corners as four
        handles; while looking, the camera's newest frame, taken by hand (the
        detector found no page, or the wrong one)."""
        papers, code = self.paper_set, self.view.current_paper
        if papers is None or not code:
            return False
        if self.state is P.CHECKING:
            held = self.session.get(SHOT)
            if held is None or held.code != code or held.index != self.view.checking:
                return False
            start = held.shot.corners
            size = held.shot.size
            corners = held.corners or start
        elif self.state is P.LOOKING and self.view.mode == Papers.SCAN.value:
            frame, seen = self.scan.latest_frame(), self.scan.snapshot()
            if frame is None:
                return False
            h, w = frame.image.shape[:2]
            size = (int(w), int(h))
            sure = bool(seen.corners) and not seen.unsure and not seen.no_page
            start = _inside(seen.corners, size) if sure else None
            shot = Shot(frame.image.copy(), start)   # a copy: the camera reuses its frames
            self.session.put(SHOT, HeldShot(shot, code, self.view.retaking, start))
            corners = start
        else:
            return False
        start_at = _inside(start, size) if start else inset_rectangle(size)
        return self._fire("adjust", adjusting=CornersView(
            frame_size=size, corners=_inside(corners, size) if corners else start_at, start=start_at,
            guessed=start is None, new_page=self.state is P.LOOKING))

    def corner_frame(self) -> Any:
        """The frame being adjusted (BGR, frame pixels), for the screen; None otherwise."""
        held = self.session.get(SHOT)
        return held.shot.image if held is not None and self.state is P.ADJUSTING else None

    def _editing(self) -> CornersView | None:
        edit = self.view.adjusting
        return edit if self.state is P.ADJUSTING and edit is not None and not edit.working else None

    def move_corner(self, i: int, x: float, y: float) -> bool:
        """Handle ``i`` (0-3, in the order of ``adjusting.corners``) dragged to
        frame pixel (x, y); kept inside the frame."""
        edit = self._editing()
        if edit is None or not 0 <= i < 4:
            return False
        corners = list(edit.corners)
        corners[i] = _inside(((x, y),), edit.frame_size)[0]
        self._set(adjusting=replace(edit, corners=tuple(corners), problem=("", "")))
        return True

    def reset_corners(self) -> bool:
        """重置: the handles back where they started (the detector's corners)."""
        edit = self._editing()
        if edit is None:
            return False
        self._set(adjusting=replace(edit, corners=edit.start, problem=("", "")))
        return True

    def cancel_corners(self) -> bool:
        """取消: the page stays as it was (taken by hand: back to the live view)."""
        edit = self.view.adjusting
        if self.state is not P.ADJUSTING or edit is None:
            return False
        self.job.forget()
        if edit.new_page:
            return self._fire("back_to_look", adjusting=None)
        return self._fire("back_to_check", adjusting=None)

    def confirm_corners(self) -> bool:
        """确认: the outline checked (refused in words, the handles staying
        where they are), then the page made again from it as a job."""
        from drivers.camera.frames import ScanError
        from drivers.camera.rectify import check_corners

        edit, held, paper = self._editing(), self.session.get(SHOT), self.view.paper
        if edit is None or held is None or paper is None:
            return False
        w, h = edit.frame_size
        try:
            check_corners(edit.corners, (h, w))
        except ScanError as refused:
            self._set(adjusting=replace(edit, problem=_refusal(refused.code)))
            return False
        image, corners, size, enhance = held.shot.image, edit.corners, paper.scan_size, paper.enhance

        def run() -> tuple[str, Any, Any]:
            try:
                data, fingerprint = make_page(image, corners, size, enhance)
            except ScanError as refused:
                return "refused", refused.code, None
            except Exception as exc:   # a job never raises; no image data in the log
                log.error("corners by touch: the page could not be made: %s", type(exc).__name__)
                return "refused", "bad_corners", None
            return "made", data, fingerprint

        self._set(adjusting=replace(edit, working=True, problem=("", "")))
        self.job.start(PapersJob.CORNERS, run, self._corners_made)
        return True

    def _corners_made(self, outcome: tuple[str, Any, Any]) -> None:
        edit, held, papers = self.view.adjusting, self.session.get(SHOT), self.paper_set
        if self.state is not P.ADJUSTING or edit is None or held is None or papers is None:
            return
        what, data, fingerprint = outcome
        if what != "made":
            self._set(adjusting=replace(edit, working=False, problem=_refusal(data)))
            return
        others = papers.fingerprints(leave_out=(held.code, held.index))
        if any(same_page(fingerprint, known) for known in others):
            self._set(adjusting=replace(edit, working=False, problem=TAKEN_ALREADY))
            return
        index = self._store(papers, held.code, held.index, data, fingerprint)
        if index is None:
            self._set(adjusting=replace(edit, working=False, problem=_refusal("bad_corners")))
            return
        held.index, held.corners = index, edit.corners
        self._fire("adjusted", **self._views(papers, checking=index, retaking=-1, can_adjust=True, adjusting=None))

    # -- the resident's intents ------------------------------------------------------------
    def retake(self) -> bool:
        """The page on check is not clear: the camera takes it again."""
        return self._fire("look", retaking=self.view.checking, checking=-1, can_adjust=False)

    def more_pages(self) -> bool:
        """This paper has another page."""
        return self._fire("look", retaking=-1, checking=-1, can_adjust=False)

    def next_paper(self) -> bool:
        """This paper is done: the next one still to scan, or on to the review
        when every paper is done."""
        papers = self.paper_set
        if papers is None or self.state not in (P.LOOKING, P.CHECKING):
            return False
        waiting = [m.code for m in papers.to_scan() if m.code != self.view.current_paper]
        if waiting:
            return self._fire("next", **self._views(papers, current_paper=waiting[0], checking=-1, retaking=-1))
        if papers.complete():
            self.on_done()
            return True
        return self._fire("next", **self._views(papers, checking=-1, retaking=-1))

    def dont_have(self) -> PaperState | None:
        """"I don't have it with me" for the current paper: later, left out,
        or the matter cannot be filed today."""
        papers, code = self.paper_set, self.view.current_paper
        if papers is None or not code or self.state not in (P.LOOKING, P.CHECKING):
            return None
        state = papers.dont_have(code)
        waiting = [m.code for m in papers.to_scan()]
        changes = self._views(papers, current_paper=waiting[0] if waiting else "", checking=-1, retaking=-1)
        if state is PaperState.MISSING:
            self._fire("missing", **changes)
        elif waiting:
            self._fire("next", **changes)
        else:
            self._fire("ready", **changes)
        return state

    def have_it(self) -> bool:
        """The resident found the missing papers after all: scan them."""
        papers = self.paper_set
        if papers is None or self.state is not P.CANNOT_FILE:
            return False
        for material in papers.blocking():
            papers.have_it(material.code)
        waiting = [m.code for m in papers.to_scan()]
        changes = self._views(papers, current_paper=waiting[0] if waiting else "", checking=-1, retaking=-1)
        return self._fire("found" if waiting else "found_ready", **changes)

    def proceed(self) -> bool:
        """Continue from the list of papers for the counter: on to the review."""
        papers = self.paper_set
        if papers is None or self.state is not P.READY or not papers.complete():
            return False
        self.on_done()
        return True
