"""Filed: the number, the slip, and "please take your card and your slip".

While the application is being filed (a short, bounded wait for the
platform's number) the screen says so.  Then: online, the platform's
application number; offline, the local serial with the words that it will be
sent by itself.  When the slip cannot be printed (no printer, out of paper)
the number is shown large with "please note it down or photograph it", so a
resident never leaves without it.  The reminder to take the card stays up as
long as the reader still feels the card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.service import Step
from screens import theme
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class DoneScreen(StepScreen):
    """Renders the filing's ``SubmitStep`` while filing and after."""

    steps = (Step.SUBMIT, Step.DONE)
    state = StringProperty("")        # submitting | submit_failed | done
    number = StringProperty("")
    confirmed = BooleanProperty(False)
    slip = StringProperty("")         # printing | printed | note_number
    can_reprint = BooleanProperty(False)   # the slip did not print and the printer is back

    def on_kv_post(self, _base_widget: Any) -> None:
        # Six short blocks under one another: the smaller gap keeps them on a
        # landscape screen in large text too.
        self.ids.frame.ids.body.spacing = theme.GAP

    def render(self, view: Any) -> None:
        state = view.state.value
        if state not in ("submitting", "submit_failed", "done"):
            if self.state:
                self.forget()
            return
        self.state, self.number, self.confirmed, self.slip = state, view.number, view.confirmed, view.slip
        self.can_reprint = view.can_reprint

    def reprint(self) -> None:
        if self.flow is not None:
            self.flow.reprint()

    def try_again(self) -> None:
        if self.flow is not None:
            self.flow.submit()

    def forget(self) -> None:
        super().forget()
        self.can_reprint = False
        self.state = self.number = self.slip = ""
        self.confirmed = False
