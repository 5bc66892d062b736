"""Random bytes into every codec give records or a CodecError, never another
exception.  10,000 seeded cases per codec in a plain loop (hypothesis is
slow at that count), plus a short hypothesis run each for shrinking."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.health import cms50d, gatt, lineproto
from drivers.health.records import BOUNDS, LIVE_BOUNDS, CodecError, Measurement

CASES = 10_000


def _check(records):
    for r in records:
        assert isinstance(r, Measurement)
        if r.value is not None:
            lo, hi = BOUNDS[r.kind]
            assert math.isfinite(r.value) and lo <= r.value <= hi
        else:
            assert r.special is not None


# Valid values (from the codec tests) that half of the cases mutate, so the
# random bytes reach past the length checks into every field.
SEEDS = {
    "gatt-bp": ["1E78005000 5D00E8070511081E0F4800010400", "01A0F06BF07CF0"],
    "gatt-weight": ["0EB036E8070511090000 02F200A406", "09483CF2009E02"],
    "gatt-temperature": ["06700100FFE807051108000001", "01DA0300FF"],
    "gatt-plx-spot": ["0062004800", "0961004B00E8070511080000 32F0"],
    "gatt-glucose": ["030100E807051107000005 0063B011", "060200E807051107000038C012"],
}


def _payload(rng: random.Random, codec: str) -> bytes:
    if rng.random() < 0.5:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(26)))
    data = bytearray(bytes.fromhex(rng.choice(SEEDS[codec]).replace(" ", "")))
    for _ in range(rng.randrange(1, 4)):
        what = rng.random()
        if what < 0.6 and data:
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        elif what < 0.8:
            del data[rng.randrange(len(data) + 1):]
        else:
            data += bytes([rng.getrandbits(8)])
    return bytes(data)


@pytest.mark.parametrize("codec", sorted(gatt.CODECS))
def test_gatt_codecs_random_bytes(codec):
    decode = gatt.CODECS[codec]
    rng = random.Random(f"gatt-{codec}")
    decoded = 0
    for _ in range(CASES):
        data = _payload(rng, codec)
        try:
            _check(decode(data))
            decoded += 1
        except CodecError:
            pass
    assert decoded > 500  # the generator does reach the decoding paths


@pytest.mark.parametrize("codec", sorted(gatt.CODECS))
@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=32))
def test_gatt_codecs_hypothesis(codec, data):
    try:
        _check(gatt.CODECS[codec](data))
    except CodecError:
        pass


def test_cms50d_random_streams():
    rng = random.Random("cms50d")
    decoder = cms50d.Cms50dDecoder()
    rule = cms50d.StableReading(window=5)
    seen = 0
    for _ in range(CASES):
        decoder.feed(bytes(rng.getrandbits(8) for _ in range(rng.randrange(12))))
        for sample in decoder.events():
            seen += 1
            _check(cms50d.records_of(sample))
            reading = rule.push(sample)
            if reading is not None:
                _check(reading.records())
    assert seen > 1000


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=64))
def test_cms50d_hypothesis(data):
    _check(cms50d.decode(data))


FORMATS = {
    "tanita": lineproto.PRESETS["tanita"],
    "and-standard": lineproto.PRESETS["and-standard"],
    "checksummed": {"pattern": r"^R,(?P<s>\d{1,3}),(?P<d>\d{1,3}),(?P<cs>[0-9A-F]{2})$", "checksum": "sum8",
                    "fields": {"s": {"kind": "systolic", "unit": "mmHg"}, "d": {"kind": "diastolic", "unit": "mmHg"}},
                    "faults": {"cuff_leak": "^E"}},
    "live": {"pattern": r"^R,(?P<s>\d{3})$", "fields": {"s": {"kind": "systolic", "unit": "mmHg"}},
             "progress": {"inflating": r"^S,(?P<p>[0-9.+ -]{1,6})$", "deflating": r"^T(?P<p>.*)$"},
             "live": {"p": {"kind": "cuff_pressure", "unit": "kPa", "scale": 0.1}}},
}
ALPHABET = b"0123456789.,+- \r\nRSTUWkHmMIE{}\"\xff\x00naif"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_line_protocol_random_streams(name):
    fmt = lineproto.line_format(FORMATS[name])
    decoder = lineproto.LineDecoder(fmt)
    rng = random.Random(f"line-{name}")
    for _ in range(CASES):
        line = bytes(rng.choice(ALPHABET) for _ in range(rng.randrange(24)))
        try:
            _check(lineproto.decode_line(fmt, line))
        except CodecError:
            pass
        decoder.feed(line)
        for event in decoder.events():
            if isinstance(event, lineproto.LineReading):
                _check(event.records)
            elif isinstance(event, lineproto.LineProgress):
                for kind, value in event.live:   # a number the screen can show, or nothing
                    lo, hi = LIVE_BOUNDS[kind]
                    assert math.isfinite(value) and lo <= value <= hi


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=80))
def test_line_protocol_hypothesis(data):
    fmt = lineproto.line_format(lineproto.PRESETS["tanita"])
    try:
        _check(lineproto.decode_line(fmt, data))
    except CodecError:
        pass
