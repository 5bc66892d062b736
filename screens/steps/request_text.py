"""诉求反映: what happened, typed on the pinyin keyboard with its candidate
bar, the topic's common phrases a tap away, at most 500 characters counted on
screen.  The flow keeps the text (``RequestView.text``): the keyboard starts
from it whenever the step shows again, so going back and forth loses nothing,
and a refusal (too long, emoji taken out) is said under the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from kiosk.flows.service import Step
from screens.catalog_text import pick
from screens.step_screen import StepScreen
from screens.widgets import pinyin_keyboard  # noqa: F401  (its kv rules)
from screens.widgets.request_choice import RequestChoice, with_engine

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

NOTICE_WORDS = {
    "empty": "Please describe what happened first",
    "too_long": "At most 500 characters. Please shorten it",
    "stripped": "Pictures and symbols the platform cannot take were left out",
}


class RequestTextScreen(StepScreen):
    steps = (Step.REQUEST_TEXT,)
    text = StringProperty("")
    count = NumericProperty(0)
    max_chars = NumericProperty(500)
    notice = StringProperty("")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._phrases: Any = None
        self._view: Any = None

    def on_kv_post(self, _base_widget: Any) -> None:
        keyboard = self.ids.keyboard
        keyboard.bind(text=self._typed)
        with_engine(lambda engine: setattr(keyboard, "engine", engine))

    def render(self, view: Any) -> None:
        if view is None:
            return
        self._view = view
        self.max_chars, self.count, self.notice = view.max_chars, view.count, NOTICE_WORDS.get(view.notice, "")
        self.text = view.text
        keyboard = self.ids.keyboard
        keyboard.max_length = view.max_chars
        if keyboard.text != view.text:
            keyboard.load(view.text)
        lang = App.get_running_app().lang
        key = (view.topic, lang)
        if key == self._phrases:
            return
        self._phrases = key
        box = self.ids.phrases
        box.clear_widgets()
        for phrase in view.topic.phrases if view.topic is not None else ():
            button = RequestChoice(text=pick(phrase.text, phrase.text_en, lang) if lang == "en" else phrase.text,
                                   key=phrase.text, halign="center")
            button.bind(on_release=lambda b: self.flow.insert_phrase(b.key) if self.flow else None)
            box.add_widget(button)

    def _typed(self, _keyboard: Any, value: str) -> None:
        if self.flow is not None and value != self.text:
            self.flow.set_text(value)

    def relabel(self) -> None:
        view, self._phrases = self._view, None
        if view is not None:
            self.render(view)

    def forget(self) -> None:
        super().forget()
        self._phrases = self._view = None
        self.ids.phrases.clear_widgets()
        self.ids.keyboard.clear()
        self.text = self.notice = ""
        self.count = 0
