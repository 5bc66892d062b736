"""Chinese text that really prints: the bytes of a Chinese receipt read back
to the same text in every encoding profile, both by the simulator's
interpreter and by a small decoder written here from the ESC/POS reference."""

from __future__ import annotations

import pytest

from drivers.printer.encode import encode, encode_text
from drivers.printer.paper import slips_from_bytes
from drivers.printer.profiles import resolve
from drivers.printer.slip import QR, Cut, Rows, Separator, Slip, Text, Title, layout, plain_text
from tests.printer_fixtures import GlyphReader

SIMPLIFIED = Slip([
    Title("受理回执 Receipt"), Separator(),
    Rows([("受理编号 No.", "A20261126-0001"), ("办理事项 Matter", "老年人优待证办理 Senior citizen card"),
          ("证件号码 ID", "230108********1234"), ("时间 Time", "2026-11-26 17:30")]),
    Separator(), Text("请凭此回执扫码查询办理进度，谢谢！Please keep this slip."), Text("居民自助服务小屋", "center"),
    QR("https://hut.example.cn/t/A20261126-0001"), Cut()])

# Big5 is traditional Chinese: 号, 办, 证 are not in it, so the Big5 receipt is written in traditional characters.
TRADITIONAL = Slip([
    Title("受理回執 Receipt"), Separator(),
    Rows([("受理編號 No.", "A20261126-0001"), ("辦理事項 Matter", "長者優待證辦理 Senior citizen card")]),
    Text("請憑此回執掃碼查詢辦理進度，謝謝！"), Cut()])

PROFILES = [  # (profile options, receipt)
    ({"profile": "generic80-cn"}, SIMPLIFIED),                                   # gb18030, FS & mode
    ({"profile": "generic80-cn", "encoding": "gbk"}, SIMPLIFIED),
    ({"profile": "generic80-cn", "encoding": "utf-8", "chinese_mode": False}, SIMPLIFIED),
    ({"profile": "generic80-cn", "encoding": "big5"}, TRADITIONAL),
    ({"profile": "generic58-cn"}, SIMPLIFIED),                                   # gbk, 58 mm
    ({"profile": "generic58-cn", "encoding": "gb18030", "chinese_mode": False}, SIMPLIFIED),
]


def reference_decode(data: bytes, encoding: str, chinese_default: bool) -> list[str]:
    """Printed text lines, per the ESC/POS reference: FS & enters and FS .
    leaves Chinese (kanji) mode, in which bytes >= 0x80 are the printer's
    multi-byte encoding; other bytes are code page 437; LF prints the line."""
    lines, pieces, buf, chinese, i = [], [], bytearray(), chinese_default, 0

    def close_piece():
        if buf:
            pieces.append(bytes(buf).decode(encoding if chinese else "cp437"))
            buf.clear()

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            close_piece()
            lines.append("".join(pieces))
            pieces = []
            i += 1
        elif b == 0x1B:  # ESC
            cmd = data[i + 1]
            i += 2 + (0 if cmd in b"@2" else 1)
        elif b == 0x1C:  # FS
            close_piece()
            chinese = {ord("&"): True, ord("."): False}.get(data[i + 1], chinese)
            i += 2
        elif b == 0x1D:  # GS
            cmd = data[i + 1]
            if cmd == ord("v"):  # GS v 0 m xL xH yL yH data
                i += 8 + (data[i + 4] | data[i + 5] << 8) * (data[i + 6] | data[i + 7] << 8)
            elif cmd == ord("("):  # GS ( k pL pH data
                i += 5 + (data[i + 3] | data[i + 4] << 8)
            elif cmd == ord("V"):
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd == ord("k"):
                m = data[i + 2]
                i = data.index(0, i + 3) + 1 if m <= 6 else i + 4 + data[i + 3]
            else:
                i += 3
        elif b == 0x10:  # DLE EOT n
            i += 3
        else:
            buf.append(b)
            i += 1
    return [ln.strip() for ln in lines if ln.strip()]


def expected_lines(receipt: Slip, columns: int) -> list[str]:
    return [ln for ln in plain_text(layout(receipt, columns), columns) if ln.strip()]


@pytest.mark.parametrize("options,receipt", PROFILES, ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_chinese_receipt_reads_back_the_same(options, receipt):
    profile = resolve(options)
    data = encode(receipt, profile).data
    expected = expected_lines(receipt, profile.columns)
    assert any(not ln.isascii() for ln in expected)
    # 1. Independent decoder from the reference (a printer that starts in Chinese mode).
    assert reference_decode(data, profile.encoding, True) == [ln.strip() for ln in expected]
    # 2. The simulator's interpreter, with alignment applied as on paper.
    (slip,) = slips_from_bytes(data, profile.encoding, True, profile.dots)
    assert [ln for ln in slip.text_lines() if ln.strip()] == expected
    assert "[QR] https://hut.example.cn/t/A20261126-0001" in slip.transcript() or receipt is TRADITIONAL


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "big5"])
def test_chinese_mode_frames_every_chinese_run(encoding):
    profile = resolve({"encoding": encoding, "chinese_mode": True})
    body = encode_text("受理 No. 1 號", profile) if encoding == "big5" else encode_text("受理 No. 1 号", profile)
    assert body.startswith(b"\x1c&") and body.endswith(b"\x1c.")
    assert body.count(b"\x1c&") == 2 and body.count(b"\x1c.") == 2
    # A printer that starts outside Chinese mode still prints it right.
    assert reference_decode(body + b"\n", encoding, chinese_default=False)[0].startswith("受理 No. 1")


def test_python_escpos_alone_would_send_gb18030_to_a_gbk_printer():
    """Why the driver encodes Chinese itself: python-escpos's MagicEncode picks
    GB18030 for any CJK text, which a GBK or Big5 printer misreads for
    characters outside GBK (and there is no FS & at all)."""
    from escpos.printer import Dummy

    printer = Dummy()
    printer.text("受理\n")
    assert b"\x1c&" not in printer.output
    ours = encode_text("受理", resolve({"encoding": "utf-8", "chinese_mode": False}))
    assert ours == "受理".encode("utf-8") and ours not in printer.output


def test_image_fallback_sends_no_chinese_text_bytes():
    profile = resolve({"profile": "epson80-image"})
    job = encode(SIMPLIFIED, profile)
    text = reference_decode(job.data, "cp437", False)
    assert all(ln.isascii() for ln in text)  # nothing for a missing Chinese font to garble
    (slip,) = slips_from_bytes(job.data, profile.encoding, False, profile.dots)
    rasters = [ln for ln in slip.transcript().splitlines() if ln.startswith("[IMAGE")]
    chinese_lines = [ln for ln in expected_lines(SIMPLIFIED, profile.columns) if not ln.isascii()]
    heights = sum(int(r.split("x")[1].rstrip("]")) for r in rasters if not r.startswith("[IMAGE 512x"))
    assert rasters and heights == 0  # every raster spans the paper width (512 dots)
    total = sum(int(r.split("x")[1].rstrip("]")) for r in rasters)
    assert total >= 30 * len(chinese_lines)  # one 30-dot band per Chinese line (titles are taller)
    assert slip.render().width == 512


def test_character_missing_from_big5_prints_as_image_not_question_mark():
    profile = resolve({"encoding": "big5"})
    receipt = Slip([Text("編號 A1"), Text("简体办证"), Cut()])  # 简/办/证 are simplified only
    data = encode(receipt, profile).data
    assert reference_decode(data, "big5", True) == ["編號 A1"]  # no "????" line
    (slip,) = slips_from_bytes(data, "big5", True, profile.dots)
    assert "編號 A1" in slip.text_lines()
    assert any(ln.startswith("[IMAGE") for ln in slip.transcript().splitlines())


def test_control_bytes_in_data_cannot_inject_commands():
    profile = resolve()
    evil = Slip([Text("事项\x1bd\x09\x1dV\x00 end"), Cut()])
    data = encode(evil, profile).data
    (slip,) = slips_from_bytes(data, profile.encoding, True, profile.dots)
    assert slip.cut == "full" and [op for op in slip.ops if type(op).__name__ == "CutOp"].__len__() == 1
    assert reference_decode(data, "gb18030", True) == ["事项 d  V  end"]


# -- the image fallback, read back ------------------------------------------------
def reference_rasters(data: bytes) -> list:
    """Every GS v 0 raster in the stream as a 0/1 numpy array (1 = a dot),
    read per the reference: GS v 0 m xL xH yL yH, then (xL + xH*256) bytes
    per row for (yL + yH*256) rows, most significant bit leftmost."""
    import numpy as np

    out, i = [], 0
    while (i := data.find(b"\x1dv0", i)) >= 0:
        xb, rows = data[i + 4] | data[i + 5] << 8, data[i + 6] | data[i + 7] << 8
        body = np.frombuffer(data[i + 8:i + 8 + xb * rows], dtype=np.uint8)
        out.append(np.unpackbits(body).reshape(rows, xb * 8))
        i += 8 + xb * rows
    return out


@pytest.mark.parametrize("options", [{"profile": "epson80-image"},
                                     {"profile": "generic58-cn", "image_fallback": True}], ids=str)
def test_image_fallback_reads_back_to_the_same_chinese_text(options):
    """The image profile's Chinese decoded from the raster bits alone: each
    Chinese character cell is matched against the whole alphabet of the slip
    drawn independently here, and must be the expected one; Latin cells must
    carry ink and blank cells none."""
    from drivers.printer.slip import Line, char_width

    profile = resolve(options)
    data = encode(SIMPLIFIED, profile).data
    rasters = reference_rasters(data)
    pictured = [item for item in layout(SIMPLIFIED, profile.columns)
                if isinstance(item, Line) and not item.text.isascii()]
    reader = GlyphReader(line.text for line in pictured)
    cell = profile.dots // profile.columns
    bands = []
    for raster in rasters:
        y = 0
        while y < raster.shape[0] and len(bands) < len(pictured):
            height = 60 if pictured[len(bands)].double else 30
            bands.append(raster[y:y + height, :profile.dots])
            y += height
    assert len(bands) == len(pictured) and sum(r.shape[0] for r in rasters) == sum(b.shape[0] for b in bands)
    checked = sum(reader.check_line(band, line.text, line.align, 2 if line.double else 1, profile.dots, cell)
                  for line, band in zip(pictured, bands))
    assert checked == sum(char_width(ch) == 2 for line in pictured for ch in line.text) > 30
