"""The pinyin candidate engine: full pinyin, initials and unfinished
syllables give the words a resident means, common ones first."""

from __future__ import annotations

import pytest

from kiosk.terminal.typing_pinyin import Composer, PinyinEngine


@pytest.fixture(scope="module")
def engine():
    return PinyinEngine.build()


def texts(engine, letters, n=10):
    return [c.text for c in engine.candidates(letters)[:n]]


@pytest.mark.parametrize("letters,word", [
    ("shenqing", "申请"), ("sq", "申请"), ("shenq", "申请"), ("dibao", "低保"), ("yiyuan", "医院"),
    ("nihao", "你好"), ("lv", "绿"), ("yinhang", "银行"), ("shequ", "社区"), ("dianhua", "电话"),
])
def test_the_meant_word_is_among_the_first_candidates(engine, letters, word):
    assert word in texts(engine, letters)


def test_common_characters_come_before_rare_ones_and_rare_readings(engine):
    assert texts(engine, "de", 1) == ["的"] and texts(engine, "wo", 1) == ["我"]
    xian = texts(engine, "xian", 24)
    assert {"先", "现", "县", "线"} <= set(xian[:6])
    assert "见" not in xian[:8]  # jian: xian is only its old reading, however common 见 is


def test_words_that_use_all_the_letters_come_first_and_say_what_they_consume(engine):
    found = engine.candidates("shenqingdibao")
    assert found[0].consumed == len("shenqing") and found[0].text == "申请"
    consumed = [c.consumed for c in found]
    assert consumed == sorted(consumed, reverse=True) and consumed[-1] < len("shenqing")
    # A word ends where a syllable of the plain reading ends: no 神奇 (shen-qi) out of shen-qing.
    assert "神奇" not in [c.text for c in found] and "身" in [c.text for c in found]
    assert "屈辱" not in texts(engine, "qurenmin", 24) and "去" in texts(engine, "qurenmin", 24)


def test_letters_that_are_no_pinyin_give_nothing(engine):
    assert engine.candidates("") == [] and engine.candidates("123") == []
    assert engine.splits("vvv") == []


def test_composing_a_free_text_field(engine):
    composer = Composer(engine, max_length=6)
    for letter in "shenqing":
        composer.type(letter)
    composer.pick([c.text for c in composer.candidates].index("申请"))
    assert composer.text == "申请" and composer.letters == "" and composer.candidates == []
    for letter in "dibaoshenqing":
        composer.type(letter)
    composer.pick([c.text for c in composer.candidates].index("低保"))
    assert composer.text == "申请低保" and composer.letters == "shenqing"
    composer.pick(0)
    assert composer.text == "申请低保申请"[:6]  # never longer than the field takes
    composer.backspace()
    assert composer.text == "申请低保申"
    composer.append("（补交）")
    assert composer.text == "申请低保申（"
