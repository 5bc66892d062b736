"""The staff's screen and the closed screen with real touches against the
virtual hut (tests/screens/apps/probe_staff.py)."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("staff")
    return probe("probe_staff.py", folder, folder / "hut", timeout=180)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_staff_card_opens_the_staff_screen_with_every_device(facts):
    assert facts["screen_before"] == "home"
    assert facts["operator"].startswith("card ") and "04A1B2C3D4E580" not in facts["operator"].upper()
    assert {"printer", "smartcard", "staffcard"} <= set(facts["devices_listed"])


def test_each_card_reader_is_named_by_the_card_it_reads(facts):
    lines = facts["reader_lines"]
    assert "社保卡读卡器 social security card reader" in lines["smartcard"]
    assert "工作卡读卡器 staff card reader" in lines["staffcard"] and "社保卡" not in lines["staffcard"]


def test_the_printers_self_test_prints_a_slip(facts):
    assert facts["printer_test"].startswith("OK"), facts["printer_test"]
    assert facts["slips_printed"] == 1
    assert "自检结果" in facts["notice"]


def test_taking_the_card_away_leaves(facts):
    assert facts["after_leaving"] == "home"


def test_outside_the_hours_the_closed_screen_says_when_it_opens(facts):
    assert facts["closed_title"] == "暂停服务"
    assert facts["reopens"] == "星期一08:30开放"
    assert facts["mode"] == "closed" and facts["after_touch"] == "closed"


def test_the_long_press_in_the_corner_and_the_pin_open_it_and_exit_leaves(facts):
    assert facts["pin_after_2s"] is False   # a short press is no long press
    assert facts["pin_dots"] == "●" * 6
    assert facts["pin_operator"] == "PIN"
    assert facts["after_exit"] == "closed"
