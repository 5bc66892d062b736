"""呼叫工作人员, the privacy notice and the hut's facts on the home screen,
with real touches (apps/probe_help.py): what the resident reads at each tap."""

import datetime as dt

import pytest

from tests.screens.conftest import cache_catalog

pytestmark = pytest.mark.ui

HUT = """
[hut]
opening_hours = "08:30-17:30"
opening_days = "weekdays"
help_phone = "0451-86509300"
"""


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("help")
    config = kiosk_config(folder, screen='fullscreen = false\nwidth = 1920\nheight = 1080\nlanguage = "zh_CN"',
                          timeouts="idle_seconds = 600\nidle_warning_seconds = 540", extra=HUT)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'id = "UI-TEST-1"', 'id = "UI-TEST-1"\nname = "友协街道居民自助服务小屋"\nname_en = "Youxie Street Self-Service Hut"'),
        encoding="utf-8")
    cache_catalog(folder)   # the platform's catalog, as the client caches it: a matter to choose
    return probe("probe_help.py", folder, config, timeout=180)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_home_shows_the_hut_its_date_hours_and_help_line_chinese_first(facts):
    hut = facts["home_hut"]
    assert hut["hut_name"] == ["友协街道居民自助服务小屋", "Youxie Street Self-Service Hut"]
    assert hut["hours"] == ["开放时间：周一至周五 08:30–17:30", "Open Monday to Friday 08:30–17:30"]
    assert hut["phone"] == ["服务电话：0451-86509300", "Help line: 0451-86509300"]
    shown = dt.datetime.strptime(facts["minute"], "%Y-%m-%dT%H:%M")
    weekday = "一二三四五六日"[shown.weekday()]
    assert hut["clock"] == [f"{shown.year}年{shown.month}月{shown.day}日 星期{weekday} {shown:%H:%M}",
                            f"{shown:%A} {shown.day} {shown:%B %Y}, {shown:%H:%M}"]


def test_call_staff_is_in_the_header_and_says_the_call_is_pending_after_ok(facts):
    assert facts["help_button_home"] == ["呼叫工作人员\nCall staff"] and facts["help_button_on_screen"]
    assert facts["dialog_texts"][:2] == ["已呼叫工作人员，请稍候", "Staff have been called, please wait a moment"]
    assert "如无人前来，请拨打 0451-86509300。" in facts["dialog_texts"]
    assert facts["dialog_texts"][-2:] == ["取消呼叫\nCancel the call", "确定\nOK"]
    assert facts["call_state_after_tap"] == "pending"
    assert facts["help_button_pending"] == ["已呼叫工作人员\nStaff called"]
    assert facts["call_state_after_ok"] == "pending"


def test_pressed_again_it_shows_again_without_a_second_call_and_cancel_ends_it(facts):
    assert facts["calls_after_second_tap"] == 1
    assert facts["help_button_after_cancel"] == ["呼叫工作人员\nCall staff"]
    assert facts["call_state_after_cancel"] == "cancelled"


def test_call_staff_from_the_identify_step_keeps_the_step(facts):
    assert facts["identify_help_pending"] == ["已呼叫工作人员\nStaff called"]
    assert facts["identify_call"] == ["identify", "approval", "pending"]
    assert facts["identify_help_en"] == ["Staff called\n已呼叫工作人员"]
    # the visit's end ends the call: the next resident finds the plain button
    assert facts["help_button_next_visit"] == ["呼叫工作人员\nCall staff"]
    assert facts["call_state_after_visit"] == "visit_ended"


def test_the_privacy_notice_from_home_says_what_is_kept_and_back_returns_home(facts):
    assert facts["privacy_title"] == ["个人信息保护说明", "How we use your information"]
    text = facts["privacy_texts"]
    for words in ("我们收集哪些信息", "What we collect", "身份证信息", "只在您办理期间保留", "加密暂存",
                  "区平台确认收到后即从本终端删除", "deleted here", "保存 30 天", "0451-86509300", "返回\nBack"):
        assert words in text, words
    assert text.index("我们收集哪些信息") < text.index("What we collect")   # Chinese first
    assert facts["after_privacy_home"] == "home"


def test_the_privacy_notice_from_the_identify_step_returns_to_that_step(facts):
    assert facts["privacy_over"] == "identify"
    assert "个人信息保护说明" in facts["privacy_texts_identify"]
    assert facts["after_privacy_identify"] == ["identify", "approval", "identify"]
    assert facts["identify_help_still_pending"] == ["已呼叫工作人员\nStaff called"]
