"""Layout in columns: Chinese counts two, words stay whole, rows align."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.printer.slip import Rows, Separator, Slip, Text, Title, key_value, layout, plain_text, text_width, wrap


def test_chinese_counts_two_columns():
    assert text_width("abc") == 3
    assert text_width("受理编号") == 8
    assert text_width("号No.") == 5
    assert text_width("，。：") == 6  # full-width punctuation too


def test_wrap_keeps_english_words_whole_and_breaks_chinese_anywhere():
    lines = wrap("Please keep this slip to track your application", 20)
    assert lines == ["Please keep this", "slip to track your", "application"]
    lines = wrap("请凭此回执查询办理进度", 10)
    assert lines == ["请凭此回执", "查询办理进", "度"]
    mixed = wrap("老年人优待证 Senior card", 16)
    assert all(text_width(x) <= 16 for x in mixed)
    assert "".join(mixed).replace(" ", "") == "老年人优待证Seniorcard"


def test_word_longer_than_a_line_is_split():
    lines = wrap("https://hut.example.cn/track/A20261126000001", 16)
    assert all(text_width(x) <= 16 for x in lines)
    assert "".join(lines) == "https://hut.example.cn/track/A20261126000001"


def test_a_chinese_character_never_straddles_the_edge():
    # 7 columns: three Chinese characters fit (6), the fourth goes down.
    assert wrap("一二三四", 7) == ["一二三", "四"]


def test_closing_punctuation_never_starts_a_line_nor_an_opening_bracket_ends_one():
    # 32 columns hold 16 wide characters: "！" would be the 17th; the 谢 before it goes down with it.
    lines = wrap("请凭此回执扫码查询办理进度，谢谢！Please keep this slip", 32)
    assert lines[0] == "请凭此回执扫码查询办理进度，谢" and lines[1].startswith("谢！Please")
    assert wrap("一二三四五，六", 10) == ["一二三四", "五，六"]
    assert wrap("一二三四（五六", 10) == ["一二三四", "（五六"]
    for text in ("受理编号已生成，请凭回执查询。谢谢！", "办理进度（以短信为准）请留意。"):
        for columns in range(6, 30):
            lines = wrap(text, columns)
            assert "".join(lines) == text
            assert not any(ln[:1] in "，。！）" for ln in lines[1:]), (columns, lines)
            assert not any(ln[-1:] == "（" for ln in lines), (columns, lines)


def test_key_value_row_is_right_aligned_to_the_paper_edge():
    (line,) = key_value("受理编号 No.", "A20261126-0001", 48)
    assert text_width(line) == 48
    assert line.startswith("受理编号 No.") and line.endswith("A20261126-0001")


def test_key_value_that_does_not_fit_puts_the_value_below_right_aligned():
    lines = key_value("办理事项 Matter", "老年人优待证办理 Senior citizen card", 32)
    assert lines[0] == "办理事项 Matter"
    assert all(text_width(x) <= 32 for x in lines)
    assert all(text_width(x) == 32 for x in lines[1:])  # right-aligned: ends at the edge


def test_layout_of_a_receipt_fits_58_and_80_mm():
    receipt = Slip([Title("受理回执 Receipt"), Separator(),
                       Rows([("受理编号 No.", "A1"), ("事项 Matter", "居住证明开具 Certificate of residence")]),
                       Text("请凭此回执查询办理进度。Please keep this slip to track your application.")])
    for columns in (32, 48):
        lines = plain_text(layout(receipt, columns), columns)
        assert all(text_width(x) <= columns for x in lines), lines
        assert lines[1] == "-" * columns


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("ab cd 中文，。 xyz受理") + ["Hello", " ", "Pneumonoultramicroscopic"]),
                max_size=40).map("".join),
       st.integers(min_value=4, max_value=60))
def test_wrap_never_overflows_and_loses_no_character(text, columns):
    lines = wrap(text, columns)
    assert all(text_width(x) <= columns for x in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
