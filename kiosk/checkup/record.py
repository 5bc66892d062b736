"""A visit's measurements as the contract's observations (``HealthRecord``).

Each value is one observation coded with its LOINC code(s) and its UCUM unit,
the way a district health system files it: blood pressure as the panel
85354-9 with systolic (8480-6) and diastolic (8462-4) as components, SpO2 with
both 2708-6 and 59408-5 (FHIR's vital-signs profile asks for both), glucose
15074-8 in mmol/L with when the sample was taken.  Each carries the time it
was measured and the device that measured it (its configured name, model and
serial); a value typed on the keypad (the waist) names no device.

A reading the device marked as not-a-number is not sent: the resident saw
"—", and a record is what was measured.  A BMI the scale did not send is
computed from weight and height, as the screen shows it, and says so.

``kiosk/checkup/fhir.py`` reads these observations; the reference platform
(``simulators/platform/health.py``) checks them with its own copy of the
codes, as another system would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from drivers.health.records import Kind, Measurement
from kiosk.checkup import classify
from kiosk.checkup.classify import GlucoseContext

# Observation kind -> its LOINC codes (the first is the one a system shows).
LOINC_CODES: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("85354-9",), "systolic": ("8480-6",), "diastolic": ("8462-4",),
    "mean_arterial": ("8478-0",), "pulse": ("8867-4",), "height": ("8302-2",), "weight": ("29463-7",),
    "bmi": ("39156-5",), "waist": ("8280-0",), "temperature": ("8310-5",), "spo2": ("2708-6", "59408-5"),
    "glucose": ("15074-8",),
}
# Observation kind -> the UCUM code (https://ucum.org) of its unit.
UCUM_OF: dict[str, str] = {
    "systolic": "mm[Hg]", "diastolic": "mm[Hg]", "mean_arterial": "mm[Hg]", "pulse": "/min", "height": "cm",
    "weight": "kg", "bmi": "kg/m2", "waist": "cm", "temperature": "Cel", "spo2": "%", "glucose": "mmol/L",
}


def _time(m: Measurement) -> str:
    when = m.time or dt.datetime.now().astimezone()
    # Device clocks and the kiosk's arrival stamps are local time; the contract wants an offset (RFC 3339).
    return when.astimezone().isoformat(timespec="seconds")


def _context(m: Measurement) -> dict[str, Any]:
    return {k: v for k, v in m.context.items() if isinstance(v, (str, int, float, bool))}


def _device(m: Measurement, devices: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    out = {"name": m.device} if m.device else {}
    info = devices.get(m.device, {}) if m.device else {}
    out.update({k: str(info[k]) for k in ("model", "serial") if info.get(k)})
    return out


def _observation(kind: str, m: Measurement, devices: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    obs: dict[str, Any] = {"kind": kind, "loinc": list(LOINC_CODES[kind]), "measured_at": _time(m)}
    device = _device(m, devices)
    if device:
        obs["device"] = device
    if m.raw_hex:
        obs["raw_hex"] = m.raw_hex
    context = _context(m)
    if context:
        obs["context"] = context
    return obs


def _quantity(kind: str, value: float) -> dict[str, Any]:
    return {"value": value, "unit": UCUM_OF[kind]}


def observations(measurements: Sequence[Measurement], devices: Mapping[str, Mapping[str, str]] = {},
                 glucose_context: GlucoseContext | None = None) -> list[dict[str, Any]]:
    """The contract's observations for these measurements (values only, no specials)."""
    valued = {m.kind: m for m in measurements if m.value is not None}
    out: list[dict[str, Any]] = []
    systolic, diastolic = valued.get(Kind.SYSTOLIC), valued.get(Kind.DIASTOLIC)
    if systolic is not None and diastolic is not None:
        panel = _observation("blood_pressure", systolic, devices)
        panel["components"] = [{"kind": k, "loinc": list(LOINC_CODES[k]), **_quantity(k, float(m.value or 0))}
                               for k, m in (("systolic", systolic), ("diastolic", diastolic))]
        out.append(panel)
    for kind, m in valued.items():
        if kind in (Kind.SYSTOLIC, Kind.DIASTOLIC) and systolic is not None and diastolic is not None:
            continue
        if kind.value not in LOINC_CODES:
            continue
        obs = _observation(kind.value, m, devices)
        obs.update(_quantity(kind.value, float(m.value or 0)))
        if kind is Kind.GLUCOSE:
            obs["glucose_context"] = (glucose_context or GlucoseContext.RANDOM).value
        out.append(obs)
    weight, height = valued.get(Kind.WEIGHT), valued.get(Kind.HEIGHT)
    if Kind.BMI not in valued and weight is not None and height is not None and height.value:
        bmi = float(classify.shown(classify.bmi_of(float(weight.value or 0), height.value), 1))
        obs = _observation("bmi", weight, devices)
        obs.pop("raw_hex", None)
        obs.update(_quantity("bmi", bmi))
        obs["context"] = {"method": "calculated from weight and height"}
        out.append(obs)
    return out


# The health slip's QR: a compact text a family doctor's app reads (docs/health-record.md).
QR_VERSION = "HK1"
QR_FIELDS: tuple[tuple[Kind, str, int], ...] = (
    (Kind.PULSE, "P", 0), (Kind.WEIGHT, "WT", 1), (Kind.HEIGHT, "HT", 1), (Kind.BMI, "BMI", 1),
    (Kind.WAIST, "WC", 1), (Kind.TEMPERATURE, "T", 1), (Kind.SPO2, "SPO2", 0),
)
GLUCOSE_SUFFIX = {GlucoseContext.FASTING: "F", GlucoseContext.AFTER_MEAL: "A", GlucoseContext.RANDOM: "R"}


def qr_text(measurements: Sequence[Measurement], glucose_context: GlucoseContext | None = None) -> str:
    """``HK1|<time of the last measurement>|BP=128/82;P=72;...;GLU=5.4F``: the
    values as the slip shows them, no name, no ID number, no hash."""
    valued = {m.kind: m for m in measurements if m.value is not None}

    def shown(kind: Kind, decimals: int) -> str:
        return str(classify.shown(float(valued[kind].value or 0), decimals))

    parts = []
    if Kind.SYSTOLIC in valued and Kind.DIASTOLIC in valued:
        parts.append(f"BP={shown(Kind.SYSTOLIC, 0)}/{shown(Kind.DIASTOLIC, 0)}")
    weight, height = valued.get(Kind.WEIGHT), valued.get(Kind.HEIGHT)
    for kind, key, decimals in QR_FIELDS:
        if kind in valued:
            parts.append(f"{key}={shown(kind, decimals)}")
        elif kind is Kind.BMI and weight is not None and height is not None and height.value:
            parts.append(f"BMI={classify.shown(classify.bmi_of(float(weight.value or 0), height.value), 1)}")
    if Kind.GLUCOSE in valued:
        parts.append(f"GLU={shown(Kind.GLUCOSE, 1)}{GLUCOSE_SUFFIX[glucose_context or GlucoseContext.RANDOM]}")
    times = [m.time for m in valued.values() if m.time is not None]
    when = max(times).astimezone() if times else dt.datetime.now().astimezone()
    return f"{QR_VERSION}|{when.isoformat(timespec='minutes')}|{';'.join(parts)}"
