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


def inside(inner, outer):
    return (inner[0] >= outer[0] - 0.5 and inner[1] >= outer[1] - 0.5
            and inner[2] <= outer[2] + 0.5 and inner[3] <= outer[3] + 0.5)


def test_the_last_field_tapped_shows_whole_above_the_more_below_cue(facts):
    """现居住地址, half cut off at the list's bottom edge, tapped: all of it in sight."""
    seen = facts["last_field"]
    assert set(seen) == WINDOWS
    # where the list does not hold every field, the last one starts cut off: the case to fix
    assert seen["small/normal"]["before"]["overflows"] and seen["small/large"]["before"]["overflows"]
    assert not inside(seen["small/large"]["before"]["row"], seen["small/large"]["before"]["view"])
    for key, field in seen.items():
        after = field["after"]
        assert field["label"] == "现居住地址" and field["large_text"] == key.endswith("/large"), key
        row, view = after["row"], after["view"]
        if row[3] - row[1] <= view[3] - view[1]:
            assert inside(row, view), (key, after)
            assert row[1] >= after["cue"][3] - 0.5, (key, after)   # not under "More below"
        else:   # taller than the list's room (1280 x 800, large text): from its name down, filling the room
            assert view[1] <= row[3] <= view[3] and row[1] <= view[1], (key, after)
    # the field fits the list's room in every window but the low one in large text
    assert [k for k, f in seen.items() if f["after"]["row"][3] - f["after"]["row"][1]
            > f["after"]["view"][3] - f["after"]["view"][1]] in ([], ["small/large"])


def test_the_field_ok_moves_on_to_shows_whole(facts):
    """确定 on the address: the first field still empty (家庭人口数), at the top of a list
    scrolled to its end, is chosen and comes into view whole."""
    seen = facts["after_ok"]
    assert set(seen) == WINDOWS
    for key, field in seen.items():
        assert field["label"] == "家庭人口数", key
        assert inside(field["after"]["row"], field["after"]["view"]), (key, field)
