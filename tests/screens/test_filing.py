"""Filing a matter on the touch screen against the virtual hut (one probe process, six residents)."""

import pytest

from kiosk.filing.catalog import PHONE_PROBLEM

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def facts(probe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("filing")
    # probe_filing.py starts its own virtual hut (platform, printer, ID card reader) in <folder>/hut.
    return probe("probe_filing.py", folder, folder / "hut", timeout=300)


def test_probe_ran_to_the_end(facts):
    assert facts["finished"], facts.get("error")


def test_form_is_entered_with_big_controls_and_checked_with_the_catalog_words(facts):
    assert facts["form_rows"] == ["certificate", "purpose", "phone"]
    assert facts["phone_problem"] == PHONE_PROBLEM   # ten digits, Chinese first
    assert facts["typed_visible"] == "1381234567"
    assert facts["form_displays"] == {"certificate": "居住证明", "purpose": "办理银行业务", "phone": "138****5678"}
    assert facts["form_problems"] == {"certificate": "", "purpose": "", "phone": ""}


def test_papers_are_scanned_live_retaken_and_added_to(facts):
    scan = facts["scan"]
    assert scan["mode"] == "scan" and scan["paper"] == "居民身份证"
    assert scan["words_without_page"].startswith("未检测到文件")          # the gate's words, Chinese first
    assert scan["preview_frames"] >= 3                                    # frames shown live
    # One texture per time the camera opened (first page, retake, more pages), not one per frame;
    # it is dropped when the camera stops so no page stays in GPU memory.
    assert scan["preview_textures"] == 1 and scan["preview_textures_at_end"] == 3
    assert scan["preview_frames_at_end"] > 3 * scan["preview_textures_at_end"]
    assert 4 in scan["outline_corners"]                                   # the page outline was drawn
    assert scan["camera_stopped_for_review"] is True
    assert "Take it again" in scan["review_text"] and "More pages" in scan["review_text"]
    assert scan["pages_after_retake"] == 1 and scan["pages_after_more"] == 2 and scan["thumbnails"] == 2
    assert scan["bring_later"] == "• 户口簿"                               # papers_later: the matter takes it later
    assert facts["review_thumbnails"] == 2


def test_the_printed_slip_shown_to_the_camera_finds_the_application(facts):
    by_slip = facts["by_slip"]
    assert by_slip["proof"] == "slip" and by_slip["state"] == "results"
    assert by_slip["numbers"] == [facts["happy"]["number"]]     # the slip's QR: number and access code
    assert by_slip["camera_let_go"] is True


def test_review_shows_masked_answers_and_needs_consent(facts):
    text = facts["review_text"]
    assert "138****5678" in text and "13812345678" not in text
    assert "********" in text   # the ID number, masked
    assert facts["review_submit_disabled_before_consent"] is True
    assert facts["review_submit_disabled_after_consent"] is False


def test_the_privacy_notice_opens_beside_the_review_consent_and_returns_to_it(facts):
    assert facts["review_privacy"] == ["review", True, "review"]


def test_happy_path_gives_the_platform_number_and_a_printed_slip(facts):
    happy = facts["happy"]
    assert happy["confirmed"] is True and happy["number"].startswith("PF")
    assert happy["number_shown"] == happy["number"]
    assert happy["slip"] == "printed"
    # 返回 and 首页 in their place on every screen: no way back into a filed application, home is open.
    assert happy["navigation"] == {"back": [True, True], "home": [True, False]}
    assert happy["card_on_reader"] is True
    assert "请取走您的身份证" in happy["text"]                      # the card is still on the reader
    assert "请取走您的身份证" not in happy["text_after_card"]
    assert "Please take your card and your slip." in happy["text_after_card"]
    assert happy["session_after"] is False


def test_card_taken_away_mid_flow_still_files_the_matter(facts):
    away = facts["card_away"]
    assert away["screen"] == "form" and away["rows"] == ["certificate", "purpose", "phone"]
    assert away["done"] == "done"
    assert "请取走您的身份证" not in away["text"]


def test_printer_out_of_paper_shows_the_number_large_to_note_down(facts):
    no_paper = facts["no_paper"]
    assert no_paper["slip"] == "note_number"
    assert no_paper["number_shown"] == no_paper["number"] != ""
    assert no_paper["number_font"] >= 64                     # far above the 40 px body text
    assert "note the number down or photograph it" in no_paper["text"]


def test_platform_down_gives_a_local_number_sent_later_by_the_worker(facts):
    offline = facts["offline"]
    assert offline["confirmed"] is False and offline["number"]
    assert not offline["number"].startswith("PF")
    assert "will be sent by itself" in offline["text"]
    assert offline["pending_before"] == 1
    assert offline["platform_applications"] == 4   # the three before it and this one, once the worker sent it


def test_camera_missing_lists_the_papers_to_bring(facts):
    no_camera = facts["no_camera"]
    assert no_camera["mode"] == "bring_to_counter"
    assert no_camera["bring_today"] == "• 居民身份证\n• 户口簿"
    assert "hand in these papers at the counter" in no_camera["text"]
    assert no_camera["continue_disabled"] is False


def test_idle_timeout_mid_form_leaves_nothing_in_memory(facts):
    idle = facts["idle"]
    assert idle["form_held"] is True and idle["row_display"] == "家庭关系证明"
    assert idle["form_alive"] is False, "the filled-in form is still referenced somewhere"
    assert idle["record_alive"] is False, "the ID card record is still referenced somewhere"
    assert idle["session_active"] is False and idle["state"] == "closed"
    assert idle["rows"] == [] and idle["keypad"] == ""
    assert "家庭关系证明" not in idle["form_text"]
