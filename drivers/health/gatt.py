"""Bluetooth SIG health characteristics: one characteristic value in, records out.

Written from the GATT Specification Supplement (GSS) field tables of Blood
Pressure Measurement (0x2A35), Weight Measurement (0x2A9D), Temperature
Measurement (0x2A1C), PLX Spot-Check Measurement (0x2A5E) and Glucose
Measurement (0x2A18).  Each decoder reads the flags byte, then exactly the
fields the flags announce; a value that is too short, too long, or carries a
reserved time stamp is a :class:`CodecError`, a special value a record with
``special`` set.  Units are converted to what residents read (kPa -> mmHg,
lb -> kg, inch -> cm, °F -> °C, kg/L and mol/L -> mmol/L).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Callable

from drivers.health import ieee11073
from drivers.health.records import (
    CM_PER_INCH,
    GLUCOSE_MG_PER_MMOL,
    KG_PER_LB,
    MMHG_PER_KPA,
    CodecError,
    Kind,
    Measurement,
    Special,
    fahrenheit_to_celsius,
    measurement,
)

Decoder = Callable[[bytes], list[Measurement]]

TEMPERATURE_TYPES = {1: "armpit", 2: "body", 3: "ear", 4: "finger", 5: "gastro_intestinal", 6: "mouth",
                     7: "rectum", 8: "toe", 9: "tympanum"}
GLUCOSE_TYPES = {1: "capillary_whole_blood", 2: "capillary_plasma", 3: "venous_whole_blood", 4: "venous_plasma",
                 5: "arterial_whole_blood", 6: "arterial_plasma", 7: "undetermined_whole_blood",
                 8: "undetermined_plasma", 9: "interstitial_fluid", 10: "control_solution"}
GLUCOSE_LOCATIONS = {1: "finger", 2: "alternate_site", 3: "earlobe", 4: "control_solution", 15: "not_available"}
BP_STATUS_BITS = {0: "body_movement", 1: "cuff_too_loose", 2: "irregular_pulse", 5: "improper_position"}


class _Fields:
    """Little-endian field reader over one characteristic value."""

    def __init__(self, codec: str, data: bytes):
        self.codec, self.data, self.pos = codec, bytes(data), 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise CodecError(self.codec, f"value ends before its {what} ({len(self.data)} bytes)")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, n: int, what: str) -> int:
        return int.from_bytes(self.take(n, what), "little")

    def sint16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "little", signed=True)

    def sfloat(self, what: str) -> ieee11073.Number:
        return ieee11073.sfloat(self.uint(2, what))

    def float32(self, what: str) -> ieee11073.Number:
        return ieee11073.float32(self.uint(4, what))

    def time_stamp(self) -> dt.datetime | None:
        """Date Time (year uint16, month, day, hours, minutes, seconds);
        year, month or day 0 means "not known"."""
        year = self.uint(2, "time stamp")
        month, day, hour, minute, second = self.take(5, "time stamp")
        if year == 0 or month == 0 or day == 0:
            return None
        if not 1582 <= year <= 9999:
            raise CodecError(self.codec, f"time stamp year {year} is reserved (1582..9999)")
        try:
            return dt.datetime(year, month, day, hour, minute, second)
        except ValueError as exc:
            raise CodecError(self.codec, f"time stamp is not a date and time ({exc})") from None

    def done(self) -> None:
        extra = len(self.data) - self.pos
        if extra:
            raise CodecError(self.codec, f"{extra} byte(s) after the fields the flags announce")


def _record(kind: Kind, number: ieee11073.Number, raw: bytes, convert: Callable[[float], float] | None = None,
            digits: int | None = None, **context: Any) -> Measurement:
    if isinstance(number, Special):
        return measurement(kind, None, raw, special=number, **context)
    value = convert(number) if convert else number
    return measurement(kind, round(value, digits) if digits is not None else value, raw, **context)


def _timed(records: list[Measurement], time: dt.datetime | None) -> list[Measurement]:
    if time is None:
        return records
    return [replace(r, time=time) for r in records]


def _kpa(value: float) -> float:
    return value * MMHG_PER_KPA


def _mol_per_l(value: float) -> float:
    return value * 1000.0


def _kg_per_l(value: float) -> float:
    return value * 1e5 / GLUCOSE_MG_PER_MMOL  # 1e-5 kg/L is 1 mg/dL


def blood_pressure(data: bytes) -> list[Measurement]:
    """0x2A35: flags (bit 0 kPa, 1 time stamp, 2 pulse rate, 3 user ID,
    4 measurement status), systolic, diastolic, mean arterial pressure (SFLOAT)..."""
    f = _Fields("gatt-bp", data)
    flags = f.uint(1, "flags")
    kpa = bool(flags & 0x01)
    convert = _kpa if kpa else None
    digits = 0 if kpa else None
    pressures = [(k, f.sfloat(k.value)) for k in (Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.MEAN_ARTERIAL)]
    time = f.time_stamp() if flags & 0x02 else None
    pulse = f.sfloat("pulse rate") if flags & 0x04 else None
    context: dict[str, Any] = {}
    if flags & 0x08:
        user = f.uint(1, "user ID")
        context["user_id"] = user  # 255 = unknown user
    if flags & 0x10:
        status = f.uint(2, "measurement status")
        for bit, name in BP_STATUS_BITS.items():
            context[name] = bool(status >> bit & 1)
        context["pulse_range"] = {0: "within", 1: "above", 2: "below", 3: "reserved"}[status >> 3 & 0x3]
    f.done()
    records = [_record(k, n, data, convert, digits, **context) for k, n in pressures]
    if pulse is not None:
        records.append(_record(Kind.PULSE, pulse, data, **context))
    return _timed(records, time)


def weight(data: bytes) -> list[Measurement]:
    """0x2A9D: flags (bit 0 imperial, 1 time stamp, 2 user ID, 3 BMI and
    height), weight uint16 (0.005 kg or 0.01 lb; 0xFFFF "unsuccessful")..."""
    f = _Fields("gatt-weight", data)
    flags = f.uint(1, "flags")
    imperial = bool(flags & 0x01)
    raw_weight = f.uint(2, "weight")
    time = f.time_stamp() if flags & 0x02 else None
    context: dict[str, Any] = {}
    if flags & 0x04:
        context["user_id"] = f.uint(1, "user ID")
    bmi = height = None
    if flags & 0x08:
        bmi = f.uint(2, "BMI")
        height = f.uint(2, "height")
    f.done()
    if raw_weight == 0xFFFF:
        records = [measurement(Kind.WEIGHT, None, data, special=Special.UNSUCCESSFUL, **context)]
    else:
        kg = raw_weight * 0.01 * KG_PER_LB if imperial else raw_weight * 0.005
        records = [measurement(Kind.WEIGHT, round(kg, 3), data, **context)]
    if bmi is not None and height is not None:
        records.append(measurement(Kind.BMI, round(bmi * 0.1, 1), data, **context))
        cm = height * 0.1 * CM_PER_INCH if imperial else height * 0.1
        records.append(measurement(Kind.HEIGHT, round(cm, 1), data, **context))
    return _timed(records, time)


def temperature(data: bytes) -> list[Measurement]:
    """0x2A1C: flags (bit 0 °F, 1 time stamp, 2 temperature type),
    temperature FLOAT, time stamp, type uint8."""
    f = _Fields("gatt-temperature", data)
    flags = f.uint(1, "flags")
    value = f.float32("temperature")
    time = f.time_stamp() if flags & 0x02 else None
    context: dict[str, Any] = {}
    if flags & 0x04:
        code = f.uint(1, "temperature type")
        context["site"] = TEMPERATURE_TYPES.get(code, "reserved")
    f.done()
    convert = fahrenheit_to_celsius if flags & 0x01 else None
    return _timed([_record(Kind.TEMPERATURE, value, data, convert, 2 if convert else None, **context)], time)


def plx_spot_check(data: bytes) -> list[Measurement]:
    """0x2A5E: flags (bit 0 time stamp, 1 measurement status, 2 device and
    sensor status, 3 pulse amplitude index, 4 device clock not set), SpO2
    and pulse rate (SFLOAT)..."""
    f = _Fields("gatt-plx-spot", data)
    flags = f.uint(1, "flags")
    spo2 = f.sfloat("SpO2")
    pulse = f.sfloat("pulse rate")
    time = f.time_stamp() if flags & 0x01 else None
    context: dict[str, Any] = {}
    if flags & 0x02:
        context["measurement_status"] = f.uint(2, "measurement status")
    if flags & 0x04:
        context["sensor_status"] = f.uint(3, "device and sensor status")
    if flags & 0x08:
        pai = f.sfloat("pulse amplitude index")
        if not isinstance(pai, Special):
            context["pulse_amplitude_index"] = pai
    f.done()
    if flags & 0x10:
        time = None  # the device says its clock was never set: the stamp means nothing
    return _timed([_record(Kind.SPO2, spo2, data, **context), _record(Kind.PULSE, pulse, data, **context)], time)


def glucose(data: bytes) -> list[Measurement]:
    """0x2A18: flags (bit 0 time offset, 1 concentration and type-sample
    location, 2 mol/L instead of kg/L, 3 sensor status annunciation, 4
    context follows), sequence number, base time..."""
    f = _Fields("gatt-glucose", data)
    flags = f.uint(1, "flags")
    sequence = f.uint(2, "sequence number")
    base = f.time_stamp()
    offset = f.sint16("time offset") if flags & 0x01 else 0
    context: dict[str, Any] = {"sequence": sequence}
    concentration = None
    if flags & 0x02:
        concentration = f.sfloat("concentration")
        type_location = f.uint(1, "type-sample location")
        context["sample_type"] = GLUCOSE_TYPES.get(type_location & 0x0F, "reserved")
        context["sample_location"] = GLUCOSE_LOCATIONS.get(type_location >> 4, "reserved")
    if flags & 0x08:
        context["sensor_status"] = f.uint(2, "sensor status annunciation")
    f.done()
    if flags & 0x10:
        context["context_follows"] = True
    if concentration is None:
        return []  # a record without a concentration (only a context reference): nothing measured
    convert = _mol_per_l if flags & 0x04 else _kg_per_l
    try:
        time = base + dt.timedelta(minutes=offset) if base is not None else None
    except OverflowError:
        raise CodecError("gatt-glucose", "base time plus time offset is past the year 9999") from None
    return _timed([_record(Kind.GLUCOSE, concentration, data, convert, 1, **context)], time)


CODECS: dict[str, Decoder] = {
    "gatt-bp": blood_pressure,
    "gatt-weight": weight,
    "gatt-temperature": temperature,
    "gatt-plx-spot": plx_spot_check,
    "gatt-glucose": glucose,
}
# The characteristic each codec decodes (for the BLE transport).
CHARACTERISTICS: dict[str, int] = {
    "gatt-bp": 0x2A35, "gatt-weight": 0x2A9D, "gatt-temperature": 0x2A1C, "gatt-plx-spot": 0x2A5E,
    "gatt-glucose": 0x2A18,
}
