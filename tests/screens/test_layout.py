"""Every screen, landscape and portrait, normal and large text: nothing clipped,
nothing drawn over something else, every touch target at least 96 px tall and
16 px from the next, no text under 32 px, at most one primary action."""

import json

import pytest

from simulators.platform.app import load_catalog_document

pytestmark = pytest.mark.ui

SCREENS = ("home", "identify", "preparing", "idle_warning", "choose_matter", "conditions", "guide", "progress",
           "staff_call", "privacy_notice")


@pytest.fixture(scope="module")
def facts(probe, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    config = kiosk_config(folder, screen='fullscreen = false\nwidth = 1920\nheight = 1080\nlanguage = "zh_CN"',
                          timeouts="idle_seconds = 600\nidle_warning_seconds = 540")
    cache = folder / "state" / "catalog"  # the platform's catalog, as the client caches it
    cache.mkdir(parents=True)
    (cache / "catalog.json").write_text(json.dumps(load_catalog_document(), ensure_ascii=False), encoding="utf-8")
    return probe("probe_layout.py", folder, config, timeout=240)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_both_orientations_were_measured(facts):
    assert facts["sizes"] == {"landscape": [[1920, 1080], False], "portrait": [[1080, 1920], True]}
    expected = {f"{s}/{o}/{t}" for s in SCREENS for o in ("landscape", "portrait") for t in ("normal", "large")}
    assert set(facts["problems"]) == expected
    assert all(facts["shown"][key] == key.split("/")[0] for key in expected), facts["shown"]


# Problems known and left to the large-text work (its own branch), each with why.
# The probe measured large text only on the first screen after the switch until
# it switched it again after each visit's end; these showed up then.
KNOWN = {"choose_matter/landscape/large": "the header's two rows, the pinyin keyboard and the search row leave "
                                          "the results list no height at 1920 x 1080"}


@pytest.mark.parametrize("screen", SCREENS)
def test_no_clipped_overlapping_small_or_crowded_widgets(facts, screen):
    found = {key: problems for key, problems in facts["problems"].items()
             if key.startswith(screen + "/") and problems and key not in KNOWN}
    assert found == {}


@pytest.mark.xfail(strict=True, reason="; ".join(f"{k}: {v}" for k, v in KNOWN.items()))
def test_the_known_large_text_problems_are_still_there(facts):
    """Fails (as expected) while they are there; passes, and so fails strict, once fixed: then empty KNOWN."""
    assert {key: facts["problems"][key] for key in KNOWN if facts["problems"][key]} == {}


def test_at_most_one_primary_action_per_screen(facts):
    assert {k: v for k, v in facts["primaries"].items() if len(v) > 1} == {}
