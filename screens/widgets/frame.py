"""The frame every screen sits in: the same header everywhere, then the screen's body.

An elderly resident should never hunt for the way out, for bigger text or
for a person: 返回 (back, at the left edge) and 首页 (home, at the right
edge: far apart), the screen's title with "step 2 of 5", the language, the
large-text and high-contrast switches, the voice switch, the volume and
呼叫工作人员 (call staff, warm-coloured, beside 首页) are in the same place on
every screen.  Landscape puts them in one row; portrait (a window taller than
wide), a landscape screen narrower than ``theme.ONE_ROW_MIN_WIDTH``, or one
too narrow for the title beside the buttons' words keeps 返回, the title,
呼叫工作人员 and 首页 in the first row and gives the language and the
switches a second one (which wraps), so nothing is squeezed or pushed off the edge.
The frame's words keep their size in large text, and each switch is as wide
as its widest state: pressing 大字 or 高对比 moves none of its buttons.  In a
window narrower than ``ONE_ROW_MIN_WIDTH`` its buttons' words are at the
smallest text size, so the second row stays one row.
Widgets a screen declares inside ``ScreenFrame`` in its kv rule go into the
body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens import theme
from screens.widgets.bilingual import BigButton


class ToolButton(BigButton):
    """A header button: as wide as its words need, never under the minimum.

    A switch is as wide as the longest of its states' words (``states``: their
    msgids), so pressing it never changes its width: neither it nor the
    buttons beside it move from under the finger ("Large text: off" is
    wider than "Large text: on")."""

    states = ListProperty([])

    def widest(self, states: list[str], lang: str, font_size: float) -> float:
        """The width of the widest of ``states``' words as this button draws them."""
        from kivy.core.text.markup import MarkupLabel

        from screens.i18n import other_language, tr

        widths = [0.0]
        for msgid in states:
            label = MarkupLabel(text=self.label_markup(tr(msgid, lang), tr(msgid, other_language(lang)), font_size),
                                font_size=font_size, font_name=self.font_name, halign="center", markup=True)
            label.refresh()
            widths.append(label.content_width)
        return max(widths)


class ScreenFrame(BoxLayout):
    title = StringProperty("")            # msgid of the screen's title
    navigation = BooleanProperty(True)    # 返回 and 首页 (the home screen has neither)
    back_enabled = BooleanProperty(True)  # 返回 shown but greyed where there is no way back (filed)
    home_enabled = BooleanProperty(True)  # 首页 greyed for the few seconds a filing waits for its number
    portrait = BooleanProperty(False)     # bound to app.portrait in the kv rule

    def __init__(self, **kwargs: Any):
        self._spacer = Widget()
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        """The kv rules built the parts (ids exist only now): place them.
        ``ids`` holds weak proxies, and a part is briefly in no parent while
        it moves between rows: keep the widgets themselves."""
        self._parts = {name: self.ids[name].__self__
                       for name in ("back", "home", "heading", "language", "large_text", "contrast", "voice", "volume",
                                    "help")}
        for name, part in self._parts.items():
            if name != "heading":
                part.bind(width=self.on_width)   # a switch's words changed its width: one row may no longer do
        self._arrange()

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        """Children declared by a screen go into the body, below the header."""
        body = self.ids.get("body")
        if body is not None and widget is not body:
            body.add_widget(widget, *args, **kwargs)
        else:
            super().add_widget(widget, *args, **kwargs)

    def on_portrait(self, *_args: Any) -> None:
        self._arrange()

    def on_width(self, *_args: Any) -> None:
        if self._two_rows() != getattr(self, "_arranged_two_rows", None):
            self._arrange()

    def _two_rows(self) -> bool:
        """Portrait, or a landscape screen too narrow for the title beside the buttons (1280 x 800)."""
        if self.portrait:
            return True
        parts = getattr(self, "_parts", {})
        buttons = [part for name, part in parts.items()
                   if name != "heading" and (self.navigation or name not in ("back", "home"))]
        needed = sum(b.width + theme.GAP for b in buttons) + theme.PADDING + theme.HEADING_MIN_WIDTH
        return 0 < self.width < max(needed, theme.ONE_ROW_MIN_WIDTH)

    def on_navigation(self, *_args: Any) -> None:
        self._arrange()

    def _arrange(self) -> None:
        parts = getattr(self, "_parts", None)
        if parts is None:
            return
        for part in (*parts.values(), self._spacer):
            if part.parent is not None:
                part.parent.remove_widget(part)
        # 返回 at the left edge, 首页 at the right one: far apart, so a finger
        # meant for "one step back" never ends the visit.
        back, home = ([parts["back"]], [parts["home"]]) if self.navigation else ([], [])
        switches = [parts["large_text"], parts["contrast"], parts["voice"], parts["volume"]]
        self._arranged_two_rows = two_rows = self._two_rows()
        if two_rows:   # the ways out either side of the title; the switches a row of their own
            top, tools = [*back, parts["heading"], parts["help"], *home], [parts["language"], *switches]   # wraps
        else:
            top, tools = [*back, parts["heading"], parts["language"], *switches, parts["help"], *home], []
        for part in top:
            self.ids.top_row.add_widget(part)
        for part in tools:
            self.ids.tool_row.add_widget(part)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
