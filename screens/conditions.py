"""Before starting: who may apply and which papers to have ready, so a
resident never finds out at the end that the visit was in vain (一次性办结).
"Print this guide" and "I have them, start" go to the approval flow."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

import screens.widgets.matter_details  # noqa: F401  (the kv rules and PRINT_WORDS)


class ConditionsScreen(Screen):
    service_title = StringProperty("")
    matter = ObjectProperty(None, allownone=True)
    printing = StringProperty("")

    def render(self, view) -> None:
        """``view``: the approval flow's ApprovalView."""
        self.matter = view.matter
        if view.print_guide or self.printing != "no_printer":
            self.printing = view.print_guide

    def no_printer(self) -> None:
        """"Print" was pressed but no printer can print now."""
        self.printing = "no_printer"


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
