"""A pinyin keyboard with a candidate bar, for the few free-text fields.

Letters in alphabetical order (many elderly residents never learnt QWERTY)
and Delete, nine to a row on a landscape screen and seven on a portrait
one, so every key stays wider than a fingertip.  The letters typed so far
are the pinyin being composed; the candidate bar shows what the candidate engine (kiosk/,
full pinyin or initials: "dbsq" -> 低保申请) makes of them, and a tap on a
candidate adds it to ``text`` and consumes the letters it stands for
(``kiosk.terminal.typing_pinyin.Composer``).  The engine is handed in (it is built
once, in the background, at start-up) so the widget holds no dictionary.
"""

from __future__ import annotations

import string
from pathlib import Path

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from kiosk.terminal.typing_pinyin import Composer
from screens import theme
from screens.widgets import keypad  # noqa: F401  (the PadKey rule the letter keys use)
from screens.widgets.bilingual import BigButton

LETTERS = string.ascii_lowercase
CANDIDATES_SHOWN = 5


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
    shown = NumericProperty(CANDIDATES_SHOWN)   # candidates on the bar: fewer on a narrow screen
    engine = ObjectProperty(None, allownone=True)   # kiosk.terminal.typing_pinyin.PinyinEngine

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.composer: Composer | None = None
        self._all: list[str] = []
        self.letter_keys: dict[str, Widget] = {}
        self.candidate_buttons: list[Widget] = []
        self.bind(page=self._show_page, width=self._fit)

    def on_kv_post(self, _base_widget: Widget) -> None:
        """The keys, once the kv rule made the rows they go in."""
        if self.letter_keys:
            return
        for key in LETTERS:
            button = Factory.PadKey(text=key)
            button.bind(on_release=lambda b: self.letter(b.text))
            self.ids.letters.add_widget(button)
            self.letter_keys[key] = button
        # The 27th key: 26 letters and Delete fill three rows of nine.  Its words keep
        # their size in large text (the letters are large already): 大字's "Delete"
        # is wider than a key where the keyboard shares the screen with the text.
        self.delete_key = BigButton(msgid="Delete", size_hint=(1, None), scales=False)
        self.delete_key.bind(on_release=lambda _b: self.delete())
        self.ids.letters.add_widget(self.delete_key)
        for index in range(CANDIDATES_SHOWN):
            button = CandidateButton(index=index, keyboard=self)
            button.bind(on_release=lambda b: self.choose(b.index))
            self.ids.bar.add_widget(button, index=3)   # after the pinyin, before the spacer
            self.candidate_buttons.append(button)

    def on_engine(self, *_args) -> None:
        """The engine is built in the background: letters typed before it was
        ready are looked up as soon as it is."""
        self._start(self.text, self.composing)

    def on_max_length(self, *_args) -> None:
        if self.composer is not None:
            self.composer.max_length = int(self.max_length)

    def _start(self, text: str, letters: str) -> None:
        self.composer = Composer(self.engine, text, int(self.max_length)) if self.engine is not None else None
        if self.composer is not None:
            for letter in letters:
                self.composer.type(letter)
        self._sync()

    def _sync(self) -> None:
        composer = self.composer
        if composer is None:
            self._all = []
        else:
            self.text, self.composing = composer.text, composer.letters
            self._all = [c.text for c in composer.candidates]
        self.pages = (len(self._all) + int(self.shown) - 1) // int(self.shown)
        if self.page != 0:
            self.page = 0   # _show_page runs through the binding
        else:
            self._show_page()

    # -- the keys ------------------------------------------------------------------
    def letter(self, key: str) -> None:
        if key not in LETTERS:
            return
        if self.composer is None:
            self.composing = (self.composing + key)[:32]
            return
        self.composer.type(key)
        self._sync()

    def delete(self) -> None:
        """The last pinyin letter while composing, otherwise the last character."""
        if self.composer is None:
            if self.composing:
                self.composing = self.composing[:-1]
            else:
                self.text = self.text[:-1]
            return
        self.composer.backspace()
        self._sync()

    def choose(self, index: int) -> None:
        """A candidate on the bar: its words are added, its letters consumed."""
        if self.composer is not None and 0 <= index < len(self.candidates):
            self.composer.pick(int(self.page) * int(self.shown) + index)
            self._sync()

    def append(self, words: str) -> None:
        """Words added whole (a common phrase)."""
        if self.composer is None:
            self.text = (self.text + words)[: int(self.max_length)]
            return
        self.composer.append(words)
        self._sync()

    def turn(self, delta: int) -> None:
        self.page = min(max(0, self.page + delta), max(0, self.pages - 1))

    def load(self, text: str) -> None:
        """Start from ``text`` (what the resident typed before, kept by the flow), nothing composed."""
        if text != self.text or self.composing:
            self.text, self.composing = text, ""
            self._start(text, "")

    def clear(self) -> None:
        """Nothing typed, nothing composed (a new field, or the visit ended)."""
        self.text = self.composing = ""
        self._start("", "")

    def _fit(self, *_args) -> None:
        shown = CANDIDATES_SHOWN if self.width >= 12 * theme.KEY_SIZE else 3
        if shown != self.shown:
            self.shown = shown
            self._sync()

    def _show_page(self, *_args) -> None:
        start = int(self.page) * int(self.shown)
        self.candidates = self._all[start:start + int(self.shown)]

    def columns(self, width: float) -> int:
        """Nine letters a row when they fit at the theme's size, otherwise seven."""
        key = theme.KEY_SIZE + theme.GAP
        return 9 if width >= 9 * key else 7


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
