"""A configurable ASCII line protocol: height-weight scales, thermometers and
serial blood-pressure monitors that print one line per reading.

The format lives in the config file (``[devices.<name>.options.format]``):
the line terminator, one regular expression whose named groups are the
fields, each field's kind, unit and scale, an optional checksum, and the
lines that mean progress ("inflating") or a fault ("cuff leak").  A progress
line may carry what the device reads meanwhile (the cuff's pressure, an
unstable weight): a named group of its pattern listed under ``live``.  Two
real formats ship as presets (:data:`PRESETS`); any other is configured, not
coded.

Sans-I/O: :class:`LineDecoder` takes bytes and gives :class:`LineReading`,
:class:`LineProgress`, :class:`LineFault` and :class:`LineRejected`; no input
raises.  :func:`decode_line` is the strict one-line form (raises CodecError).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from drivers.health.records import (
    CM_PER_INCH,
    GLUCOSE_MG_PER_MMOL,
    KG_PER_LB,
    LIVE_UNITS,
    MMHG_PER_KPA,
    UNITS,
    CodecError,
    Kind,
    Live,
    LiveKind,
    Measurement,
    fahrenheit_to_celsius,
    live_value,
    measurement,
)
from drivers.options import DriverOptions, OptionError, Text, validate

# unit -> (the record's unit, how to convert to it)
_LINEAR: dict[str, tuple[str, float]] = {
    "mmHg": ("mmHg", 1.0), "kPa": ("mmHg", MMHG_PER_KPA), "kg": ("kg", 1.0), "g": ("kg", 0.001),
    "lb": ("kg", KG_PER_LB), "cm": ("cm", 1.0), "mm": ("cm", 0.1), "m": ("cm", 100.0), "in": ("cm", CM_PER_INCH),
    "%": ("%", 1.0), "mmol/L": ("mmol/L", 1.0), "mg/dL": ("mmol/L", 1 / GLUCOSE_MG_PER_MMOL),
    "/min": ("/min", 1.0), "kg/m2": ("kg/m2", 1.0), "°C": ("°C", 1.0),
}
Unit = Literal["mmHg", "kPa", "kg", "g", "lb", "cm", "mm", "m", "in", "%", "mmol/L", "mg/dL", "/min", "kg/m2",
               "°C", "°F"]
KindName = Literal["systolic", "diastolic", "mean_arterial", "pulse", "weight", "height", "bmi", "temperature",
                   "spo2", "glucose"]
# What progress and fault lines may mean; the driver maps each to a screen
# prompt and a device status.
ProgressStep = Literal["inflating", "deflating", "measuring", "step_on", "hold_still", "insert_strip",
                       "apply_blood"]
FaultName = Literal["cuff_leak", "cuff_loose", "movement", "overrange", "low_battery", "strip_error",
                    "device_error"]
LiveKindName = Literal["cuff_pressure", "weight", "spo2", "pulse"]
TERMINATORS = {"\r\n": b"\r\n", "\n": b"\n", "\r": b"\r"}


class FieldSpec(DriverOptions):
    kind: KindName
    unit: Unit
    scale: Annotated[float, Field(gt=0, le=1e6)] = 1.0   # e.g. 0.1 when the device prints tenths


class LiveSpec(DriverOptions):
    """A number a progress line carries for the screen (never a result)."""

    kind: LiveKindName
    unit: Unit
    scale: Annotated[float, Field(gt=0, le=1e6)] = 1.0


class LineFormat(DriverOptions):
    terminator: Literal["\r\n", "\n", "\r"] = "\r\n"
    pattern: Annotated[Text, Field(description="a regular expression with a named group per field")]
    fields: dict[str, FieldSpec]
    checksum: Literal["none", "xor8", "sum8"] = "none"
    checksum_group: str = "cs"   # two hex digits over the bytes before this group
    progress: dict[ProgressStep, Text] = {}
    faults: dict[FaultName, Text] = {}
    live: dict[str, LiveSpec] = {}   # named groups of the progress patterns
    max_line: Annotated[int, Field(ge=16, le=4096)] = 512

    @model_validator(mode="after")
    def _compiles(self) -> "LineFormat":
        for key, text in [("pattern", self.pattern), *[(f"progress.{k}", v) for k, v in self.progress.items()],
                          *[(f"faults.{k}", v) for k, v in self.faults.items()]]:
            try:
                re.compile(text)
            except re.error as exc:
                raise OptionError(key, f"a regular expression ({exc})") from None
        groups = set(re.compile(self.pattern).groupindex)
        if not self.fields:
            raise OptionError("fields", "at least one field")
        for name in self.fields:
            if name not in groups:
                raise OptionError(f"fields.{name}", f"a named group of pattern (it has: {', '.join(sorted(groups))})")
        if self.checksum != "none" and self.checksum_group not in groups:
            raise OptionError("checksum_group", "a named group of pattern holding the checksum's hex digits")
        progress_groups = set().union(*(re.compile(p).groupindex for p in self.progress.values()))
        for name in self.live:
            if name not in progress_groups:
                raise OptionError(f"live.{name}", "a named group of a progress pattern (they have: "
                                  f"{', '.join(sorted(progress_groups)) or 'none'})")
        check_units(self)
        return self


PRESETS: dict[str, dict[str, Any]] = {
    # Tanita body-composition scales and height-weight stations (BC-418,
    # MC-780, WB-380H...), RS-232 "data output format": one line of
    # comma-separated key,value pairs, e.g.
    #   {0,16,~0,1,~1,1,~2,1,MO,"WB-380H",...,Hm,170.0,...,Wk,65.4,MI,22.6,...,CS,5F
    # Wk weight (kg), Hm height (cm), MI BMI.  Keys may come in any order,
    # hence one look-ahead per key.  The CS field's algorithm differs across
    # models, so the preset does not check it.
    "tanita": {
        "terminator": "\r\n",
        "pattern": r"^(?=.*(?:^|,)Wk,(?P<weight>\d+(?:\.\d+)?)(?:,|$))"
                   r"(?=(?:.*(?:^|,)Hm,(?P<height>\d+(?:\.\d+)?)(?:,|$))?)"
                   r"(?=(?:.*(?:^|,)MI,(?P<bmi>\d+(?:\.\d+)?)(?:,|$))?)",
        "fields": {"weight": {"kind": "weight", "unit": "kg"}, "height": {"kind": "height", "unit": "cm"},
                   "bmi": {"kind": "bmi", "unit": "kg/m2"}},
    },
    # A&D weighing indicators and platform scales, "standard format": a
    # two-letter header (ST stable, US unstable, OL overload), a comma, the
    # sign and eight characters of number, then the unit, e.g.
    #   ST,+00065.40  kg
    "and-standard": {
        "terminator": "\r\n",
        "pattern": r"^ST,(?P<weight>[+-][0-9. ]{8})\s*kg$",
        "fields": {"weight": {"kind": "weight", "unit": "kg"}},
        "progress": {"hold_still": r"^US,(?:(?P<unstable>[+-][0-9. ]{8})\s*kg$)?"},
        "live": {"unstable": {"kind": "weight", "unit": "kg"}},
        "faults": {"overrange": r"^OL,"},
    },
}


@dataclass(frozen=True, repr=False)
class LineReading:
    records: tuple[Measurement, ...]

    def __repr__(self) -> str:
        return f"LineReading({len(self.records)} records)"


@dataclass(frozen=True, repr=False)
class LineProgress:
    step: str
    live: Live = ()   # what the line read meanwhile (health data: the repr hides it)

    def __repr__(self) -> str:
        return f"LineProgress(step={self.step!r}, live=[{','.join(k.value for k, _ in self.live)}])"


@dataclass(frozen=True)
class LineFault:
    fault: str


@dataclass(frozen=True)
class LineRejected:
    """A line that is not a reading: unknown, too long, bad checksum or value."""

    reason: str


LineEvent = LineReading | LineProgress | LineFault | LineRejected


def _convert(spec: "FieldSpec | LiveSpec", number: float) -> float:
    value = number * spec.scale
    if spec.unit == "°F":
        return round(fahrenheit_to_celsius(value), 2)
    unit, factor = _LINEAR[spec.unit]
    return round(value * factor, 3) if factor != 1.0 else value


def _checksum(kind: str, data: bytes) -> int:
    if kind == "xor8":
        out = 0
        for byte in data:
            out ^= byte
        return out
    return sum(data) & 0xFF


def check_units(fmt: LineFormat) -> None:
    """Each field's unit must fit its kind (kPa is no weight)."""
    specs: list[tuple[str, FieldSpec | LiveSpec, str]] = [
        *[(f"fields.{name}.unit", spec, UNITS[Kind(spec.kind)]) for name, spec in fmt.fields.items()],
        *[(f"live.{name}.unit", live, LIVE_UNITS[LiveKind(live.kind)]) for name, live in fmt.live.items()]]
    for key, spec, want in specs:
        got = "°C" if spec.unit == "°F" else _LINEAR[spec.unit][0]
        if got != want:
            raise OptionError(key, f"a unit of {spec.kind} (converts to {want})", spec.unit)


def live_values(fmt: LineFormat, match: re.Match[str]) -> Live:
    """The live numbers a progress line's match carries; a group that did
    not take part, or is no number in range, gives nothing."""
    out: Live = ()
    seen: set[LiveKind] = set()
    for name, spec in fmt.live.items():
        kind = LiveKind(spec.kind)
        raw = match.groupdict().get(name)
        if raw is None or kind in seen:
            continue
        try:
            number = float(raw.replace(" ", ""))
        except ValueError:
            continue
        value = live_value(kind, _convert(spec, number))
        out += value
        seen.update(k for k, _ in value)
    return out


def decode_line(fmt: LineFormat, line: bytes) -> list[Measurement]:
    """One line (without terminator) -> its records; CodecError when it is
    not a reading of this format."""
    if len(line) > fmt.max_line:
        raise CodecError("line", f"line longer than {fmt.max_line} bytes")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise CodecError("line", "line is not ASCII text") from None
    match = re.search(fmt.pattern, text)
    if match is None:
        raise CodecError("line", "line does not match the configured pattern")
    if fmt.checksum != "none":
        digits = match.group(fmt.checksum_group) or ""
        try:
            claimed = int(digits, 16)
        except ValueError:
            raise CodecError("line", "checksum field is not hex digits") from None
        actual = _checksum(fmt.checksum, line[:match.start(fmt.checksum_group)])
        if claimed != actual:
            raise CodecError("line", f"checksum {digits} does not match the line ({actual:02X})")
    records = []
    for name, spec in fmt.fields.items():
        raw = match.group(name)
        if raw is None:
            continue  # an optional field the line does not carry
        try:
            number = float(raw.replace(" ", ""))
        except ValueError:
            raise CodecError("line", f"field {name} is not a number") from None
        records.append(measurement(Kind(spec.kind), _convert(spec, number), line))
    if not records:
        raise CodecError("line", "line carries none of the configured fields")
    return records


class LineDecoder:
    """Sans-I/O line splitter + :func:`decode_line`, with progress and fault lines."""

    def __init__(self, fmt: LineFormat):
        self.fmt = fmt
        self._terminator = TERMINATORS[fmt.terminator]
        self._buffer = bytearray()
        self._events: list[LineEvent] = []
        self._overlong = False
        self._progress = [(step, re.compile(p)) for step, p in fmt.progress.items()]
        self._faults = [(fault, re.compile(p)) for fault, p in fmt.faults.items()]

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(self._terminator)
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[:end + len(self._terminator)]
            if self._overlong:
                self._overlong = False  # the tail of a line already rejected
                continue
            self._line(line)
        if len(self._buffer) > self.fmt.max_line:
            self._buffer.clear()
            self._overlong = True
            self._events.append(LineRejected(f"line longer than {self.fmt.max_line} bytes"))

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        text = line.decode("ascii", errors="replace")
        for fault, pattern in self._faults:
            if pattern.search(text):
                self._events.append(LineFault(fault))
                return
        for step, pattern in self._progress:
            match = pattern.search(text)
            if match:
                self._events.append(LineProgress(step, live_values(self.fmt, match)))
                return
        try:
            self._events.append(LineReading(tuple(decode_line(self.fmt, line))))
        except CodecError as exc:
            self._events.append(LineRejected(exc.what))

    def events(self) -> list[LineEvent]:
        ready, self._events = self._events, []
        return ready

    def reset(self) -> None:
        self._buffer.clear()
        self._events.clear()
        self._overlong = False


class SettledLines:
    """When a device that repeats its reading (a scale printing while someone
    stands on it) has settled: the last ``count`` readings carry the same
    kinds and each kind's values span at most ``spread`` (in the record's
    unit).  The result is the last of them.  ``count`` 1 takes the first
    reading as it comes."""

    def __init__(self, count: int = 1, spread: float = 0.0):
        if count < 1:
            raise ValueError("count must be at least one reading")
        self.count, self.spread = count, spread
        self._readings: list[tuple[Measurement, ...]] = []

    def push(self, records: tuple[Measurement, ...]) -> tuple[Measurement, ...] | None:
        self._readings = [*self._readings, records][-self.count:]
        if len(self._readings) < self.count:
            return None
        shapes = {tuple(sorted((r.kind.value, r.special) for r in reading)) for reading in self._readings}
        if len(shapes) != 1:
            return None
        for kind in {r.kind for r in records if r.value is not None}:
            values = [r.value for reading in self._readings for r in reading if r.kind is kind and r.value is not None]
            if max(values) - min(values) > self.spread + 1e-9:
                return None
        return records

    def reset(self) -> None:
        self._readings = []


def line_format(options: dict[str, Any] | LineFormat) -> LineFormat:
    """A validated format from a config table (or a preset's)."""
    return options if isinstance(options, LineFormat) else validate(LineFormat, options)
