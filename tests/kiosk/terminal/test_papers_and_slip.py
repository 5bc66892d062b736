"""The papers step and the slip as a resident meets them when something goes
wrong: the camera unplugged mid-step, the page still lying on the tray when
"more pages" is pressed, the printer out of paper (issue 21 items 1, 5, 11)."""

from __future__ import annotations

import pytest

from kiosk.flows.service import Step
from kiosk.services.approval.views import PapersState
from tests.terminal_kit import empty_tray, fill_form, page_scene, to_form, to_review


def test_a_camera_unplugged_at_the_papers_step_says_so_offers_the_counter_and_comes_back(make_kit):
    kit = make_kit()
    a = to_form(kit, "MZ-003")
    fill_form(a)
    papers = a.papers
    assert papers.state is PapersState.LOOKING and papers.scan.wanted
    assert kit.view.step_view.position == (1, 3)            # "paper 1 of 3"
    kit.camera.unplug()
    kit.settle()
    assert papers.state is PapersState.CAMERA_LOST and not papers.scan.wanted
    assert kit.view.step_view.state is PapersState.CAMERA_LOST
    kit.camera.replug()                                      # it comes back by itself
    kit.settle()
    assert papers.state is PapersState.LOOKING and papers.scan.wanted
    kit.camera.unplug()
    kit.settle()
    assert papers.hand_in()                                  # "I'll hand it in at the counter"
    view = kit.view.step_view
    assert view.state is PapersState.READY and set(view.bring_today) == {"居民身份证", "户口簿", "本人银行卡或存折"}
    assert papers.proceed() and kit.step is Step.REVIEW


def test_a_skipped_paper_keeps_its_place_in_the_count(make_kit):
    """After "paper 2 of 3" is skipped (not at hand), the camera asks for
    "paper 3 of 3", not "2 of 2" (a walk-through finding)."""
    kit = make_kit()
    a = to_form(kit, "MZ-002")                               # 临时救助: papers may be brought later
    fill_form(a)
    papers = a.papers
    assert kit.view.step_view.position == (1, 3)
    assert papers.dont_have() is not None                    # paper 1 of 3: not at hand, brought later
    assert kit.view.step_view.position == (2, 3)
    assert papers.dont_have() is not None
    assert kit.view.step_view.position == (3, 3)


@pytest.mark.slow  # waits out real intervals: make test, not make check
def test_more_pages_does_not_take_the_page_still_lying_on_the_tray(make_kit):
    kit = make_kit()
    a = to_form(kit, "MZ-003")
    fill_form(a)
    papers = a.papers
    kit.camera.show(page_scene(2))
    kit.run_until(lambda: papers.state is PapersState.CHECKING, "the first page", timeout=20)
    assert papers.more_pages()
    frames = kit.camera._seq
    kit.run_until(lambda: "taken already" in " ".join(papers.preview()[1].words), "the words", timeout=20)
    kit.run_until(lambda: kit.camera._seq > frames + 40, "more frames of the same page", timeout=20)
    assert papers.state is PapersState.LOOKING                 # not taken twice
    kit.camera.show(page_scene(3))                             # turned over: another page
    kit.run_until(lambda: papers.state is PapersState.CHECKING, "the second page", timeout=20)
    assert [len(p.pages) for p in papers.view.papers if p.code == "id_card"] == [2]
    assert papers.next_paper()
    kit.camera.show(page_scene(2))                             # the ID card's page again, as the household register
    frames = kit.camera._seq
    kit.run_until(lambda: kit.camera._seq > frames + 40, "frames of a page already taken", timeout=20)
    assert papers.state is PapersState.LOOKING and papers.view.current_paper == "hukou"
    kit.camera.show(empty_tray())


def test_a_slip_that_could_not_print_is_printed_again_once_the_printer_is_back(make_kit, tmp_path, terminal):
    from kiosk.outbox.store import Outbox

    outbox = Outbox(tmp_path / "outbox", terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox)
    kit.printer.unplug()                                       # out of paper before the review
    kit.settle()
    review = to_review(kit).submission
    assert not kit.view.step_view.printer_ready               # the review says so before submitting
    review.consent(True)
    assert review.submit()
    kit.run_until(lambda: kit.step is Step.DONE and review.view.slip == "note_number", "the number to note down")
    assert not review.view.can_reprint and not review.reprint()
    kit.printer.replug()                                       # staff put paper in
    kit.settle()
    assert review.view.can_reprint and review.reprint()
    kit.run_until(lambda: review.view.slip == "printed", "the slip")
    assert review.view.reprinted and len(kit.printer.printed) == 1
    outbox.close()
