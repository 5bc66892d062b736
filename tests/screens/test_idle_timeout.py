"""Idle timeout: warning with countdown, any touch resets, timeout goes home and forgets."""


import pytest

from tests.screens.conftest import cache_catalog

pytestmark = pytest.mark.ui

IDLE, WARNING = 6.0, 1.5  # the probe taps 0.3 s after the warning on the wall clock: 4.5 s of room for a loaded machine


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("idle")
    config = kiosk_config(folder, screen='fullscreen = false\nwidth = 1280\nheight = 800\nlanguage = "zh_CN"',
                          timeouts=f"idle_seconds = {IDLE}\nidle_warning_seconds = {WARNING}")
    cache_catalog(folder)   # the platform's catalog, as the client caches it: a matter to choose
    return probe("probe_idle.py", folder, config)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_home_screen_alone_is_not_timed(facts):
    assert facts["idle_running_at_home"] is False


def test_identified_resident_is_shown_masked_only(facts):
    assert facts["state_waiting"] == "waiting"
    assert facts["masked_name"] == "张**"
    assert facts["masked_id"] == "230108********1234"
    assert not facts["full_id_on_screen"] and not facts["full_name_on_screen"]
    assert facts["session_has_resident"]
    assert facts["clipped_identify"] == [], "text cut off on a 1280x800 screen"


def test_warning_shows_a_countdown_and_any_touch_dismisses_it(facts):
    assert WARNING - 0.3 <= facts["warning_after"] <= WARNING + 3.0
    assert facts["countdown"].isdigit() and 1 <= int(facts["countdown"]) <= IDLE - WARNING + 1
    assert "need more time" in facts["warning_text"] and "需要更多时间" in facts["warning_text"]
    assert facts["clipped_warning"] == [], "text cut off on a 1280x800 screen"
    assert facts["warning_open_after_touch"] is False
    assert facts["screen_after_touch"] == "identify"
    assert facts["resident_kept_after_touch"], "a touch must keep the visit going"


def test_timeout_returns_home_and_clears_the_session(facts):
    assert IDLE - 0.3 <= facts["timeout_after"] <= IDLE + 3.0
    assert facts["session"] == {"resident": False, "service": None, "data": 0, "active": False}
    assert facts["record_alive_after_timeout"] is False, "the ID card record is still referenced somewhere"
    assert facts["identity_alive_after_timeout"] is False, "the identity made of the card is still referenced somewhere"
    assert facts["identify_masked"] == ["", ""]
    assert not facts["masked_id_anywhere"], "the masked ID is still on a screen"
    assert facts["warning_open_after_timeout"] is False
    assert facts["idle_running_after_timeout"] is False


def test_next_resident_gets_the_default_language(facts):
    assert facts["lang_after_timeout"] == "zh_CN"
