"""What a health-check value means, in words a resident reads.

The numbers are not in code: they come from a reference table
(``references.toml`` beside this file, or a technician's copy), which keeps
each range next to its source.  Values are classified as shown: rounded half
up to the table's decimals first, so the screen never shows "24.0" next to
"normal weight".  Every result carries the note that a kiosk reading is for
reference and not a diagnosis (仅供参考，不作诊断依据), every band of its
scale (the screen draws them as a coloured band with a marker, never colour
alone) and whether the value crosses the scale's urgent thresholds (see a
doctor today).
"""

from __future__ import annotations

import enum
import math
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence

from pydantic import Field, model_validator

from drivers.options import DriverOptions, OptionError, Text, validate
from kiosk.errors import KioskError

DEFAULT_TABLE = Path(__file__).with_name("references.toml")
Flag = Literal["normal", "high", "low"]


class GlucoseContext(enum.StrEnum):
    """When the blood sample was taken: the cut-offs differ."""

    FASTING = "fasting"          # at least 8 hours without food
    AFTER_MEAL = "after_meal"    # 2 hours after the start of a meal
    RANDOM = "random"            # any time of day


class _Words(DriverOptions):
    category: Annotated[str, Field(min_length=1, max_length=64)]
    flag: Flag
    label_zh: Text
    label_en: Text


class Band(_Words):
    start: float = Field(alias="from")


class Grade(_Words):
    systolic_from: Annotated[float, Field(ge=0)]
    diastolic_from: Annotated[float, Field(ge=0)]


def _ascending(items: list[Any], *keys: str) -> None:
    if not items:
        raise OptionError("bands", "at least one band")
    for key in keys:
        starts = [getattr(i, key) for i in items]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise OptionError(key, "bands in rising order of their lower bounds")


class Urgent(DriverOptions):
    """When a value of one scale means "see a doctor today", on the shown
    value: ``from`` (at or above), ``below`` (under) or ``at_most`` (at or
    under); at least one, and ``below`` or ``at_most``, not both."""

    source: Text
    start: float | None = Field(None, alias="from")
    below: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _sensible(self) -> "Urgent":
        if self.start is None and self.below is None and self.at_most is None:
            raise OptionError("from", "an urgent threshold: from, below or at_most")
        if self.below is not None and self.at_most is not None:
            raise OptionError("at_most", "either below or at_most, not both")
        low = self.below if self.below is not None else self.at_most
        if low is not None and self.start is not None and low >= self.start:
            raise OptionError("from", "a threshold above the low one (below / at_most)")
        return self


class BloodPressureUrgent(DriverOptions):
    """Urgent when the shown systolic or the shown diastolic value reaches its threshold."""

    source: Text
    systolic_from: Annotated[float, Field(ge=0)]
    diastolic_from: Annotated[float, Field(ge=0)]


class Scale(DriverOptions):
    source: Text
    decimals: Annotated[int, Field(ge=0, le=3)]
    bands: list[Band]
    urgent: Urgent | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        _ascending(self.bands, "start")
        return self


class BloodPressureScale(DriverOptions):
    source: Text
    decimals: Annotated[int, Field(ge=0, le=3)]
    grades: list[Grade]
    urgent: BloodPressureUrgent | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "BloodPressureScale":
        _ascending(self.grades, "systolic_from", "diastolic_from")
        return self


class ReferenceTable(DriverOptions):
    note_zh: Text
    note_en: Text
    blood_pressure: BloodPressureScale
    bmi: Scale
    waist_male: Scale
    waist_female: Scale
    spo2: Scale
    temperature: Scale
    glucose_fasting: Scale
    glucose_after_meal: Scale
    glucose_random: Scale


@dataclass(frozen=True)
class BandWords:
    """One band of a scale as the screen draws it (no value in it)."""

    category: str
    flag: str
    label_zh: str
    label_en: str


@dataclass(frozen=True, repr=False)
class Classification:
    """The words for one result.  Holds no value, but the words themselves
    say something about the resident's health: its ``repr`` hides them.

    ``bands`` is every band of the scale used, in rising order; ``band_index``
    is the one this result falls in (``bands[band_index]`` has this result's
    words).  ``urgent``: the value crossed the scale's urgent thresholds."""

    category: str
    flag: str
    label_zh: str
    label_en: str
    note_zh: str
    note_en: str
    source: str
    urgent: bool = False
    bands: tuple[BandWords, ...] = ()
    band_index: int = 0
    urgent_source: str = ""

    def __repr__(self) -> str:
        return "Classification(<hidden>)"

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "label_zh": self.label_zh, "label_en": self.label_en,
                "urgent": self.urgent}


def load_table(path: str | Path | None = None) -> ReferenceTable:
    path = Path(path) if path is not None else DEFAULT_TABLE
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise KioskError(f"{path}: cannot read the reference table: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise KioskError(f"{path}: not valid TOML: {exc}") from None
    try:
        return validate(ReferenceTable, raw)
    except OptionError as exc:
        raise KioskError(f"{path}: {exc}") from None


def shown(value: float, decimals: int) -> Decimal:
    """The value as the screen and slip show it (rounded half up)."""
    if not math.isfinite(value):
        raise KioskError("a reading to classify must be a finite number")
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _d(number: float) -> Decimal:
    return Decimal(repr(float(number)))


def _words(items: Sequence[_Words]) -> tuple[BandWords, ...]:
    return tuple(BandWords(i.category, i.flag, i.label_zh, i.label_en) for i in items)


def _result(items: Sequence[_Words], index: int, table: ReferenceTable, source: str, urgent: bool,
            urgent_source: str) -> Classification:
    words = items[index]
    return Classification(words.category, words.flag, words.label_zh, words.label_en, table.note_zh, table.note_en,
                          source, urgent, _words(items), index, urgent_source if urgent else "")


def _index(scale: Scale, x: Decimal) -> int:
    chosen = 0
    for i, band in enumerate(scale.bands):
        if x >= _d(band.start):
            chosen = i
    return chosen


def _is_urgent(urgent: Urgent | None, x: Decimal) -> bool:
    if urgent is None:
        return False
    return ((urgent.start is not None and x >= _d(urgent.start))
            or (urgent.below is not None and x < _d(urgent.below))
            or (urgent.at_most is not None and x <= _d(urgent.at_most)))


def _on_scale(scale: Scale, value: float, table: ReferenceTable) -> Classification:
    x = shown(value, scale.decimals)
    return _result(scale.bands, _index(scale, x), table, scale.source, _is_urgent(scale.urgent, x),
                   scale.urgent.source if scale.urgent else "")


def blood_pressure(systolic: float, diastolic: float, table: ReferenceTable) -> Classification:
    """Each value graded alone; the higher grade wins (isolated systolic
    hypertension is graded by its systolic value, as the guideline says)."""
    scale = table.blood_pressure
    s, d = shown(systolic, scale.decimals), shown(diastolic, scale.decimals)
    index_s = max(i for i, g in enumerate(scale.grades) if s >= _d(g.systolic_from) or i == 0)
    index_d = max(i for i, g in enumerate(scale.grades) if d >= _d(g.diastolic_from) or i == 0)
    urgent = scale.urgent is not None and (s >= _d(scale.urgent.systolic_from) or d >= _d(scale.urgent.diastolic_from))
    return _result(scale.grades, max(index_s, index_d), table, scale.source, urgent,
                   scale.urgent.source if scale.urgent else "")


def bmi(value: float, table: ReferenceTable) -> Classification:
    return _on_scale(table.bmi, value, table)


def waist(cm: float, sex: str, table: ReferenceTable) -> Classification:
    """Central obesity by waist circumference; the cut-offs differ by sex ("male" / "female")."""
    if sex == "male":
        return _on_scale(table.waist_male, cm, table)
    if sex == "female":
        return _on_scale(table.waist_female, cm, table)
    raise KioskError(f"waist: sex must be 'male' or 'female', not {sex!r} (the cut-offs differ)")


def spo2(value: float, table: ReferenceTable) -> Classification:
    return _on_scale(table.spo2, value, table)


def temperature(value: float, table: ReferenceTable) -> Classification:
    return _on_scale(table.temperature, value, table)


def glucose(value: float, context: GlucoseContext, table: ReferenceTable) -> Classification:
    scales = {GlucoseContext.FASTING: table.glucose_fasting, GlucoseContext.AFTER_MEAL: table.glucose_after_meal,
              GlucoseContext.RANDOM: table.glucose_random}
    try:
        scale = scales[GlucoseContext(context)]
    except ValueError:
        raise KioskError(f"glucose: the context must be one of {', '.join(GlucoseContext)}, "
                         f"not {context!r}") from None
    return _on_scale(scale, value, table)


def bmi_of(weight_kg: float, height_cm: float) -> float:
    """BMI from a scale that reports only weight and height."""
    if height_cm <= 0:
        raise KioskError("height must be above zero to compute a BMI")
    return weight_kg / (height_cm / 100.0) ** 2
