"""健康自测: which items to measure.

Every item the hut knows is listed; one whose device is down is shown greyed
with the reason (never left out silently), and cannot be chosen.  A chosen
item says so in words and with a tick, not by colour alone.  Renders
``kiosk.services.health.flow.HealthView`` (``offers``, ``chosen``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.service import Step
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ItemToggle(ButtonBehavior, BoxLayout):
    """One item: its name in both languages, chosen or not (in words and a
    tick), or why it cannot be measured now."""

    key = StringProperty("")
    msgid = StringProperty("")
    chosen = BooleanProperty(False)
    available = BooleanProperty(True)
    reason = StringProperty("")


class HealthItemsScreen(StepScreen):
    steps = (Step.HEALTH_ITEMS,)
    count = NumericProperty(0)
    all_chosen = BooleanProperty(False)

    def render(self, view: Any) -> None:
        if view is None:
            return
        grid = self.ids.item_grid
        wanted = [(o.key, o.title, o.key in view.chosen, o.available, o.reason) for o in view.offers]
        have = [(w.key, w.msgid, w.chosen, w.available, w.reason) for w in reversed(grid.children)]
        if [w[0] for w in wanted] != [h[0] for h in have]:
            grid.clear_widgets()
            for key, *_rest in wanted:
                toggle = ItemToggle(key=key)
                toggle.bind(on_release=self._toggle)
                grid.add_widget(toggle)
        for toggle, (_key, title, chosen, available, reason) in zip(reversed(grid.children), wanted):
            toggle.msgid, toggle.chosen, toggle.available, toggle.reason = title, chosen, available, reason
        self.count = len(view.chosen)
        self.all_chosen = bool(view.offers) and all(o.key in view.chosen for o in view.offers if o.available)

    def _toggle(self, toggle: ItemToggle) -> None:
        if self.flow is not None:
            self.flow.toggle(toggle.key)

    def forget(self) -> None:
        super().forget()
        self.ids.item_grid.clear_widgets()
        self.count = 0
