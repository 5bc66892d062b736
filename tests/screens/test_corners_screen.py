"""Corners by touch (调整边角) on the papers screen with real touches (issue 25)."""

import pytest

from drivers.camera.rectify import CORNER_WORDS

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corners")
    # probe_corners.py starts its own virtual hut (platform, ID card reader, camera) in <folder>/hut.
    return probe("probe_corners.py", folder, folder / "hut", timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_adjusting_is_offered_on_the_check_and_while_the_camera_looks(facts):
    assert facts["by_hand_offered"] and facts["adjust_offered"]
    editor = facts["editor"]
    assert editor["shown"] and editor["frame"] == [1280, 720] and editor["handles"] == 4
    assert "调整边角" not in editor["text"] and "请把四个圆圈拖到纸张的四个角上" in editor["text"]
    assert "确认" in editor["text"] and "重置" in editor["text"] and "取消" in editor["text"]


def test_a_dragged_handle_follows_the_finger_with_the_magnifier_beside_it(facts):
    drag = facts["drag"]
    assert drag["magnified"] and drag["dragging"] == 1 and drag["loupe"] and drag["loupe_clear_of_finger"]
    assert drag["handle_under_finger"] < 2                # the handle is where the finger is
    assert drag["frame_error"] < 2                        # and the flow has it there, in frame pixels
    assert drag["others_kept"] and not drag["magnified_after"] and drag["moves"] >= 8


def test_an_outline_folded_over_is_refused_in_words_and_reset_puts_the_corners_back(facts):
    refused = facts["refused"]
    zh = {words[0] for words in CORNER_WORDS.values()}
    assert refused["shown"] and any(refused["words"].startswith(w) for w in zh), refused["words"]
    assert refused["kept"] and refused["state"] == "adjusting" and refused["page_kept"]
    assert facts["reset"]


def test_confirmed_corners_make_the_page_on_check_again(facts):
    confirmed = facts["confirmed"]
    assert confirmed["placed_jaccard"] > 0.97
    assert confirmed["replaced"] and confirmed["review_redrawn"] and confirmed["editor_cleared"]
    assert confirmed["likeness_to_truth"] > 0.95 > confirmed["off_page_likeness"]
    assert "重拍" in confirmed["text"]                    # back on the check
    assert facts["again_at_corrected"]


def test_cancel_keeps_the_page_and_the_editor_follows_the_palette(facts):
    assert facts["cancelled"]["page_kept"]
    assert facts["contrast_ink"]
