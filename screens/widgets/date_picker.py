"""A date picker for elderly residents: year, month and day, each with big + and -.

No calendar grid (small cells, a month to page through) and no typing: three
columns, each a large number between a "+" and a "-" button.  The day is
kept within the month (31 January plus a month is 28 or 29 February), so
the value is always a real date; ``value`` is ISO (YYYY-MM-DD), the form the
catalog's date fields take.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout


class DatePicker(BoxLayout):
    year = NumericProperty(1960)
    month = NumericProperty(1)
    day = NumericProperty(1)
    min_year = NumericProperty(1900)
    max_year = NumericProperty(2100)
    value = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(year=self._update, month=self._update, day=self._update)
        self._update()

    def set_date(self, value: str) -> None:
        """Show ``value`` (ISO); an empty or malformed value leaves the picker where it is."""
        try:
            date = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return
        self.year, self.month, self.day = date.year, date.month, date.day

    def step(self, part: str, delta: int) -> None:
        if part == "year":
            self.year = min(self.max_year, max(self.min_year, self.year + delta))
        elif part == "month":
            self.month = (self.month - 1 + delta) % 12 + 1
        elif part == "day":
            last = calendar.monthrange(int(self.year), int(self.month))[1]
            self.day = (self.day - 1 + delta) % last + 1

    def _update(self, *_args) -> None:
        last = calendar.monthrange(int(self.year), int(self.month))[1]
        if self.day > last:
            self.day = last
            return
        self.value = dt.date(int(self.year), int(self.month), int(self.day)).isoformat()


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
