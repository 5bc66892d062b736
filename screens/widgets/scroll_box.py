"""Content that may be longer than its room: it scrolls, and the resident can see that it does.

An elderly resident does not guess that a list goes on below its last visible
line; a cut-off line looks like the end (the matter list showed one result,
a matter's guide stopped at "(original to the counter)" with the department,
the time limit and the fee out of sight).  Every place where content can be
taller than its room is a ``ScrollBox``:

* while the content fits it is laid out as it is and takes touches at once
  (no scrolling, so no scroll view holds a tap back);
* when it does not fit, a scroll bar wide enough to see (and drag) stays on
  screen, and a line under the content says so: "向下滑动查看更多 ▼ / More
  below" (at the end: "More above ▲").  The line takes room only while the
  content does not fit, measured against the whole box, so showing it never
  makes the content fit again (nothing flickers).

kv: declare the content inside ``ScrollBox`` as inside a ``ScrollView`` (one
child, ``size_hint_y: None``, ``height: self.minimum_height``).
``tests/screens/apps/layout_check.py`` finds the cue as ``scroll_cue``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from screens import theme


class ScrollBox(BoxLayout):
    overflows = BooleanProperty(False)   # the content is taller than the box: it scrolls, the cue shows
    at_end = BooleanProperty(False)      # scrolled to the bottom: the cue points up
    content = ObjectProperty(None, allownone=True)

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        """The box's own two parts (the view, the cue: its kv rule adds them
        first, before their ids exist); then the content, into the view."""
        if len(self.children) < 2:
            super().add_widget(widget, *args, **kwargs)
            return
        view = self.ids.view
        view.add_widget(widget, *args, **kwargs)
        self.content = widget
        widget.size_hint_x = None   # as wide as the view, less the bar while it shows
        widget.bind(height=self._measure)
        self._measure()

    def on_kv_post(self, base_widget: Any) -> None:
        view = self.ids.view
        view.bind(scroll_y=self._scrolled, width=self._measure, height=self._scrolled)
        view.bind(bar_inactive_color=self._recolour_bar)
        self.bind(height=self._measure)
        self._measure()

    def _recolour_bar(self, view: Any, colour: Any) -> None:
        """The palette changed (高对比): the bar takes the new colour at once.  A
        ScrollView fades its bar to the inactive colour after a touch; a fade
        running when the palette changed would end on the old colour."""
        from kivy.animation import Animation

        Animation.cancel_all(view, "_bar_color")
        view._bar_color = list(colour)

    @property
    def scroll_cue(self) -> Any:
        """The 'more below' line (the layout check looks for it)."""
        return self.ids.cue

    @property
    def view(self) -> Any:
        return self.ids.view

    def to_top(self) -> None:
        self.ids.view.scroll_y = 1

    def reveal(self, widget: Any) -> None:
        """Scroll ``widget`` (in the content) into view if none of it shows."""
        view = self.ids.view
        if not self.overflows or widget.parent is None:
            return
        bottom, top = widget.to_window(widget.x, widget.y)[1], widget.to_window(widget.x, widget.top)[1]
        view_bottom, view_top = view.to_window(view.x, view.y)[1], view.to_window(view.x, view.top)[1]
        if top <= view_bottom + 1 or bottom >= view_top - 1:
            view.scroll_to(widget, padding=theme.SPACING, animate=False)

    def show_whole(self, widget: Any) -> None:
        """Scroll so that all of ``widget`` (in the content) shows, a gap from
        the view's edges, clear of the cue: the row the resident works on, not
        half of it behind "More below".  A widget taller than the view shows
        from its top (its name first), the rest a swipe away.  Once laid out."""
        view, content = self.ids.view, self.content
        if widget.parent is None or content is None:
            return
        pending = getattr(content, "_trigger_layout", None)
        if pending is not None and pending.is_triggered:
            Clock.schedule_once(lambda _dt: self.show_whole(widget))
            return
        view_bottom = view.to_window(view.x, view.y)[1]
        view_top = view_bottom + view.height
        bottom = widget.to_window(widget.x, widget.y)[1]
        top = bottom + widget.height
        if bottom >= view_bottom - 0.5 and top <= view_top + 0.5:
            return   # whole already: nothing moves under the finger
        gap = theme.GAP
        if widget.height > view.height - 2 * gap or top > view_top:
            rise = view_top - gap - top            # its top under the view's top
        else:
            rise = view_bottom + gap - bottom      # its bottom over the view's bottom
        view.scroll_y = min(1.0, max(0.0, view.scroll_y - view.convert_distance_to_scroll(0, rise)[1]))

    def _measure(self, *_args: Any) -> None:
        view, content = self.ids.get("view"), self.content
        if view is None or content is None:
            return
        self.overflows = content.height > self.height + 1
        content.width = view.width - (theme.SCROLL_BAR_WIDTH + theme.SCROLL_BAR_GAP if self.overflows else 0)
        self._scrolled()

    def _scrolled(self, *_args: Any) -> None:
        view = self.ids.get("view")
        self.at_end = bool(self.overflows and view is not None and view.scroll_y <= 0.001)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
