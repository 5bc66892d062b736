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
"""

from __future__ import annotations

from typing import Any, Callable

from kiosk.devices.availability import Papers
from kiosk.filing.catalog import Matter
from kiosk.filing.live_scan import LiveScan, Seen
from kiosk.filing.papers import PaperSet, PaperState
from kiosk.flows.camera_work import Post
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session, Slot
from kiosk.services.approval.views import PapersState, PapersView

PAPERS: Slot[PaperSet] = Slot("approval.papers", drop=PaperSet.clear)
P = PapersState


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
    }

    def __init__(self, session: Session, camera: Callable[[], Any], post: Post,
                 mode: Callable[[], Papers], on_done: Callable[[], None]):
        super().__init__(PapersView())
        self.session, self.mode, self.on_done = session, mode, on_done
        self.scan = LiveScan(camera, post, self.page_taken)
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
        if drop:
            self.session.pop(PAPERS)
        self._fire("close", papers=(), current_paper="", checking=-1, retaking=-1, complete=False, blocking=(),
                   bring_today=(), bring_later=(), mode="")

    def _views(self, papers: PaperSet, **changes: Any) -> dict[str, Any]:
        return {"mode": papers.mode.value, "papers": papers.views(), "complete": papers.complete(),
                "blocking": tuple(m.name for m in papers.blocking()),
                "bring_today": tuple(m.name for m in papers.bring_today()),
                "bring_later": tuple(m.name for m in papers.bring_later()), **changes}

    # -- the camera -----------------------------------------------------------------------
    def _follow(self, view: PapersView) -> None:
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

    def page_taken(self, data: bytes, fingerprint: Any = None) -> bool:
        """A page the camera took of the current paper (again, when retaking)."""
        papers, code = self.paper_set, self.view.current_paper
        if self.state is not P.LOOKING or papers is None or not code:
            return False
        index = self.view.retaking
        try:
            if 0 <= index < len(papers.pages.get(code, ())):
                papers.retake(code, index, data, fingerprint)
            else:
                papers.add_page(code, data, fingerprint)
                index = len(papers.pages[code]) - 1
        except (KeyError, ValueError, IndexError):
            return False
        return self._fire("page", **self._views(papers, checking=index, retaking=-1))

    # -- the resident's intents ------------------------------------------------------------
    def retake(self) -> bool:
        """The page on check is not clear: the camera takes it again."""
        return self._fire("look", retaking=self.view.checking, checking=-1)

    def more_pages(self) -> bool:
        """This paper has another page."""
        return self._fire("look", retaking=-1, checking=-1)

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
