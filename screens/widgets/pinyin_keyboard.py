"""A pinyin keyboard with a candidate bar, for the few free-text fields.

Letters in alphabetical order (many elderly residents never learnt QWERTY),
nine to a row on a landscape screen and seven on a portrait one, so every
key stays wider than a fingertip.  The letters typed so far are the pinyin
being composed; the candidate bar shows what the candidate engine (kiosk/,
full pinyin or initials: "dbsq" -> 低保申请) makes of them, and a tap on a
candidate appends it to ``text``.  The engine is handed in as a callable so
the widget holds no dictionary.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Callable, Sequence

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from screens import theme
from screens.widgets import keypad  # noqa: F401  (the PadKey rule the letter keys use)

LETTERS = string.ascii_lowercase
CANDIDATES_SHOWN = 6

Engine = Callable[[str], Sequence[str]]


class CandidateButton(Button):
    index = NumericProperty(0)
    keyboard = ObjectProperty(None, allownone=True)


class PinyinKeyboard(BoxLayout):
    text = StringProperty("")          # what the field holds
    composing = StringProperty("")     # the pinyin letters not yet turned into characters
    candidates = ListProperty([])      # the page of candidates on the bar
    page = NumericProperty(0)
    pages = NumericProperty(0)
    max_length = NumericProperty(200)
    engine: Engine | None = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._all: list[str] = []
        self.bind(composing=self._lookup, engine=self._lookup, page=self._show_page)
        self.letter_keys: dict[str, Widget] = {}
        for key in LETTERS:
            button = Factory.PadKey(text=key)
            button.bind(on_release=lambda b: self.letter(b.text))
            self.ids.letters.add_widget(button)
            self.letter_keys[key] = button
        self.candidate_buttons: list[Widget] = []
        for index in range(CANDIDATES_SHOWN):
            button = CandidateButton(index=index, keyboard=self)
            button.bind(on_release=lambda b: self.choose(b.index))
            self.ids.bar.add_widget(button, index=3)   # after the pinyin, before the spacer
            self.candidate_buttons.append(button)

    def letter(self, key: str) -> None:
        if key in LETTERS and len(self.composing) < 30:
            self.composing += key

    def delete(self) -> None:
        """The last pinyin letter while composing, otherwise the last character."""
        if self.composing:
            self.composing = self.composing[:-1]
        else:
            self.text = self.text[:-1]

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.candidates):
            self.append(self.candidates[index])
            self.composing = ""

    def append(self, words: str) -> None:
        self.text = (self.text + words)[: int(self.max_length)]

    def turn(self, delta: int) -> None:
        self.page = min(max(0, self.page + delta), max(0, self.pages - 1))

    def clear(self) -> None:
        self.composing = ""
        self.text = ""

    def _lookup(self, *_args) -> None:
        found = list(self.engine(self.composing)) if self.engine is not None and self.composing else []
        self._all = found
        self.pages = (len(found) + CANDIDATES_SHOWN - 1) // CANDIDATES_SHOWN
        if self.page != 0:
            self.page = 0   # _show_page runs through the binding
        else:
            self._show_page()

    def _show_page(self, *_args) -> None:
        start = int(self.page) * CANDIDATES_SHOWN
        self.candidates = self._all[start:start + CANDIDATES_SHOWN]

    def columns(self, width: float) -> int:
        """Nine letters a row when they fit at the theme's size, otherwise seven."""
        key = theme.KEY_SIZE + theme.GAP
        return 9 if width >= 9 * key else 7


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
