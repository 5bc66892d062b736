"""The identify screen with the real ID card driver talking to the simulator over a pty."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader")
    # probe_reader.py starts its own virtual hut in <folder>/hut and uses its config.
    return probe("probe_reader.py", folder, folder / "hut")


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_a_card_on_the_home_screen_is_not_kept(facts):
    assert facts["screen_at_home"] == "home"
    assert facts["session_after_card_at_home"] is False


def test_card_placed_early_is_read_when_identify_opens(facts):
    assert facts["masked_name"].endswith("*") and len(facts["masked_name"]) >= 2
    assert "********" in facts["masked_id"]
    assert facts["full_id_on_screen"] is False


def test_card_left_on_the_reader_is_pointed_out_until_taken(facts):
    assert facts["home_prompt_with_card"] == "请取走您的身份证"
    assert facts["home_prompt_after"] == "请选择您要办理的服务"


def test_a_card_left_behind_is_not_read_for_the_next_resident(facts):
    assert facts["next_resident_state"] == "waiting"
    assert facts["next_resident_session_has_card"] is False
    assert facts["next_resident_reads"] == 0, "the card left behind was read again for the next resident"
