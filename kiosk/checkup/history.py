"""A resident's earlier health results, from the platform, for the trend chart.

The platform keeps health records per resident hash and returns the newest
visits to a query by that hash (``GET /v1/health-records?id_hash=``, through
``CentralClient.health_history``).  :func:`parse_history` turns its answer
into a :class:`History`: per kind, the (date, value) points of the last
visits, oldest first.  The answer comes from another system: an entry that
is not a well-formed visit or measurement is skipped, and only an answer
with nothing usable in its shape at all is an error.

Health values are sensitive: the ``repr`` shows how many visits, never a value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from drivers.health.records import Kind
from kiosk.errors import KioskError

MAX_VISITS = 10


@dataclass(frozen=True, repr=False)
class History:
    """The last visits' values; ``visits`` is how many visits it holds."""

    visits: int
    _points: dict[Kind, tuple[tuple[dt.date, float], ...]]

    def series(self, kind: Kind) -> tuple[tuple[dt.date, float], ...]:
        """(date, value) per visit that measured ``kind``, oldest first."""
        return self._points.get(Kind(kind), ())

    def kinds(self) -> frozenset[Kind]:
        return frozenset(self._points)

    def __bool__(self) -> bool:
        return bool(self._points)

    def __repr__(self) -> str:
        return f"History(visits={self.visits}, values=<hidden>)"

    __str__ = __repr__


EMPTY = History(0, {})


def _when(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None   # the contract's times carry an offset


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _quantities(observation: dict) -> list[tuple[Kind, float]]:
    """The (kind, value) pairs of one observation: the blood-pressure panel
    gives its components."""
    items = observation.get("components") if observation.get("kind") == "blood_pressure" else [observation]
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            kind = Kind(str(item.get("kind")))
        except ValueError:
            continue
        value = _number(item.get("value"))
        if value is not None:
            out.append((kind, value))
    return out


def _visit(record: Any) -> tuple[dt.datetime, dict[Kind, float]] | None:
    """One visit's time and its values, or None when it is not a visit."""
    if not isinstance(record, dict) or not isinstance(record.get("observations"), list):
        return None
    values: dict[Kind, float] = {}
    times: list[dt.datetime] = []
    for observation in record["observations"]:
        if not isinstance(observation, dict):
            continue
        found = _quantities(observation)
        values.update(found)
        when = _when(observation.get("measured_at"))
        if found and when is not None:
            times.append(when)
    when = _when(record.get("measured_at")) or (max(times) if times else None)
    if when is None or not values:
        return None
    return when, values


def parse_history(answer: Any) -> History:
    """The platform's answer (its ``{"health_records": [...]}`` or the list
    ``health_history`` returns) as a :class:`History` of at most the last
    ten visits.  Raises :class:`KioskError` when the answer is no list of
    records at all; a malformed record or value inside is skipped."""
    records = answer.get("health_records") if isinstance(answer, dict) else answer
    if not isinstance(records, list):
        raise KioskError("the platform's health history is not a list of records: nothing to show")
    if records and not any(isinstance(r, dict) for r in records):
        raise KioskError("the platform's health history holds no record objects: nothing to show")
    visits = sorted((v for v in map(_visit, records) if v is not None), key=lambda v: v[0])[-MAX_VISITS:]
    points: dict[Kind, list[tuple[dt.date, float]]] = {}
    for when, values in visits:
        for kind, value in values.items():
            points.setdefault(kind, []).append((when.date(), value))
    return History(len(visits), {k: tuple(v) for k, v in points.items()})
