"""What the home screen tells a resident about the hut: its name, today's
date and the time, when it is open, and the number to call for help.

Kivy-free, so the words are tested without a screen: the terminal publishes
the current minute (``TerminalView.minute``) and the hut's facts
(``HutInfo``, from ``[terminal]`` and ``[hut]`` in kiosk.toml); the home
screen's kv rules call these functions with ``app.lang`` and the screens'
``tr``, as every other text, Chinese first and English second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.flows.service import N_
from kiosk.terminal.hours import MINUTE_FORMAT, WEEKDAYS, OpeningHours, today_line

Translate = Callable[[str, str], str]

# Only the English date names its month (the Chinese one writes the number).
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DATE_LINE = N_("{weekday} {day} {month_name} {year}, {time}")
ALL_DAY = "00:00-24:00"
HOURS = {"daily": N_("Open daily {hours}"), "weekdays": N_("Open Monday to Friday {hours}"),
         "monday_to_saturday": N_("Open Monday to Saturday {hours}")}
ALL_DAY_HOURS = {"daily": N_("Open 24 hours, every day"), "weekdays": N_("Open 24 hours, Monday to Friday"),
                 "monday_to_saturday": N_("Open 24 hours, Monday to Saturday")}
HELP_LINE = N_("Help line: {phone}")


@dataclass(frozen=True)
class HutInfo:
    """The hut's facts as the screens show them; ``record_days`` is how long
    the outbox keeps a confirmed submission's minimal record (the privacy
    notice says so)."""

    name: str = ""
    name_en: str = ""
    opening_hours: str = ""
    opening_days: str = "daily"
    help_phone: str = ""
    record_days: int = 30
    hours: OpeningHours | None = None   # [hut.hours]: the hut closes outside them (kiosk/terminal/hours.py)

    @classmethod
    def from_settings(cls, settings: Any) -> HutInfo:
        hut = settings.hut
        return cls(name=settings.terminal.name, name_en=settings.terminal.name_en, opening_hours=hut.opening_hours,
                   opening_days=hut.opening_days, help_phone=hut.help_phone,
                   record_days=settings.outbox.retention_days, hours=OpeningHours.from_settings(hut.hours))


def minute_of(moment: dt.datetime) -> str:
    """The minute the terminal publishes (local time, to the minute)."""
    return moment.strftime(MINUTE_FORMAT)


def name_line(info: HutInfo, lang: str) -> str:
    """The hut's name in ``lang``: the English name when there is one, else the name as written."""
    return (info.name_en or info.name) if lang == "en" else (info.name or info.name_en)


def second_name_line(info: HutInfo, lang: str) -> str:
    """The name in the other language, under the first ("" when there is only one name)."""
    other = name_line(info, "zh_CN" if lang == "en" else "en")
    return "" if other == name_line(info, lang) else other


def date_line(minute: str, lang: str, tr: Translate) -> str:
    """``2026年3月5日 星期四 14:05`` / ``Thursday 5 March 2026, 14:05``."""
    if not minute:
        return ""
    moment = dt.datetime.strptime(minute, MINUTE_FORMAT)
    return tr(DATE_LINE, lang).format(weekday=tr(WEEKDAYS[moment.weekday()], lang), day=moment.day,
                                      month=moment.month, month_name=MONTHS[moment.month - 1], year=moment.year,
                                      time=moment.strftime("%H:%M"))


def hours_line(info: HutInfo, lang: str, tr: Translate, minute: str = "") -> str:
    """``开放时间：每天 08:30–17:30`` ("" when the hut's hours are not configured);
    with ``[hut.hours]``, today's hours (``minute``: the terminal's, for which day)."""
    if info.hours is not None:
        return today_line(info.hours, minute, lang, tr)
    if not info.opening_hours:
        return ""
    if info.opening_hours == ALL_DAY:
        return tr(ALL_DAY_HOURS[info.opening_days], lang)
    opens, closes = info.opening_hours.split("-")
    return tr(HOURS[info.opening_days], lang).format(hours=f"{opens}–{closes}")


def phone_line(info: HutInfo, lang: str, tr: Translate) -> str:
    return tr(HELP_LINE, lang).format(phone=info.help_phone) if info.help_phone else ""
