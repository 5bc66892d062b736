"""The one printer test slip (driver health check and `kiosk printer test`):
fits and prints on every profile, Chinese first, counters named for staff."""

from __future__ import annotations

import pytest

from drivers.printer.device import COUNTERS
from drivers.printer.encode import encode
from drivers.printer.paper import slips_from_bytes
from drivers.printer.profiles import BUILTIN
from drivers.printer.slip import layout, plain_text, text_width
from drivers.printer.testslip import printer_test_slip

COUNTS = {name: i for i, name in enumerate(COUNTERS)}


@pytest.mark.parametrize("profile", sorted(BUILTIN))
def test_fits_the_paper_and_prints(profile):
    prof = BUILTIN[profile]
    slip = printer_test_slip("printer", prof, "OK", COUNTS, [("终端 Terminal", "DL-TH-0007")])
    lines = plain_text(layout(slip, prof.columns), prof.columns)
    assert all(text_width(ln) <= prof.columns for ln in lines)
    (paper,) = slips_from_bytes(encode(slip, prof).data, prof.encoding, not prof.image_fallback, prof.dots)
    assert paper.printed_anything and bool(paper.cut) == (prof.cut != "none")


def test_rows_and_counters_named_chinese_first():
    prof = BUILTIN["generic80-cn"]
    slip = printer_test_slip("printer", prof, "OK, paper near its end", {**COUNTS, "custom": 2},
                             [("终端 Terminal", "DL-TH-0007")])
    text = "\n".join(plain_text(layout(slip, prof.columns), prof.columns))
    assert text.index("打印机测试单") < text.index("Printer test slip")
    assert text.index("DL-TH-0007") < text.index("设备 Device")  # the caller's rows come first
    for words in ("型号 Profile", "generic80-cn", "状态 Status", "OK, paper near its end",
                  "已打印行 Lines printed", "缺纸次数 Paper-outs", "custom", "打印机工作正常"):
        assert words in text
    assert "lines_printed" not in text
