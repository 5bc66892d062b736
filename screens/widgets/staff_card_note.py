"""A staff card laid on the staff reader during a resident's visit: the
visit goes on, and this note tells the staff member that the card was read
and that the staff screen opens when the visit ends (the terminal decides
when: ``TerminalView.staff_card_note``; it opens the screen itself).
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.modalview import ModalView


class StaffCardNote(ModalView):
    __events__ = ("on_ok",)

    def on_ok(self) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
