"""The identify screen: "please place your ID card on the reader".

It only renders ``kiosk.flows.identify.IdentifyFlow``'s view (state, masked
name and ID, whether the reader is there); the rules live in the flow, which
the terminal feeds with reader events.  The record itself never reaches this
screen: it shows only what the flow masked.  Continue is the terminal's
(``continue_``): the identity goes to the service that asked for it.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from kiosk.flows.identify import IdentifyState, IdentifyView
from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

INSTRUCTIONS = {
    # Not on screen while closed; the text is the one the next opening starts with.
    IdentifyState.CLOSED.value: "Please place your ID card on the reader",
    IdentifyState.WAITING.value: "Please place your ID card on the reader",
    IdentifyState.READING.value: "Reading your card. Please keep it still.",
    IdentifyState.IDENTIFIED.value: "Please check that this is you, then press Continue.",
    IdentifyState.FAILED.value: "The card could not be read. Please place it on the reader again.",
    IdentifyState.READER_UNAVAILABLE.value: "The card reader is not available. Please ask the hut staff for help.",
    IdentifyState.CARD_NOT_ACCEPTED.value: "This service needs your ID card. The social security card cannot be used here.",
    IdentifyState.TWO_CARDS.value: "There is a card on each reader. Please take one away: one card at a time.",
}
# Two cards: the words name the card to take away (the view's ``other_card``).
TAKE_AWAY_WORDS = {
    "social_security_card": "There is a card on each reader. Please take the social security card away: "
                            "one card at a time.",
    "id_card": "There is a card on each reader. Please take the ID card away: one card at a time.",
}
# The e-ID code at the scanner under the screen (kiosk/identity_codes.py): the offer,
# and what became of a code shown (the view's ``code_state``).
CODE_WORDS = {
    "": "Or show your e-ID code to the scanner below the screen",
    "verifying": "Checking your code. Please wait.",
    "expired": "The code is only valid for one minute. Please refresh it on your phone and show it again.",
    "used": "This code has been used already. Please refresh it on your phone and show it again.",
    "unknown": "This code could not be recognised. Please show your e-ID code again or use your card.",
    "not_id": "This is not an e-ID code. Please open your e-ID code on your phone, or use your card.",
    "failed": "Your code could not be checked just now. Please show it again or use your card.",
    "not_accepted": "This service cannot use this code. Please use your ID card.",
    "offline": "Identification by e-ID code is not available now. Please use your card.",
}
CODE_TROUBLES = frozenset(CODE_WORDS) - {"", "verifying"}
# The states in which a code may still be shown (nobody identified yet).
CODE_STATES = ("waiting", "failed", "reader_unavailable", "card_not_accepted")


def code_words(view: IdentifyView | None) -> str:
    """The code hint's words (a msgid), or "" when no code is offered here."""
    if view is None or not view.code_mode or view.state.value not in CODE_STATES:
        return ""
    if view.code_mode == "offline":
        return CODE_WORDS["offline"]
    return CODE_WORDS.get(view.code_state, CODE_WORDS[""])


def code_offer(view: IdentifyView | None) -> str:
    """For steps that read a card inside themselves (progress, health): the
    code's offer (or "not available now") while nothing is wrong, else ""."""
    return code_words(view) if view is not None and view.code_state == "" else ""


# The cards' troubles a step that reads cards inside itself (progress) shows too.
CARD_TROUBLES = (IdentifyState.FAILED.value, IdentifyState.CARD_NOT_ACCEPTED.value, IdentifyState.TWO_CARDS.value)


def card_words(view: IdentifyView | None) -> str:
    """The identify step's words (a msgid) for the flow's view."""
    if view is None:
        return INSTRUCTIONS[IdentifyState.CLOSED.value]
    if view.state is IdentifyState.TWO_CARDS:
        return TAKE_AWAY_WORDS.get(view.other_card, INSTRUCTIONS[IdentifyState.TWO_CARDS.value])
    return INSTRUCTIONS[view.state.value]


def card_trouble(view: IdentifyView | None) -> str:
    """What is wrong with the cards on the readers, in the identify step's
    words (a msgid), or "": for steps that read a card inside themselves.
    A code shown to the scanner there is answered here too (being checked,
    or why it identified nobody), so nobody waits on a silent screen."""
    if view is None:
        return ""
    if view.state.value in CARD_TROUBLES:
        return card_words(view)
    if view.code_state in CODE_TROUBLES or view.code_state == "verifying":
        return CODE_WORDS[view.code_state]
    return ""


class IdentifyScreen(StepScreen):
    steps = (Step.IDENTIFY,)
    state = OptionProperty(IdentifyState.CLOSED.value, options=list(INSTRUCTIONS))
    instruction = StringProperty(INSTRUCTIONS[IdentifyState.CLOSED.value])
    masked_name = StringProperty("")
    masked_id = StringProperty("")
    reader_available = BooleanProperty(False)
    code_hint = StringProperty("")        # "" : no code offered here (no scanner, or the service takes none)
    code_trouble = BooleanProperty(False)

    def on_state(self, _instance, value: str) -> None:
        self.instruction = INSTRUCTIONS[value]

    def render(self, view: IdentifyView) -> None:
        """Show the flow's current value (called by the app on every change)."""
        self.masked_name = view.masked_name
        self.masked_id = view.masked_id
        self.reader_available = view.reader_available
        self.state = view.state.value
        self.instruction = card_words(view)
        self.code_hint = code_words(view)
        # a refusal in the warning colour; "not available now" alone is a plain notice
        self.code_trouble = bool(self.code_hint) and view.code_state in CODE_TROUBLES

    def forget(self) -> None:
        super().forget()
        self.masked_name = self.masked_id = self.code_hint = ""
        self.code_trouble = False
        self.state = IdentifyState.CLOSED.value
