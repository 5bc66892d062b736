"""进度查询: place a card or show the slip's QR code, then the resident's
applications with what each status means and what to do next.

Renders ``kiosk.services.progress.flow.ProgressView``; nothing about an application
is on screen before the flow has a proof (a card read, a slip's code).  The
headline is the step's spoken instruction (``kiosk.terminal.voice.instruction``), so
what the resident hears and reads never disagree.  The step reads cards inside
itself: two cards on the readers, or a card that could not be read, are said
under it in the identify step's words (``render_cards``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.service import Step
from kiosk.terminal.voice import instruction
from screens.step_screen import StepScreen
from screens.steps.identify import card_trouble

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

HEADLINES = {
    "querying": "Looking up your applications. Please wait a moment.",
    "not_a_slip": "This QR code is not from a hut slip. Please show the slip you were given here.",
}


class ProgressScreen(StepScreen):
    steps = (Step.PROGRESS,)
    state = StringProperty("closed")
    headline = StringProperty("")
    masked_name = StringProperty("")
    cards = StringProperty("")        # the cards' trouble, in the identify step's words (a msgid) or ""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._items: tuple = ()

    def render(self, view: Any) -> None:
        """``view``: the progress flow's ProgressView."""
        self.state = view.state.value
        self.masked_name = view.masked_name
        if view.hint:
            self.headline = HEADLINES[view.hint]
        elif self.state in HEADLINES:
            self.headline = HEADLINES[self.state]
        else:
            self.headline = instruction("progress", self.state) or ""
        if view.items != self._items:
            self._items = view.items
            self._list(App.get_running_app().lang)

    def render_cards(self, identify: Any) -> None:
        """Two cards on the readers, a card not read: the same words as the identify step."""
        self.cards = card_trouble(identify)

    def relabel(self) -> None:
        self._list(App.get_running_app().lang)

    def forget(self) -> None:
        super().forget()
        self._items = ()
        self.masked_name = self.cards = ""
        self.state = "closed"
        self.ids.item_list.clear_widgets()

    def _list(self, lang: str) -> None:
        box = self.ids.item_list
        box.clear_widgets()
        for item in self._items:
            en = lang == "en"
            card = Factory.StatusCard()
            for name, value in dict(
                matter=item.matter_en if en else item.matter, number=item.number,
                status=item.status_en if en else item.status_zh,
                meaning=item.meaning_en if en else item.meaning_zh,
                next_step=item.next_en if en else item.next_zh,
                second=" / ".join((item.status_zh, item.meaning_zh, item.next_zh)) if en else
                " / ".join((item.status_en, item.meaning_en, item.next_en)),
                finished=item.status == "办结", returned=item.status == "退回").items():
                setattr(card, name, value)  # kv-declared properties: set after construction
            box.add_widget(card)
        self.ids.item_scroll.to_top()
