"""Signing the property declaration with a finger (probe_sign.py: real touches
through Kivy's input path, a move per frame), the refusals said in words, 返回
keeping nothing, and the idle timeout wiping a half-written signature."""

import pytest

from tests.screens.conftest import cache_catalog

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign")
    config = kiosk_config(folder, screen='fullscreen = false\nwidth = 1920\nheight = 1080\nlanguage = "zh_CN"',
                          timeouts="idle_seconds = 600\nidle_warning_seconds = 500")
    cache_catalog(folder)   # the platform's catalog, as the client caches it: the 低保 matter to choose
    return probe("probe_sign.py", folder, config, timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_declaration_is_shown_large_with_the_resident_masked(facts):
    reading = facts["reading"]
    assert "家庭财产申报表" in reading["text"] and "真实、完整" in reading["text"]
    assert "110105********0023" in reading["text"] and "110105194412310023" not in reading["text"]
    assert "家庭人口数: 2" in reading["text"]                   # a value it declares, as filled in
    assert reading["step"] == [6, 10]                           # step 7 of 10, after the papers
    assert reading["primary"].startswith("签名") and "服务台" in reading["secondary"]


def test_the_box_is_large_with_its_prompt_and_its_two_buttons(facts):
    box = facts["box"]
    assert box["size"][0] >= 0.8 * box["window"][0] and box["size"][1] >= 300
    assert "请在框内签名" in box["text"]
    assert box["buttons"][0].startswith("清除") and box["buttons"][1].startswith("确认")


def test_a_dot_is_asked_again_in_words_and_the_box_emptied(facts):
    dot = facts["dot"]
    assert "只有一个点" in dot["headline"] and "only a dot" in dot["headline"]
    assert dot["pad_strokes"] == 0 and dot["flow_strokes"] == 0


def test_a_scrawl_leaving_the_box_is_asked_again(facts):
    assert "框外" in facts["outside"]["headline"] and facts["outside"]["pad_strokes"] == 0


def test_back_from_the_box_returns_to_the_document_keeping_nothing(facts):
    back = facts["back"]
    assert back["held_before"] == 1 and back["pending"] == 0 and back["pad_strokes"] == 0
    assert back["screen"] == "sign"


def test_the_drawn_name_shows_as_the_finger_moves_and_is_confirmed(facts):
    drawn = facts["drawn"]
    assert drawn["flow_strokes"] == 9 and drawn["pad_strokes"] == 9
    assert drawn["ink_lines"] >= 9 * 10        # drawn piece by piece as the finger moved, not at the end
    assert drawn["ink_in_box"] > 3000          # the line on screen, in the screenshot
    signed = facts["signed"]
    assert signed["strokes"] == 9 and signed["shown"]
    assert "已签名" in signed["text"] and "您的签名" in signed["text"]
    assert signed["buttons"][0].startswith("重新签名") and signed["buttons"][1].startswith("继续")
    # the PNG the department gets has the name where it was written: three characters across the middle
    left, top, right, bottom = signed["png_ink"]["bbox"]
    assert 0.1 < left < 0.2 and 0.7 < right < 0.85 and 0.15 < top < 0.3 and 0.55 < bottom < 0.75


def test_on_to_the_review(facts):
    assert facts["after"] == {"screen": "review", "step": [7, 10], "asked_before_home": True}


def test_the_review_says_what_was_signed_on_the_screen(facts):
    assert facts["review_says"] == "已在本机签名: 家庭财产申报表（本人签名）"


def test_the_idle_timeout_while_signing_warns_then_wipes_everything(facts):
    idle = facts["idle"]
    assert idle["strokes_while_warned"] == 3 and idle["warning"]
    assert idle["home"] == "home" and idle["session"] is False and idle["signatures"] is False
    assert idle["pad_strokes"] == 0 and idle["ink_lines"] == 0 and idle["screen_state"] == "closed"


def test_the_pressure_a_touchscreen_reports_is_kept(facts):
    assert facts["pressure"] == [0.7]
