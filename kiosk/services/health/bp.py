"""Blood pressure as the guideline measures it: repeated readings and their mean.

Source: 《中国高血压防治指南(2018年修订版)》, 诊室血压测量 (office measurement):
sit quietly for at least 5 minutes, measure on the upper arm at heart height,
repeat after 1-2 minutes and record the mean of two readings; when the
systolic or the diastolic values of the two differ by more than 5 mmHg,
measure a third time.  The hut then records the mean of the two closest
readings (the issue's rule for the kiosk; the guideline's text averages all
three, which a single outlier of a moving resident would pull).

Pure: the flow hands in each reading's records and files what ``mean_records`` returns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Sequence

from drivers.health.records import Kind, Measurement

MAX_DIFFERENCE = 5.0   # mmHg, systolic or diastolic, between the first two readings
MAX_READINGS = 3


@dataclass(frozen=True, repr=False)
class Reading:
    """One reading's records (systolic, diastolic, perhaps pulse)."""

    records: tuple[Measurement, ...]

    def value(self, kind: Kind) -> float | None:
        return next((m.value for m in self.records if m.kind is kind and m.value is not None), None)

    @property
    def systolic(self) -> float:
        value = self.value(Kind.SYSTOLIC)
        assert value is not None   # a MeasurementSession keeps only readings with both
        return value

    @property
    def diastolic(self) -> float:
        value = self.value(Kind.DIASTOLIC)
        assert value is not None
        return value

    def __repr__(self) -> str:
        return "Reading(<hidden>)"


def differ(a: Reading, b: Reading) -> bool:
    return abs(a.systolic - b.systolic) > MAX_DIFFERENCE or abs(a.diastolic - b.diastolic) > MAX_DIFFERENCE


def needs_another(readings: Sequence[Reading]) -> bool:
    """After this many readings, is one more due?"""
    if len(readings) < 2:
        return True
    return len(readings) == 2 and differ(readings[0], readings[1])


def chosen(readings: Sequence[Reading]) -> tuple[Reading, ...]:
    """The readings the mean is taken of: both of two, the closest two of three."""
    if len(readings) <= 2:
        return tuple(readings)

    def distance(pair: tuple[Reading, Reading]) -> tuple[float, float]:
        a, b = pair
        ds, dd = abs(a.systolic - b.systolic), abs(a.diastolic - b.diastolic)
        return max(ds, dd), ds + dd

    return min(itertools.combinations(readings[:MAX_READINGS], 2), key=distance)


def mean_records(readings: Sequence[Reading]) -> tuple[Measurement, ...]:
    """The visit's blood pressure: each kind's mean over the chosen readings,
    with how it was obtained and the readings themselves in ``context``."""
    if not readings:
        raise ValueError("no blood pressure reading")
    used = chosen(readings)
    series = ",".join(f"{r.systolic:g}/{r.diastolic:g}" for r in readings)
    last = used[-1]
    out = []
    for record in last.records:
        if record.value is None or record.kind not in (Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE):
            continue
        values = [v for v in (r.value(record.kind) for r in used) if v is not None]
        context = {**record.context, "method": "mean" if len(used) > 1 else "single", "readings": len(readings),
                   "used": len(used), "series": series}
        out.append(replace(record, value=sum(values) / len(values), context=context))
    return tuple(out)
