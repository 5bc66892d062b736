"""The identify screen with the real code scanner driver (pty simulator) and
the hut's platform verifying e-ID codes: what a resident reads and touches."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("scanner")
    facts = probe("probe_scanner.py", folder, folder / "hut")
    facts["folder"] = folder
    return facts


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_code_is_offered_beside_the_card_in_both_languages(facts):
    assert "或出示电子身份证二维码" in facts["offer"] and "e-ID code" in facts["offer"]


def test_an_expired_code_says_it_lives_a_minute_and_to_refresh_it(facts):
    assert "一分钟" in facts["expired"] and "刷新" in facts["expired"] and "one minute" in facts["expired"]


def test_a_fresh_code_identifies_masked_and_continue_goes_on(facts):
    name, number = facts["identified"]
    assert name == "李**" and number.count("*") == 8
    assert facts["offer_when_identified"] == ""
    assert facts["after_continue"] not in ("identify", "home")


def test_a_used_code_and_a_payment_code_are_refused_in_words_and_identify_nobody(facts):
    assert "已经用过" in facts["used"]
    assert "这不是电子身份证二维码" in facts["payment"]
    assert facts["session_after_refusals"] is False


def test_without_the_scanner_there_is_no_offer(facts):
    assert facts["offer_after_unplug"] == ""


def test_the_screens_were_photographed(facts):
    shots = facts["folder"] / "shots"
    assert sorted(p.name for p in shots.glob("*.png")) == ["expired.png", "identified.png", "offered.png"]


def test_the_progress_query_offers_the_code_and_a_code_shows_the_residents_applications(facts):
    assert "或出示电子身份证二维码" in facts["progress_offer"]
    state, name = facts["progress_after_code"]
    assert state in ("results", "nothing_found") and name == "李**"
