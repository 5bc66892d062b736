"""What we rely on from python-escpos, pinned to the bytes of the ESC/POS
reference: an upgrade that changes any of it fails here, not on a hut's
paper.  encode.py takes python-escpos's ``Dummy`` output after each command
it generates, and writes barcodes itself from python-escpos's constants."""

from __future__ import annotations

import pytest
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
from PIL import Image as PILImage

from drivers.printer.encode import _dummy, barcode_bytes, encode
from drivers.printer.profiles import resolve
from drivers.printer.slip import QR, Barcode, Cut, Feed, Slip, Text

GS, ESC = b"\x1d", b"\x1b"
PROFILE = resolve({"profile": "generic80-cn"})


@pytest.fixture
def dummy():
    return _dummy(PROFILE)


def test_dummy_output_collects_and_clear_empties(dummy):
    dummy.hw("INIT")
    dummy.print_and_feed(3)
    assert dummy.output == ESC + b"@" + ESC + b"d\x03"
    dummy.clear()
    assert dummy.output == b""


def test_native_qr_is_the_gs_paren_k_sequence(dummy):
    dummy.qr("HUT", size=3, native=True)
    assert dummy.output == (GS + b"(k\x04\x001A2\x00"      # model 2
                            + GS + b"(k\x03\x001C\x03"     # module size 3
                            + GS + b"(k\x03\x001E0"        # error correction L
                            + GS + b"(k\x06\x001P0HUT"     # store the data
                            + GS + b"(k\x03\x001Q0")       # print it


def test_raster_image_is_gs_v_0(dummy):
    img = PILImage.new("1", (16, 2), 1)
    img.putpixel((0, 0), 0)
    dummy.image(img, impl="bitImageRaster", center=False)
    assert dummy.output == GS + b"v0\x00\x02\x00\x02\x00" + b"\x80\x00\x00\x00"


def test_cut_constants():
    assert PAPER_FULL_CUT == GS + b"V\x00" and PAPER_PART_CUT == GS + b"V\x01"


def test_our_barcode_is_what_python_escpos_barcode_sends(dummy, capsys):
    expected = (ESC + b"a\x01" + GS + b"h\x40" + GS + b"w\x02" + GS + b"f\x00" + GS + b"H\x02"
                + GS + b"k\x49\x0a{BTEST0001")
    assert barcode_bytes("TEST0001") == expected
    dummy.barcode("{BTEST0001", "CODE128", height=64, width=2, pos="BELOW", font="A", align_ct=True,
                  function_type="B")
    assert dummy.output == expected
    dummy.clear()
    dummy.barcode("4006381333931", "EAN13", height=64, width=2, pos="BELOW", font="A", align_ct=True,
                  function_type="B")
    assert barcode_bytes("4006381333931", "ean13") == dummy.output
    capsys.readouterr()  # python-escpos's barcode() prints to stdout: the reason we do not call it


@pytest.mark.parametrize("data,kind", [("中文", "CODE128"), ("", "CODE128"), ("12AB", "EAN13"), ("X", "NOPE")])
def test_bad_barcode_data_names_the_value(data, kind):
    with pytest.raises(ValueError, match="not valid"):
        barcode_bytes(data, kind)


def test_a_slip_is_init_text_qr_barcode_feed_and_cut_in_that_order():
    job = encode(Slip([Text("A1"), QR("HUT", size=3), Barcode("T1"), Feed(2), Cut()]), PROFILE)
    data = job.data
    assert data.startswith(ESC + b"@")
    qr = data.index(GS + b"(k\x04\x001A2\x00")
    text = data.index(b"A1\n")
    bar = data.index(GS + b"k\x49\x04{BT1")
    feed = data.index(ESC + b"d\x02")
    assert text < qr < bar < feed
    assert data.endswith(PAPER_FULL_CUT) and job.segments[-1].cut
