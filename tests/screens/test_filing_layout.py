"""The filing screens at both orientations and both text sizes: nothing clipped or
drawn over something else, targets at least 96 px tall and 16 px apart, no text
under 32 px, at most one primary action (measured on the widget tree)."""

import pytest

pytestmark = pytest.mark.ui

SCREENS = {"face_consent": "face_check", "face_challenge": "face_check", "face_retry": "face_check",
           "face_counter": "face_check", "face_no_photo": "face_check", "form_keypad": "form", "form_pinyin": "form",
           "form_phrases": "form", "form_choices": "form",
           "form_date": "form", "papers_scan": "papers", "papers_check": "papers", "papers_camera_lost": "papers",
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
    assert set(facts["problems"]) == expected
    assert {k: v for k, v in facts["shown"].items() if v != SCREENS[k.split("/")[0]]} == {}


@pytest.mark.parametrize("scene", sorted(SCREENS))
def test_no_clipped_overlapping_small_or_crowded_widgets(facts, scene):
    found = {key: problems for key, problems in facts["problems"].items()
             if key.startswith(scene + "/") and problems}
    assert found == {}


def test_at_most_one_primary_action_per_screen(facts):
    assert {k: v for k, v in facts["primaries"].items() if len(v) > 1} == {}
