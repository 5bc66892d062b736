"""Every driver's options go through its pydantic model (drivers/options.py):
one message style, the key named, NaN, control characters and over-long
text refused, and the normalised options valid again as input (the config
hands them to the driver's constructor, which checks them once more)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from drivers.base import OptionError
from drivers.idcard import codec
from drivers.idcard.device import IdCardOptions, IdCardReader
from drivers.options import DriverOptions, Name, shorten, validate
from drivers.printer import profiles
from drivers.printer.device import PrinterOptions, ReceiptPrinter

DRIVERS = [IdCardReader, ReceiptPrinter]


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
def test_driver_declares_its_options_as_a_model_and_uses_the_inherited_check(driver):
    assert issubclass(driver.Options, DriverOptions) and driver.Options is not DriverOptions
    assert "check_options" not in vars(driver)  # the one mechanism, not a hand-written checker
    defaults = driver.check_options({})
    assert set(defaults) == set(driver.Options.model_fields)
    assert driver.check_options(defaults) == defaults


@pytest.mark.parametrize("driver,key,value,expected", [
    (IdCardReader, "poll_interval", float("nan"), "a number from 0.05 to 5 (not NaN or infinity)"),
    (IdCardReader, "read_timeout", float("inf"), "a number from 0.2 to 30 (not NaN or infinity)"),
    (IdCardReader, "retries", 1.5, "a whole number from 0 to 10"),
    (IdCardReader, "retries", True, "a whole number from 0 to 10"),
    (IdCardReader, "removal_polls", 0, "a whole number from 1 to 20"),
    (IdCardReader, "baudrate", 12345, "one of 9600, 19200, 38400, 57600 or 115200"),
    (IdCardReader, "fingerprint", "yes", "true or false"),
    (ReceiptPrinter, "model", "TM\x00T88", "text without control characters (a NUL or similar was found)"),
    (ReceiptPrinter, "model", "x" * 5000, "a string of at most 4096 characters"),
    (ReceiptPrinter, "status_interval", 0.1, "a number from 0.5 to 60"),
    (ReceiptPrinter, "status_interval", float("nan"), "a number from 0.5 to 60 (not NaN or infinity)"),
    (ReceiptPrinter, "baudrate", 9600.5, "a whole number from 1200 to 921600"),
    (ReceiptPrinter, "dots", 100, "a whole number from 128 to 1024"),
    (ReceiptPrinter, "paper_width", 70, "58 or 80 (millimetres)"),
    (ReceiptPrinter, "paper_width", "58 inches", "58 or 80 (millimetres)"),
    (ReceiptPrinter, "encoding", "latin-1", 'one of "gb18030", "gbk", "big5", "utf-8"'),
    (ReceiptPrinter, "encoding", 936, 'one of "gb18030", "gbk", "big5", "utf-8"'),
    (ReceiptPrinter, "cut", "half", 'one of "full", "partial" or "none"'),
    (ReceiptPrinter, "profile", "nope", 'one of "epson80-image", "generic58-cn", "generic80-cn"'),
    (ReceiptPrinter, "qr_native", 1, "true or false"),
    (ReceiptPrinter, "model", "TM\nT88", "text without control characters (a NUL or similar was found)"),
])
def test_bad_option_names_key_and_what_is_expected(driver, key, value, expected):
    with pytest.raises(OptionError) as bad:
        driver.check_options({key: value})
    assert (bad.value.key, bad.value.expected) == (key, expected)
    assert bad.value.found == shorten(value) and len(bad.value.found) <= 120


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
def test_unknown_option_lists_the_known_ones(driver):
    with pytest.raises(OptionError) as bad:
        driver.check_options({"colour": "red"})
    assert bad.value.key == "colour" and bad.value.found is None
    assert bad.value.expected == "no such key (known: " + ", ".join(driver.Options.model_fields) + ")"


def test_unknown_key_with_a_newline_stays_on_one_line():
    with pytest.raises(OptionError) as bad:
        IdCardReader.check_options({"a\nb" * 100: 1})
    assert "\n" not in str(bad.value) and len(bad.value.key) < 100


def test_idcard_baud_rates_are_those_the_codec_can_set():
    assert IdCardReader.Options is IdCardOptions and ReceiptPrinter.Options is PrinterOptions
    assert set(typing.get_args(IdCardOptions.model_fields["baudrate"].annotation)) == set(codec.BAUD_PARA)


@pytest.mark.parametrize("given,encoding", [("GBK", "gbk"), ("cp936", "gbk"), ("UTF8", "utf-8"), ("utf_8", "utf-8"),
                                            ("CP950", "big5"), ("GB18030", "gb18030")])
def test_printer_encoding_as_the_manual_spells_it(given, encoding):
    assert ReceiptPrinter.check_options({"encoding": given})["encoding"] == encoding


@pytest.mark.parametrize("given,width", [("58mm", 58), ("80 mm", 80), ("58", 58), (80, 80), ("80MM", 80)])
def test_printer_paper_width_as_printed_on_the_roll(given, width):
    assert ReceiptPrinter.check_options({"paper_width": given})["paper_width"] == width


def test_printer_status_interval_defaults_to_two_seconds_and_reaches_the_device():
    assert ReceiptPrinter.check_options({})["status_interval"] == 2.0
    printer = ReceiptPrinter("p", url="tcp://127.0.0.1:9100", options={"status_interval": 5})
    assert printer.options["status_interval"] == 5.0 and isinstance(printer.options["status_interval"], float)


def test_printer_paper_grid_blames_the_key_the_config_set():
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"dots": 384})  # the 80 mm profile's 48 columns need 576 dots
    assert bad.value.key == "dots" and "at most 32 columns" in bad.value.expected
    with pytest.raises(OptionError) as bad:
        ReceiptPrinter.check_options({"paper_width": "58mm", "columns": 40})
    assert bad.value.key == "columns" and bad.value.found == "40"
    assert profiles.resolve({"paper_width": "58mm"}).columns == 32


def test_normalised_printer_options_build_the_same_profile():
    options = ReceiptPrinter.check_options({"paper_width": "58mm", "encoding": "cp936", "cut": "partial"})
    printer = ReceiptPrinter("p", port="/dev/ttyUSB1", options=options)
    assert (printer.profile.paper_mm, printer.profile.encoding, printer.profile.cut) == (58, "gbk", "partial")
    assert printer.options == options and printer.info.model.startswith("ESC/POS 58 mm")


def test_idcard_reader_takes_its_attributes_from_the_model(tmp_path):
    reader = IdCardReader("idcard", "/dev/ttyUSB9", None, poll_interval=1, retries=0)
    assert reader.poll_interval == 1.0 and isinstance(reader.poll_interval, float) and reader.retries == 0
    assert reader.options == IdCardReader.check_options({"poll_interval": 1, "retries": 0})


def test_validate_names_a_nested_key_with_its_own_range():
    class Inner(DriverOptions):
        speed: float = 1.0

    class Outer(DriverOptions):
        table: dict[Name, Inner] = {}

    with pytest.raises(OptionError) as bad:
        validate(Outer, {"table": {"fan": {"speed": "fast"}}})
    assert (bad.value.key, bad.value.expected, bad.value.found) == ("table.fan.speed", "a number", "'fast'")


def test_shorten_quotes_a_huge_value_in_about_80_characters():
    text = shorten("x" * 20_000_000)
    assert len(text) < 110 and text.endswith("(20000002 characters)")
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert shorten(deep) == "<list nested too deep>"


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
def test_operator_docs_list_every_option(driver):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    section = docs.split("## Driver options", 1)[1]
    assert [key for key in driver.Options.model_fields if f"`{key}`" not in section] == []
