"""健康自测's results: every item on one screen, a trend, the slip.

Each item: its values large, its class in words with an icon (√ normal,
↑ high, ↓ low, ! urgent) and its place on the scale (``ResultBand``), never
colour alone; the not-a-diagnosis note.  An urgent value puts a plain "see a
doctor today" at the top with 呼叫工作人员.  For an identified resident, the
platform's earlier results as a trend (blood pressure, weight, glucose) and
whether the record was sent or will be; the slip when a printer works, the
results staying on screen until 完成 when not.  A card taken away mid-visit
shows only that the results were cleared.  Renders
``kiosk.services.health.flow.HealthView``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.health_charts  # noqa: F401  (ResultBand, TrendChart)
from kiosk.flows.service import N_, Step
from screens.step_screen import StepScreen
from screens.steps.health_measure import ITEM_WORDS

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

ICONS = {"normal": "√", "high": "↑", "low": "↓"}
RECORD_WORDS = {
    "saving": N_("Saving your results to your health record…"),
    "sent": N_("Your results are saved to your health record"),
    "queued": N_("Your results are saved and will be sent to your health record by itself"),
    "failed": N_("Your results could not be saved. Please ask the staff"),
    "anonymous": N_("Measured without identifying: nothing was sent or kept"),
    "declined": N_("Not saved, as you chose: nothing was sent or kept"),
}
SLIP_WORDS = {
    "printing": N_("Printing your slip…"),
    "printed": N_("Please take your slip"),
    "failed": N_("The slip could not be printed. The results stay on screen until you touch Done"),
    "none": N_("No slip can be printed now. The results stay on screen until you touch Done"),
}
HISTORY_WORDS = {
    "loading": N_("Looking up your earlier results…"),
    "none": N_("No earlier results yet: from today on they are kept"),
    "unavailable": N_("Your earlier results cannot be shown now"),
}
TREND_WORDS = {"systolic": N_("Blood pressure"), "weight": N_("Weight"), "glucose": N_("Blood glucose")}


class ResultCard(BoxLayout):
    title = StringProperty("")
    values = StringProperty("")
    icon = StringProperty("")
    label_zh = StringProperty("")
    label_en = StringProperty("")
    flag = StringProperty("normal")
    urgent = BooleanProperty(False)
    bands = ListProperty([])
    band_index = NumericProperty(0)


class TrendCard(BoxLayout):
    title = StringProperty("")
    series = ListProperty([])


class HealthResultScreen(StepScreen):
    steps = (Step.RESULT,)
    state = StringProperty("results")
    urgent = BooleanProperty(False)
    record = StringProperty("")
    slip = StringProperty("")
    history = StringProperty("")
    can_print = BooleanProperty(False)
    note = StringProperty("")

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state = view.state.value
        self.urgent, self.can_print = view.urgent, view.can_print
        self.record = RECORD_WORDS.get(view.record, "")
        self.slip = SLIP_WORDS.get(view.slip, "")
        self.history = HISTORY_WORDS.get(view.history, "")
        self._cards(view)

    def _cards(self, view: Any) -> None:
        from screens.i18n import tr

        box = self.ids.cards
        box.clear_widgets()
        if view.state.value != "results":
            return
        lang = self._lang()
        for line in view.results:
            values = "   ".join(f"{tr(ITEM_WORDS.get(kind, kind), lang)} {text}" for kind, text in line.values)
            box.add_widget(ResultCard(title=line.title, values=values, icon="!" if line.urgent else
                                      ICONS.get(line.flag, "·"), label_zh=line.label_zh, label_en=line.label_en,
                                      flag=line.flag, urgent=line.urgent, bands=list(line.bands),
                                      band_index=line.band_index))
        trends = {t.kind: t for t in view.trends}
        for kind in ("systolic", "weight", "glucose"):
            if kind not in trends:
                continue
            names = {"systolic": tr("Systolic", lang), "diastolic": tr("Diastolic", lang)}
            series = [(names.get(kind, ""), [(d.isoformat(), v) for d, v in trends[kind].points])]
            if kind == "systolic" and "diastolic" in trends:
                series.append((names["diastolic"], [(d.isoformat(), v) for d, v in trends["diastolic"].points]))
            box.add_widget(TrendCard(title=TREND_WORDS[kind], series=series))

    @staticmethod
    def _lang() -> str:
        from kivy.app import App

        return getattr(App.get_running_app(), "lang", "zh_CN")

    def forget(self) -> None:
        super().forget()
        self.ids.cards.clear_widgets()
        self.urgent = False
        self.record = self.slip = self.history = ""
