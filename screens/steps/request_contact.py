"""诉求反映: a contact phone, optional.  Typed on the keypad (the digits show
while they are typed), then masked everywhere (138****5678); the consent that
the department may call this number about the request is asked beside it.
Renders ``RequestView`` in its contact state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen
from screens.widgets import keypad  # noqa: F401  (its kv rules)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

NOTICE_WORDS = {
    "bad_phone": "This is not a phone number. Please check it",
    "consent_needed": "Please agree that the department may call this number, or touch Change to remove it",
}


class RequestContactScreen(StepScreen):
    steps = (Step.REQUEST_CONTACT,)
    entry = StringProperty("")
    masked = StringProperty("")
    consent = BooleanProperty(False)
    masked_name = StringProperty("")
    anonymous = BooleanProperty(False)
    notice = StringProperty("")

    def on_kv_post(self, _base_widget: Any) -> None:
        pad = self.ids.keypad
        pad.max_length = 12
        pad.bind(value=self._typed)

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.entry, self.masked, self.consent = view.phone_entry, view.phone_masked, view.phone_consent
        self.masked_name, self.anonymous = view.masked_name, view.anonymous
        self.notice = NOTICE_WORDS.get(view.notice, "")
        if self.ids.keypad.value != view.phone_entry:
            self.ids.keypad.value = view.phone_entry

    def _typed(self, _pad: Any, value: str) -> None:
        if self.flow is not None and value != self.entry:
            self.flow.set_phone_entry(value)

    def forget(self) -> None:
        super().forget()
        self.ids.keypad.value = ""
        self.entry = self.masked = self.masked_name = self.notice = ""
        self.consent = self.anonymous = False
