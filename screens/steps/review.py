"""Review before filing: every answer, the ID masked, every page, the consent.

The resident sees what will be sent, in the flow's masked display (name,
ID and phone number masked, as the slip shows them), the thumbnails of every
page, and gives their consent in plain words; a matter that holds sensitive
personal information (health, disability, finances) asks a second, separate
consent (PIPL art. 29).  Submit is the one main action and stays disabled
until the flow says the consents are there (``can_submit``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.filing.papers import PaperState
from kiosk.flows.service import Step
from screens import theme
from screens.i18n import tr
from screens.step_screen import StepScreen
from screens.widgets import page_view  # noqa: F401  (its kv rules)
from screens.widgets.page_view import PageThumbnail

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ReviewScreen(StepScreen):
    """Renders the filing's ``SubmitStep`` in review."""

    steps = (Step.REVIEW,)
    masked_name = StringProperty("")
    masked_id = StringProperty("")
    matter_name = StringProperty("")
    matter_name_en = StringProperty("")
    answers = StringProperty("")          # every field and its masked value, one a line
    signed = StringProperty("")           # the documents signed on the screen at this visit ("" for none)
    consent_given = BooleanProperty(False)
    sensitive_needed = BooleanProperty(False)
    sensitive_given = BooleanProperty(False)
    can_submit = BooleanProperty(False)
    failed = BooleanProperty(False)       # the outbox could not take it
    printer_ready = BooleanProperty(True) # else: "the slip cannot be printed; the number will be shown"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._pages: tuple[Any, ...] = ()

    def render(self, view: Any) -> None:
        if view.state.value not in ("review", "submit_failed"):
            if self.answers or self._pages:
                self.forget()
            return
        self.masked_name, self.masked_id = view.masked_name, view.masked_id
        matter = view.matter
        self.matter_name = matter.name if matter else ""
        self.matter_name_en = matter.name_en if matter else ""
        from kivy.app import App

        from screens.catalog_text import pick

        lang = App.get_running_app().lang
        # each label and choice in the resident's language where the catalog has it, else Chinese
        self.answers = "\n".join(f"{pick(f.label, f.label_en, lang)}: {pick(f.display, f.display_en, lang) or '—'}"
                                 for f in view.fields)
        signed = [pick(p.name, p.name_en, lang) for p in view.papers if p.state is PaperState.SIGNED]
        self.signed = (tr("Signed at the kiosk", lang) + ": " + "、".join(signed)) if signed else ""
        self.consent_given = view.consent_given
        self.sensitive_needed = view.sensitive_consent_needed
        self.sensitive_given = view.sensitive_consent_given
        self.can_submit = view.can_submit
        self.printer_ready = view.printer_ready
        self.failed = view.state.value == "submit_failed"
        pages = tuple(page for paper in view.papers for page in paper.pages)
        if pages != self._pages:
            self._pages = pages
            strip = self.ids.pages
            strip.clear_widgets()
            for page in pages:
                thumb = PageThumbnail(size_hint=(None, None), size=(theme.THUMB_HEIGHT * 0.75, theme.THUMB_HEIGHT))
                thumb.show_bytes(page.jpeg, 300)
                strip.add_widget(thumb)

    # -- intents ------------------------------------------------------------------------
    def toggle_consent(self) -> None:
        if self.flow is not None:
            self.flow.consent(not self.flow.view.consent_given)

    def toggle_sensitive(self) -> None:
        if self.flow is not None:
            self.flow.consent_sensitive(not self.flow.view.sensitive_consent_given)

    def submit(self) -> None:
        if self.flow is not None:
            self.flow.submit()

    def forget(self) -> None:
        super().forget()
        self._pages = ()
        self.ids.pages.clear_widgets()
        self.answers = self.masked_name = self.masked_id = self.signed = ""
        self.failed = False
        self.matter_name = self.matter_name_en = ""
        self.consent_given = self.sensitive_given = self.sensitive_needed = self.can_submit = False
