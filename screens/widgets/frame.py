"""The frame every screen sits in: the same header everywhere, then the screen's body.

An elderly resident should never hunt for the way out or for bigger text:
返回 (back, at the left edge) and 首页 (home, at the right edge: far
apart), the screen's title with "step 2 of 5", the language, the large-text
switch and the voice switch are in the same place on every screen.  Landscape puts them in one row; portrait (a window taller than
wide) gives the title its own row and the buttons a second one, so nothing is
squeezed.  Widgets a screen declares inside ``ScreenFrame`` in its kv rule go
into the body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens.widgets.bilingual import BigButton


class ToolButton(BigButton):
    """A header button: as wide as its words need, never under the minimum."""


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
                       for name in ("back", "home", "heading", "language", "large_text", "voice", "volume")}
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
        switches = [parts["large_text"], parts["voice"], parts["volume"]]
        if self.portrait:
            top, tools = [parts["heading"], parts["language"]], [*back, self._spacer, *switches, *home]
        else:
            top, tools = [*back, parts["heading"], parts["language"], *switches, *home], []
        for part in top:
            self.ids.top_row.add_widget(part)
        for part in tools:
            self.ids.tool_row.add_widget(part)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
