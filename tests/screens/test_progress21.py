"""进度查询 with real touches in the virtual hut (issue 21 item 7 and 撤回):
an application whose papers are due at the counter says what to bring, where
and by when, large, Chinese first and English second; 撤回 asks once, the
safe answer first, and withdraws through the outbox worker.  Then 办事指南 in
English: the catalog's own English (item 10) and the office of the counter steps."""

import datetime as dt

import pytest

from simulators.platform.store import add_working_days

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("progress21")
    # probe_progress21.py starts its own virtual hut in <folder>/hut and uses its config.
    return probe("probe_progress21.py", folder, folder / "hut", timeout=240)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_papers_due_say_what_to_bring_where_and_by_when(facts):
    due = add_working_days(dt.date.today(), 2)
    assert facts["numbers"] is True
    assert facts["due_next_step"] == (f"您需要做的: 请于{due.year}年{due.month}月{due.day}日（星期"
                                      f"{'一二三四五六日'[due.weekday()]}）前将户口簿交到友协街道社区服务中心")
    assert facts["due_office"].splitlines() == ["友协街道社区服务中心", "地址：哈尔滨市平房区友协大街1号",
                                                "电话：0451-86509300", "办理时间：周一至周五 8:30-17:00，周六 9:00-12:00"]
    assert facts["due_promised"] == f"预计{due.year}年{due.month}月{due.day}日（星期{'一二三四五六日'[due.weekday()]}）前办结"
    # the other language under it, smaller
    assert any(t.startswith("Received / ") and "Bring Household register" in t for t in facts["due_texts"])
    assert facts["results_problems"] == []


def test_in_english_the_papers_due_are_english_first(facts):
    due = add_working_days(dt.date.today(), 2)
    assert facts["due_next_step_en"] == (f"What to do: Bring Household register to Youxie Subdistrict Community "
                                         f"Service Centre by {due:%A} {due.day} {due:%B %Y}")
    assert facts["due_office_en"].splitlines()[:2] == ["Youxie Subdistrict Community Service Centre",
                                                       "Address: 1 Youxie Street, Pingfang District, Harbin"]
    assert any(t.startswith("已受理 / ") and "户口簿" in t for t in facts["due_texts_en"])
    assert facts["english_problems"] == []


def test_withdraw_is_offered_only_where_the_department_has_not_taken_it_up(facts):
    assert facts["withdraw_shown"] == {"SQ-001": True, "RS-001": True, "YB-001": False}


def test_withdraw_asks_once_with_the_safe_answer_first(facts):
    assert facts["question_headline"] == "您要撤回这份申请吗？"
    assert facts["question"].startswith("就业失业登记\n编号 ")
    assert facts["keep_is_main"] is True
    assert facts["after_keep"] == "results"
    assert facts["question_problems"] == []


def test_the_withdrawal_reaches_the_platform_and_the_screen_says_so(facts):
    assert facts["notice"] == "withdrawn"
    assert facts["withdrawn_headline"] == "申请已撤回"
    assert facts["withdrawn_status"] == "已撤回" and facts["withdrawn_button_gone"] is True
    assert facts["platform_status"] == "撤回"
    assert facts["session_after_home"] is False


def test_the_guide_in_english_shows_the_catalogs_english_and_the_office(facts):
    assert facts["categories_en"][0] == "Social assistance\n社会救助"
    assert facts["guide_conditions_en"] == "• Actually lives in this community"
    assert facts["guide_facts_en"].splitlines()[0] == "Department: Subdistrict Community Service Centre"
    assert facts["guide_office_en"].splitlines() == ["Youxie Subdistrict Community Service Centre",
                                                     "Address: 1 Youxie Street, Pingfang District, Harbin",
                                                     "Phone: 0451-86509300", "Hours: Mon-Fri 8:30-17:00, Sat 9:00-12:00"]
    assert facts["guide_problems_en"] == []
    assert facts["guide_conditions_zh"] == "• 在本社区实际居住"
    assert facts["guide_office_zh"].startswith("友协街道社区服务中心\n地址：哈尔滨市平房区友协大街1号")
