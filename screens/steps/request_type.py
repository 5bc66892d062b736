"""诉求反映's first step: the kind of request (five large choices with an
example each), then its topic, or where to go for what the hut cannot take.

``Step.REQUEST_TYPE`` renders ``kiosk.services.request.flow.RequestView`` in
its states loading, no_catalog, type, topic and not_here.  The choices are
the district's catalog words (both languages), drawn again when they or the
language change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.service import Step
from screens.catalog_text import bilingual, pick
from screens.step_screen import StepScreen
from screens.widgets.request_choice import RequestChoice

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class RequestTypeScreen(StepScreen):
    steps = (Step.REQUEST_TYPE,)
    state = StringProperty("loading")
    notice = StringProperty("")
    chosen = StringProperty("")       # the type chosen (its words), over the topics
    refusal = StringProperty("")      # not_here: what it is
    where = StringProperty("")        # not_here: where to go instead

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._drawn: tuple[Any, ...] | None = None
        self._view: Any = None
        self._built: dict[tuple[Any, ...], tuple[list[Any], list[Any]]] = {}

    def render(self, view: Any) -> None:
        if view is None:
            return
        self._view = view
        lang = App.get_running_app().lang
        self.state, self.notice = view.state.value, view.notice
        self.chosen = pick(view.type.name, view.type.name_en, lang) if view.type is not None else ""
        refusal = view.refusal
        self.refusal = bilingual(refusal.name, refusal.name_en, lang) if refusal is not None else ""
        self.where = bilingual(refusal.where, refusal.where_en, lang) if refusal is not None else ""
        key = (self.state, view.catalog_version, lang)
        if key == self._drawn:
            return
        self._drawn = key
        choices, others = self.ids.choices, self.ids.others
        choices.clear_widgets()
        others.clear_widgets()
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build(view, lang)
        for button in built[0]:
            choices.add_widget(button)
        for button in built[1]:
            others.add_widget(button)
        self.ids.scroll.to_top()

    def _build(self, view: Any, lang: str) -> tuple[list[Any], list[Any]]:
        """The buttons of the types, or of the topics and what the hut cannot take. Kept per
        catalog version and language: drawing their words again is most of a screen change."""
        choices: list[Any] = []
        others: list[Any] = []
        if self.state == "type":
            for kind in view.types:
                words = bilingual(kind.name, kind.name_en, lang)
                example = pick(kind.example, kind.example_en, lang)
                button = RequestChoice(text=f"[b]{words}[/b]\n{example}" if example else words, markup=True,
                                       key=kind.code)
                button.bind(on_release=lambda b: self.flow.choose_type(b.key) if self.flow else None)
                choices.append(button)
        elif self.state == "topic":
            for topic in view.topics:
                button = RequestChoice(text=bilingual(topic.name, topic.name_en, lang), key=topic.code)
                button.bind(on_release=lambda b: self.flow.choose_topic(b.key) if self.flow else None)
                choices.append(button)
            for refusal in view.not_here:
                button = RequestChoice(text=bilingual(refusal.name, refusal.name_en, lang), key=refusal.code)
                button.bind(on_release=lambda b: self.flow.choose_not_here(b.key) if self.flow else None)
                others.append(button)
        if len(self._built) > 8:   # a catalog changed a few times: the oldest buttons go
            self._built.clear()
        return choices, others

    def relabel(self) -> None:
        view, self._drawn = self._view, None
        if view is not None:
            self.render(view)

    def forget(self) -> None:
        super().forget()
        self._drawn = self._view = None
        self.ids.choices.clear_widgets()
        self.ids.others.clear_widgets()
        self.chosen = self.refusal = self.where = self.notice = ""
        self.state = "loading"
