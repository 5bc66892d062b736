"""呼叫工作人员 and the privacy notice, decided by the terminal: the call is
recorded once (no personal data), said to the staff and the resident, kept in
the app's state file for the heartbeat, and ends with the visit; the notice
lies over the step and leaves it as it was; the home screen's clock ticks."""

from __future__ import annotations

import datetime as dt
import json
import time

from kiosk.flows.service import Step
from kiosk.ops.app_state import APP_STATE_NAME, read_app_state
from kiosk.terminal.hut_info import minute_of
from kiosk.terminal.staff_call import CALLED_LINE, CANCELLED_LINE, CallState
from kiosk.terminal.view import TerminalState
from kiosk.terminal.voice import Speaker
from tests.terminal_kit import DEVICES, TerminalKit, recording_popen, to_form


def app_state(kit) -> dict:
    return json.loads((kit.terminal.settings.paths.state_dir / APP_STATE_NAME).read_text(encoding="utf-8"))


def test_help_is_recorded_once_with_the_screen_and_no_personal_data(make_kit):
    kit = make_kit()
    t = kit.terminal
    approval = to_form(kit)
    assert approval.form.set_field("phone", "13912345678") is None
    t.call_staff()
    assert kit.view.staff_called and kit.view.staff_call_open and kit.step is Step.FORM
    first = t.staff_call
    assert (first.screen, first.service, first.state) == ("form", "approval", CallState.PENDING)
    saved = app_state(kit)
    assert saved["staff_calls"] == 1 and saved["staff_call"]["state"] == "pending"
    assert saved["staff_call"]["screen"] == "form" and saved["staff_call"]["service"] == "approval"
    text = json.dumps(saved, ensure_ascii=False)
    for personal in ("王秀兰", "110105194412310023", "13912345678", "王**"):
        assert personal not in text

    t.close_staff_call()                 # 好的: the confirmation closes, the call stays
    assert kit.view.staff_called and not kit.view.staff_call_open
    t.call_staff()                       # pressed again while pending: shown again, not sent again
    assert kit.view.staff_call_open and t.staff_call is first
    assert app_state(kit)["staff_calls"] == 1 and t.stats.staff_calls == 1
    assert {f.name: f.display for f in approval.form.view.fields}["phone"] != ""   # the form untouched

    t.cancel_staff_call()
    assert not kit.view.staff_called and not kit.view.staff_call_open and kit.step is Step.FORM
    assert app_state(kit)["staff_call"]["state"] == "cancelled" and t.last_spoken == CANCELLED_LINE
    t.call_staff()                       # a new call after a cancelled one is a new call
    assert t.stats.staff_calls == 2 and t.staff_call.pending


def test_help_then_home_asks_about_the_work_then_ends_the_visit_and_the_call_still_reaches_the_file(make_kit):
    kit = make_kit()
    t = kit.terminal
    approval = to_form(kit)
    assert approval.form.set_field("phone", "13912345678") is None
    t.call_staff()
    t.close_staff_call()
    t.home("resident")                   # 首页 with an application half filled in: asked first
    assert kit.view.confirm_home and kit.view.staff_called and t.staff_call.pending
    t.keep_visit()
    assert kit.step is Step.FORM and kit.view.staff_called
    t.home("resident")
    t.discard_visit()
    assert kit.view.state is TerminalState.HOME and not kit.view.staff_called and not kit.view.staff_call_open
    assert t.staff_call.state is CallState.VISIT_ENDED
    stats, _age = read_app_state(t.settings.paths.state_dir, 60)
    assert stats.staff_call is not None and stats.staff_call.state is CallState.VISIT_ENDED
    assert stats.staff_call.screen == "form"
    t.home("resident")                   # nothing pending any more: nothing changes
    assert t.staff_call.state is CallState.VISIT_ENDED


def test_help_at_home_counts_down_and_the_timeout_ends_the_call(make_kit):
    kit = make_kit()
    t = kit.terminal
    t.call_staff()
    assert t.staff_call.screen == "home" and t.staff_call.service == ""
    assert t.idle.running                # the confirmation must not stay up for the next resident
    t.close_staff_call()
    kit.clock.advance(t.idle.timeout_after + 1)
    t.tick()
    assert not kit.view.staff_called and t.staff_call.state is CallState.VISIT_ENDED
    assert not t.idle.running


def test_the_staff_are_alerted_through_the_speaker_then_the_resident_is_told(make_settings):
    started: list[list[str]] = []

    with TerminalKit(make_settings(DEVICES), speaker=Speaker(popen=recording_popen(started))) as kit:
        t = kit.terminal
        t.open_service("guide")
        t.toggle_voice()                 # the resident switched the voice off: the staff still hear the alert
        kit.run_until(lambda: started, "the guide's line")
        before = len(started)
        t.call_staff()
        deadline = time.monotonic() + 10
        while len(started) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        alert = started[before]
        assert alert[alert.index("-v") + 1] == "cmn" and alert[alert.index("-p") + 1] == "75"
        assert len(started) == before + 1                # no resident line with the voice off
        t.call_staff()                                   # again: no second alert (the voice is off: nothing)
        time.sleep(0.3)
        assert len(started) == before + 1
        t.cancel_staff_call()
        t.toggle_voice()
        kit.run_until(lambda: len(started) > before + 1, "the line again")
        count = len(started)
        t.call_staff()                                   # voice on: the alert, then the resident's line
        deadline = time.monotonic() + 10
        while len(started) < count + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "-p" in started[count] and "-p" not in started[count + 1]
        assert t.last_spoken == CALLED_LINE


def test_the_privacy_notice_lies_over_the_form_and_back_returns_to_it_with_what_was_typed(make_kit):
    kit = make_kit()
    t = kit.terminal
    approval = to_form(kit)
    assert approval.form.set_field("phone", "13912345678") is None
    before = {f.name: f.display for f in approval.form.view.fields}
    t.open_privacy()
    assert kit.view.privacy_open and kit.step is Step.FORM and t.session.active
    t.back()                             # 返回 on the notice closes it, not the step
    assert not kit.view.privacy_open and kit.step is Step.FORM
    assert {f.name: f.display for f in approval.form.view.fields} == before
    t.open_privacy()
    t.close_privacy()
    assert kit.step is Step.FORM and {f.name: f.display for f in approval.form.view.fields} == before


def test_the_privacy_notice_on_the_identify_step_keeps_the_card_read_and_back_returns_to_the_step(make_kit):
    from kiosk.flows.identify import IdentifyState
    from tests.terminal_kit import card, to_identify

    kit = make_kit()
    t = kit.terminal
    to_identify(kit)
    t.open_privacy()                     # before the card: what will happen to what it holds
    assert kit.view.privacy_open and kit.step is Step.IDENTIFY
    kit.reader.place(card())             # the card laid down while the notice is read
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the card to be read")
    t.back()                             # 返回 on the notice: the step stays, with the resident read
    assert not kit.view.privacy_open and kit.step is Step.IDENTIFY
    assert t.identify.state is IdentifyState.IDENTIFIED and t.continue_()
    assert kit.step is not Step.IDENTIFY


def test_the_idle_timeout_with_the_notice_open_wipes_the_visit(make_kit):
    kit = make_kit()
    t = kit.terminal
    approval = to_form(kit)
    assert approval.form.set_field("phone", "13912345678") is None
    t.open_privacy()
    kit.clock.advance(t.idle.warning_after + 1)
    t.tick()
    assert kit.view.idle_warning and kit.view.privacy_open
    kit.clock.advance(t.idle.timeout_after)
    t.tick()
    assert kit.view.state is TerminalState.HOME and not kit.view.privacy_open and not t.session.active
    assert t.session.identity is None


def test_the_notice_opened_at_home_closes_by_itself_for_the_next_resident(make_kit):
    kit = make_kit()
    t = kit.terminal
    t.open_privacy()
    assert t.idle.running
    kit.clock.advance(t.idle.timeout_after + 1)
    t.tick()
    assert not kit.view.privacy_open and not t.idle.running


def test_the_home_screens_clock_ticks_each_minute_and_the_hut_comes_from_the_config(make_kit):
    kit = make_kit()
    t = kit.terminal
    now = [dt.datetime(2026, 3, 5, 14, 5, 12)]
    t.now = lambda: now[0]
    t.tick()
    assert kit.view.minute == "2026-03-05T14:05"
    revision = kit.view.revision
    now[0] += dt.timedelta(seconds=30)
    t.tick()
    assert kit.view.revision == revision            # the same minute: nothing published
    now[0] += dt.timedelta(seconds=30)
    t.tick()
    assert kit.view.minute == minute_of(now[0]) == "2026-03-05T14:06"
    assert kit.view.hut.help_phone == "12345" and kit.view.hut.record_days == 30
