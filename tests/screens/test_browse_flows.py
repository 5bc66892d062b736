"""办事指南 and 进度查询 against the virtual hut, driven by real touches:
browse and print a guide without a card; the ID card finds the resident's
applications; an unreachable platform offers "try again"."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browse")
    # probe_browse.py starts its own virtual hut in <folder>/hut and uses its config.
    return probe("probe_browse.py", folder, folder / "hut", timeout=240)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_guide_is_browsed_by_category_and_pinyin_initials_without_a_card(facts):
    assert facts["guide_first_screen"] == "choose_matter"
    assert facts["guide_needs_no_card"] is True
    assert len(facts["categories"]) >= 3 and facts["category_chosen"] == facts["categories"][1]
    assert facts["query"] == "dbsq"
    assert facts["results"][0] == "最低生活保障申请"


def test_guide_shows_conditions_papers_department_time_limit_and_fee(facts):
    assert facts["guide_screen"] == "guide"
    assert facts["guide_matter"].startswith("最低生活保障申请")
    text = facts["guide_texts"]
    # the property declaration: signed on the screen during the filing (no longer an original for the counter)
    for words in ("申请条件", "具有本区常住户口", "所需材料", "居民身份证", "在本机屏幕上签名", "区民政局", "30 个工作日",
                  "收费标准"):
        assert words in text, words
    assert facts["guide_step"] == "第 2 步，共 2 步"
    assert facts["guide_problems"] == []


def test_guide_is_printed_on_the_hut_printer(facts):
    assert facts["guide_printing"] == "printed"
    assert facts["printed_words"] == "办事指南已打印，请取走"
    assert facts["printer_jobs"] >= 1


def test_back_and_home_on_the_frame(facts):
    assert facts["after_back"] == "choose_matter"
    assert facts["after_home"] == "home"


def test_progress_shows_nothing_before_the_card_and_answers_after_it(facts):
    assert facts["progress_screen"] == "progress"
    assert facts["progress_waiting"] == "请放置身份证或社保卡，或出示回执上的二维码"
    assert facts["progress_items_before_card"] == 0
    assert facts["progress_proof"] == "card"
    assert facts["progress_state"] in ("results", "nothing_found")
    assert facts["progress_headline"] in ("以下是您的办件进度和下一步需要做的", "没有查到办件")
    assert facts["progress_problems"] == []
    assert facts["spoken"] in ("These are your applications and what to do next", "No application was found")


def test_unreachable_platform_offers_try_again(facts):
    assert facts["down_headline"] == "暂时无法连接平台，请稍后再试"
    assert facts["retry_shown"] is True
    assert facts["after_retry"] in ("results", "nothing_found")
    assert facts["session_after_home"] is False


def test_each_step_is_spoken_and_the_voice_switch_silences_it(facts):
    assert facts["spoken_on_choose"] == "Choose a category, or search the matter by its pinyin initials"
    assert facts["voice_wav_bytes"] > 1000, "espeak-ng wrote no speech for the step"
    assert facts["voice_on_after_tap"] is False
    assert facts["voice_button_words"] == "语音：关"
    assert facts["line_after_back"] is True, "no line was due after Back: the silence proves nothing"
    assert facts["wav_while_voice_off"] is False, "speech was made with the voice switched off"
