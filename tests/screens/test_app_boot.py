"""The app boots under Xvfb, full screen, and the home screen reads in Chinese."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

SERVICES_ZH = {"approval": "自助办事", "health": "健康自测", "guide": "办事指南",
               "request": "诉求反映", "progress": "进度查询", "certificate": "证明打印"}


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("boot")
    config = kiosk_config(folder, screen='fullscreen = true\nshow_cursor = false\nlanguage = "zh_CN"')
    return probe("probe_boot.py", folder, config)


def test_home_screen_is_shown_full_screen_without_a_cursor(facts):
    assert facts["finished"], facts.get("error")
    assert facts["screen"] == "home"
    assert facts["fullscreen"] in ("auto", True)
    assert facts["window_size"][0] >= 1024 and facts["window_size"][1] >= 768, "not full screen"
    assert facts["show_cursor"] is False


def test_default_font_is_the_cjk_font(facts):
    cjk = facts["cjk_font"]
    assert Path(cjk).is_file()
    assert facts["registered_font"] == cjk
    assert facts["tile_font_file"] == cjk, "the tile label does not use the CJK font"


def test_tiles_show_readable_chinese_first_and_english_second(facts):
    assert facts["tile_labels"] == SERVICES_ZH
    assert facts["tile_second"] == "Self-service"
    assert facts["tile_text_pixels"] > 500, "the tile's Chinese label rendered blank"
    assert facts["glyphs_differ_default_font"], "different Chinese words render alike: tofu boxes"
    assert not facts["glyphs_differ_roboto"], "the tofu check cannot tell (Roboto rendered Chinese?)"
    tile_w, tile_h = facts["tile_size"]
    assert facts["tile_texture_size"][1] >= 50 and tile_h >= 200, "tile text or tile too small for elderly readers"
    assert facts["clipped_zh"] == [] and facts["clipped_en"] == [], "labels are cut off"


def test_language_switch_relabels_everything_live(facts):
    assert facts["lang_after_en_tap"] == "en"
    assert facts["tile_labels_en"]["approval"] == "Self-service"
    assert facts["tile_second_en"] == "自助办事"
    assert facts["prompt_en"] == "Please choose a service"
    assert facts["lang_after_zh_tap"] == "zh_CN"
    assert facts["prompt_zh"] == "请选择您要办理的服务"


def test_escape_does_not_exit(facts):
    assert facts["alive_after_escape"] is True


def test_unbuilt_service_shows_an_honest_message_and_a_way_back(facts):
    assert facts["after_request_tap"] == "preparing"
    assert facts["preparing_title"] == "Requests"
    assert "正在准备" in facts["preparing_message"]
    assert facts["clipped_preparing"] == []
    assert facts["after_back_tap"] == "home"


def test_left_idle_at_home_it_builds_the_screens_the_next_resident_will_need(facts):
    """The steps' screens not shown yet are built while home stands untouched: a resident
    who comes then gets each step's screen at once, not built under the finger."""
    assert facts["screens_left_after_idle"] == 0, facts["screens_left_before_idle"]
    assert facts["screens_in_manager"] >= 30   # home, preparing, staff, closed and the steps' screens
