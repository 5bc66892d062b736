"""证明打印: the certificates the district issued the resident, one large
button each (kind, issuing office, date, pages).  Renders
``kiosk.services.certificate.flow.CertView`` in its states listing, list,
none_found and unavailable (重试)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.service import Step
from screens.catalog_text import bilingual
from screens.i18n import tr
from screens.step_screen import StepScreen
from screens.widgets.request_choice import RequestChoice

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class CertificatesScreen(StepScreen):
    steps = (Step.CERTIFICATES,)
    state = StringProperty("listing")
    masked_name = StringProperty("")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._drawn: tuple[Any, ...] | None = None

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state, self.masked_name = view.state.value, view.masked_name
        lang = App.get_running_app().lang
        key = (tuple(c.code for c in view.certificates), lang)
        if key == self._drawn:
            return
        self._drawn = key
        box = self.ids.choices
        box.clear_widgets()
        for item in view.certificates:
            pages = tr("{pages} pages", lang).format(pages=item.pages)
            line = f"{item.issued_by}  {item.issued_on}  {pages}"
            button = RequestChoice(text=f"[b]{bilingual(item.title, item.title_en, lang)}[/b]\n{line}", markup=True,
                                   key=item.code)
            button.bind(on_release=lambda b: self.flow.choose(b.key) if self.flow else None)
            box.add_widget(button)
        self.ids.scroll.to_top()

    def forget(self) -> None:
        super().forget()
        self._drawn = None
        self.ids.choices.clear_widgets()
        self.state, self.masked_name = "listing", ""
