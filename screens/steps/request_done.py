"""诉求反映: filed.  The request number large (the platform's, or this hut's
while it waits to be sent), the time limit for the answer (答复时限), the slip
and what to do with it; 重新打印 when the printer failed.  Renders
``RequestView`` in its done state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class RequestDoneScreen(StepScreen):
    steps = (Step.REQUEST_DONE,)
    number = StringProperty("")
    confirmed = BooleanProperty(False)
    limit_days = NumericProperty(0)
    slip = StringProperty("")
    anonymous = BooleanProperty(False)

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.number, self.confirmed, self.limit_days = view.number, view.confirmed, view.limit_days
        self.slip, self.anonymous = view.slip, view.anonymous

    def forget(self) -> None:
        super().forget()
        self.number = self.slip = ""
        self.confirmed = self.anonymous = False
        self.limit_days = 0
