"""The home screen's words about the hut, without Kivy: the date with its
weekday in Chinese, the opening hours and the help line, through the
screens' gettext catalog as the kv rules call them."""

from __future__ import annotations

from kiosk.terminal.hut_info import HutInfo, date_line, hours_line, name_line, phone_line, second_name_line
from screens.i18n import tr


def test_the_date_reads_chinese_first_with_its_weekday_and_english_second():
    assert date_line("2026-03-05T14:05", "zh_CN", tr) == "2026年3月5日 星期四 14:05"
    assert date_line("2026-03-05T14:05", "en", tr) == "Thursday 5 March 2026, 14:05"
    assert date_line("2026-11-29T09:00", "zh_CN", tr) == "2026年11月29日 星期日 09:00"
    assert date_line("", "zh_CN", tr) == ""


def test_opening_hours_by_the_days_the_hut_is_open():
    hut = HutInfo(opening_hours="08:30-17:30")
    assert hours_line(hut, "zh_CN", tr) == "开放时间：每天 08:30–17:30"
    assert hours_line(hut, "en", tr) == "Open daily 08:30–17:30"
    weekdays = HutInfo(opening_hours="09:00-17:00", opening_days="weekdays")
    assert hours_line(weekdays, "zh_CN", tr) == "开放时间：周一至周五 09:00–17:00"
    assert hours_line(HutInfo(opening_hours="00:00-24:00"), "zh_CN", tr) == "全天24小时开放"
    assert hours_line(HutInfo(), "zh_CN", tr) == ""               # not configured: not shown


def test_the_help_line_and_the_name_in_each_language():
    hut = HutInfo(name="新阳路社区服务小屋", name_en="Xinyang Road Service Hut", help_phone="0451-8651 2345")
    assert phone_line(hut, "zh_CN", tr) == "服务电话：0451-8651 2345"
    assert phone_line(hut, "en", tr) == "Help line: 0451-8651 2345"
    assert phone_line(HutInfo(), "en", tr) == ""
    assert (name_line(hut, "zh_CN"), second_name_line(hut, "zh_CN")) == ("新阳路社区服务小屋", "Xinyang Road Service Hut")
    assert (name_line(hut, "en"), second_name_line(hut, "en")) == ("Xinyang Road Service Hut", "新阳路社区服务小屋")
    only = HutInfo(name="新阳路社区服务小屋")
    assert (name_line(only, "en"), second_name_line(only, "en")) == ("新阳路社区服务小屋", "")
