"""The frame every screen sits in: the same header everywhere, then the screen's body.

An elderly resident should never hunt for the way out, for bigger text or
for a person: 返回 (back, at the left edge) and 首页 (home, at the right
edge: far apart), the screen's title with "step 2 of 5", the language, the
large-text and high-contrast switches, the voice switch, the volume and
呼叫工作人员 (call staff, warm-coloured, beside 首页) are in the same place on
every screen.

A landscape window keeps the header to one row, whatever its width, so the
body keeps its height (1920 x 1080 and a low 1280 x 800 alike): 返回, the
title, 呼叫工作人员 and 首页 always; then, in this order, as many of 大字, the
language and the other switches as fit beside a title of at least
``theme.HEADING_MIN_WIDTH``; the rest behind one button, 更多设置 (more
settings), that opens them in a row under the header (``AidsMenu``; a touch
outside or 关闭 closes it).  Portrait (a window taller than wide) has the
height: 返回, the title, 呼叫工作人员 and 首页 in the first row, the language and
the switches in a second one (which wraps).  The frame's words keep their
size in large text, and each switch is as wide as its widest state: pressing
大字 or 高对比 moves none of its buttons.  In a window narrower than
``ONE_ROW_MIN_WIDTH`` its buttons' words are at the smallest text size.
Widgets a screen declares inside ``ScreenFrame`` in its kv rule go into the
body.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
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
        return _widest(tuple(states), lang, float(font_size), str(self.font_name))


@functools.lru_cache(maxsize=512)
def _widest(states: tuple[str, ...], lang: str, font_size: float, font_name: str) -> float:
    """``ToolButton.widest``, measured once per words, size and font: its kv rule asks
    again whenever the button's texture, the language or the text size changes, on every
    screen's header (24,000 times in one layout probe run: 4 of its 54 s under cProfile)."""
    from kivy.core.text.markup import MarkupLabel

    from screens.i18n import other_language, tr

    widths = [0.0]
    for msgid in states:
        label = MarkupLabel(text=BigButton.label_markup(tr(msgid, lang), tr(msgid, other_language(lang)), font_size),
                            font_size=font_size, font_name=font_name, halign="center", markup=True)
        label.refresh()
        widths.append(label.content_width)
    return max(widths)


class AidsMenu(ModalView):
    """The switches that do not fit in a landscape header, in a row (which
    wraps) right under it.  The frame moves its own switch widgets in here,
    so they work and look as in the header; the menu stays open while the
    resident tries them (大字 takes effect at once) until 关闭 or a touch
    outside it, which also does what it touched (the header's 首页, a
    switch, the screen: no dead first tap)."""

    frame: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            self.dismiss(animation=False)
            return False
        return bool(super().on_touch_down(touch))

    def _align_center(self, *_args: Any) -> None:
        """Under the header at the right edge, not in the middle of the window."""
        if self._is_open and self.frame is not None:
            header = self.frame.ids.top_row
            self.right = self._window.width - theme.PADDING / 2
            self.top = header.to_window(header.x, header.y)[1]


PARTS = ("back", "home", "heading", "language", "large_text", "contrast", "voice", "volume", "help", "aids")
# the order they keep their place in a landscape header: 大字 first, what an elderly resident looks for
SWITCHES = ("large_text", "language", "contrast", "voice", "volume")


class ScreenFrame(BoxLayout):
    title = StringProperty("")            # msgid of the screen's title
    navigation = BooleanProperty(True)    # 返回 and 首页 (the home screen has neither)
    back_enabled = BooleanProperty(True)  # 返回 shown but greyed where there is no way back (filed)
    home_enabled = BooleanProperty(True)  # 首页 greyed for the few seconds a filing waits for its number
    portrait = BooleanProperty(False)     # bound to app.portrait in the kv rule
    in_menu = ListProperty([])            # the switches behind 更多设置 now (names)

    def __init__(self, **kwargs: Any):
        self._spacer = Widget()
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        """The kv rules built the parts (ids exist only now): place them.
        ``ids`` holds weak proxies, and a part is briefly in no parent while
        it moves between rows: keep the widgets themselves."""
        self._parts = {name: self.ids[name].__self__ for name in PARTS}
        self.menu = AidsMenu()
        self.menu.frame = self
        for name, part in self._parts.items():
            if name != "heading":
                part.bind(width=self.on_width)   # a switch's words changed its width: the row may no longer do
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
        if self._layout() != getattr(self, "_arranged", None):
            self._arrange()

    def on_navigation(self, *_args: Any) -> None:
        self._arrange()

    def open_menu(self) -> None:
        """更多设置: the switches that are not in the header, under it."""
        if self.in_menu:
            self.menu.open(animation=False)

    def close_menu(self) -> None:
        self.menu.dismiss(animation=False)

    def _layout(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(the header's row, the portrait's second row, the menu), as part names."""
        parts = getattr(self, "_parts", {})
        back, home = (("back",), ("home",)) if self.navigation else ((), ())
        if self.portrait:   # the ways out either side of the title; the switches a row of their own
            return (*back, "heading", "help", *home), SWITCHES, ()
        if not parts or self.width <= 1:
            return (*back, "heading", *SWITCHES, "help", *home), (), ()
        room = self.width - theme.PADDING - theme.HEADING_MIN_WIDTH - theme.GAP
        room -= sum(parts[name].width + theme.GAP for name in (*back, "help", *home))
        if sum(parts[name].width + theme.GAP for name in SWITCHES) <= room:
            return (*back, "heading", *SWITCHES, "help", *home), (), ()
        room -= parts["aids"].width + theme.GAP
        fitting: list[str] = []
        for name in SWITCHES:   # in order: none jumps ahead of one that went into the menu
            if parts[name].width + theme.GAP > room:
                break
            room -= parts[name].width + theme.GAP
            fitting.append(name)
        return (*back, "heading", *fitting, "aids", "help", *home), (), SWITCHES[len(fitting):]

    def _arrange(self) -> None:
        parts = getattr(self, "_parts", None)
        if parts is None:
            return
        self._arranged = row, second, menu = self._layout()
        if tuple(self.in_menu) != menu:
            self.close_menu()
        for part in (*parts.values(), self._spacer):
            if part.parent is not None:
                part.parent.remove_widget(part)
        # 返回 at the left edge, 首页 at the right one: far apart, so a finger
        # meant for "one step back" never ends the visit.
        for name in row:
            self.ids.top_row.add_widget(parts[name])
        for name in second:
            self.ids.tool_row.add_widget(parts[name])
        for name in menu:   # before 关闭, which stays last
            self.menu.ids.switches.add_widget(parts[name], index=1)
        self.in_menu = list(menu)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
