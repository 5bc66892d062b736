"""The form model (prefill, conversion, masking) and the papers rule, as tables."""

from __future__ import annotations

import pytest

from kiosk.devices.availability import Papers
from kiosk.filing.catalog import FormField, Material, Matter
from kiosk.filing.form import FilingForm, convert, display
from kiosk.filing.papers import PaperSet, PaperState
from kiosk.identity import Identity
from tests.terminal_kit import CATALOG, JPEG
from tests.terminal_kit import card as card_record


def card():
    return Identity.from_card(card_record())


def matter(fields=(), materials=(), papers_later=False):
    return Matter(code="T-1", name="测试", name_en="Test", department="区民政局", conditions=(),
                  materials=tuple(materials), fields=tuple(fields), social_security_card=True, promised_days=5,
                  papers_later=papers_later)


def test_what_the_card_says_fills_the_fields_that_ask_for_it():
    fields = [FormField("name", "姓名", "Name", "text"), FormField("id_number", "身份证号", "ID", "id_number"),
              FormField("gender", "性别", "Gender", "choice", choices=("男", "女")),
              FormField("birth_date", "出生日期", "Born", "date"), FormField("address", "地址", "Address", "text"),
              FormField("phone", "电话", "Phone", "phone")]
    form = FilingForm(matter(fields), card())
    assert form.values == {"name": "王秀兰", "id_number": "110105194412310023", "gender": "女",
                           "birth_date": "1944-12-31", "address": "黑龙江省哈尔滨市平房区友协大街1号"}
    assert form.prefilled == {"name", "id_number", "gender", "birth_date", "address"}
    shown = {f.name: f.display for f in form.views()}
    assert shown["name"] == "王**" and shown["id_number"] == "110105********0023"
    assert "王秀兰" not in repr(form) and "110105194412310023" not in repr(form.views())
    # The resident's own change stays theirs when the card is read again.
    form.set("address", "平房区新疆大街2号")
    form.prefill(card())
    assert form.values["address"] == "平房区新疆大街2号" and "address" not in form.prefilled
    # A social security card's record (a mapping) fills what it knows.
    other = FilingForm(matter(fields), Identity.from_card(
        {"name": "李四", "id_number": "110101195001011239", "card_type": "social_security"}))
    assert set(other.prefilled) == {"name", "id_number"}


def test_a_prefilled_value_the_field_would_refuse_is_left_for_the_resident():
    f = FormField("name", "姓名", "Name", "text", max_length=2)
    assert FilingForm(matter([f]), card()).values == {}


@pytest.mark.parametrize("ftype,given,value", [
    ("integer", "3", 3), ("integer", "3.5", "3.5"), ("decimal", "1200", 1200), ("decimal", "12.50", 12.5),
    ("phone", " 139 1234 5678 ", "13912345678"), ("id_number", "11010519491231002x", "11010519491231002X"),
    ("boolean", "是", True), ("text", "   ", None),
])
def test_keypad_text_becomes_the_fields_value(ftype, given, value):
    assert convert(FormField("f", "f", "f", ftype), given) == value


def test_problems_are_the_catalogs_own_words():
    m = CATALOG.matter("MZ-001")
    form = FilingForm(m)
    assert form.set("household_size", "0") == "不小于1 / at least 1"
    assert form.set("monthly_income", "abc") == "应为数字 / must be a number"
    assert form.problems() == m.validate(form.values) and not form.complete()
    assert display(FormField("p", "p", "p", "phone"), "13912345678") == "139****5678"


def paper(code, required=True, handling="scan"):
    return Material(code, code, code, required=required, handling=handling,
                    scan_size="A4" if handling == "scan" else None, enhance="document" if handling == "scan" else None)


# (required, handling, papers_later, camera, resident's answer) -> state, can file
RULE = [
    (True, "scan", False, Papers.SCAN, "scanned", PaperState.SCANNED, True),
    (True, "scan", False, Papers.SCAN, "none", PaperState.TO_SCAN, False),
    (True, "scan", False, Papers.SCAN, "dont_have", PaperState.MISSING, False),
    (True, "scan", True, Papers.SCAN, "dont_have", PaperState.LATER, True),
    (False, "scan", False, Papers.SCAN, "dont_have", PaperState.LEFT_OUT, True),
    (True, "counter", False, Papers.SCAN, "none", PaperState.AT_COUNTER, True),
    (True, "scan", False, Papers.BRING, "none", PaperState.AT_COUNTER, True),
    (True, "scan", False, Papers.BRING, "dont_have", PaperState.MISSING, False),
    (True, "scan", True, Papers.BRING, "dont_have", PaperState.LATER, True),
]


@pytest.mark.parametrize("required,handling,later,mode,answer,state,files", RULE)
def test_the_papers_rule(required, handling, later, mode, answer, state, files):
    papers = PaperSet(matter(materials=[paper("x", required, handling)], papers_later=later), mode)
    if answer == "scanned":
        papers.add_page("x", JPEG)
    elif answer == "dont_have":
        papers.dont_have("x")
    assert papers.state("x") is state and papers.complete() is files
    assert [a.material_code for a in papers.attachments()] == (["x"] if state is PaperState.SCANNED else [])


def test_a_black_and_white_page_is_declared_as_the_png_it_is():
    """The scan makes a 1-bit PNG of a black-and-white page; the platform
    checks the declared content type against the bytes (issue 20, item 13)."""
    papers = PaperSet(matter(materials=[paper("x"), paper("y")]))
    papers.add_page("x", JPEG)
    papers.add_page("y", b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert [(a.material_code, a.content_type) for a in papers.attachments()] == [("x", "image/jpeg"),
                                                                                ("y", "image/png")]


def test_pages_retake_and_more_pages_stay_in_memory_in_order():
    papers = PaperSet(matter(materials=[paper("x")]))
    papers.add_page("x", b"one"), papers.add_page("x", b"two")
    papers.retake("x", 0, b"ONE")
    assert [p.jpeg for p in papers.pages["x"]] == [b"ONE", b"two"]
    assert "ONE" not in repr(papers.views()) and "ONE" not in repr(papers.pages["x"][0])
    with pytest.raises(ValueError):
        papers.add_page("x", b"")
    papers.dont_have("x")
    assert papers.pages["x"] == [] and papers.have_it("x") is PaperState.TO_SCAN
