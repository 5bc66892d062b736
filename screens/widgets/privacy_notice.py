"""个人信息保护说明 (How we use your information): what the kiosk collects,
why, how long it is kept and who receives it, in large type, over whatever
screen the resident opened it from (the home screen, a consent).

The terminal decides when it is shown (``TerminalView.privacy_open``); 返回
closes it and the screen under it is as the resident left it (it was never
left).  What it says must stay true of the code: the visit's end wipes the
session (kiosk/terminal), the outbox holds a submission sealed until the
platform confirms it and then keeps only the minimal record for
``outbox.retention_days`` (kiosk/outbox/store.py), the face check compares
on the terminal and sends only its outcome (kiosk/filing/submission.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.uix.modalview import ModalView

import screens.widgets.scroll_box  # noqa: F401  (the ScrollBox rule the notice uses)


class PrivacyNotice(ModalView):
    __events__ = ("on_back",)

    def on_back(self) -> None:
        pass

    def on_pre_open(self, *_args: Any) -> None:
        self.ids.scroll.to_top()   # from the top, every time it opens


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
