"""健康自测 with real touches in the virtual hut: every item on the hut's
simulated devices (a cuff fault and a retry, two blood pressure readings and
their mean), the results with their scales and the slip, an urgent value
measured without identifying (nothing sent), and a card taken away mid-visit
(the values cleared)."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("health")
    # probe_health.py starts its own virtual hut in <folder>/hut and uses its config.
    return probe("probe_health.py", folder, folder / "hut", timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_first_step_offers_the_card_or_measuring_without_identifying(facts):
    assert any("请把身份证或社保卡放在读卡器上" in t for t in facts["who_texts"])
    assert any("不识别身份，直接测量" in t for t in facts["who_texts"])
    assert facts["who_problems"] == []


def test_the_consent_names_the_resident_masked_and_asks_before_any_measurement(facts):
    assert any("********" in t and "*" in t for t in facts["consent_texts"])
    assert any("是否同意发送到您的健康档案" in t for t in facts["consent_texts"])
    assert facts["consent_problems"] == []


def test_every_item_can_be_chosen_and_says_so_in_words(facts):
    assert sum("已选" in t for t in facts["items_texts"]) == 6
    assert facts["items_problems"] == []


def test_blood_pressure_fault_is_said_in_words_then_two_readings_give_their_mean(facts):
    assert facts["guide_headline"].startswith("请坐好，手臂平放在桌上")
    assert facts["measuring_prompt"].startswith("袖带充气中")
    assert facts["fault_prompt"].startswith("测量时身体移动")
    assert facts["second_reading_line"] == "第 2 次测量，共 2 次"
    assert "收缩压  148 mmHg" in facts["bp_values"] and "舒张压  93 mmHg" in facts["bp_values"]
    for key in ("rest_problems", "guide_problems", "fault_problems", "bp_done_problems", "waist_problems",
                "context_problems"):
        assert facts[key] == [], key


def test_the_scale_and_the_waist_typed_on_the_keypad(facts):
    assert "体重  63.5 kg" in facts["scale_values"]
    assert facts["waist_entry"] == "86 cm"


def test_the_results_show_every_item_in_words_with_the_note_and_the_slip_prints(facts):
    text = "\n".join(facts["result_texts"])
    for words in ("血压", "身高体重", "腰围", "体温", "血氧", "血糖", "仅供参考，不作诊断依据", "1级高血压"):
        assert words in text, words
    assert facts["record"] in ("sent", "queued")
    assert facts["slip"] == "printed"
    assert facts["result_problems"] == []
    assert facts["last_primary"].startswith("查看结果")


def test_an_urgent_value_without_identifying_says_see_a_doctor_today_and_sends_nothing(facts):
    assert facts["anonymous_record"] == "anonymous"
    assert facts["anonymous_urgent"] is True
    assert facts["anonymous_headline"].startswith("您有一项结果需要今天就医")
    assert facts["anonymous_problems"] == []


def test_a_card_taken_mid_visit_clears_the_values(facts):
    assert facts["wiped_screen"] == "result"
    assert facts["wiped_headline"].startswith("您的卡已取走")
    assert not any("36.6" in t or "℃" in t for t in facts["wiped_texts"])
    # one record reached the platform: the identified visit's (not the anonymous one, not the wiped one)
    assert facts["platform_records"] == 1
