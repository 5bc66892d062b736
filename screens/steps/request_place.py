"""诉求反映: where it is.  The hut's own community is chosen already; the
resident picks the building and the unit from its addresses (the catalog's),
types the place on the pinyin keyboard (a street, a shop), or says it is not
a place (a question).  Renders ``RequestView`` in its place state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.service import Step
from screens.catalog_text import bilingual
from screens.step_screen import StepScreen
from screens.widgets import pinyin_keyboard  # noqa: F401  (its kv rules)
from screens.widgets.request_choice import RequestChoice, with_engine

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class RequestPlaceScreen(StepScreen):
    steps = (Step.REQUEST_PLACE,)
    community = StringProperty("")
    building = StringProperty("")
    unit = StringProperty("")
    place_text = StringProperty("")
    no_place = BooleanProperty(False)
    typing = BooleanProperty(False)     # the keyboard is up for a typed place
    notice = StringProperty("")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._drawn: Any = None
        self._view: Any = None

    def on_kv_post(self, _base_widget: Any) -> None:
        self.ids.keyboard.max_length = 60
        self.ids.keyboard.bind(text=self._typed)

    def render(self, view: Any) -> None:
        if view is None:
            return
        self._view = view
        lang = App.get_running_app().lang
        community = view.community
        self.community = bilingual(community.name, community.name_en, lang) if community is not None else ""
        self.building, self.unit, self.place_text = view.building, view.unit, view.place_text
        self.no_place, self.notice = view.no_place, view.notice
        if view.place_text and not self.typing:
            self.typing = True
        key = (community, view.building, view.unit, lang)
        if key == self._drawn:
            return
        self._drawn = key
        buildings, units = self.ids.buildings, self.ids.units
        buildings.clear_widgets()
        units.clear_widgets()
        if community is None:
            return
        for address in community.addresses:
            button = RequestChoice(text=f"{address.building}号楼" if lang != "en" else f"Building {address.building}",
                                   key=address.building, halign="center")
            button.selected = address.building == view.building
            button.bind(on_release=lambda b: self._building(b.key))
            buildings.add_widget(button)
        chosen = community.building(view.building)
        for unit in chosen.units if chosen is not None else ():
            button = RequestChoice(text=f"{unit}单元" if lang != "en" else f"Unit {unit}", key=unit, halign="center")
            button.selected = unit == view.unit
            button.bind(on_release=lambda b: self.flow.choose_unit(b.key) if self.flow else None)
            units.add_widget(button)

    def _building(self, key: str) -> None:
        if self.flow is not None and self.flow.choose_building(key):
            self.typing = False
            self.ids.keyboard.clear()

    def type_it(self) -> None:
        self.typing = True
        keyboard = self.ids.keyboard
        if keyboard.engine is None:
            with_engine(lambda engine: setattr(keyboard, "engine", engine))

    def _typed(self, _keyboard: Any, value: str) -> None:
        if self.flow is not None and value != self.place_text:
            self.flow.type_place(value)

    def relabel(self) -> None:
        view, self._drawn = self._view, None
        if view is not None:
            self.render(view)

    def forget(self) -> None:
        super().forget()
        self._drawn = self._view = None
        self.ids.buildings.clear_widgets()
        self.ids.units.clear_widgets()
        self.ids.keyboard.clear()
        self.typing = False
        self.community = self.building = self.unit = self.place_text = self.notice = ""
