"""Choose the matter: a category, then its matters; or the pinyin initials
typed on a large letter keyboard ("dbsq" finds 低保申请).

Shared by 自助办事 and 办事指南: the screen renders the ``PickView`` of the
open service's ``MatterChoice`` and sends it the same three intents,
``pick_category``, ``search`` and ``choose``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.letter_keyboard  # noqa: F401  (its kv rules)
from kiosk.flows.matter_choice import PickView
from kiosk.flows.service import Step
from screens import theme
from screens.catalog_text import bilingual
from screens.catalog_words import matter_label
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ChooseMatterScreen(StepScreen):
    steps = (Step.CHOOSE_MATTER,)
    query = StringProperty("")
    no_catalog = BooleanProperty(False)
    searching = BooleanProperty(False)
    nothing_found = BooleanProperty(False)
    min_list_height = NumericProperty(0)   # portrait: the matters keep two rows and their cue
    low = BooleanProperty(False)            # a low landscape window (1280 x 800), bound in the kv rule

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._shown: PickView | None = None
        self.ids.keyboard.bind(value=self._typed)
        self._side = BoxLayout(orientation="vertical", spacing=theme.MIN_GAP)
        self._arrange()

    def on_low(self, *_args: Any) -> None:
        if hasattr(self, "_side"):   # the kv rule may set ``low`` while the screen is still being built
            self._arrange()

    def _arrange(self) -> None:
        """Categories | keyboard | matters; in a low landscape window the keyboard
        needs the width of seven keys to be whole in four rows, so the categories
        go over the matters in one column beside it.  ``ids`` are weak proxies:
        move the widgets themselves."""
        ids = self.ids
        panes = ids.panes
        categories, keys, matters = (ids.category_scroll.__self__, ids.matter_scroll.__self__,
                                     ids.matter_column.__self__)
        for widget in (categories, keys, matters, self._side):
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
        if self.low:
            self._side.add_widget(categories)
            self._side.add_widget(matters)
            panes.add_widget(self._side)
            panes.add_widget(keys)
        else:
            for widget in (categories, keys, matters):
                panes.add_widget(widget)
        for key in ids.keyboard.children:   # a touch target's size, not less: four rows of seven fit 1280 x 800
            key.size = (theme.MIN_TARGET, theme.MIN_TARGET) if self.low else (theme.KEY_SIZE, theme.KEY_SIZE)

    def render(self, view: PickView) -> None:
        """The flow's browsing state: categories, matters (or search results)."""
        self.no_catalog = view.no_catalog
        self.searching = bool(view.query)
        self.nothing_found = bool(view.query) and not view.matters
        if self.ids.keyboard.value != view.query:
            self.ids.keyboard.value = view.query
        self.query = view.query
        if self._shown is not None and self._shown.categories == view.categories \
                and self._shown.category == view.category and self._shown.matters == view.matters:
            self._shown = view
            return
        self._shown = view
        lang = App.get_running_app().lang
        categories = self.ids.categories
        categories.clear_widgets()
        for name, name_en in zip(view.categories, view.categories_en or ("",) * len(view.categories)):
            # Chinese alone in Chinese mode (as before); in English mode the English over the Chinese
            button = Factory.ChoiceButton(text=bilingual(name, name_en, lang) if lang == "en" else name)
            button.selected = name == view.category and not view.query
            button.bind(on_release=lambda b, name=name: self.flow.pick_category(name))
            categories.add_widget(button)
        matters = self.ids.matters
        matters.clear_widgets()
        for matter in view.matters:
            button = Factory.ChoiceButton(text=matter_label(matter, lang))
            button.key = matter.code
            button.bind(on_release=lambda b: self.flow.choose(b.key))
            matters.add_widget(button)
        self.ids.matter_scroll.to_top()   # at the keyboard
        self.ids.matter_list.to_top()     # the first matters

    def relabel(self) -> None:
        """The language changed: matter names are catalog words, re-drawn here."""
        view, self._shown = self._shown, None
        if view is not None:
            self.render(view)

    def _typed(self, _keyboard: Any, value: str) -> None:
        if value != self.query and self.flow is not None:
            self.flow.search(value)

    def forget(self) -> None:
        super().forget()
        self._shown = None
        self.query = ""
        if self.ids.keyboard.value:
            self.ids.keyboard.value = ""
