"""Routing through a visit, decided by the terminal: which service, which step,
"step 2 of 5", Back and Home, "being prepared", where a card goes; and the
services as they register themselves."""

from __future__ import annotations

import pytest

from drivers.base import Status
from kiosk.flows.identify import IdentifyFlow, IdentifyState
from kiosk.flows.service import Step
from kiosk.flows.session import Session
from kiosk.services import by_key, lines, registered
from kiosk.services.progress.flow import ProgressState
from kiosk.terminal.terminal import Terminal
from kiosk.terminal.view import TerminalState
from tests.terminal_kit import HeardSpeaker, card, fill_form, identify, scan_all, social_security_card, to_identify


def test_the_services_register_themselves_in_home_screen_order():
    assert [s.key for s in registered()] == ["approval", "health", "guide", "request", "progress", "certificate"]
    assert {s.key for s in registered() if s.built} == {"approval", "health", "guide", "request", "progress",
                                                        "certificate"}
    assert {s.key for s in registered() if Step.IDENTIFY in s.steps} == {"approval", "request", "certificate"}
    # the health check identifies on its own first step, where measuring without a card is offered too
    assert Step.HEALTH_START in next(s for s in registered() if s.key == "health").steps


def test_two_services_never_give_one_step_different_words():
    seen: dict[tuple[str, str], str] = {}
    for service in registered():
        for key, msgid in service.lines.items():
            assert seen.setdefault(key, msgid) == msgid, key
    assert lines() == seen


def test_the_terminal_table_has_no_transition_into_an_unknown_state():
    for machine, states in ((Terminal, TerminalState), (IdentifyFlow, IdentifyState)):
        targets = {target for (_, _), target in machine.TRANSITIONS.items()}
        assert targets == set(states), machine.__name__


def test_every_filing_step_forward_and_back_with_and_without_the_optional_step(make_kit):
    kit = make_kit()
    t = kit.terminal
    # MZ-001's catalog entry asks for the face check and the signed property declaration
    for code, expected in (("MZ-003", 8), ("MZ-001", 10)):
        t.home()
        kit.reader.take()
        kit.settle()
        approval = to_identify(kit, code)
        approval.face_runner.close()
        seen = [Step.CHOOSE_MATTER, Step.CONDITIONS, Step.IDENTIFY]
        assert kit.view.total == expected and kit.view.index == 2
        identify(kit, card())
        if kit.step is Step.FACE_CHECK:
            seen.append(Step.FACE_CHECK)
            assert approval.face.state.value == "no_photo" and approval.face_continue()
        seen.append(kit.step)
        assert kit.view.index == len(seen) - 1             # "step 5 of 9"
        fill_form(approval)
        seen.append(kit.step)
        scan_all(approval)
        seen.append(kit.step)
        optional = {Step.FACE_CHECK, Step.SIGN} if expected == 10 else set()
        assert tuple(seen) == by_key("approval").steps_with(optional)[:len(seen)]
        back = [kit.step]
        while kit.view.state is TerminalState.SERVICE:
            t.back()
            if kit.view.state is TerminalState.SERVICE:
                back.append(kit.step)
            if kit.step is Step.IDENTIFY:   # the card still lies there: read again, Continue
                kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED)
        assert tuple(reversed(back)) == tuple(seen)      # Back retraces every step the visit took
        assert kit.view.state is TerminalState.HOME and not t.session.active


def test_a_service_without_a_flow_or_a_screen_is_being_prepared_and_asks_for_no_card(make_kit):
    kit = make_kit()
    t = kit.terminal
    kit.reader.place(card())
    kit.settle()
    # Every service has a flow now; one whose screens this app lacks is "being prepared" all the same.
    limited = Terminal(t.settings, post=kit.loop.post, presentable={Step.IDENTIFY}, owner=kit.owner,
                       catalog=lambda: None, speaker=HeardSpeaker())
    limited.build()
    limited.open_service("request")        # a card on the reader, but its steps have no screens here
    assert limited.view.state is TerminalState.PREPARING and limited.view.screen == "preparing"
    assert limited.view.title == "Requests" and limited.view.step is None
    assert limited.identify.state is IdentifyState.CLOSED and limited.session.identity is None
    limited.back()
    assert limited.view.state is TerminalState.HOME
    limited.open_service("approval")       # its choose-matter screen is missing here
    assert limited.view.state is TerminalState.PREPARING


def test_a_card_goes_to_the_step_that_asked_for_it_and_nowhere_else(make_kit):
    kit = make_kit()
    t = kit.terminal
    kit.reader.place(card())                           # on the home screen: not kept
    kit.settle()
    assert t.session.identity is None and t.identify.state is IdentifyState.CLOSED
    t.open_service("guide")                            # no card wanted
    kit.settle()
    assert t.session.identity is None and t.identify.state is IdentifyState.CLOSED
    t.home()
    kit.reader.take()
    kit.settle()
    t.open_service("progress")                         # any card, at once (no Continue)
    progress = t.flow("progress")
    kit.ssc.place(social_security_card())
    kit.run_until(lambda: progress.state is not ProgressState.WAITING, "the query")
    assert progress.view.proof == "card" and progress.view.masked_name == "李**"


def test_a_card_laid_down_at_home_is_read_for_the_visit_it_begins_not_taken_for_a_forgotten_one(make_kit):
    """A resident puts the card down first and then touches 自助办事: the
    identify step reads it for them, and nobody is told to take it away."""
    kit = make_kit()
    t = kit.terminal
    kit.reader.place(card())
    kit.settle()
    approval = to_identify(kit, "MZ-001")
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED, "the card already on the reader to be read")
    assert kit.reader.reads >= 1 and not kit.view.card_reminder
    assert t.session.identity is not None and approval.state is not None


def test_the_identify_step_asks_only_for_the_cards_the_service_accepts():
    flow = IdentifyFlow(Session())
    assert not flow.can("confirm") and flow.confirm() is None and flow.state is IdentifyState.CLOSED
    flow.start()
    assert flow.state is IdentifyState.READER_UNAVAILABLE  # no reader has reported in
    assert not flow.can("card_present")


@pytest.mark.parametrize("reason", ["resident", "done", "timeout"])
def test_every_end_of_a_visit_gives_the_next_person_the_huts_defaults(make_kit, reason):
    """English and large text chosen by one resident do not stay for the next
    (issue 21: they survived 首页 and 完成; only the idle timeout reset them)."""
    kit = make_kit()
    t = kit.terminal
    t.open_service("guide")
    t.set_language("en"), t.toggle_large_text(), t.toggle_contrast(), t.toggle_voice()
    assert (kit.view.lang, kit.view.large_text, kit.view.high_contrast, kit.view.voice_on) == ("en", True, True, False)
    t.home(reason)
    view = kit.view
    assert view.state is TerminalState.HOME and not t.session.active
    assert (view.lang, view.large_text, view.high_contrast, view.voice_on) == ("zh_CN", False, False, True)


def test_a_hut_that_starts_in_high_contrast_returns_to_it_after_every_visit(make_settings):
    """[screen] high_contrast = true: the hut's default; a resident may switch it
    off for their visit, the next one finds it on again."""
    from dataclasses import replace

    from tests.terminal_kit import DEVICES, TerminalKit

    settings = make_settings(DEVICES)
    settings = replace(settings, screen=settings.screen.model_copy(update={"high_contrast": True}))
    with TerminalKit(settings) as kit:
        t = kit.terminal
        assert kit.view.high_contrast and not t.idle.running   # the hut's default: nothing to forget
        t.toggle_contrast()
        assert not kit.view.high_contrast and t.idle.running   # a resident's choice: the idle timer forgets it
        t.open_service("guide")
        assert not kit.view.high_contrast
        t.home("timeout")
        assert kit.view.high_contrast


def test_settings_chosen_at_home_stay_for_the_visit_they_begin(make_kit):
    kit = make_kit()
    t = kit.terminal
    t.set_language("en"), t.toggle_large_text(), t.toggle_contrast()
    t.open_service("guide")
    assert (kit.view.lang, kit.view.large_text, kit.view.high_contrast) == ("en", True, True)


def test_the_identify_step_reads_with_whichever_reader_works(make_kit):
    """The social security reader's service (pcscd) down does not make the step
    say "the card reader cannot be used" while the ID card reader works; with
    only the social security reader working, a matter that accepts that card
    asks for it, one that does not sends the resident to the counter."""
    kit = make_kit()
    t = kit.terminal
    kit.ssc.publish_state(Status.HARDWARE_ERROR, problem="pcscd_down")
    kit.settle()
    to_identify(kit, "GA-001")
    assert t.identify.state is IdentifyState.WAITING and kit.view.step_view.reader_available
    assert t.last_spoken == "Please place your ID card on the reader"
    t.home()
    kit.ssc.replug()
    kit.reader.unplug()
    kit.settle()
    to_identify(kit, "MZ-003")                      # accepts the social security card
    assert t.identify.state is IdentifyState.WAITING
    assert t.last_spoken == "Please insert your social security card"
    t.home()
    to_identify(kit, "GA-001")                      # does not
    assert t.identify.state is IdentifyState.READER_UNAVAILABLE
    assert t.last_spoken == "Cards cannot be read here now. Please ask at the counter"


def test_a_card_on_the_other_reader_is_pointed_out_not_ignored(make_kit):
    """A card left on one reader while the resident places their card on the
    other: "please take the other card away", then the card is read (issue 21:
    the ID card was silently ignored on the progress screen)."""
    kit = make_kit()
    t = kit.terminal
    t.open_service("progress")
    kit.ssc.place(social_security_card())           # the first resident's card, read and shown
    progress = t.flow("progress")
    kit.run_until(lambda: progress.state is not ProgressState.WAITING, "the first card's query")
    t.home()                                         # they leave it in the reader
    kit.settle()
    assert kit.view.card_reminder
    t.open_service("progress")                       # the next resident
    kit.reader.place(card())
    kit.settle()
    cards = kit.view.identify
    assert cards.state is IdentifyState.TWO_CARDS and cards.other_card == "social_security_card"
    assert progress.state is ProgressState.WAITING and t.session.identity is None
    kit.ssc.take()
    kit.run_until(lambda: progress.state is not ProgressState.WAITING, "the ID card's query")
    assert progress.view.masked_name == "王**"


def test_a_card_left_from_the_last_visit_is_not_read_for_progress_until_placed_again(make_kit):
    """The progress step with only the last visit's card on the reader: it is not
    read for the new visit (it may be someone else's), the view says it lies there
    (the screen: "take it away, then place your card again"); lifted and placed, it is read."""
    kit = make_kit()
    t = kit.terminal
    t.open_service("progress")
    kit.reader.place(card())
    progress = t.flow("progress")
    kit.run_until(lambda: progress.state is not ProgressState.WAITING, "the first visit's query")
    t.home()                                         # the card stays on the reader
    kit.settle()
    t.open_service("progress")
    kit.settle()
    assert kit.view.identify.card_reminder and progress.state is ProgressState.WAITING
    assert t.session.identity is None and progress.view.masked_name == ""
    kit.reader.take()
    kit.settle()
    assert not kit.view.identify.card_reminder
    kit.reader.place(card())
    kit.run_until(lambda: progress.state is not ProgressState.WAITING, "the card placed again")
    assert progress.view.masked_name == "王**"


def test_two_cards_placed_at_the_identify_step_ask_for_one(make_kit):
    kit = make_kit()
    t = kit.terminal
    to_identify(kit, "MZ-003")
    kit.ssc.place(social_security_card())
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED)
    kit.reader.place(card())
    kit.settle()
    assert t.identify.state is IdentifyState.TWO_CARDS and not t.continue_()
    assert t.session.identity is None                # neither card counts while both lie there
    kit.ssc.take()
    kit.run_until(lambda: t.identify.state is IdentifyState.IDENTIFIED)
    assert kit.view.step_view.masked_name == "王**" and t.continue_() and kit.step is Step.FORM


def test_a_silent_speaker_is_said_on_screen_and_the_volume_has_three_steps(make_settings):
    """espeak-ng exits 0 with no sound card: the kiosk checks its speaker as a
    device, shows 'voice unavailable' and stops speaking into nothing; the
    resident's volume control has three steps around the hut's volume, and the
    next visit starts at the hut's (issue 21 item 14)."""
    from kiosk.terminal.voice import Speaker
    from tests.terminal_kit import DEVICES, TerminalKit, recording_popen

    started: list[list[str]] = []
    with TerminalKit(make_settings(DEVICES), speaker=Speaker(popen=recording_popen(started))) as kit:
        t = kit.terminal
        t.open_service("guide")
        kit.run_until(lambda: started, "a line spoken")
        assert started[-1][started[-1].index("-a") + 1] == "120"   # the hut's volume (the speaker's option)
        t.next_volume()
        kit.run_until(lambda: started[-1][started[-1].index("-a") + 1] == "180", "louder")
        t.next_volume()
        assert kit.view.volume == 0
        kit.run_until(lambda: started[-1][started[-1].index("-a") + 1] == "72", "quieter")
        kit.speaker.unplug()
        kit.settle()
        assert not kit.view.voice_available and not kit.view.availability.voice
        said = len(started)
        t.home()
        t.open_service("guide")
        kit.settle()
        assert len(started) == said and t.last_spoken     # the line is known, not played into nothing
        assert kit.view.volume == 1                      # a new visit: the hut's volume
