"""健康自测: one item at a time, with its picture, its sentence and the device's words.

The measure step renders the flow's per-item states: blood pressure's offer
of a 5-minute rest (a countdown, skippable) and the minute between readings,
glucose's question (fasting, 2 h after a meal, random), the waist typed on
the keypad (and the sex asked when no card said it), the guide (picture and
one sentence, the voice says it), the device measuring (its words, a pulse
on the picture), a fault in the device's words with "try again" (and "ask
the staff" after two), and the item's values when done.  Renders
``kiosk.services.health.flow.HealthView``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

import screens.widgets.health_picture  # noqa: F401  (HealthPicture, for the kv rules)
import screens.widgets.keypad  # noqa: F401  (NumericKeypad)
from kiosk.flows.service import N_, Step
from kiosk.services.health.items import BY_KEY
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# What the step's headline says in each state (msgids); the guide and the waist use the item's sentence.
HEADLINES = {
    "rest": N_("Before blood pressure, sit quietly for five minutes. You can skip the rest"),
    "context": N_("When did you last eat?"),
    "measuring": N_("Measuring. Please keep still"),
    "failed": N_("The measurement did not succeed. Please try again"),
    "interval": N_("Stay seated and rest your arm. The next reading comes in one minute"),
    "item_done": N_("Done"),
}
NOTICES = {
    "out_of_range": N_("Please type your waist in centimetres, between 40 and 200"),
    "enter_waist": N_("Please type your waist in centimetres"),
    "choose_sex": N_("Please choose man or woman: the healthy waist differs"),
    "device_gone": N_("The device was disconnected. Please ask the staff"),
    "wrong_device": N_("The device sent a reading of another kind. Please try again or ask the staff"),
    "not_started": N_("The device cannot be used now. Try again or ask the staff"),
}
# Blood pressure's minute: the seated item the resident can measure in it (the primary button).
MEANWHILE = {"temperature": N_("Meanwhile: measure the temperature"),
             "spo2": N_("Meanwhile: measure the blood oxygen")}
ITEM_WORDS = {"cuff_pressure": N_("Cuff pressure"), "systolic": N_("Systolic"), "diastolic": N_("Diastolic"),
              "pulse": N_("Pulse"),
              "mean_arterial": N_("Mean arterial"), "weight": N_("Weight"), "height": N_("Height"),
              "bmi": N_("BMI"), "waist": N_("Waist"), "temperature": N_("Temperature"), "spo2": N_("SpO2"),
              "glucose": N_("Glucose")}


class HealthMeasureScreen(StepScreen):
    steps = (Step.MEASURE,)
    state = StringProperty("guide")
    item = StringProperty("")            # msgid of the item's name
    picture = StringProperty("")
    guidance = StringProperty("")
    index = NumericProperty(0)
    total = NumericProperty(0)
    reading = NumericProperty(0)
    readings_needed = NumericProperty(2)
    seconds_left = NumericProperty(0)
    resting = BooleanProperty(False)
    prompt_zh = StringProperty("")
    prompt_en = StringProperty("")
    notice = StringProperty("")
    ask_staff = BooleanProperty(False)
    values = StringProperty("")
    live = StringProperty("")            # the device's live reading while it measures (the cuff's pressure...)
    entry = StringProperty("")
    sex = StringProperty("")
    needs_sex = BooleanProperty(False)
    low = BooleanProperty(False)         # a low landscape window (1280 x 800): the waist keypad in three rows
    last = BooleanProperty(False)        # the last item: "see the results" instead of "next"
    meanwhile = ListProperty([])         # blood pressure's minute: the seated items offered in it
    paused = BooleanProperty(False)      # a seated item in blood pressure's minute

    def render(self, view: Any) -> None:
        if view is None or not view.current:
            return
        item = BY_KEY[view.current]
        self.item, self.picture, self.guidance = item.title, item.picture, item.guidance
        self.index, self.total = view.item_index, view.item_total
        self.reading, self.readings_needed = view.reading, view.readings_needed
        self.seconds_left, self.resting = view.seconds_left, view.resting
        self.prompt_zh, self.prompt_en = view.prompt_zh, view.prompt_en
        self.notice = NOTICES.get(view.notice, "")
        self.ask_staff = view.ask_staff
        self.values = "\n".join(_value_line(kind, text, self.lang) for kind, text in view.shown)
        self.live = "\n".join(_value_line(kind, text, self.lang) for kind, text in view.live)
        self.entry, self.sex = view.entry, view.sex
        self.needs_sex = view.current == "waist" and not view.identified
        self.last = not [k for k in view.chosen if k not in view.done]
        self.meanwhile, self.paused = list(view.meanwhile), view.paused
        if self.state == "waist" and view.state.value == "waist" and self.ids.keypad.value != view.entry:
            self.ids.keypad.value = view.entry
        self.state = view.state.value

    @property
    def lang(self) -> str:
        from kivy.app import App

        app = App.get_running_app()
        return getattr(app, "lang", "zh_CN")

    def typed(self, value: str) -> None:
        if self.flow is not None and self.state == "waist" and value != self.entry:
            self.flow.set_entry(value)

    def headline(self, state: str) -> str:
        if state in ("guide", "waist"):
            return self.guidance
        return HEADLINES.get(state, self.guidance)

    # The step's two buttons: what each says and does in each state ("": not shown).
    def primary_words(self, state: str, resting: bool, last: bool, picture: str = "",
                      meanwhile: list[str] | None = None) -> str:
        typed = picture == "tape"   # the waist is read off a tape and typed, not measured by a device
        first = (meanwhile or [""])[0]
        return {"rest": "" if resting else N_("Rest 5 minutes"), "interval": MEANWHILE.get(first, ""),
                "guide": N_("Type the number") if typed else N_("Start measuring"),
                "failed": N_("Try again"), "waist": N_("Confirm"),
                "item_done": N_("See the results") if last else N_("Next item")}.get(state, "")

    def secondary_words(self, state: str, resting: bool) -> str:
        return {"rest": N_("Skip the rest") if resting else N_("Measure now"), "guide": N_("Skip this item"),
                "failed": N_("Skip this item"), "waist": N_("Skip this item"), "context": N_("Skip this item"),
                "interval": N_("Skip this item"), "measuring": N_("Cancel"),
                "item_done": N_("Measure again")}.get(state, "")

    def primary_action(self) -> None:
        flow = self.flow
        if flow is None:
            return
        if self.state == "interval" and self.meanwhile:
            flow.measure_meanwhile(self.meanwhile[0])
            return
        action = {"rest": flow.start_rest, "guide": flow.measure, "failed": flow.measure,
                  "waist": flow.confirm_waist, "item_done": flow.next_item}.get(self.state)
        if action is not None:
            action()

    def secondary_action(self) -> None:
        flow = self.flow
        if flow is None:
            return
        action = {"rest": flow.skip_rest, "guide": flow.skip_item, "failed": flow.skip_item,
                  "waist": flow.skip_item, "context": flow.skip_item, "interval": flow.skip_item,
                  "measuring": flow.cancel, "item_done": flow.measure_again}.get(self.state)
        if action is not None:
            action()

    def forget(self) -> None:
        super().forget()
        self.values = self.live = self.entry = self.prompt_zh = self.prompt_en = self.notice = ""
        self.ids.keypad.value = ""


def _value_line(kind: str, text: str, lang: str) -> str:
    from screens.i18n import tr

    return f"{tr(ITEM_WORDS.get(kind, kind), lang)}  {text}"
