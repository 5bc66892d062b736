"""The papers: each required paper under the camera, taken by itself when it is good.

For the paper the flow asks for, the live preview shows the camera's newest
frame with the page outline found on it (orange while a gate fails, green
while the page is held still), and under it the failed gate's words
("too blurred: hold the page still").  When every gate has passed for a
moment the page is taken (``screens.live_scan``) and shown for review:
retake it, add more pages, or go on.  "I don't have it with me" asks the
flow, which says whether the matter can still be filed (bring it later) or
not today.  With no camera the screen lists the papers to hand in at the
counter instead.

Pages are bytes held by the flow's session; thumbnails decode them in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens.live_scan import LiveScan
from screens.widgets import page_view  # noqa: F401  (its kv rules)
from screens.widgets.page_view import PageThumbnail

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PREVIEW_FPS = 30


class PapersScreen(Screen):
    mode = StringProperty("")             # scan | bring_to_counter
    state = StringProperty("")            # the flow's state: papers | cannot_file
    paper = ObjectProperty(None, allownone=True)   # the current PaperView
    paper_name = StringProperty("")
    paper_name_en = StringProperty("")
    pages = NumericProperty(0)            # pages of the current paper so far
    reviewing = NumericProperty(-1)       # index of the page on review, -1 while the camera looks
    complete = BooleanProperty(False)
    gate_words = StringProperty("")
    bring_today = ListProperty([])
    bring_later = ListProperty([])
    blocking = ListProperty([])
    camera_ready = BooleanProperty(False)

    def __init__(self, flow: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.flow = flow
        self.scan: LiveScan | None = None
        self._tick = None
        self._shown_seq = -1
        self._retaking = -1
        if flow is not None:
            flow.subscribe(self.render)

    # -- the flow's view -------------------------------------------------------------
    def render(self, view: Any) -> None:
        state = view.state.value
        if state not in ("papers", "cannot_file"):
            if self.state:
                self.forget()
            return
        self.state, self.mode = state, view.papers_mode
        self.complete = view.papers_complete
        self.bring_today, self.bring_later, self.blocking = list(view.bring_today), list(view.bring_later), \
            list(view.blocking)
        paper = next((p for p in view.papers if p.code == view.current_paper), None)
        changed = (paper is None) != (self.paper is None) or (paper is not None and paper.code != self.paper.code)
        self.paper = paper
        self.paper_name = paper.name if paper else ""
        self.paper_name_en = paper.name_en if paper else ""
        self.pages = len(paper.pages) if paper else 0
        if changed:
            self.reviewing = -1
        self._show_pages(view.papers)
        self._update_camera()

    def _show_pages(self, papers: Any) -> None:
        """Thumbnails of the current paper's pages, or the page under review large."""
        strip = self.ids.pages
        strip.clear_widgets()
        if self.paper is None:
            return
        for page in self.paper.pages:
            thumb = PageThumbnail(size_hint=(None, 1))
            thumb.width = strip.height * 0.75
            thumb.show_bytes(page.jpeg, 300)
            strip.add_widget(thumb)
        review = self.ids.review
        if 0 <= self.reviewing < len(self.paper.pages):
            review.show_bytes(self.paper.pages[self.reviewing].jpeg, 900)
        else:
            review.clear()

    # -- the camera ------------------------------------------------------------------
    def camera(self) -> Any:
        app = App.get_running_app()
        return app.owner.first_of_kind("camera") if app is not None else None

    def _update_camera(self) -> None:
        looking = (self.manager is not None and self.manager.current == self.name and self.state == "papers"
                   and self.mode == "scan" and self.paper is not None and self.reviewing < 0)
        if looking and self.scan is None:
            camera = self.camera()
            if camera is None:
                return
            self.scan = LiveScan(camera, self.paper.scan_size, self.paper.enhance,
                                 on_page=lambda data: Clock.schedule_once(lambda _dt: self._page_taken(data)),
                                 blur_threshold=getattr(getattr(camera, "options", None), "blur_threshold", None))
            self.scan.start()
            self._tick = Clock.schedule_interval(self._show_frame, 1 / PREVIEW_FPS)
        elif looking and self.scan is not None:
            self.scan.size, self.scan.enhance = self.paper.scan_size, self.paper.enhance
            self.scan.rearm()
        elif not looking:
            self._stop_camera()

    def _stop_camera(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if self.scan is not None:
            self.scan.stop()
            self.scan = None
        self._shown_seq = -1
        self.camera_ready = False
        self.gate_words = ""
        self.ids.preview.clear()

    def _show_frame(self, _dt: float) -> None:
        if self.scan is None:
            return
        camera = self.scan.camera
        frame = camera.latest()
        seen = self.scan.snapshot()
        self.gate_words = "\n".join(seen.words) if not seen.steady else ""
        if frame is None or frame.seq == self._shown_seq:
            return
        self._shown_seq = frame.seq
        self.camera_ready = True
        self.ids.preview.show(frame.image, seen.corners or None, seen.steady)

    def _page_taken(self, data: bytes) -> None:
        if self.flow is None or self.paper is None or self.scan is None:
            return
        code = self.paper.code
        if 0 <= self._retaking < self.pages:
            index = self._retaking
            ok = self.flow.retake(code, index, data)
        else:
            index = self.pages
            ok = self.flow.add_page(code, data)
        self._retaking = -1
        if ok:
            self.reviewing = index
            self._stop_camera()
            self._show_pages(())
            self.render(self.flow.view)

    # -- intents ----------------------------------------------------------------------
    def retake(self) -> None:
        """Take the page on review again."""
        self._retaking, self.reviewing = self.reviewing, -1
        self.render(self.flow.view)

    def more_pages(self) -> None:
        self._retaking, self.reviewing = -1, -1
        self.render(self.flow.view)

    def next_paper(self) -> None:
        """This paper is done: the next one, or on to the review when none is left."""
        self.reviewing = -1
        if self.flow is None:
            return
        self.flow.next_paper()
        if self.flow.view.papers_complete and not self.flow.view.current_paper:
            self.flow.papers_done()

    def dont_have(self) -> None:
        if self.flow is not None and self.paper is not None:
            self.reviewing = -1
            self.flow.dont_have(self.paper.code)

    def found_it(self) -> None:
        if self.flow is not None and self.flow.view.blocking:
            missing = [p.code for p in self.flow.view.papers if p.state.value == "missing"]
            for code in missing:
                self.flow.have_it(code)

    def proceed(self) -> None:
        if self.flow is not None:
            self.flow.papers_done()

    def on_enter(self, *_args: Any) -> None:
        if self.flow is not None:
            self.render(self.flow.view)

    def on_leave(self, *_args: Any) -> None:
        self._stop_camera()

    def forget(self) -> None:
        """The visit ended or moved on: the camera stops, no page stays on screen."""
        self._stop_camera()
        self.ids.pages.clear_widgets()
        self.ids.review.clear()
        self.paper = None
        self.state = self.mode = self.paper_name = self.paper_name_en = ""
        self.pages, self.reviewing, self._retaking = 0, -1, -1
        self.bring_today, self.bring_later, self.blocking = [], [], []
