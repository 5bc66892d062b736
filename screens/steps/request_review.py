"""诉求反映: what will be sent, then 提交.  Every part the resident entered,
the phone masked, the name masked (or 匿名), the type's time limit, and
whether it goes now or is kept and sent by itself; while it is sent the
button waits (a second tap files nothing more).  Renders ``RequestView`` in
its review and submitting states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.label import Label
from kivy.utils import escape_markup

from kiosk.flows.service import Step
from screens.catalog_text import pick
from screens.i18n import tr
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


ROW_WORDS = {"type": "Type", "topic": "Topic", "place": "Where", "text": "What happened", "photos": "Photos",
             "name": "Name", "phone": "Contact phone"}


class ReviewRow(Label):
    """One line of the review: what, and what the resident gave."""


class RequestReviewScreen(StepScreen):
    steps = (Step.REQUEST_REVIEW,)
    state = StringProperty("review")
    submit_mode = StringProperty("online")
    notice = StringProperty("")
    limit_days = NumericProperty(0)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._view: Any = None

    def render(self, view: Any) -> None:
        if view is None:
            return
        self._view = view
        self.state, self.submit_mode, self.notice = view.state.value, view.submit_mode or "online", view.notice
        self.limit_days = view.limit_days
        lang = App.get_running_app().lang
        rows = [
            ("type", pick(view.type.name, view.type.name_en, lang) if view.type else ""),
            ("topic", pick(view.topic.name, view.topic.name_en, lang) if view.topic else ""),
            ("place", view.place_words if not view.no_place else tr("Not a place", lang)),
            ("text", view.text),
            ("photos", str(len(view.photos))),
            ("name", tr("Anonymous", lang) if view.anonymous else view.masked_name),
            ("phone", view.phone_masked or tr("No phone number", lang)),
        ]
        box = self.ids.rows
        box.clear_widgets()
        for key, value in rows:
            box.add_widget(ReviewRow(text=f"[b]{tr(ROW_WORDS[key], lang)}[/b]   {escape_markup(value)}"))

    def relabel(self) -> None:
        if self._view is not None:
            self.render(self._view)

    def forget(self) -> None:
        super().forget()
        self._view = None
        self.ids.rows.clear_widgets()
        self.notice = ""
        self.state = "review"
