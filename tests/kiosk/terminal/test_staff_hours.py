"""Opening hours ([hut.hours]) in process: the rule with a fake clock across
closing time, a lunch break, the weekend and a day off; the terminal closing
at home but never under a visit, the backlight asked off after the minutes
configured and woken by a touch, the staff card still working, and the
heartbeat's state saying "closed"."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk import config
from kiosk.ops.app_state import read_app_state
from kiosk.terminal.hours import OpeningHours, parse_day, reopens_line, week_lines
from kiosk.terminal.hut_info import hours_line, minute_of
from kiosk.terminal.view import TerminalState
from tests.site_config import write_site
from tests.terminal_kit import DEVICES, TerminalKit, to_identify

HOURS = """
[hut.hours]
monday = "08:30-12:00, 13:30-17:30"
tuesday = "08:30-17:30"
wednesday = "08:30-17:30"
thursday = "08:30-17:30"
friday = "08:30-17:30"
saturday = "09:00-12:00"
days_off = ["2026-10-01"]
screen_off_minutes = 3
"""
# 2026-09-28 is a Monday; 2026-10-01 a Thursday (National Day: a day off).
MONDAY = dt.date(2026, 9, 28)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def hours_of(tmp_path, text: str = HOURS) -> OpeningHours:
    settings = config.load(write_site(tmp_path, text))
    hours = OpeningHours.from_settings(settings.hut.hours)
    assert hours is not None
    return hours


def zh(msgid: str, _lang: str) -> str:
    """The catalog's Chinese for the lines these tests read."""
    from screens.i18n import tr

    return tr(msgid, "zh_CN")


def test_the_rule_across_closing_time_the_lunch_break_the_weekend_and_a_day_off(tmp_path):
    hours = hours_of(tmp_path)
    assert hours.is_open(at(MONDAY, "08:30")) and hours.is_open(at(MONDAY, "11:59"))
    assert not hours.is_open(at(MONDAY, "12:00")) and not hours.is_open(at(MONDAY, "08:29"))
    assert hours.next_opening(at(MONDAY, "12:10")) == at(MONDAY, "13:30")
    assert hours.next_opening(at(MONDAY, "17:30")) == at(MONDAY + dt.timedelta(1), "08:30")
    saturday, sunday = MONDAY + dt.timedelta(5), MONDAY + dt.timedelta(6)
    assert hours.next_opening(at(saturday, "12:00")) == at(MONDAY + dt.timedelta(7), "08:30")
    assert not any(hours.is_open(at(sunday, f"{h:02d}:00")) for h in range(24))
    day_off = dt.date(2026, 10, 1)
    assert not hours.is_open(at(day_off, "10:00"))
    assert hours.next_opening(at(day_off - dt.timedelta(1), "18:00")) == at(day_off + dt.timedelta(1), "08:30")
    assert hours.screen_off_seconds == 180


def test_the_closed_screens_words(tmp_path):
    hours = hours_of(tmp_path)
    now = at(MONDAY, "18:00")
    assert reopens_line(minute_of(hours.next_opening(now)), minute_of(now), "zh_CN", zh) == "明天08:30开放"
    assert reopens_line(minute_of(at(MONDAY, "13:30")), minute_of(at(MONDAY, "12:05")), "en",
                        lambda m, _l: m) == "Open again today at 13:30"
    saturday = at(MONDAY + dt.timedelta(5), "12:30")
    assert reopens_line(minute_of(hours.next_opening(saturday)), minute_of(saturday), "zh_CN", zh) == "星期一08:30开放"
    lines = week_lines(hours, "zh_CN", zh)
    assert lines[0] == "星期一  08:30–12:00, 13:30–17:30" and lines[6] == "星期日  休息"
    from kiosk.terminal.hut_info import HutInfo

    info = HutInfo(hours=hours)
    assert hours_line(info, "zh_CN", zh, minute_of(at(MONDAY, "09:00"))) == "今天开放 08:30–12:00, 13:30–17:30"
    assert hours_line(info, "zh_CN", zh, minute_of(at(dt.date(2026, 10, 1), "09:00"))) == "今天休息（节假日）"


@pytest.mark.parametrize("text,needle", [
    ('[hut.hours]\nmonday = "17:30-08:30"\n', "hut.hours.monday"),
    ('[hut.hours]\nsunday = ""\n', "at least one weekday"),
    ('[hut.hours]\nmonday = "08:30-17:30"\ndays_off = ["1 October"]\n', "hut.hours.days_off"),
    ('[hut.hours]\nmonday = "08:30-17:30"\nscreen_off_minutes = 0\n', "hut.hours.screen_off_minutes"),
    ('[hut]\nopening_hours = "08:30-17:30"\n[hut.hours]\nmonday = "08:30-17:30"\n', "hut.opening_hours"),
    ('[hut.hours]\nmonday = "08:30-17:30"\nholidays = []\n', "hut.hours.holidays"),
])
def test_bad_hours_name_the_key(tmp_path, text, needle):
    with pytest.raises(config.ConfigError) as info:
        config.load(write_site(tmp_path, text))
    assert needle in str(info.value)


def test_a_range_on_to_midnight_and_from_it_is_one_opening(tmp_path):
    hours = hours_of(tmp_path, '[hut.hours]\nfriday = "20:00-24:00"\nsaturday = "00:00-02:00, 09:00-10:00"\n')
    friday = MONDAY + dt.timedelta(4)
    assert hours.is_open(at(friday, "23:59")) and hours.is_open(at(friday + dt.timedelta(1), "01:00"))
    assert hours.next_opening(at(friday, "19:00")) == at(friday, "20:00")
    assert hours.next_opening(at(friday, "21:00")) == at(friday + dt.timedelta(1), "09:00")
    assert parse_day("") == ()


class WallClock:
    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def closing_kit(make_settings):
    made = []

    def make(moment: dt.datetime) -> tuple[TerminalKit, WallClock]:
        settings = make_settings(DEVICES + HOURS)
        kit = TerminalKit(settings)
        wall = WallClock(moment)
        kit.terminal.now = wall
        kit.__enter__()
        made.append(kit)
        kit.terminal.tick()
        return kit, wall

    yield make
    for kit in made:
        kit.__exit__(None, None, None)


def test_the_terminal_closes_at_closing_time_and_opens_again(closing_kit):
    kit, wall = closing_kit(at(MONDAY, "17:29"))
    t = kit.terminal
    assert kit.view.state is TerminalState.HOME
    wall.moment = at(MONDAY, "17:30")
    t.tick()
    assert kit.view.state is TerminalState.CLOSED and kit.view.screen == "closed"
    assert kit.view.reopens == "2026-09-29T08:30" and not kit.view.screen_dark
    t.write_app_state()
    report = read_app_state(t.settings.paths.state_dir, 60)
    assert report is not None and report[0].mode == "closed" and t.mode() == "closed"
    # Three minutes untouched: the backlight off; a touch wakes it, and it goes dark again later.
    kit.clock.advance(179)
    t.tick()
    assert not kit.view.screen_dark
    kit.clock.advance(2)
    t.tick()
    assert kit.view.screen_dark
    t.touched()
    assert not kit.view.screen_dark and kit.view.state is TerminalState.CLOSED
    kit.clock.advance(181)
    t.tick()
    assert kit.view.screen_dark
    with pytest.raises(ValueError):
        t.open_service("nothing")
    wall.moment = at(MONDAY + dt.timedelta(1), "08:30")
    t.tick()
    assert kit.view.state is TerminalState.HOME and not kit.view.screen_dark and t.mode() == "idle"


def test_a_visit_at_closing_time_finishes_then_the_kiosk_closes(closing_kit):
    kit, wall = closing_kit(at(MONDAY, "17:25"))
    t = kit.terminal
    to_identify(kit)
    wall.moment = at(MONDAY, "17:31")
    t.tick()
    assert kit.view.state is TerminalState.SERVICE and t.mode() == "in_use"
    t.home("resident")
    t.tick()
    assert kit.view.state is TerminalState.CLOSED


def test_a_day_off_is_closed_all_day(closing_kit):
    kit, _wall = closing_kit(at(dt.date(2026, 10, 1), "10:00"))
    assert kit.view.state is TerminalState.CLOSED and kit.view.reopens == "2026-10-02T08:30"


def test_a_hut_without_hours_never_closes(make_settings):
    with TerminalKit(make_settings(DEVICES)) as kit:
        kit.terminal.now = WallClock(at(MONDAY + dt.timedelta(6), "03:00"))
        kit.terminal.tick()
        assert kit.view.state is TerminalState.HOME and kit.terminal.hours is None


def test_the_heartbeat_says_closed_outside_the_hours(make_settings, platform, terminal, tmp_path):
    import time

    from kiosk.outbox.store import Outbox
    from simulators.platform.testing import client_for
    from tests.kiosk.terminal.test_filing_platform import Worker

    folder = tmp_path / "state" / "outbox"
    settings = make_settings(DEVICES + HOURS)
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    with TerminalKit(settings, outbox=outbox, client=client_for(platform.url, terminal)) as kit:
        kit.terminal.now = WallClock(at(MONDAY + dt.timedelta(6), "10:00"))   # a Sunday
        kit.terminal.tick()
        assert kit.view.state is TerminalState.CLOSED
        kit.terminal.write_app_state()
        with Worker(folder, terminal, platform.url, settings.paths.state_dir):
            deadline = time.monotonic() + 10
            while (found := platform.store.last_heartbeat(terminal.id)) is None:
                assert time.monotonic() < deadline, "no heartbeat"
                time.sleep(0.05)
    assert found["heartbeat"]["state"] == "closed"
