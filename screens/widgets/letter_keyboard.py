"""A large a-z keyboard for searching a matter by its pinyin initials ("dbsq").

Letters only, in an even grid; the screen puts Delete and Clear beside what
was typed, where the resident looks to see the effect.

Alphabetical, not QWERTY: most elderly residents have never typed, and
finding a letter in order is easier than learning a layout.  It only edits
``value``; the flow searches.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from screens import theme


class LetterKeyboard(GridLayout):
    value = StringProperty("")
    max_length = NumericProperty(12)

    def on_kv_post(self, base_widget: Any) -> None:
        from kivy.factory import Factory

        for letter in string.ascii_lowercase:
            key = Factory.LetterKey(text=letter)
            key.bind(on_release=lambda k: self.press(k.text))
            self.add_widget(key)

    def press(self, key: str) -> None:
        if key == "delete":
            self.value = self.value[:-1]
        elif key == "clear":
            self.value = ""
        elif len(key) == 1 and key in string.ascii_lowercase and len(self.value) < self.max_length:
            self.value += key

    @staticmethod
    def columns(portrait: bool, room: float = 0) -> int:
        """Ten keys a row in landscape, seven in portrait (1080 px wide), fewer
        when the room beside the categories is narrower (1280 x 800)."""
        wanted = 7 if portrait else 10
        if room <= 0:
            return wanted
        return max(4, min(wanted, int((room + theme.MIN_GAP) // (theme.KEY_SIZE + theme.MIN_GAP))))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
