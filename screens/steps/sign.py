"""签名: the document the resident signs, then the signing box.

Renders the filing's ``SignStep`` (``kiosk/services/approval/signature_step.py``):

* reading: the document in large type (its Chinese text, and the English
  under it), the resident's masked name and ID and the values it declares;
  签名 (the main action) and "I cannot sign here" (the paper goes to the
  counter as before);
* signing: a large box with a baseline and 请在框内签名 where the finger writes
  (``SignaturePad``), 清除 and 确认; a refused try says why, in words, and the
  box is empty again; 返回 (the frame's) goes back to the document and
  keeps nothing;
* signed: the document with the signature under it, 重新签名 and 继续.

The headline is the step's spoken line (``kiosk.terminal.voice.instruction``),
so what the resident hears and reads agree.  The strokes go to the flow as
each finger lifts; this screen keeps only their drawing, and drops it when
the box empties (清除, a refused try) or the step is left (the visit's end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

import screens.widgets.signature_pad  # noqa: F401  (the widget, for the kv rule)
from kiosk.flows.service import Step
from kiosk.terminal.voice import instruction
from screens.step_screen import StepScreen
from screens.widgets import page_view  # noqa: F401  (its kv rules)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SignScreen(StepScreen):
    steps = (Step.SIGN,)
    state = StringProperty("closed")         # reading | signing | signed
    headline = StringProperty("")
    problem = StringProperty("")             # empty | dot | short | outside: the last try was refused
    title_zh = StringProperty("")
    title_en = StringProperty("")
    text_zh = StringProperty("")
    text_en = StringProperty("")
    masked_name = StringProperty("")
    masked_id = StringProperty("")
    values_zh = StringProperty("")           # the declared values, one a line (label: value)
    values_en = StringProperty("")
    stale = BooleanProperty(False)
    strokes = NumericProperty(0)             # how many strokes the flow holds
    signed = BooleanProperty(False)          # a signature image is shown

    def render(self, view: Any) -> None:
        """``view``: the sign step's SignView."""
        state = view.state.value
        if state == "closed":
            self.forget_drawing()
            return
        self.state = state
        self.problem = view.problem
        self.headline = instruction("sign", self.flow.detail() if self.flow is not None else "") or ""
        self.title_zh, self.title_en = view.title, view.title_en
        self.text_zh, self.text_en = view.text, view.text_en
        self.masked_name, self.masked_id = view.masked_name, view.masked_id
        self.values_zh = "\n".join(f"{f.label}: {f.display or '-'}" for f in view.values)
        self.values_en = "\n".join(f"{f.label_en or f.label}: {f.display_en or f.display or '-'}" for f in view.values)
        self.stale = view.stale
        self.strokes = view.strokes
        if view.strokes == 0 and self.ids.pad.strokes:
            self.ids.pad.clear()      # 清除, a refused try, back to the document: the box is empty again
        if view.signed_png and not self.signed:
            self.ids.signature.show_bytes(view.signed_png, 900)
        elif not view.signed_png and self.signed:
            self.ids.signature.clear()
        self.signed = bool(view.signed_png)

    # -- intents ------------------------------------------------------------------------
    def sign(self) -> None:
        if self.flow is not None:
            self.flow.sign()

    def stroke(self, points: list[Any], box: tuple[float, float]) -> None:
        """A finger lifted in the box: the stroke goes to the flow."""
        if self.flow is not None:
            self.flow.add_stroke(points, box)

    def clear(self) -> None:
        if self.flow is not None:
            self.flow.clear()
        self.ids.pad.clear()

    def confirm(self) -> None:
        if self.flow is not None:
            self.flow.confirm()

    def proceed(self) -> None:
        if self.flow is not None:
            self.flow.proceed()

    def at_counter(self) -> None:
        if self.flow is not None:
            self.flow.at_counter()

    def forget_drawing(self) -> None:
        self.ids.pad.clear()
        if self.signed:
            self.ids.signature.clear()
        self.signed = False
        self.strokes = 0

    def forget(self) -> None:
        """The step was left (the visit ended, 返回 to the papers, on to the review): nothing of it stays."""
        super().forget()
        self.forget_drawing()
        self.state = "closed"
        self.headline = self.problem = ""
        self.title_zh = self.title_en = self.text_zh = self.text_en = ""
        self.masked_name = self.masked_id = self.values_zh = self.values_en = ""
        self.stale = False
