"""The filing screens at both orientations and both text sizes: nothing clipped or
drawn over something else, targets at least 96 px tall and 16 px apart, no text
under 32 px, at most one primary action (measured on the widget tree)."""

import pytest

pytestmark = pytest.mark.ui

SCREENS = {"face_consent": "face_check", "face_challenge": "face_check", "face_retry": "face_check",
           "face_counter": "face_check", "face_no_photo": "face_check", "form_keypad": "form", "form_pinyin": "form",
           "form_phrases": "form", "form_choices": "form",
           "form_date": "form", "papers_scan": "papers", "papers_check": "papers", "papers_adjust": "papers",
           "papers_camera_lost": "papers",
           "papers_cannot_file": "papers", "review": "review",
           "done": "done"}


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("filing-layout")
    # probe_filing_layout.py starts a virtual hut (platform and camera) in <folder>/hut.
    return probe("probe_filing_layout.py", folder, folder / "hut", timeout=400)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_every_scene_was_measured_on_its_screen(facts):
    expected = {f"{s}/{o}/{t}" for s in SCREENS for o in ("landscape", "portrait") for t in ("normal", "large")}
    # 1280 x 800: the keypad and the corners by touch only
    expected |= {f"{s}/small/{t}" for s in ("form_keypad", "papers_adjust") for t in ("normal", "large")}
    assert set(facts["problems"]) == expected
    assert {k: v for k, v in facts["shown"].items() if v != SCREENS[k.split("/")[0]]} == {}


# Known and left open (issue 21): at 1280 x 800 the keypad (whole, outside the scroll) leaves the
# typed value and its problem a scroll view lower than two targets, and sits 12 px from 继续.
KNOWN = {"form_keypad/small/normal", "form_keypad/small/large"}


@pytest.mark.parametrize("scene", sorted(SCREENS))
def test_no_clipped_overlapping_small_or_crowded_widgets(facts, scene):
    found = {key: problems for key, problems in facts["problems"].items()
             if key.startswith(scene + "/") and problems and key not in KNOWN}
    assert found == {}


def test_the_known_problems_are_still_there(facts):
    assert sorted(key for key in KNOWN if not facts["problems"].get(key)) == []


def test_at_most_one_primary_action_per_screen(facts):
    assert {k: v for k, v in facts["primaries"].items() if len(v) > 1} == {}


def test_the_form_keypad_is_whole_on_screen_outside_the_scrolled_editor(facts):
    """Issue 21: in the editor's scroll view the keypad's lower keys could be out of
    sight, and a scroll view holds each tap back to tell it from a swipe."""
    assert set(facts["keypad"]) == {f"form_keypad/{o}/{t}" for o in ("landscape", "portrait", "small")
                                    for t in ("normal", "large")}
    assert {k: v for k, v in facts["keypad"].items() if v != {"in_scroll": False, "inside_window": True}} == {}


def test_digits_tapped_fast_on_the_form_keypad_are_all_kept(facts):
    assert {k: v for k, v in facts["fast_taps"].items() if v != "13812345678"} == {}
