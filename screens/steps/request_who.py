"""诉求反映: who sends it.  By card (the default: the answer is then found
with the card at any hut), or, for a complaint or a report, anonymously: only
the slip's QR code finds it then, and the screen says so.  Renders
``RequestView`` in its who state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class RequestWhoScreen(StepScreen):
    steps = (Step.REQUEST_WHO,)
    anonymous_allowed = BooleanProperty(False)
    notice = StringProperty("")

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.anonymous_allowed = bool(view.type is not None and view.type.anonymous_allowed)
        self.notice = view.notice

    def forget(self) -> None:
        super().forget()
        self.anonymous_allowed = False
        self.notice = ""
