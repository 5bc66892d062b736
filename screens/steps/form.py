"""The form of the matter: pre-filled from the card, the rest with large controls.

A list of the matter's fields on one side (each with its value, masked where
it identifies the resident, and its problem words, Chinese first), and the
editor of the chosen field on the other: the numeric keypad for phone
numbers and numbers, big buttons for choices and yes/no, the year/month/day
picker for dates, and the pinyin keyboard with its candidate bar and the
matter's common phrases for free text.  What a field accepts is the
catalog's rule, applied by the flow (``kiosk.filing.form``); the screen renders the
flow's field views and sends what the resident entered.

The editor holds what is being typed only until it is sent; ``forget()``
(the visit ended) empties every control, so nothing typed outlives the visit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.flows.service import Step
from screens.step_screen import StepScreen
from screens.widgets import date_picker, keypad, pinyin_keyboard  # noqa: F401  (their kv rules)
from screens.widgets.bilingual import BigButton

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


def choice_words(value: str, english: str, lang: str) -> str:
    """A choice's words on its button: the resident's language first, the other
    after it; the Chinese alone where the catalog has no English."""
    if not english or english == value:
        return value
    return f"{english} / {value}" if lang == "en" else f"{value} / {english}"


class FieldRow(ButtonBehavior, BoxLayout):
    """One field in the list: its label, its value as shown, its problem."""

    name = StringProperty("")
    label = StringProperty("")
    label_en = StringProperty("")
    display = StringProperty("")
    problem = StringProperty("")
    prefilled = BooleanProperty(False)
    selected = BooleanProperty(False)


class FieldChoice(BigButton):
    """A choice's own words (catalog text, shown as they are) on a big button."""

    value = ObjectProperty(None, allownone=True)
    words = StringProperty("")
    chosen = BooleanProperty(False)


class FormScreen(StepScreen):
    """Renders the filing's ``FormStep`` (its ``FormView``); sends it ``set_field`` and ``done``."""

    steps = (Step.FORM,)
    fields = ListProperty([])            # the flow's FieldViews
    current = ObjectProperty(None, allownone=True)   # the FieldView being edited
    keyboard = StringProperty("")        # pinyin | keypad | date | choices | yes_no
    phrases_open = BooleanProperty(False)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.rows: dict[str, FieldRow] = {}
        self.choice_buttons: list[FieldChoice] = []
        self._date_opened = ""
        # the chosen field's row brought wholly into view once the list is laid out
        self._show_chosen = Clock.create_trigger(self._show_chosen_row, 0)
        self._build_engine()

    def _build_engine(self) -> None:
        """The pinyin candidate engine takes seconds to build (jieba's 349,046
        words): a thread builds it and hands it to the keyboard, which keeps
        letters typed meanwhile and looks them up then."""
        import threading

        from kiosk.terminal.typing_pinyin import PinyinEngine

        def build() -> None:
            engine = PinyinEngine.build()
            Clock.schedule_once(lambda _dt: setattr(self.ids.pinyin, "engine", engine))

        threading.Thread(target=build, name="pinyin-engine", daemon=True).start()

    def on_kv_post(self, _base_widget: Any) -> None:
        """Take the editors out of the slot: only the chosen field's goes back in."""
        ids = self.ids
        # ids are weak references: the screen holds the editors it takes out of the tree.
        self.editors = {key: ids[name].__self__ for key, name in (
            ("keypad", "keypad_box"), ("pinyin", "pinyin"), ("phrases", "phrase_scroll"), ("date", "date_box"),
            ("choices", "choices"), ("yes_no", "choices"))}
        ids.slot.clear_widgets()

    def _show_editor(self) -> None:
        slot, fixed = self.ids.slot, self.ids.fixed_slot
        slot.clear_widgets()
        fixed.clear_widgets()
        key = "phrases" if self.keyboard == "pinyin" and self.phrases_open else self.keyboard
        editor = self.editors.get(key)
        if editor is not None:   # the keypad under the scrolled part (always whole), the others in it
            (fixed if key == "keypad" else slot).add_widget(editor)

    def on_keyboard(self, *_args: Any) -> None:
        self._show_editor()

    def on_phrases_open(self, *_args: Any) -> None:
        self._show_editor()

    # -- the flow's view ---------------------------------------------------------
    def render(self, view: Any) -> None:
        """The form step's ``FormView``."""
        if view.fields:
            self.render_fields(view.fields)
        elif self.fields:
            self.forget()

    def render_fields(self, fields: Sequence[Any]) -> None:
        """Show the flow's field views; the field being edited stays chosen."""
        names = [f.name for f in fields]
        if names != [f.name for f in self.fields]:
            self._rebuild_rows(fields)
        self.fields = list(fields)
        for view in fields:
            row = self.rows[view.name]
            row.label, row.label_en = view.label, view.label_en
            row.display, row.problem, row.prefilled = view.display, view.problem, view.prefilled
        name = self.current.name if self.current is not None else None
        chosen = next((f for f in fields if f.name == name), None)
        if chosen is None:
            chosen = next((f for f in fields if not f.filled or f.problem), fields[0] if fields else None)
            self.choose(chosen)
        else:
            self.current = chosen
            self._mark_selected()
        for button in self.choice_buttons:
            button.chosen = bool(self.current and self.current.display) and \
                str(self.current.display).startswith(str(button.value))

    def _rebuild_rows(self, fields: Sequence[Any]) -> None:
        box = self.ids.rows
        box.clear_widgets()
        self.rows = {}
        for view in fields:
            row = FieldRow(name=view.name)
            row.bind(on_release=lambda r: self.choose(next(f for f in self.fields if f.name == r.name)))
            box.add_widget(row)
            self.rows[view.name] = row
        self.current = None

    def choose(self, view: Any) -> None:
        """Edit ``view``'s field: its editor opens empty (typing replaces the
        value).  What was typed into the field being left goes to the flow
        first (and is checked there): a resident who taps the next field
        without pressing 确定 loses nothing."""
        if self.current is not None and (view is None or view.name != self.current.name):
            self._keep_typed()
            if view is not None:
                view = next((f for f in self.fields if f.name == view.name), view)   # as the flow now sees it
        self.current = view
        self.phrases_open = False
        self._clear_editors()
        self.keyboard = view.keyboard if view is not None else ""
        if view is not None and view.keyboard == "keypad":
            pad = self.ids.keypad
            pad.max_length = 18 if view.type == "id_number" else 20
            pad.decimal, pad.letter_x = view.type == "decimal", view.type == "id_number"
        if view is not None and view.keyboard == "pinyin":
            self.ids.pinyin.max_length = view.max_length or 200
        if view is not None and view.keyboard in ("choices", "yes_no"):
            self._make_choices(view)
        if view is not None and view.keyboard == "date":
            self.ids.date.set_date(view.display)   # the date already given (or the card's) is where it starts
        self._date_opened = self.ids.date.value
        self._mark_selected()

    def _mark_selected(self) -> None:
        name = self.current.name if self.current is not None else None
        for row_name, row in self.rows.items():
            row.selected = row_name == name
        if name in self.rows:
            self._show_chosen()

    def _show_chosen_row(self, _dt: float = 0) -> None:
        """The field being edited shows whole in the list (tapped, or chosen
        after 确定): the resident sees what they type into."""
        row = self.rows.get(self.current.name) if self.current is not None else None
        if row is not None:
            self.ids.scroll.show_whole(row)

    def _make_choices(self, view: Any) -> None:
        box = self.ids.choices
        box.clear_widgets()
        self.choice_buttons = []
        from kivy.app import App

        lang = App.get_running_app().lang
        english = view.choices_en or ("",) * len(view.choices)
        # The value is the catalog's Chinese choice; its English is shown beside it (first in English mode).
        options: list[tuple[Any, str]] = ([(c, choice_words(c, en, lang)) for c, en in zip(view.choices, english)]
                                          if view.keyboard == "choices"
                                          else [("是", choice_words("是", "Yes", lang)), ("否", choice_words("否", "No", lang))])
        for value, words in options:
            button = FieldChoice(value=value, words=words)
            button.bind(on_release=lambda b: self.enter(b.value))
            box.add_widget(button)
            self.choice_buttons.append(button)

    def _clear_editors(self) -> None:
        self.ids.keypad.value = ""
        self.ids.pinyin.clear()
        self.ids.choices.clear_widgets()
        self.choice_buttons = []

    # -- intents -------------------------------------------------------------------
    def enter(self, value: Any) -> None:
        """Send the value of the field being edited to the flow."""
        if self.current is None or self.flow is None:
            return
        if self.flow.set_field(self.current.name, value) is None:
            self._clear_editors()   # given: nothing is pending for the field being left
            self.next_field()

    def enter_typed(self) -> None:
        """OK under the keypad or the keyboard: what was typed goes to the flow."""
        if self.keyboard == "keypad":
            self.enter(self.ids.keypad.value)
        elif self.keyboard == "pinyin":
            self.enter(self.ids.pinyin.text)
        elif self.keyboard == "date":
            self.enter(self.ids.date.value)

    def toggle_phrases(self) -> None:
        """Common phrases instead of the keyboard (and back)."""
        if self.current is None or not self.current.phrases:
            return
        self.phrases_open = not self.phrases_open
        box = self.ids.phrases
        box.clear_widgets()
        if self.phrases_open:
            from kivy.app import App

            lang = App.get_running_app().lang
            english = self.current.phrases_en or ("",) * len(self.current.phrases)
            for phrase, en in zip(self.current.phrases, english):
                # the Chinese phrase is what is entered; in English mode its English is shown first
                button = Factory.PhraseButton(text=choice_words(phrase, en, lang) if lang == "en" else phrase)
                button.bind(on_release=lambda b, phrase=phrase: self.use_phrase(phrase))
                box.add_widget(button)

    def use_phrase(self, phrase: str) -> None:
        self.ids.pinyin.clear()
        self.ids.pinyin.append(phrase)
        self.phrases_open = False
        self.enter(phrase)

    def next_field(self) -> None:
        """After a field is done, the next one that still needs something."""
        if self.current is None:
            return
        names = [f.name for f in self.fields]
        start = names.index(self.current.name) + 1 if self.current.name in names else 0
        for view in list(self.fields[start:]) + list(self.fields[:start]):
            if not view.filled or view.problem:
                self.choose(view)
                return

    def done(self) -> None:
        """Continue: the flow moves on, or shows every field's problem."""
        self.enter_typed_if_pending()
        if self.flow is not None:
            self.flow.done()

    def _keep_typed(self) -> None:
        """Send what the editor of the current field holds, without moving on."""
        pending = self._pending()
        if pending and self.current is not None and self.flow is not None:
            self.flow.set_field(self.current.name, pending)

    def _pending(self) -> str:
        """What the open editor holds that the flow has not been given (a date:
        only once the resident turned the picker away from where it opened)."""
        if self.keyboard == "date":
            value = self.ids.date.value
            return value if value != self._date_opened else ""
        return {"keypad": self.ids.keypad.value, "pinyin": self.ids.pinyin.text}.get(self.keyboard, "")

    def enter_typed_if_pending(self) -> None:
        """Something typed but not confirmed with OK still counts when Continue is pressed."""
        pending = {"keypad": self.ids.keypad.value, "pinyin": self.ids.pinyin.text}.get(self.keyboard, "")
        if pending:
            self.enter_typed()

    def relabel(self) -> None:
        """The language changed: the choices' and phrases' words are catalog text, re-drawn here."""
        if self.current is not None and self.current.keyboard in ("choices", "yes_no"):
            self._make_choices(self.current)
            self.render_fields(self.fields)
        if self.phrases_open:
            self.phrases_open = False
            self.toggle_phrases()

    def forget(self) -> None:
        """The step was left: nothing typed, chosen or shown stays on this screen."""
        super().forget()
        self._clear_editors()
        self.ids.phrases.clear_widgets()
        self.ids.rows.clear_widgets()
        self.rows = {}
        self.fields = []
        self.current = None
        self.keyboard = ""
        self.phrases_open = False
