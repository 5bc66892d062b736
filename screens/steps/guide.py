"""办事指南: one matter's guide, read without identifying, printable.

Renders ``kiosk.services.guide.GuideView``; "print" goes to the guide flow
(which prints on a job, off the UI thread).  Without a
printer the screen says so and suggests photographing it, never a print
button that cannot print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

import screens.widgets.matter_details  # noqa: F401  (the kv rules and PRINT_WORDS)
from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class GuideScreen(StepScreen):
    steps = (Step.GUIDE,)
    matter = ObjectProperty(None, allownone=True)
    printing = StringProperty("")
    can_print = BooleanProperty(False)

    def render(self, view: Any) -> None:
        """``view``: the guide flow's GuideView."""
        self.matter = view.matter
        self.can_print = view.can_print
        self.printing = view.printing or ("" if view.can_print else "no_printer")

    def forget(self) -> None:
        super().forget()
        self.matter = None
        self.printing = ""
