"""Codec vectors written from the specifications' field tables (GSS for the
Bluetooth SIG characteristics, IEEE 11073-20601 for SFLOAT/FLOAT, the
CMS50D+ packet description), not produced by an encoder of ours."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.health import cms50d, gatt, ieee11073
from drivers.health.records import CodecError, Kind, Special


def values(records):
    return {r.kind.value: (r.value, r.unit) for r in records}


# -- IEEE 11073 ---------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    (0x0078, 120.0),            # exponent 0, mantissa 120 (bluetooth-sig 0.6.0 said 1.2e-06)
    (0xF16F, 36.7),             # exponent -1, mantissa 0x16F = 367
    (0xFFFF, -0.1),             # exponent -1, mantissa -1
    (0x2064, 10000.0),          # exponent 2, mantissa 100
    (0x0000, 0.0),
])
def test_sfloat_numbers(raw, expected):
    assert ieee11073.sfloat(raw) == expected


@pytest.mark.parametrize("raw, special", [
    (0x07FF, Special.NAN), (0x0800, Special.NRES), (0x07FE, Special.POSITIVE_INFINITY),
    (0x0802, Special.NEGATIVE_INFINITY), (0x0801, Special.RESERVED),
])
def test_sfloat_specials_are_not_numbers(raw, special):
    assert ieee11073.sfloat(raw) is special


@pytest.mark.parametrize("raw, expected", [
    (0xFF000170, 36.8),         # exponent -1, mantissa 368
    (0xFE000E42, 36.5),         # exponent -2, mantissa 3650
    (0x00FFFFFF, -1.0),         # exponent 0, mantissa -1
])
def test_float_numbers(raw, expected):
    assert ieee11073.float32(raw) == expected


@pytest.mark.parametrize("raw, special", [
    (0x007FFFFF, Special.NAN), (0x00800000, Special.NRES), (0x007FFFFE, Special.POSITIVE_INFINITY),
    (0x00800002, Special.NEGATIVE_INFINITY), (0x00800001, Special.RESERVED),
])
def test_float_specials(raw, special):
    assert ieee11073.float32(raw) is special


# -- Blood Pressure Measurement 0x2A35 -------------------------------------------
def test_blood_pressure_with_every_optional_field():
    data = bytes.fromhex(
        "1E"              # flags: mmHg, time stamp, pulse rate, user ID, measurement status
        "7800" "5000" "5D00"  # systolic 120, diastolic 80, MAP 93 (SFLOAT)
        "E807" "05" "11" "08" "1E" "0F"  # 2024-05-17 08:30:15
        "4800"            # pulse rate 72
        "01"              # user 1
        "0400")           # status: bit 2 irregular pulse
    records = gatt.blood_pressure(data)
    assert values(records) == {"systolic": (120.0, "mmHg"), "diastolic": (80.0, "mmHg"),
                               "mean_arterial": (93.0, "mmHg"), "pulse": (72.0, "/min")}
    assert [r.loinc for r in records] == ["8480-6", "8462-4", "8478-0", "8867-4"]
    assert {r.time for r in records} == {dt.datetime(2024, 5, 17, 8, 30, 15)}
    assert records[0].context["irregular_pulse"] is True
    assert records[0].context["body_movement"] is False
    assert records[0].context["user_id"] == 1
    assert records[0].raw_hex == data.hex()


def test_blood_pressure_in_kpa_is_shown_in_mmhg():
    data = bytes.fromhex("01" "A0F0" "6BF0" "7CF0")  # 16.0, 10.7, 12.4 kPa (exponent -1)
    assert values(gatt.blood_pressure(data)) == {"systolic": (120.0, "mmHg"), "diastolic": (80.0, "mmHg"),
                                                 "mean_arterial": (93.0, "mmHg")}


def test_blood_pressure_nan_stays_special():
    records = gatt.blood_pressure(bytes.fromhex("00" "FF07" "5000" "5D00"))
    assert records[0].value is None and records[0].special is Special.NAN
    assert records[0].as_json() == {"kind": "systolic", "value": None, "unit": "mmHg", "loinc": "8480-6",
                                    "special": "NaN"}


@pytest.mark.parametrize("hexdata, words", [
    ("02" "7800" "5000" "5D00", "time stamp"),          # flags promise a time stamp that is missing
    ("00" "7800" "5000" "5D00" "00", "after the fields"),
    ("02" "7800" "5000" "5D00" "E807" "0D" "01" "00" "00" "00", "not a date"),  # month 13
])
def test_blood_pressure_malformed(hexdata, words):
    with pytest.raises(CodecError, match=words):
        gatt.blood_pressure(bytes.fromhex(hexdata))


# -- Weight Measurement 0x2A9D -------------------------------------------------------
def test_weight_si_with_bmi_and_height():
    data = bytes.fromhex("0E" "B036"  # flags: SI, time, user, BMI+height; 14000 x 0.005 kg
                         "E807" "05" "11" "09" "00" "00" "02" "F200" "A406")  # user 2, BMI 24.2, 1.700 m
    records = gatt.weight(data)
    assert values(records) == {"weight": (70.0, "kg"), "bmi": (24.2, "kg/m2"), "height": (170.0, "cm")}
    assert records[0].time == dt.datetime(2024, 5, 17, 9, 0, 0)


def test_weight_imperial_converted():
    data = bytes.fromhex("09" "483C" "F200" "9E02")  # 154.32 lb, BMI 24.2, 67.0 in
    assert values(gatt.weight(data)) == {"weight": (69.998, "kg"), "bmi": (24.2, "kg/m2"), "height": (170.2, "cm")}


def test_weight_unsuccessful():
    [record] = gatt.weight(bytes.fromhex("00FFFF"))
    assert record.special is Special.UNSUCCESSFUL and record.value is None


# -- Temperature Measurement 0x2A1C -------------------------------------------------
def test_temperature_celsius_with_time_and_type():
    records = gatt.temperature(bytes.fromhex("06" "700100FF" "E807" "05" "11" "08" "00" "00" "01"))
    assert values(records) == {"temperature": (36.8, "°C")}
    assert records[0].context["site"] == "armpit"
    assert records[0].loinc == "8310-5"


def test_temperature_fahrenheit_converted():
    assert values(gatt.temperature(bytes.fromhex("01" "DA0300FF"))) == {"temperature": (37.0, "°C")}  # 98.6 °F


def test_temperature_nan():
    [record] = gatt.temperature(bytes.fromhex("00" "FFFF7F00"))
    assert record.special is Special.NAN


# -- PLX Spot-Check 0x2A5E ------------------------------------------------------------
def test_plx_spot_check():
    records = gatt.plx_spot_check(bytes.fromhex("00" "6200" "4800"))
    assert values(records) == {"spo2": (98.0, "%"), "pulse": (72.0, "/min")}
    assert records[0].loinc == "59408-5"


def test_plx_spot_check_with_time_and_pulse_amplitude_index():
    records = gatt.plx_spot_check(bytes.fromhex("09" "6100" "4B00" "E807" "05" "11" "08" "00" "00" "32F0"))
    assert values(records) == {"spo2": (97.0, "%"), "pulse": (75.0, "/min")}
    assert records[0].context["pulse_amplitude_index"] == 5.0
    assert records[0].time == dt.datetime(2024, 5, 17, 8, 0, 0)


def test_plx_clock_not_set_drops_the_time_stamp():
    records = gatt.plx_spot_check(bytes.fromhex("11" "6100" "4B00" "E807" "05" "11" "08" "00" "00"))
    assert records[0].time is None


# -- Glucose Measurement 0x2A18 --------------------------------------------------------
def test_glucose_kg_per_litre_with_time_offset():
    data = bytes.fromhex("03" "0100" "E807" "05" "11" "07" "00" "00"   # seq 1, base 07:00:00
                         "0500" "63B0" "11")  # +5 min; 99e-5 kg/L (99 mg/dL); capillary whole blood, finger
    [record] = gatt.glucose(data)
    assert (record.value, record.unit, record.loinc) == (5.5, "mmol/L", "15074-8")
    assert record.time == dt.datetime(2024, 5, 17, 7, 5, 0)
    assert record.context["sample_type"] == "capillary_whole_blood"
    assert record.context["sample_location"] == "finger"


def test_glucose_mol_per_litre():
    [record] = gatt.glucose(bytes.fromhex("06" "0200" "E807" "05" "11" "07" "00" "00" "38C0" "12"))
    assert (record.value, record.unit) == (5.6, "mmol/L")
    assert record.context["sample_type"] == "capillary_plasma"


def test_glucose_without_concentration_has_no_record():
    assert gatt.glucose(bytes.fromhex("10" "0300" "E807" "05" "11" "07" "00" "00")) == []


# -- CMS50D+ ---------------------------------------------------------------------------
def test_cms50d_packet_fields():
    [sample] = _samples("85 40 03 48 62")
    assert (sample.signal, sample.pleth, sample.bar, sample.pulse, sample.spo2) == (5, 0x40, 3, 72, 98)
    assert not (sample.finger_out or sample.probe_error or sample.searching or sample.beep or sample.dropping)


def test_cms50d_pulse_bit_7_comes_from_byte_2():
    [sample] = _samples("C5 40 43 16 61")  # beep; pulse = (0x40 << 1) | 0x16 = 150
    assert (sample.pulse, sample.spo2, sample.beep) == (150, 97, True)


def test_cms50d_finger_out_has_no_reading():
    [sample] = _samples("90 00 60 7F 7F")
    assert sample.finger_out and sample.searching and sample.spo2 is None and sample.pulse is None
    records = cms50d.records_of(sample)
    assert [r.special for r in records] == [Special.NAN, Special.NAN]


def test_cms50d_resynchronises_after_a_cut_packet():
    decoder = cms50d.Cms50dDecoder()
    decoder.feed(bytes.fromhex("48 62" "85 40" "85 40 03 48 62"))  # tail, a cut packet, a whole one
    samples = decoder.events()
    assert len(samples) == 1 and samples[0].spo2 == 98 and decoder.resyncs == 1


def _samples(text):
    decoder = cms50d.Cms50dDecoder()
    decoder.feed(bytes.fromhex(text))
    return decoder.events()


def _sample(spo2, pulse, finger_out=False):
    b0 = 0x85 | (0x10 if finger_out else 0)
    return cms50d.parse_packet(bytes([b0, 0x40, 0x03 | ((pulse & 0x80) >> 1), pulse & 0x7F, spo2]))


def test_stable_reading_needs_a_settled_window():
    rule = cms50d.StableReading(window=5, spo2_spread=1, pulse_spread=3)
    for s, p in [(97, 70), (99, 74), (98, 72), (98, 73), (97, 72)]:
        assert rule.push(_sample(s, p)) is None  # 99/74 and 97/70 span too much
    assert rule.push(_sample(98, 71)) is None  # the window still holds 99
    reading = rule.push(_sample(98, 72))    # 98 98 97 98 98 / 72 73 72 71 72: settled
    assert (reading.spo2, reading.pulse) == (98, 72)


def test_stable_reading_is_the_median_of_the_window():
    rule = cms50d.StableReading(window=4, spo2_spread=1, pulse_spread=3)
    results = [rule.push(_sample(s, p)) for s, p in [(98, 72), (97, 73), (98, 71), (98, 72)]]
    assert results[:3] == [None, None, None]
    assert (results[3].spo2, results[3].pulse) == (98, 72)
    assert [r.value for r in results[3].records()] == [98.0, 72.0]


def test_stable_reading_starts_over_when_the_finger_leaves():
    rule = cms50d.StableReading(window=3)
    rule.push(_sample(98, 72))
    rule.push(_sample(98, 72))
    assert rule.push(_sample(127, 255, finger_out=True)) is None
    assert rule.push(_sample(98, 72)) is None
    assert rule.push(_sample(98, 72)) is None
    assert rule.push(_sample(98, 72)) is not None


def test_records_hide_values_in_repr():
    [record] = gatt.temperature(bytes.fromhex("00" "700100FF"))
    assert "36.8" not in repr(record) and "700100" not in repr(record)
    assert "36.8" not in str(record)
    assert Kind.TEMPERATURE.value in repr(record)
