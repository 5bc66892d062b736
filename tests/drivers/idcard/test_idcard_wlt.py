"""The WLT photo plug-in point, exercised with a stand-in vendor library
compiled here (the real one is proprietary)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from drivers.base import DeviceFailure
from drivers.idcard.wlt import BMP_BYTES, WltDecoder

FAKE_VENDOR = r"""
#include <string.h>
#include <stdint.h>
/* Writes a 102x126 24-bit BMP whose pixels echo the WLT bytes; refuses
   anything that does not start with "WLT" like a vendor library would. */
int unpack(const char *src, char *dst, int save) {
    if (save != 0 || src[0] != 'W' || src[1] != 'L' || src[2] != 'T') return -1;
    const int w = 102, h = 126, row = 308, size = 54 + row * h;
    memset(dst, 0, size);
    dst[0] = 'B'; dst[1] = 'M';
    memcpy(dst + 2, &size, 4);
    int32_t off = 54, hdr = 40, ww = w, hh = h; int16_t planes = 1, bpp = 24;
    memcpy(dst + 10, &off, 4); memcpy(dst + 14, &hdr, 4);
    memcpy(dst + 18, &ww, 4); memcpy(dst + 22, &hh, 4);
    memcpy(dst + 26, &planes, 2); memcpy(dst + 28, &bpp, 2);
    for (int i = 0; i < 1024; i++) dst[54 + i] = src[i];
    return 1;
}
"""


@pytest.fixture(scope="module")
def vendor_lib(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the stand-in vendor library")
    d = tmp_path_factory.mktemp("wlt")
    (d / "fake.c").write_text(FAKE_VENDOR)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(d / "libwlt.so"), str(d / "fake.c")], check=True)
    return str(d / "libwlt.so")


@pytest.mark.procs
def test_decoder_returns_bmp_in_memory(vendor_lib, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wlt = b"WLT\x00" + bytes(range(256)) * 3 + bytes(252)
    bmp = WltDecoder(vendor_lib).decode(wlt)
    assert bmp[:2] == b"BM" and len(bmp) == BMP_BYTES
    assert bmp[54:54 + 1024] == wlt
    assert list(tmp_path.iterdir()) == []  # nothing written next to us


@pytest.mark.procs
def test_decoder_failure_is_a_device_failure(vendor_lib):
    with pytest.raises(DeviceFailure, match="returned -1"):
        WltDecoder(vendor_lib).decode(bytes(1024))
    with pytest.raises(DeviceFailure, match="1024"):
        WltDecoder(vendor_lib).decode(b"WLT")


@pytest.mark.procs
def test_missing_library_or_symbol(vendor_lib, tmp_path):
    with pytest.raises(DeviceFailure, match="cannot be loaded"):
        WltDecoder(str(tmp_path / "nope.so"))
    with pytest.raises(DeviceFailure, match="cannot be loaded"):
        WltDecoder(vendor_lib, "GetBmp")


@pytest.mark.procs
def test_reader_puts_the_decoded_photo_on_the_record(sim, make_reader, recorder, vendor_lib):
    reader = make_reader(wlt_library=vendor_lib)
    assert reader.info.supports("photo_decode")
    sim.control("place_card", card="resident", photo_bytes=True)
    recorder.wait_kind("record")
    record = recorder.records()[0]
    assert record.photo_bmp[:2] == b"BM" and record.photo_bmp[54:54 + 1024] == record.photo
    assert "BM" not in repr(record)
    assert reader.counters.get("photo_decode_failures") == 0


@pytest.mark.procs
def test_a_card_read_without_photo_data_is_not_a_decoder_failure(sim, make_reader, recorder, vendor_lib):
    """Only a photo the decoder refuses counts as a failure; a read that
    carries no photo data (zeros) has nothing to decode (issue 21 item 18)."""
    import dataclasses

    reader = make_reader(wlt_library=vendor_lib)
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    record = recorder.records()[0]
    assert record.photo_bmp == b"" and reader.counters.get("photo_decode_failures") == 0
    refused = reader._with_photo(dataclasses.replace(record, photo=b"XYZ" + bytes(1021)))   # not WLT: refused
    assert refused.photo_bmp == b"" and reader.counters.get("photo_decode_failures") == 1


def test_reader_without_library_has_no_photo(sim, reader, recorder):
    assert not reader.info.supports("photo_decode")
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    assert recorder.records()[0].photo_bmp == b""


def test_a_library_that_does_not_load_costs_the_photo_not_the_reader(sim, make_reader, recorder, tmp_path):
    reader = make_reader(wlt_library=str(tmp_path / "libwlt.so"))
    error = recorder.wait(lambda e: getattr(e, "code", None) == "wlt_library")
    assert "cannot be loaded" in error.what
    sim.control("place_card", card="resident")
    recorder.wait_kind("record")
    assert recorder.records()[0].photo_bmp == b"" and not reader.info.supports("photo_decode")


def test_photo_options_are_validated():
    from drivers.base import OptionError
    from drivers.idcard.device import IdCardReader

    with pytest.raises(OptionError, match="wlt_library"):
        IdCardReader("idcard", "/dev/null", wlt_library=3)
    with pytest.raises(OptionError, match="wlt_symbol"):
        IdCardReader("idcard", "/dev/null", wlt_symbol="")
