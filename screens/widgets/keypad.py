"""A numeric keypad with keys large enough for an unsteady finger.

Phone numbers and other digit fields are typed here instead of on the
system keyboard (a kiosk has none, and its on-screen one has small keys).
The keypad only edits ``value``; whether the number is acceptable is the
field's rule (``FormField.problem``), shown by the form.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

DIGITS = "123456789"


class NumericKeypad(GridLayout):
    """``1..9``, then the decimal point (for amounts), ``0`` and Delete;
    ``value`` is what was typed."""

    value = StringProperty("")
    max_length = NumericProperty(20)
    decimal = BooleanProperty(False)   # the field takes amounts: the "." key works
    letter_x = BooleanProperty(False)  # an ID number: its last character may be X

    def press(self, key: str) -> None:
        if key == "delete":
            self.value = self.value[:-1]
        elif len(self.value) >= self.max_length:
            return
        elif key.isdigit():
            self.value += key
        elif key == "." and self.decimal and "." not in self.value:
            self.value += key
        elif key == "X" and self.letter_x and "X" not in self.value:
            self.value += key


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
