""""Discard what you have entered?": asked once when 首页 would lose what the
resident entered (the terminal decides when: ``TerminalView.confirm_home``).

The two answers are far apart and the safe one (go on) is the main button:
an elderly resident who pressed 首页 by mistake loses nothing.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.modalview import ModalView


class ConfirmHome(ModalView):
    __events__ = ("on_discard", "on_keep")

    def on_discard(self) -> None:
        pass

    def on_keep(self) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
