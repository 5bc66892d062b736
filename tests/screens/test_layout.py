"""Every screen at 1920x1080, 1080x1920 and 1280x800, in normal text, large text,
and English in large text and high contrast: nothing clipped, nothing drawn
over something else, content longer than its room scrolls and says so, every
touch target at least 96 px tall and 16 px from the next, no text under 32 px,
at most one primary action, no colour of the other palette left behind, and
pressing 大字 or 高对比 moves none of the frame's buttons."""


import pytest

from tests.screens.conftest import cache_catalog

# about 100 scenes and the switches pressed on 18 of them: minutes on a busy machine
pytestmark = [pytest.mark.ui, pytest.mark.timeout(900)]

SCREENS = {"home": "home", "identify": "identify", "preparing": "preparing", "idle_warning": "idle_warning",
           "choose_matter": "choose_matter", "choose_category": "choose_matter", "conditions": "conditions",
           "guide": "guide", "progress": "progress", "progress_results": "progress",
           "progress_two_cards": "progress",
           "progress_left_card": "progress", "staff_call": "staff_call", "privacy_notice": "privacy_notice"}
ORIENTATIONS = {"landscape": [[1920, 1080], False], "portrait": [[1080, 1920], True], "small": [[1280, 800], False]}
PASSES = {"normal": [1.0, "zh_CN", False], "large": [1.25, "zh_CN", False], "english": [1.25, "en", True]}


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    config = kiosk_config(folder, screen='fullscreen = false\nwidth = 1920\nheight = 1080\nlanguage = "zh_CN"',
                          timeouts="idle_seconds = 600\nidle_warning_seconds = 540")
    cache_catalog(folder)   # the platform's catalog, as the client caches it: a matter to choose
    return probe("probe_layout.py", folder, config, timeout=900)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_check_finds_cut_off_words_and_a_list_scrolling_unseen(facts):
    """measure() on widgets made to fail it: it must fail them, so an empty list elsewhere means something."""
    found = facts["check_catches"]
    assert [p for p in found if p.startswith("clipped: Label('最低生活保障申请")], found
    assert not [p for p in found if "首页" in p], found   # the label that fits is not reported
    assert [p for p in found if p.startswith("no cue: ")], found
    assert [p for p in found if p.startswith("cut off at the side: Label('a b c")], found


def test_every_scene_was_measured_at_every_size_and_way_of_reading(facts):
    assert facts["sizes"] == ORIENTATIONS
    expected = {f"{s}/{o}/{p}" for s in SCREENS for o in ORIENTATIONS for p in PASSES}
    assert set(facts["problems"]) == expected
    assert {k: v for k, v in facts["shown"].items() if v != SCREENS[k.split("/")[0]]} == {}
    # the switches touched at home held for the visit (a visit's end resets them: each scene sets them again)
    assert {k: v for k, v in facts["aids"].items() if v != PASSES[k.split("/")[2]]} == {}


# Known and left open (issue 21): in a 1280 x 800 window the frame's two rows take about
# 265 of its 800 px, and these screens need a compact frame for low windows (the switches
# behind one button, or smaller rows) before their lists get two rows' room; the home tiles'
# English names in large text stand a few px out of their boxes there.  Every other size and
# way of reading must be clean.  When one of these is fixed, take it off the list.
KNOWN = {f"{screen}/small/{way}" for screen, ways in (
    ("choose_category", ("large", "english")), ("choose_matter", ("large", "english")),
    ("conditions", ("normal", "large", "english")), ("guide", ("normal", "large", "english")),
    ("home", ("normal", "large", "english")), ("progress_results", ("normal", "large", "english")),
) for way in ways}


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_nothing_clipped_overlapping_small_crowded_or_scrolling_unseen(facts, screen):
    found = {key: problems for key, problems in facts["problems"].items()
             if key.startswith(screen + "/") and problems and key not in KNOWN}
    assert found == {}


def test_the_known_problems_are_still_there(facts):
    """A known problem that went away leaves KNOWN, so the check holds for it again."""
    assert sorted(key for key in KNOWN if not facts["problems"].get(key)) == []


def test_pressing_large_text_or_high_contrast_moves_no_button_of_the_frame(facts):
    expected = {f"{s}/{o}/{p}" for s in ("home", "conditions") for o in ORIENTATIONS for p in PASSES}
    assert set(facts["shifts"]) == expected
    assert {k: v for k, v in facts["shifts"].items() if v} == {}


def test_at_most_one_primary_action_per_screen(facts):
    assert {k: v for k, v in facts["primaries"].items() if len(v) > 1} == {}


def test_high_contrast_recolours_everything_and_standard_keeps_none_of_it(facts):
    assert {k: v for k, v in facts["colours"].items() if v} == {}
