"""The one measurement record every health codec yields.

Whatever the wire (a Bluetooth SIG characteristic, the CMS50D+ stream, an
ASCII line), a reading ends up as :class:`Measurement`: a kind, a value in
the unit Chinese residents read (mmHg, kg, cm, °C, %, mmol/L), its LOINC
code, the time, the device, and the raw bytes as hex for audit.  A value the
device marks as not-a-number, not-at-this-resolution or infinite stays a
special (``value`` None, ``special`` "NaN"...), never a number.

Health results are sensitive personal information (PIPL art. 28): the
``repr`` of a record shows neither value nor raw bytes, so an accidental
``log.debug("%r", record)`` cannot leak them.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from drivers.base import Action, DeviceFailure


class Kind(enum.StrEnum):
    SYSTOLIC = "systolic"
    DIASTOLIC = "diastolic"
    MEAN_ARTERIAL = "mean_arterial"
    PULSE = "pulse"
    WEIGHT = "weight"
    HEIGHT = "height"
    BMI = "bmi"
    WAIST = "waist"          # typed in on the keypad: no device measures it
    TEMPERATURE = "temperature"
    SPO2 = "spo2"
    GLUCOSE = "glucose"


# LOINC code and the unit a resident reads, per kind.
LOINC: dict[Kind, str] = {
    Kind.SYSTOLIC: "8480-6",
    Kind.DIASTOLIC: "8462-4",
    Kind.MEAN_ARTERIAL: "8478-0",
    Kind.PULSE: "8867-4",
    Kind.WEIGHT: "29463-7",
    Kind.HEIGHT: "8302-2",
    Kind.BMI: "39156-5",
    Kind.WAIST: "8280-0",
    Kind.TEMPERATURE: "8310-5",
    Kind.SPO2: "59408-5",
    Kind.GLUCOSE: "15074-8",
}
UNITS: dict[Kind, str] = {
    Kind.SYSTOLIC: "mmHg", Kind.DIASTOLIC: "mmHg", Kind.MEAN_ARTERIAL: "mmHg", Kind.PULSE: "/min",
    Kind.WEIGHT: "kg", Kind.HEIGHT: "cm", Kind.BMI: "kg/m2", Kind.WAIST: "cm", Kind.TEMPERATURE: "°C", Kind.SPO2: "%",
    Kind.GLUCOSE: "mmol/L",
}
# Plausible physical bounds per kind (in the record's unit): a value outside
# is a decoding or device fault, not a reading; the platform uses the same.
BOUNDS: dict[Kind, tuple[float, float]] = {
    Kind.SYSTOLIC: (0, 400), Kind.DIASTOLIC: (0, 400), Kind.MEAN_ARTERIAL: (0, 400), Kind.PULSE: (0, 400),
    Kind.WEIGHT: (0, 700), Kind.HEIGHT: (0, 300), Kind.BMI: (0, 200), Kind.WAIST: (30, 250), Kind.TEMPERATURE: (-50, 100),
    Kind.SPO2: (0, 100), Kind.GLUCOSE: (0, 200),
}


class Special(enum.StrEnum):
    """IEEE 11073-20601 special values (and a scale's "unsuccessful")."""

    NAN = "NaN"
    NRES = "NRes"
    POSITIVE_INFINITY = "+INF"
    NEGATIVE_INFINITY = "-INF"
    RESERVED = "reserved"
    UNSUCCESSFUL = "unsuccessful"


class CodecError(DeviceFailure):
    """Bytes that are not what the protocol says (too short, bad checksum,
    a reserved field): the codec's one error, a :class:`DeviceFailure` so the
    driver layer keeps one exception type."""

    def __init__(self, codec: str, what: str):
        super().__init__(f"{codec}: {what}", Action.AUTO, "decode")
        self.codec = codec
        self.what = what


@dataclass(frozen=True, repr=False)
class Measurement:
    """One measured quantity.  ``value`` is None exactly when ``special`` is set."""

    kind: Kind
    value: float | None
    unit: str
    loinc: str
    raw_hex: str = ""
    time: dt.datetime | None = None        # the device's time stamp, or when it arrived
    device: str = ""                       # the configured device name (and model)
    special: Special | None = None
    context: Mapping[str, Any] = field(default_factory=dict)  # user id, status flags, sample type...

    def __post_init__(self) -> None:
        if (self.value is None) == (self.special is None):
            raise ValueError("a measurement has either a value or a special, not both or neither")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError("a measurement value must be finite")

    def __repr__(self) -> str:
        return f"Measurement(kind={self.kind.value!r}, unit={self.unit!r}, device={self.device!r}, value=<hidden>)"

    __str__ = __repr__

    def with_source(self, device: str, time: dt.datetime) -> "Measurement":
        """The record as the driver delivers it: its device, and the arrival
        time where the device sent none."""
        return replace(self, device=device, time=self.time or time)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "value": self.value, "unit": self.unit, "loinc": self.loinc}
        if self.special is not None:
            out["special"] = self.special.value
        return out

    def as_contract(self) -> dict[str, Any]:
        """The measurement as the contract's HealthRecord carries it."""
        out = self.as_json()
        out["device"] = self.device
        out["raw_hex"] = self.raw_hex
        if self.time is not None:
            # Device clocks and the kiosk's arrival stamps are local time;
            # the contract wants an offset (RFC 3339).
            out["measured_at"] = self.time.astimezone().isoformat(timespec="seconds")
        if self.context:
            out["context"] = {k: v for k, v in self.context.items() if isinstance(v, (str, int, float, bool))}
        return out


def measurement(kind: Kind, value: float | None, raw: bytes, special: Special | None = None,
                time: dt.datetime | None = None, **context: Any) -> Measurement:
    """A record in the kind's own unit; ``value`` must already be in it."""
    if value is not None:
        lo, hi = BOUNDS[kind]
        if not math.isfinite(value) or not lo <= value <= hi:
            raise CodecError(kind.value, f"value outside {lo:g}..{hi:g} {UNITS[kind]}: not a reading")
    return Measurement(kind, value, UNITS[kind], LOINC[kind], raw.hex(), time, "", special, context)


# Unit conversions to what a resident reads.
MMHG_PER_KPA = 7.500617
KG_PER_LB = 0.45359237
CM_PER_INCH = 2.54
GLUCOSE_MG_PER_MMOL = 18.016  # glucose's molar mass, 180.16 g/mol: mg/dL per mmol/L


def fahrenheit_to_celsius(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0
