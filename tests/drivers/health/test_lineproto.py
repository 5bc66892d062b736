"""The configurable line protocol and its two real presets."""

from __future__ import annotations

import pytest

from drivers.health import lineproto
from drivers.health.records import CodecError, Kind, LiveKind, measurement
from drivers.options import OptionError

TANITA_LINE = b'{0,16,~0,1,~1,1,~2,1,MO,"WB-380H",ID,"0000000000000001",Hm,170.0,Wk,65.4,MI,22.6,CS,5F'


def values(records):
    return {r.kind.value: (r.value, r.unit) for r in records}


def test_tanita_keys_in_any_order():
    fmt = lineproto.line_format(lineproto.PRESETS["tanita"])
    assert values(lineproto.decode_line(fmt, TANITA_LINE)) == {
        "weight": (65.4, "kg"), "height": (170.0, "cm"), "bmi": (22.6, "kg/m2")}
    reordered = b"{0,16,MI,22.6,Wk,65.4,Hm,170.0,CS,5F"
    assert values(lineproto.decode_line(fmt, reordered)) == values(lineproto.decode_line(fmt, TANITA_LINE))


def test_tanita_weight_only_line():
    fmt = lineproto.line_format(lineproto.PRESETS["tanita"])
    assert values(lineproto.decode_line(fmt, b"{0,16,Wk,65.4,CS,00")) == {"weight": (65.4, "kg")}


def test_and_standard_format_stable_unstable_overload():
    decoder = lineproto.LineDecoder(lineproto.line_format(lineproto.PRESETS["and-standard"]))
    decoder.feed(b"US,+00065.30  kg\r\nST,+00065.40  kg\r\nOL,+99999999  kg\r\n")
    events = decoder.events()
    assert events[0] == lineproto.LineProgress("hold_still", ((LiveKind.WEIGHT, 65.3),))   # unstable: live only
    assert values(events[1].records) == {"weight": (65.4, "kg")}
    assert events[2] == lineproto.LineFault("overrange")


BP_FORMAT = {
    "terminator": "\r\n",
    "pattern": r"^R,(?P<sys>\d{3}),(?P<dia>\d{3}),(?P<pul>\d{3}),(?P<cs>[0-9A-F]{2})$",
    "fields": {"sys": {"kind": "systolic", "unit": "mmHg"}, "dia": {"kind": "diastolic", "unit": "mmHg"},
               "pul": {"kind": "pulse", "unit": "/min"}},
    "checksum": "xor8",
    "progress": {"inflating": "^P,INF"},
    "faults": {"cuff_leak": "^E,01"},
}


def _xor(text: bytes) -> str:
    out = 0
    for b in text:
        out ^= b
    return f"{out:02X}"


def test_checksum_is_checked():
    fmt = lineproto.line_format(BP_FORMAT)
    body = b"R,128,082,071,"
    good = body + _xor(body).encode()
    assert values(lineproto.decode_line(fmt, good)) == {"systolic": (128.0, "mmHg"), "diastolic": (82.0, "mmHg"),
                                                        "pulse": (71.0, "/min")}
    bad = body + (b"00" if _xor(body) != "00" else b"01")
    with pytest.raises(CodecError, match="checksum"):
        lineproto.decode_line(fmt, bad)


def test_decoder_splits_progress_faults_and_rubbish_across_chunks():
    decoder = lineproto.LineDecoder(lineproto.line_format(BP_FORMAT))
    body = b"R,128,082,071,"
    stream = b"P,INF\r\nhello\r\nE,01\r\n" + body + _xor(body).encode() + b"\r\n"
    for i in range(0, len(stream), 3):
        decoder.feed(stream[i:i + 3])
    events = decoder.events()
    assert events[0] == lineproto.LineProgress("inflating")
    assert isinstance(events[1], lineproto.LineRejected)
    assert events[2] == lineproto.LineFault("cuff_leak")
    assert values(events[3].records)["systolic"] == (128.0, "mmHg")


def test_units_and_scale_convert():
    fmt = lineproto.line_format({"pattern": r"^T=(?P<t>\d+)F$", "fields": {"t": {"kind": "temperature", "unit": "°F",
                                                                                 "scale": 0.1}}})
    assert values(lineproto.decode_line(fmt, b"T=986F")) == {"temperature": (37.0, "°C")}
    fmt = lineproto.line_format({"pattern": r"^G=(?P<g>\d+)$", "fields": {"g": {"kind": "glucose", "unit": "mg/dL"}}})
    assert lineproto.decode_line(fmt, b"G=99")[0].unit == "mmol/L"


def test_overlong_line_is_rejected_and_the_next_one_read():
    decoder = lineproto.LineDecoder(lineproto.line_format(lineproto.PRESETS["and-standard"]))
    decoder.feed(b"X" * 600)
    decoder.feed(b"\r\nST,+00065.40  kg\r\n")
    events = decoder.events()
    assert isinstance(events[0], lineproto.LineRejected)
    assert len(events) == 2 and values(events[1].records) == {"weight": (65.4, "kg")}


@pytest.mark.parametrize("change, key", [
    ({"pattern": "(?P<w>[0-9"}, "pattern"),
    ({"fields": {"nope": {"kind": "weight", "unit": "kg"}}}, "fields.nope"),
    ({"fields": {"weight": {"kind": "weight", "unit": "kPa"}}}, "fields.weight.unit"),
    ({"checksum": "xor8"}, "checksum_group"),
    ({"terminator": "\x00"}, "terminator"),
    ({"live": {"nope": {"kind": "weight", "unit": "kg"}}}, "live.nope"),
    ({"live": {"unstable": {"kind": "systolic", "unit": "kg"}}}, "live.unstable.kind"),
    ({"live": {"unstable": {"kind": "weight", "unit": "mmHg"}}}, "live.unstable.unit"),
    ({"progress": {"hold_still": "^US,"}}, "live.unstable"),   # the live group's pattern went
])
def test_bad_formats_name_their_key(change, key):
    with pytest.raises(OptionError) as err:
        lineproto.line_format({**lineproto.PRESETS["and-standard"], **change})
    assert err.value.key == key


BP_LIVE = {**BP_FORMAT, "progress": {"inflating": r"^P,INF(?:,(?P<cuff>\d{3}))?$",
                                     "deflating": r"^P,DEF(?:,(?P<cuff>\d{3}))?$"},
           "live": {"cuff": {"kind": "cuff_pressure", "unit": "mmHg"}}}


def test_progress_lines_carry_the_cuff_pressure_for_the_screen_only():
    decoder = lineproto.LineDecoder(lineproto.line_format(BP_LIVE))
    decoder.feed(b"P,INF\r\nP,INF,085\r\nP,DEF,158\r\nP,DEF,999\r\nP,DEF,12\r\n")
    events = decoder.events()
    assert events[:3] == [lineproto.LineProgress("inflating"),
                          lineproto.LineProgress("inflating", ((LiveKind.CUFF_PRESSURE, 85.0),)),
                          lineproto.LineProgress("deflating", ((LiveKind.CUFF_PRESSURE, 158.0),))]
    assert events[3] == lineproto.LineProgress("deflating")   # 999 mmHg is no pressure: nothing shown
    assert isinstance(events[4], lineproto.LineRejected)      # two digits match no pattern
    assert "85" not in repr(events[1]) and "cuff_pressure" in repr(events[1])


def test_live_values_convert_their_unit():
    fmt = lineproto.line_format({**BP_LIVE, "progress": {"inflating": r"^P,(?P<kpa>\d+)$"},
                                 "live": {"kpa": {"kind": "cuff_pressure", "unit": "kPa", "scale": 0.1}}})
    decoder = lineproto.LineDecoder(fmt)
    decoder.feed(b"P,200\r\n")
    [event] = decoder.events()
    assert event.live == ((LiveKind.CUFF_PRESSURE, 150.012),)


def _weight(value, height=170.0):
    return (measurement(Kind.WEIGHT, value, b""), measurement(Kind.HEIGHT, height, b""))


def test_settled_lines_take_the_last_of_n_agreeing_readings():
    rule = lineproto.SettledLines(3, 0.1)
    for value in (40.5, 67.7, 64.4, 65.7):
        assert rule.push(_weight(value)) is None
    assert rule.push(_weight(65.4)) is None
    assert rule.push(_weight(65.5)) is None   # 65.7 is still among the last three
    settled = rule.push(_weight(65.4))
    assert settled is not None and settled[0].value == 65.4
    rule.reset()
    assert rule.push(_weight(65.4)) is None
    assert lineproto.SettledLines().push(_weight(65.4)) is not None   # one line: the first reading counts
    rule = lineproto.SettledLines(2, 0.1)
    rule.push(_weight(65.4))
    assert rule.push((measurement(Kind.WEIGHT, 65.4, b""),)) is None   # the height went: not the same reading
