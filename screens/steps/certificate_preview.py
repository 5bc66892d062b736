"""证明打印: the chosen certificate's first page, shown only once the terminal
checked it (the district's seal, unaltered, this resident's); 打印, or
another certificate.  A refused certificate shows nothing of it and sends
the resident to the counter.  Renders ``CertView`` in its states fetching,
preview and refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class CertificatePreviewScreen(StepScreen):
    steps = (Step.CERTIFICATE_PREVIEW,)
    state = StringProperty("fetching")
    title_text = StringProperty("")
    pages = NumericProperty(0)
    page = ObjectProperty(None, allownone=True)     # the first page's texture

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._shown = b""

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state, self.pages = view.state.value, view.pages
        self.title_text = f"{view.chosen.title}  {view.chosen.title_en}" if view.chosen is not None else ""
        if view.preview != self._shown:
            self._shown = view.preview
            self.page = CoreImage(io.BytesIO(view.preview), ext="png").texture if view.preview else None

    def forget(self) -> None:
        super().forget()
        self._shown, self.page = b"", None
        self.state, self.title_text, self.pages = "fetching", "", 0
