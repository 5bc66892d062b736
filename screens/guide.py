"""办事指南: one matter's guide, read without identifying, printable.

Renders ``kiosk.flows.guide.GuideView``; "print" goes to the guide flow
through the app (which runs the print job off the UI thread).  Without a
printer the screen says so and suggests photographing it, never a print
button that cannot print.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

import screens.widgets.matter_details  # noqa: F401  (the kv rules and PRINT_WORDS)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class GuideScreen(Screen):
    service_title = StringProperty("")
    matter = ObjectProperty(None, allownone=True)
    printing = StringProperty("")
    can_print = BooleanProperty(False)

    def render(self, view) -> None:
        """``view``: the guide flow's GuideView."""
        self.matter = view.matter
        self.can_print = view.can_print
        self.printing = view.printing or ("" if view.can_print else "no_printer")
