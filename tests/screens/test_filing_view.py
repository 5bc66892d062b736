"""Where the filing screens put what the resident looks at, in every window
and text size (tests/screens/apps/probe_filing_view.py)."""

import pytest

pytestmark = pytest.mark.ui

WINDOWS = {f"{o}/{t}" for o in ("landscape", "portrait", "small") for t in ("normal", "large")}


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("filing-view")
    # probe_filing_view.py starts a virtual hut (platform and camera) in <folder>/hut.
    return probe("probe_filing_view.py", folder, folder / "hut", timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_single_continue_of_an_unreadable_card_photo_is_centred(facts):
    """本机无法读取身份证照片: one button, in the middle, nothing hidden beside it taking room or touches."""
    seen = facts["no_photo"]
    assert set(seen) == WINDOWS
    for key, state in seen.items():
        assert "继续" in state["button"] and state["large_text"] == key.endswith("/large"), key
        assert abs(state["centre_x"] - state["window_centre_x"]) <= 3, (key, state)
        assert state["hidden_catches_touch"] is False, (key, state)   # the counter's button, not offered here

