"""Opening hours: when the hut serves residents, and what the closed screen says.

``[hut.hours]`` in kiosk.toml (kiosk/config.py validates it) gives each
weekday's hours (``"08:30-17:30"``, several ranges for a lunch break:
``"08:30-12:00, 13:30-17:30"``, or ``""``: closed all day) and the days off
(public holidays, as dates).  Outside them the terminal shows the closed
screen (暂停服务, when it opens again) and, after ``screen_off_minutes``
without a touch, asks for the backlight off; a touch wakes it to show the
hours.  A hut without ``[hut.hours]`` never closes (its ``opening_hours``
line is only shown on the home screen).

Pure and Kivy-free: every function takes the moment, so the tests walk
closing time and a day off with a fake clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from kiosk.flows.service import N_

Translate = Callable[[str, str], str]

DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)")
# How far ahead the next opening is looked for: a hut closed for longer says only "closed".
LOOK_AHEAD_DAYS = 60

CLOSED_TITLE = N_("Closed")
REOPENS_TODAY = N_("Open again today at {time}")
REOPENS_TOMORROW = N_("Open again tomorrow at {time}")
REOPENS_WEEKDAY = N_("Open again on {weekday} at {time}")
REOPENS_DATE = N_("Open again on {month}/{day} at {time}")
REOPENS_UNKNOWN = N_("Closed until further notice")
CLOSED_DAY = N_("closed")
DAY_OFF_TODAY = N_("Today is a day off")
TODAY_HOURS = N_("Open today {hours}")
CLOSED_TODAY = N_("Closed today")

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"   # the terminal's minute (TerminalView.minute)

Range = tuple[int, int]   # minutes after midnight: opening, closing (1440 = midnight at the day's end)


def parse_day(text: str) -> tuple[Range, ...]:
    """``"08:30-12:00, 13:30-17:30"`` -> ((510, 720), (810, 1050)); ``""`` -> () (closed).
    Raises ValueError with what is expected."""
    text = text.strip()
    if not text:
        return ()
    out: list[Range] = []
    for part in text.split(","):
        match = _RANGE.fullmatch(part.strip())
        if match is None or (match.group(3) == "24" and match.group(4) != "00"):
            raise ValueError('opening and closing time as "08:30-17:30" (24-hour clock; several ranges separated '
                             'by ",", such as "08:30-12:00, 13:30-17:30"), or "" for a day the hut is closed')
        opens = int(match.group(1)) * 60 + int(match.group(2))
        closes = int(match.group(3)) * 60 + int(match.group(4))
        if opens >= closes:
            raise ValueError(f'each range opening before closing ("{part.strip()}" closes first)')
        if out and opens < out[-1][1]:
            raise ValueError("ranges in order, each after the one before (they overlap or go backwards)")
        out.append((opens, closes))
    return tuple(out)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_text(ranges: Sequence[Range]) -> str:
    """((510, 1050),) -> "08:30–17:30" (an en dash between, ", " between ranges)."""
    return ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in ranges)


@dataclass(frozen=True)
class OpeningHours:
    """Per weekday (Monday first) the ranges the hut is open, and its days off."""

    week: tuple[tuple[Range, ...], ...]
    days_off: frozenset[dt.date] = frozenset()
    screen_off_seconds: float = 300.0

    @classmethod
    def from_settings(cls, hours: Any) -> OpeningHours | None:
        """From ``settings.hut.hours`` (None when the hut has no ``[hut.hours]``: never closed)."""
        if hours is None:
            return None
        return cls(week=tuple(parse_day(getattr(hours, key)) for key in DAY_KEYS),
                   days_off=frozenset(dt.date.fromisoformat(d) for d in hours.days_off),
                   screen_off_seconds=float(hours.screen_off_minutes) * 60)

    def ranges_on(self, day: dt.date) -> tuple[Range, ...]:
        return () if day in self.days_off else self.week[day.weekday()]

    def is_open(self, moment: dt.datetime) -> bool:
        minute = moment.hour * 60 + moment.minute
        return any(a <= minute < b for a, b in self.ranges_on(moment.date()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime | None:
        """The next moment the hut opens after ``moment`` (None: not within LOOK_AHEAD_DAYS).
        A range that runs on past midnight into the next day's (24:00 then 00:00) is one opening."""
        minute = moment.hour * 60 + moment.minute
        day = moment.date()
        for offset in range(LOOK_AHEAD_DAYS + 1):
            current = day + dt.timedelta(days=offset)
            for opens, _closes in self.ranges_on(current):
                if offset == 0 and opens <= minute:
                    continue
                if opens == 0 and self._open_at_end_of(current - dt.timedelta(days=1)):
                    continue   # not an opening: the day before ran on into this one
                return dt.datetime.combine(current, dt.time(opens // 60, opens % 60))
        return None

    def _open_at_end_of(self, day: dt.date) -> bool:
        return any(b == 1440 for _a, b in self.ranges_on(day))

    def summary(self) -> str:
        """The week as one line for logs and docs: ``mon 08:30–17:30; ...; sun closed``."""
        return "; ".join(f"{key[:3]} {day_text(r) or 'closed'}" for key, r in zip(DAY_KEYS, self.week, strict=True))


def reopens_line(reopens: str, now_minute: str, lang: str, tr: Translate) -> str:
    """"明天08:30开放" / "Open again tomorrow at 08:30" for the closed screen.
    ``reopens`` and ``now_minute`` are the terminal's minutes ("2026-03-05T08:30"; "" unknown)."""
    if not reopens:
        return tr(REOPENS_UNKNOWN, lang)
    at = dt.datetime.strptime(reopens, MINUTE_FORMAT)
    now = dt.datetime.strptime(now_minute, MINUTE_FORMAT) if now_minute else at
    time = at.strftime("%H:%M")
    days = (at.date() - now.date()).days
    if days <= 0:
        return tr(REOPENS_TODAY, lang).format(time=time)
    if days == 1:
        return tr(REOPENS_TOMORROW, lang).format(time=time)
    if days < 7:
        return tr(REOPENS_WEEKDAY, lang).format(weekday=tr(WEEKDAYS[at.weekday()], lang), time=time)
    return tr(REOPENS_DATE, lang).format(month=at.month, day=at.day, time=time)


def week_lines(hours: OpeningHours | None, lang: str, tr: Translate) -> list[str]:
    """Each weekday's hours, for the closed screen woken by a touch: "星期一 08:30–17:30"."""
    if hours is None:
        return []
    return [f"{tr(WEEKDAYS[i], lang)}  {day_text(r) or tr(CLOSED_DAY, lang)}" for i, r in enumerate(hours.week)]


def today_line(hours: OpeningHours, minute: str, lang: str, tr: Translate) -> str:
    """The home screen's hours line for a hut with ``[hut.hours]``: today's hours, or closed today."""
    if not minute:
        return ""
    day = dt.datetime.strptime(minute, MINUTE_FORMAT).date()
    if day in hours.days_off:
        return tr(DAY_OFF_TODAY, lang)
    ranges = hours.ranges_on(day)
    return tr(TODAY_HOURS, lang).format(hours=day_text(ranges)) if ranges else tr(CLOSED_TODAY, lang)
