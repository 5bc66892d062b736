"""Before starting: who may apply and which papers to have ready, so a
resident never finds out at the end that the visit was in vain (一次性办结).
"Print this guide" and "I have them, start" go to the approval flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty

import screens.widgets.matter_details  # noqa: F401  (the kv rules and PRINT_WORDS)
from kiosk.flows.service import Step
from screens.step_screen import StepScreen


class ConditionsScreen(StepScreen):
    steps = (Step.CONDITIONS,)
    matter = ObjectProperty(None, allownone=True)
    printing = StringProperty("")     # "" | printing | printed | failed | no_printer
    refusal_zh = StringProperty("")   # the card shows the resident cannot file it: why
    refusal_en = StringProperty("")

    def render(self, view: Any) -> None:
        """``view``: the approval flow's ApprovalView."""
        self.matter = view.matter
        self.printing = view.print_guide
        self.refusal_zh, self.refusal_en = view.refusal

    def forget(self) -> None:
        super().forget()
        self.matter = None
        self.printing = self.refusal_zh = self.refusal_en = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
