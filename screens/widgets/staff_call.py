""""Staff have been called, please wait a moment": what the resident sees
after 呼叫工作人员 (the terminal decides when: ``TerminalView.staff_call_open``).

The call stays pending after 好的 (the resident goes on while waiting, and the
header's button says 已呼叫工作人员); 取消呼叫 is far from it and not the main
action, for the resident who pressed by mistake or the staff member who came.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.modalview import ModalView


class StaffCallDialog(ModalView):
    __events__ = ("on_cancel_call", "on_ok")

    def on_cancel_call(self) -> None:
        pass

    def on_ok(self) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
