"""What a health-check value means, in words a resident reads.

The numbers are not in code: they come from a reference table
(``references.toml`` beside this file, or a technician's copy), which keeps
each range next to its source.  Values are classified as shown: rounded half
up to the table's decimals first, so the screen never shows "24.0" next to
"normal weight".  Every result carries the note that a kiosk reading is for
reference and not a diagnosis (仅供参考，不作诊断依据).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from drivers.options import DriverOptions, OptionError, Text, validate
from kiosk.errors import KioskError

DEFAULT_TABLE = Path(__file__).with_name("references.toml")
Flag = Literal["normal", "high", "low"]


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


class Scale(DriverOptions):
    source: Text
    decimals: Annotated[int, Field(ge=0, le=3)]
    bands: list[Band]

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        _ascending(self.bands, "start")
        return self


class BloodPressureScale(DriverOptions):
    source: Text
    decimals: Annotated[int, Field(ge=0, le=3)]
    grades: list[Grade]

    @model_validator(mode="after")
    def _ordered(self) -> "BloodPressureScale":
        _ascending(self.grades, "systolic_from", "diastolic_from")
        return self


class ReferenceTable(DriverOptions):
    note_zh: Text
    note_en: Text
    blood_pressure: BloodPressureScale
    bmi: Scale
    spo2: Scale
    temperature: Scale
    glucose_fasting: Scale
    glucose_random: Scale


@dataclass(frozen=True, repr=False)
class Classification:
    """The words for one result.  Holds no value, but the words themselves
    say something about the resident's health: its ``repr`` hides them."""

    category: str
    flag: str
    label_zh: str
    label_en: str
    note_zh: str
    note_en: str
    source: str

    def __repr__(self) -> str:
        return "Classification(<hidden>)"

    def as_json(self) -> dict[str, str]:
        return {"category": self.category, "label_zh": self.label_zh, "label_en": self.label_en}


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


def _result(words: _Words, table: ReferenceTable, source: str) -> Classification:
    return Classification(words.category, words.flag, words.label_zh, words.label_en, table.note_zh, table.note_en,
                          source)


def _band(scale: Scale, value: float) -> Band:
    x = shown(value, scale.decimals)
    chosen = scale.bands[0]
    for band in scale.bands:
        if x >= Decimal(repr(band.start)):
            chosen = band
    return chosen


def blood_pressure(systolic: float, diastolic: float, table: ReferenceTable) -> Classification:
    """Each value graded alone; the higher grade wins (isolated systolic
    hypertension is graded by its systolic value, as the guideline says)."""
    scale = table.blood_pressure
    s, d = shown(systolic, scale.decimals), shown(diastolic, scale.decimals)
    index_s = max(i for i, g in enumerate(scale.grades) if s >= Decimal(repr(g.systolic_from)) or i == 0)
    index_d = max(i for i, g in enumerate(scale.grades) if d >= Decimal(repr(g.diastolic_from)) or i == 0)
    return _result(scale.grades[max(index_s, index_d)], table, scale.source)


def bmi(value: float, table: ReferenceTable) -> Classification:
    return _result(_band(table.bmi, value), table, table.bmi.source)


def spo2(value: float, table: ReferenceTable) -> Classification:
    return _result(_band(table.spo2, value), table, table.spo2.source)


def temperature(value: float, table: ReferenceTable) -> Classification:
    return _result(_band(table.temperature, value), table, table.temperature.source)


def glucose(value: float, fasting: bool, table: ReferenceTable) -> Classification:
    scale = table.glucose_fasting if fasting else table.glucose_random
    return _result(_band(scale, value), table, scale.source)


def bmi_of(weight_kg: float, height_cm: float) -> float:
    """BMI from a scale that reports only weight and height."""
    if height_cm <= 0:
        raise KioskError("height must be above zero to compute a BMI")
    return weight_kg / (height_cm / 100.0) ** 2
