"""诉求反映 with real touches in the virtual hut: a request with a photo from
the type to the slip, the department's answer played through the platform's
admin endpoints, the resident reading it at the hut and rating it."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("request")
    # probe_request.py starts its own virtual hut (platform, printer, ID card reader, camera) in <folder>/hut.
    return probe("probe_request.py", folder, folder / "hut", timeout=420)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_five_types_with_their_examples_then_the_topics(facts):
    text = "\n".join(facts["type_texts"])
    for words in ("咨询", "求助", "投诉", "建议", "举报", "养老金每月什么时候发放？"):
        assert words in text, words
    assert any("道路照明" in t or "照明" in t for t in facts["topic_texts"])
    assert any("信访" in t for t in facts["topic_texts"])          # what the hut cannot take, listed apart
    assert facts["type_problems"] == []


def test_the_place_is_picked_in_the_huts_community(facts):
    assert facts["community"].startswith("新牧社区")
    assert facts["place_problems"] == []


def test_the_description_takes_a_phrase_and_pinyin_and_counts(facts):
    assert facts["typed"].startswith("楼道灯不亮") and facts["typed"][5:] in facts["candidates"]
    assert facts["count_shown"] == f"{len(facts['typed'])} / 500"
    assert facts["text_problems"] == []


def test_a_page_under_the_camera_becomes_the_requests_photo(facts):
    assert facts["photo_kinds"] == ["page"]
    assert facts["photos_problems"] == []


def test_the_phone_shows_while_typed_then_masked_on_the_review_and_the_slip(facts):
    assert facts["phone_while_typed"] == "13812345678"
    review = "\n".join(facts["review_texts"])
    assert "138****5678" in review and "13812345678" not in review
    assert "答复时限：10个工作日" in review and "2号楼3单元" in review
    assert facts["review_problems"] == []
    assert "138****5678" in facts["slip_text"] and "13812345678" not in facts["slip_text"]
    assert facts["done"]["number"] in facts["slip_text"] and "10个工作日" in facts["slip_text"]


def test_one_request_reaches_the_platform_with_its_number(facts):
    done = facts["done"]
    assert done["confirmed"] and done["slip"] == "printed"
    assert any(done["number"] in t for t in done["texts"])
    assert facts["requests_on_platform"] == 1               # the double tap filed one
    assert facts["platform_request"]["type"] == "help" and facts["platform_request"]["topic"] == "roads_lighting"
    assert facts["done_problems"] == []


def test_the_answer_is_read_at_the_hut_with_every_step(facts):
    assert facts["moves"] == [200, 200, 200]
    assert facts["progress_state"] == "results"
    (mine,) = [r for r in facts["progress_requests"] if r["number"] == facts["done"]["number"]]
    assert mine["state"] == "答复" and mine["rateable"]
    assert mine["answer"] == "二号楼三单元楼道灯已更换，请查看。"
    assert mine["steps"][:4] == ["已受理", "已派单", "办理中", "已答复"]
    text = "\n".join(facts["progress_texts"])
    assert "二号楼三单元楼道灯已更换" in text and "已答复" in text
    assert facts["progress_problems"] == []


def test_the_rating_goes_through_the_outbox_and_closes_the_request(facts):
    assert facts["rating_notice"] in ("rated", "rating_sent")
    assert facts["rating_problems"] == []
    assert facts["platform_after_rating"] == "办结"
