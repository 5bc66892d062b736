"""进度查询: place a card or show the slip's QR code, then the resident's
applications with what each status means, what to do next (the papers still
to bring, where and by when), the promised date, and 撤回 for the card's holder.

Renders ``kiosk.services.progress.flow.ProgressView``; nothing about an application
is on screen before the flow has a proof (a card read, a slip's code).  The
headline is the step's spoken instruction (``kiosk.terminal.voice.instruction``), so
what the resident hears and reads never disagree.  "Withdraw this
application?" replaces the list until it is answered; the safe answer (keep
it) is the main button, far from the other.  The step reads cards inside
itself: two cards on the readers, or a card that could not be read, are said
under it in the identify step's words (``render_cards``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

import screens.widgets.matter_details  # noqa: F401  (office_text)
from kiosk.flows.service import N_, Step
from kiosk.services.progress.items import date_words
from kiosk.terminal.voice import instruction
from screens.catalog_text import pick
from screens.i18n import other_language, tr
from screens.step_screen import StepScreen
from screens.steps.identify import card_trouble, code_offer
from screens.widgets.matter_details import office_text
from screens.widgets.request_choice import RequestChoice

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

HEADLINES = {
    "querying": "Looking up your applications. Please wait a moment.",
    "rating_sending": "Sending your rating. Please wait",
    "not_a_slip": "This QR code is not from a hut slip. Please show the slip you were given here.",
}
LEFT_CARD = N_("A card from before is still on the reader. Please take it away, then place your card again.")
# Notices after 撤回 that are a refusal or a failure (the headline in the warning colour).
WARNINGS = ("withdraw_refused", "withdraw_failed", "not_withdrawable", "partial", "not_arrived",
            "requests_unavailable", "rating_failed")
OPEN_STATUSES = ("受理", "审核中", "queued", "withdrawing")   # a promised date still means something


class StatusCard(BoxLayout):
    """One application: the status big, what it means, what to do (and by
    when, and where), the promised date, the other language small, 撤回."""

    __events__ = ("on_withdraw",)
    matter = StringProperty("")
    numbers = StringProperty("")
    status = StringProperty("")
    meaning = StringProperty("")
    next_step = StringProperty("")
    promised = StringProperty("")
    office = StringProperty("")
    second = StringProperty("")
    key = StringProperty("")
    finished = BooleanProperty(False)
    returned = BooleanProperty(False)
    withdraw_shown = BooleanProperty(False)

    def on_withdraw(self) -> None:
        pass


class WithdrawQuestion(BoxLayout):
    """Asked once before 撤回; ``question`` names the application."""

    __events__ = ("on_yes", "on_no")
    question = StringProperty("")

    def on_yes(self) -> None:
        pass

    def on_no(self) -> None:
        pass


class RequestCard(BoxLayout):
    """One request (诉求): type and topic, the state big, what it means, the
    department's answer, every step with its date, the due date, 评价."""

    __events__ = ("on_rate",)
    title = StringProperty("")
    number = StringProperty("")
    state_words = StringProperty("")
    meaning = StringProperty("")
    answer = StringProperty("")
    steps_text = StringProperty("")
    due = StringProperty("")
    rated = StringProperty("")
    second = StringProperty("")
    key = StringProperty("")
    overdue = BooleanProperty(False)
    answered = BooleanProperty(False)
    rate_shown = BooleanProperty(False)

    def on_rate(self) -> None:
        pass


class RatingQuestion(BoxLayout):
    """满意 / 基本满意 / 不满意 and, for 不满意, a reason from the catalog's short list."""

    __events__ = ("on_send", "on_cancel")
    question = StringProperty("")
    rating = StringProperty("")

    def on_send(self) -> None:
        pass

    def on_cancel(self) -> None:
        pass


RATING_WORDS = {"satisfied": "Satisfied", "basically_satisfied": "Basically satisfied",
                "unsatisfied": "Unsatisfied"}


class ProgressScreen(StepScreen):
    steps = (Step.PROGRESS,)
    state = StringProperty("closed")
    headline = StringProperty("")
    masked_name = StringProperty("")
    warning = BooleanProperty(False)
    question = StringProperty("")        # confirm_withdraw: the application in question, in words
    cards = StringProperty("")        # the cards' trouble, in the identify step's words (a msgid) or ""
    code = StringProperty("")         # 或出示电子身份证二维码 where a scanner works (kiosk/identity_codes.py), or ""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._items: tuple = ()
        self._can_withdraw = False
        self._view: Any = None
        self.question_panel = WithdrawQuestion()
        self.question_panel.bind(on_yes=lambda _w: self.flow.confirm_withdraw() if self.flow else None,
                                 on_no=lambda _w: self.flow.cancel_withdraw() if self.flow else None)
        self.rating_panel = RatingQuestion()
        self.rating_panel.bind(on_send=lambda _w: self.flow.confirm_rating() if self.flow else None,
                               on_cancel=lambda _w: self.flow.cancel_rating() if self.flow else None)
        for key, button in self.rating_panel.ids.items():
            if key in RATING_WORDS:
                button.bind(on_release=lambda _b, key=key: self.flow.choose_rating(key) if self.flow else None)
        self._requests: tuple = ()
        self._can_rate = self._rating_shown = False
        self._reasons: tuple = ()

    def _place(self) -> None:
        """A question is in the screen only while it is asked."""
        slot, panel = self.ids.question_slot, self.question_panel
        if self.state == "confirm_withdraw" and panel.parent is None:
            slot.add_widget(panel)
        elif self.state != "confirm_withdraw" and panel.parent is not None:
            slot.remove_widget(panel)

    def render(self, view: Any) -> None:
        """``view``: the progress flow's ProgressView."""
        self._view = view
        self.state = view.state.value
        self.masked_name = view.masked_name
        detail = view.notice or view.hint
        if detail in HEADLINES:
            self.headline = HEADLINES[detail]
        elif self.state in HEADLINES:
            self.headline = HEADLINES[self.state]
        else:
            self.headline = instruction("progress", view.line) or ""
        self.warning = self.state in ("unavailable", "nothing_found") or detail in WARNINGS
        lang = App.get_running_app().lang
        self._question(lang)
        self._rating(view, lang)
        self._place()
        rating = self.state in ("rating", "rating_sending")
        if view.items != self._items or view.can_withdraw != self._can_withdraw or view.requests != self._requests \
                or view.can_rate != self._can_rate or rating != self._rating_shown:
            self._items, self._can_withdraw, self._rating_shown = view.items, view.can_withdraw, rating
            self._requests, self._can_rate = view.requests, view.can_rate
            self._list(lang)

    def render_cards(self, identify: Any) -> None:
        """Two cards on the readers, a card not read: the same words as the identify step;
        and, while the step waits, a card left on a reader from before (it is not read
        for this visit: it may be someone else's) that must be lifted first."""
        trouble = card_trouble(identify)
        if not trouble and identify is not None and identify.card_reminder and self.state == "waiting":
            trouble = LEFT_CARD
        self.cards = trouble
        self.code = code_offer(identify) if not trouble and self.state == "waiting" else ""

    def relabel(self) -> None:
        lang = App.get_running_app().lang
        self._question(lang)
        if self._view is not None:
            self._reasons = ()
            self._rating(self._view, lang)
        self._list(lang)

    def _rating(self, view: Any, lang: str) -> None:
        """The rating's question: the request in words, the answer chosen, the reasons for 不满意."""
        panel = self.rating_panel
        item = view.request_in_question if self.state in ("rating", "rating_sending") else None
        panel.question = f"{pick(item.type_zh, item.type_en, lang)} - {pick(item.topic_zh, item.topic_en, lang)}" \
            f"  {tr('No. {number}', lang).format(number=item.number)}" if item is not None else ""
        panel.rating = view.rating
        box = panel.ids.reasons
        shown = (view.reasons, view.reason, lang) if view.rating == "unsatisfied" else ()
        if shown == self._reasons:
            return
        self._reasons = shown
        box.clear_widgets()
        for code, zh, en in view.reasons if view.rating == "unsatisfied" else ():
            button = RequestChoice(text=pick(zh, en, lang), key=code, halign="center")
            button.selected = code == view.reason
            button.bind(on_release=lambda b: self.flow.choose_reason(b.key) if self.flow else None)
            box.add_widget(button)

    def forget(self) -> None:
        super().forget()
        self._items, self._can_withdraw, self._view = (), False, None
        self._requests, self._can_rate, self._reasons, self._rating_shown = (), False, (), False
        self.rating_panel.ids.reasons.clear_widgets()
        self.masked_name = self.question = self.cards = ""
        self.state = "closed"
        self.ids.item_list.clear_widgets()
        self._place()

    def _question(self, lang: str) -> None:
        item = self._view.item_in_question if self._view is not None and self.state == "confirm_withdraw" else None
        self.question = "\n".join((f"{item.matter_en if lang == 'en' else item.matter}", numbers(item, lang))) \
            if item is not None else ""
        self.question_panel.question = self.question

    def _list(self, lang: str) -> None:
        """The applications and requests; while a request is rated, its question in their place."""
        box = self.ids.item_list
        box.clear_widgets()
        if self.rating_panel.parent is not None:
            self.rating_panel.parent.remove_widget(self.rating_panel)
        if self._rating_shown:
            box.add_widget(self.rating_panel)
            self.ids.item_scroll.to_top()
            return
        second = other_language(lang)
        # requests first: what residents most often come back to read
        for request in self._requests:
            shown = RequestCard()
            for name, value in request_texts(request, lang, second).items():
                setattr(shown, name, value)
            shown.key, shown.overdue = request.key, request.overdue
            shown.answered = request.state in ("答复", "办结") or bool(request.answer)
            shown.rate_shown = self._can_rate and request.rateable
            shown.bind(on_rate=lambda c: self.flow.ask_rating(c.key) if self.flow else None)
            box.add_widget(shown)
        for item in self._items:
            card = StatusCard()
            for name, value in card_texts(item, lang, second).items():
                setattr(card, name, value)  # kv-declared properties: set after construction
            card.finished, card.returned = item.status == "办结", item.status in ("退回", "held")
            card.key = item.key
            card.withdraw_shown = self._can_withdraw and item.withdrawable
            card.bind(on_withdraw=lambda c: self.flow.ask_withdraw(c.key) if self.flow else None)
            box.add_widget(card)
        self.ids.item_scroll.to_top()


def numbers(item: Any, lang: str) -> str:
    """The platform's number and, when the resident came with the hut's serial, that one too."""
    parts = []
    if item.number:
        parts.append(tr("No. {number}", lang).format(number=item.number))
    if item.serial and item.serial != item.number:
        parts.append(tr("Hut No. {serial}", lang).format(serial=item.serial))
    return "  ".join(parts)


def card_texts(item: Any, lang: str, second: str) -> dict[str, str]:
    """One application's words: in the resident's language, large, and the
    status, meaning and next step again in the other language, smaller."""
    en = lang == "en"
    promised = ""
    if item.promised_by and item.status in OPEN_STATUSES:
        promised = tr("Decision expected by {date}", lang).format(date=date_words(item.promised_by, lang))
    words = (item.status_en, item.meaning_en, item.next_en) if second == "en" else \
        (item.status_zh, item.meaning_zh, item.next_zh)
    return {"matter": item.matter_en if en else item.matter, "numbers": numbers(item, lang),
            "status": item.status_en if en else item.status_zh,
            "meaning": item.meaning_en if en else item.meaning_zh,
            "next_step": item.next_en if en else item.next_zh, "promised": promised,
            "office": office_text(item.office, lang) if item.papers_due else "",
            "second": " / ".join(words)}


def request_texts(item: Any, lang: str, second: str) -> dict[str, str]:
    """One request's words: in the resident's language, the state again in the other, smaller."""
    steps = "\n".join(f"{date_words(s.on, lang)}  {pick(s.state_zh, s.state_en, lang)}" + (f"  {s.note}" if s.note
                                                                                             else "")
                      for s in item.steps)
    department = pick(item.department_zh, item.department_en, lang)
    answer = ""
    if item.answer:
        answer = tr("Answer", lang) + (f" ({department}, {date_words(item.answer_on, lang)})" if department else "") \
            + ": " + item.answer
    due = ""
    if item.due_date and item.state not in ("答复", "办结", "queued"):
        due = tr("Answer due by {date}", lang).format(date=date_words(item.due_date, lang))
        if item.overdue:
            due += "  " + tr("Overdue", lang)
    rated = tr("Your rating: {rating}", lang).format(rating=tr(RATING_WORDS[item.rating], lang)) \
        if item.rating in RATING_WORDS else ""
    words = (item.state_en, item.meaning_en) if second == "en" else (item.state_zh, item.meaning_zh)
    return {"title": f"{pick(item.type_zh, item.type_en, lang)} - {pick(item.topic_zh, item.topic_en, lang)}",
            "number": tr("No. {number}", lang).format(number=item.number),
            "state_words": pick(item.state_zh, item.state_en, lang),
            "meaning": pick(item.meaning_zh, item.meaning_en, lang), "answer": answer, "steps_text": steps,
            "due": due, "rated": rated, "second": " / ".join(words)}
