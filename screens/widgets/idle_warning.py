"""The "do you need more time?" overlay with a large countdown.

A modal over whatever screen is showing, so the resident sees their work is
still there.  Any touch ends it (the app resets the idle timer on every touch);
the "yes, I need more time" button is there because an elderly resident needs something
obvious to press.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView


class IdleWarning(ModalView):
    seconds_left = NumericProperty(0)    # the terminal's countdown (a view every second)

    __events__ = ("on_continue",)

    def on_continue(self) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
