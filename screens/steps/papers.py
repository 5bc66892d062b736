"""The papers: each required paper under the camera, taken by itself when it is good.

Renders the filing's ``PapersStep`` (``kiosk.services.approval.papers_step``):
for the paper the step asks for, the live preview shows the camera's newest
frame with the page outline found on it (orange while a gate fails, green
while the page is held still), and under it the failed gate's words ("too
blurred: hold the page still").  The step takes the page by itself when every
gate has passed for a moment and shows it for checking: take it again, add
more pages, or go on.  "I don't have it with me" asks the step, which says
whether the matter can still be filed (bring it later) or not today.  With no
camera the screen lists the papers to hand in at the counter instead.

The camera work is the step's; this screen only draws its newest frame.
Pages are bytes held by the session; thumbnails decode them in memory.

调整边角 (corners by touch): on the page under check, or by hand while the
camera looks (the detector found no page, or the wrong one), the frame the
page is taken from is shown in a ``CornerEditor`` with four handles to drag;
确认 makes the page again from them, 重置 puts them back, 取消 keeps the page.
The frame is the step's (in memory for the visit); the editor's texture goes
when the editing ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.flows.service import Step
from screens.live_preview import LivePreview
from screens.step_screen import StepScreen
from screens.widgets import corner_editor, page_view  # noqa: F401  (their kv rules)
from screens.widgets.page_view import PageThumbnail

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class PapersScreen(LivePreview, StepScreen):
    steps = (Step.PAPERS,)
    mode = StringProperty("")             # scan | bring_to_counter
    state = StringProperty("")            # papers | cannot_file
    paper = ObjectProperty(None, allownone=True)   # the current PaperView
    paper_name = StringProperty("")
    paper_name_en = StringProperty("")
    pages = NumericProperty(0)            # pages of the current paper so far
    reviewing = NumericProperty(-1)       # index of the page being checked, -1 while the camera looks
    complete = BooleanProperty(False)
    gate_words = StringProperty("")
    gate_warns = BooleanProperty(False)   # a page lies there but a gate fails (orange); nothing there yet: plain words
    paper_number = NumericProperty(0)     # "paper 2 of 3"
    papers_total = NumericProperty(0)
    bring_today = ListProperty([])
    bring_later = ListProperty([])
    blocking = ListProperty([])
    camera_ready = BooleanProperty(False)
    can_adjust = BooleanProperty(False)   # the page on check can have its corners corrected (调整边角)
    # corners by touch: the outline refused (why, Chinese and English), the page being made again,
    # the handles started at a rectangle (the detector found no page)
    corner_problem = ListProperty(["", ""])
    corner_working = BooleanProperty(False)
    corner_guessed = BooleanProperty(False)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._shown_pages: tuple[Any, ...] = ()
        self._shown_review: Any = None
        self._shown_corner_frame: Any = None

    # -- the step's view ---------------------------------------------------------------
    def render(self, view: Any) -> None:
        """``view``: the papers step's PapersView."""
        self.state = view.state.value if view.state.value in ("cannot_file", "camera_lost", "adjusting") else "papers"
        self.paper_number, self.papers_total = view.position
        self.mode, self.complete = view.mode, view.complete
        self.bring_today, self.bring_later, self.blocking = list(view.bring_today), list(view.bring_later), \
            list(view.blocking)
        paper = view.paper
        self.paper = paper
        self.paper_name = paper.name if paper else ""
        self.paper_name_en = paper.name_en if paper else ""
        self.pages = len(paper.pages) if paper else 0
        self.reviewing = view.checking
        self.can_adjust = view.can_adjust
        self._show_pages()
        self._show_corners(view.adjusting)
        self._follow_camera(view.state.value == "looking")

    def _show_corners(self, edit: Any) -> None:
        """Corners by touch: the frame once, the handles as the step has them."""
        editor = self.ids.corners
        frame = self.flow.corner_frame() if edit is not None and self.flow is not None else None
        if frame is None:
            if self._shown_corner_frame is not None:
                editor.clear()
            self._shown_corner_frame = None
            self.corner_problem, self.corner_working, self.corner_guessed = ["", ""], False, False
            return
        if frame is not self._shown_corner_frame:
            editor.show(frame)
            self._shown_corner_frame = frame
        editor.corners = [list(c) for c in edit.corners]
        editor.refused = bool(edit.problem[0])
        self.corner_problem = list(edit.problem)
        self.corner_working, self.corner_guessed = edit.working, edit.guessed

    def _show_pages(self) -> None:
        """Thumbnails of the current paper's pages, or the page being checked large."""
        pages = tuple(self.paper.pages) if self.paper is not None else ()
        review = self.ids.review
        if 0 <= self.reviewing < len(pages):
            if pages[self.reviewing] is not self._shown_review:   # decoded once, not on every view
                review.show_bytes(pages[self.reviewing].jpeg, 900)
                self._shown_review = pages[self.reviewing]
        else:
            review.clear()
            self._shown_review = None
        if pages == self._shown_pages:
            return
        self._shown_pages = pages
        strip = self.ids.pages
        strip.clear_widgets()
        for page in pages:
            thumb = PageThumbnail(size_hint=(None, 1))
            thumb.width = strip.height * 0.75
            thumb.show_bytes(page.jpeg, 300)
            strip.add_widget(thumb)

    # -- the live picture ----------------------------------------------------------------
    def _newest_frame(self) -> tuple[Any, Any]:
        """The newest frame and what the detector sees in it (its words go under the picture at once)."""
        if self.flow is None:
            return None, None
        frame, seen = self.flow.preview()
        self.gate_words = "\n".join(seen.words) if not seen.steady else ""
        self.gate_warns = not seen.no_page
        return frame, seen

    def _preview_shows(self, frame: Any, seen: Any) -> None:
        self.ids.preview.show(frame.image, seen.corners or None, seen.steady)

    def _preview_cleared(self) -> None:
        self.gate_words = ""
        self.ids.preview.clear()

    # -- intents ----------------------------------------------------------------------
    def retake(self) -> None:
        if self.flow is not None:
            self.flow.retake()

    def more_pages(self) -> None:
        if self.flow is not None:
            self.flow.more_pages()

    def next_paper(self) -> None:
        """This paper is done: the next one, or on to the review when none is left."""
        if self.flow is not None:
            self.flow.next_paper()

    def dont_have(self) -> None:
        if self.flow is not None:
            self.flow.dont_have()

    def found_it(self) -> None:
        if self.flow is not None:
            self.flow.have_it()

    def proceed(self) -> None:
        if self.flow is not None:
            self.flow.proceed()

    def adjust_corners(self) -> None:
        """调整边角: the page's corners by touch (while looking: the frame taken by hand)."""
        if self.flow is not None:
            self.flow.adjust_corners()

    def move_corner(self, i: int, x: float, y: float) -> None:
        if self.flow is not None:
            self.flow.move_corner(i, x, y)

    def confirm_corners(self) -> None:
        if self.flow is not None:
            self.flow.confirm_corners()

    def reset_corners(self) -> None:
        if self.flow is not None:
            self.flow.reset_corners()

    def cancel_corners(self) -> None:
        if self.flow is not None:
            self.flow.cancel_corners()

    def hand_in(self) -> None:
        """The camera is not working: hand the papers in at the counter."""
        if self.flow is not None:
            self.flow.hand_in()

    def on_leave(self, *_args: Any) -> None:
        self._stop_preview()

    def forget(self) -> None:
        """The step was left: no page stays on screen."""
        self._stop_preview()
        super().forget()
        self.ids.pages.clear_widgets()
        self.ids.review.clear()
        self.ids.corners.clear()
        self._shown_pages = ()
        self._shown_review = self._shown_corner_frame = None
        self.can_adjust = False
        self.corner_problem, self.corner_working, self.corner_guessed = ["", ""], False, False
        self.paper = None
        self.state = self.mode = self.paper_name = self.paper_name_en = ""
        self.pages, self.reviewing = 0, -1
        self.bring_today, self.bring_later, self.blocking = [], [], []
