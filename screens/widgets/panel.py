"""Panels a screen shows in some states and hides in others.

Kivy hands a touch to a transparent widget as to any other, and a disabled
widget swallows every touch that lands on it.  A hidden panel squeezed to no
height still lets its contents stick out of it, so "opacity 0 and disabled"
leaves an invisible lid over the buttons around it (the papers screen's
'take it again' and the frame's Home were dead under one).  A panel here,
when not ``shown``, is transparent and lets every touch pass by: neither it
nor anything in it takes one.  The screen's kv still sets its size for each
state.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget


class Hideable(Widget):
    """``shown`` False: drawn fully transparent and out of the way of touches."""

    shown = BooleanProperty(True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.bind(shown=self._show)
        self._show(self, self.shown)

    def _show(self, _instance: Any, shown: bool) -> None:
        self.opacity = 1 if shown else 0

    def on_touch_down(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_up(touch))


class Panel(Hideable, BoxLayout):
    pass


class GridPanel(Hideable, GridLayout):
    pass


class AnchorPanel(Hideable, AnchorLayout):
    pass
