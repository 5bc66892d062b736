"""健康自测's first steps: who is measured, and the consent for health data.

``Step.HEALTH_START``: place the ID card or the social security card (read at
once, as progress does) so the results join the resident's health record,
or measure without identifying.  ``Step.CONSENT``: the masked name and ID
("this is me"), a consent an elderly resident reads in ten seconds (the voice
reads it), and two answers: agree, or measure without saving.  Renders
``kiosk.services.health.flow.HealthView``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen
from screens.steps.identify import card_trouble, code_offer

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

HEADLINES = {
    "id_card": "Place your ID card or social security card on the reader to keep the results in your health record",
    "social_security": "The ID card reader is not working. Place your social security card, or measure without "
                       "identifying",
    "counter": "No card can be read here now. You can measure without identifying",
}


class HealthStartScreen(StepScreen):
    steps = (Step.HEALTH_START, Step.CONSENT)
    state = StringProperty("who")
    headline = StringProperty(HEADLINES["id_card"])
    cards = StringProperty("")
    code = StringProperty("")      # 或出示电子身份证二维码 where a scanner works, or ""
    masked_name = StringProperty("")
    masked_id = StringProperty("")

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state = view.state.value
        self.headline = HEADLINES.get(view.identify_mode, HEADLINES["id_card"])
        self.masked_name, self.masked_id = view.masked_name, view.masked_id

    def render_cards(self, identify: Any) -> None:
        self.cards = card_trouble(identify) if self.state == "who" else ""
        self.code = code_offer(identify) if self.state == "who" and not self.cards else ""

    def forget(self) -> None:
        super().forget()
        self.masked_name = self.masked_id = self.cards = self.code = ""
        self.state = "who"
