"""Corners by touch (调整边角, issue 25): on the papers review the resident drags
the four corners of the frame the page was taken from, and the page is made
again from them; when the detector found no page, the resident takes the
frame by hand.  Through the terminal in process, with rendered scenes whose
corners are known."""

from __future__ import annotations

import gc
import logging
import weakref
from typing import Any

import cv2
import numpy as np
import pytest

from drivers.camera.rectify import CORNER_WORDS
from kiosk.filing.live_scan import Shot, make_page, page_fingerprint, same_page
from kiosk.flows.service import Step
from kiosk.services.approval.papers_step import INSET, PAPERS, SHOT
from kiosk.services.approval.views import PapersState
from kiosk.terminal.view import TerminalState
from kiosk.terminal.voice import instruction
from simulators.camera.metric import smartdoc_jaccard
from simulators.camera.scenes import page_template, render_scene
from tests.terminal_kit import fill_form, to_form

P = PapersState


def likeness(page: bytes, reference: bytes) -> float:
    """Correlation of two pages' small pictures (1: the same page, framed alike)."""
    a, b = (cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_COLOR) for d in (page, reference))
    return float(np.mean(page_fingerprint(a) * page_fingerprint(b)))


def drag_to(papers: Any, corners: Any, wobble: float = 5.0, seed: int = 1) -> None:
    """Each handle dragged onto a point, a finger's few pixels off."""
    rng = np.random.default_rng(seed)
    for i, (x, y) in enumerate(np.asarray(corners, float)):
        dx, dy = rng.uniform(-wobble, wobble, 2)
        assert papers.move_corner(i, x + dx, y + dy)


def take(papers: Any, image: np.ndarray, corners: Any) -> bytes:
    """A page taken from ``corners`` of ``image``, as the live scan reports it."""
    paper = papers.view.paper
    data, fingerprint = make_page(image, corners, paper.scan_size, paper.enhance)
    assert papers.page_taken(data, fingerprint, Shot(image.copy(), tuple(map(tuple, np.asarray(corners, float)))))
    return data


def white_on_white() -> tuple[np.ndarray, np.ndarray]:
    """An A4 page on a desk as white as the paper: no edge for the detector to follow."""
    template = page_template(1, "a4")
    th, tw = template.shape[:2]
    truth = np.array([[560, 120], [1380, 160], [1350, 1000], [520, 960]], np.float32)
    homography = cv2.getPerspectiveTransform(np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32), truth)
    desk = np.empty((1080, 1920, 3), np.uint8)
    desk[:] = np.median(template.reshape(-1, 3), axis=0)
    cv2.warpPerspective(template, homography, (1920, 1080), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    return desk, truth


@pytest.fixture
def papers_kit(make_kit):
    kit = make_kit()
    approval = to_form(kit, "MZ-003")
    fill_form(approval)
    assert kit.step is Step.PAPERS and approval.papers.state is P.LOOKING
    return kit, approval.papers


def test_wrong_corners_dragged_onto_the_page_make_the_page_again_in_its_place(papers_kit):
    kit, papers = papers_kit
    good, scene = render_scene(6, kind="dark", doc="a4", conditions=()), render_scene(5, kind="dark", doc="a4",
                                                                                      conditions=())
    truth = scene.corners.astype(np.float32)
    wrong = truth.copy()                     # the detector's outline cut a corner of the page off
    wrong[1] += (-170, 110)
    wrong[2] += (-90, -150)
    take(papers, good.image, good.corners)   # page 1 of the paper
    assert papers.more_pages()
    taken = take(papers, scene.image, wrong)
    code, paper = papers.view.current_paper, papers.view.paper
    reference, _ = make_page(scene.image, truth, paper.scan_size, paper.enhance)   # the truth's page
    assert papers.state is P.CHECKING and papers.view.checking == 1 and papers.view.can_adjust
    assert likeness(taken, reference) < 0.9

    assert papers.adjust_corners()
    edit = kit.view.step_view.adjusting
    assert papers.state is P.ADJUSTING and edit.frame_size == (1920, 1080) and not edit.guessed
    assert np.allclose(edit.corners, wrong) and np.allclose(edit.start, wrong)
    assert papers.corner_frame() is not None and papers.corner_frame().shape == scene.image.shape
    assert not papers.scan.wanted                                    # the camera rests while adjusting
    drag_to(papers, truth)
    assert smartdoc_jaccard(np.array(papers.view.adjusting.corners), truth, scene.page_size) > 0.98
    assert papers.confirm_corners()
    assert papers.view.adjusting.working and not papers.move_corner(0, 1, 1)   # not while the page is made
    kit.run_until(lambda: papers.state is P.CHECKING, "the page made again")

    pages = papers.session.get(PAPERS).pages[code]
    assert len(pages) == 2 and papers.view.checking == 1 and papers.view.adjusting is None
    assert pages[1].jpeg != taken and likeness(pages[1].jpeg, reference) > 0.97
    assert likeness(pages[0].jpeg, make_page(good.image, good.corners, paper.scan_size, paper.enhance)[0]) > 0.99
    # Its fingerprint is the new page's: the live scan refuses that page, not the old one.
    fingerprint = page_fingerprint(cv2.imdecode(np.frombuffer(reference, np.uint8), cv2.IMREAD_COLOR))
    assert same_page(pages[1].fingerprint, fingerprint)
    assert papers.more_pages()
    assert any(same_page(known, fingerprint) for known in papers.scan.taken)
    assert papers.session.get(SHOT) is None                         # accepted: its frame is gone


def test_a_crossed_outline_is_refused_in_words_and_nothing_is_lost_and_cancel_keeps_the_page(papers_kit):
    kit, papers = papers_kit
    scene = render_scene(5, kind="dark", doc="a4", conditions=())
    taken = take(papers, scene.image, scene.corners)
    page = papers.view.paper.pages[0]
    assert papers.adjust_corners()
    (x0, y0), (x1, y1) = papers.view.adjusting.corners[:2]
    assert papers.move_corner(0, x1, y1) and papers.move_corner(1, x0, y0)   # two handles dragged past each other
    crossed = papers.view.adjusting.corners
    assert not papers.confirm_corners()
    edit = kit.view.step_view.adjusting
    assert papers.state is P.ADJUSTING and edit.problem == CORNER_WORDS["corners_cross"]
    assert edit.corners == crossed and not edit.working                     # the handles stay where they are
    assert papers.view.paper.pages[0] is page
    assert papers.move_corner(2, *edit.corners[2]) and papers.view.adjusting.problem == ("", "")
    assert papers.move_corner(3, 0, 0) and papers.move_corner(2, 0, 0)      # two on one point
    papers.confirm_corners()
    assert papers.view.adjusting.problem == CORNER_WORDS["degenerate_corners"]
    assert papers.reset_corners()                                           # 重置: the detector's corners again
    assert np.allclose(papers.view.adjusting.corners, scene.corners) and papers.view.adjusting.problem == ("", "")
    drag_to(papers, scene.corners + 40)
    assert papers.cancel_corners()                                          # 取消: the page as it was
    assert papers.state is P.CHECKING and papers.view.adjusting is None and papers.view.checking == 0
    assert papers.view.paper.pages[0] is page and page.jpeg == taken and len(papers.view.paper.pages) == 1
    assert papers.adjust_corners()                                          # and it can be adjusted again
    assert np.allclose(papers.view.adjusting.corners, scene.corners)
    drag_to(papers, scene.corners - 25)
    kit.terminal.back()                                                     # 返回 is 取消 here, not the form
    assert kit.step is Step.PAPERS and papers.state is P.CHECKING and papers.view.paper.pages[0] is page


def test_a_page_the_detector_misses_is_taken_by_hand(papers_kit):
    kit, papers = papers_kit
    desk, truth = white_on_white()
    kit.camera.show(desk)
    kit.run_until(lambda: papers.preview()[1].seq > 0 and papers.preview()[0] is not None, "the detector to look")
    seen = papers.preview()[1]
    assert seen.no_page or seen.unsure, "the detector is sure of this page now: pick a harder scene"
    assert papers.state is P.LOOKING
    assert papers.adjust_corners()                                          # by hand, from the live view
    edit = papers.view.adjusting
    assert papers.state is P.ADJUSTING and edit.guessed and edit.new_page and not papers.view.paper.pages
    assert edit.corners == edit.start == ((1920 * INSET, 1080 * INSET), (1920 * (1 - INSET), 1080 * INSET),
                                          (1920 * (1 - INSET), 1080 * (1 - INSET)), (1920 * INSET, 1080 * (1 - INSET)))
    assert not papers.scan.wanted
    drag_to(papers, truth, seed=3)
    assert papers.confirm_corners()
    kit.run_until(lambda: papers.state is P.CHECKING, "the page made")
    paper = papers.view.paper
    reference, _ = make_page(desk, truth, paper.scan_size, paper.enhance)
    assert len(paper.pages) == 1 and papers.view.checking == 0 and likeness(paper.pages[0].jpeg, reference) > 0.97
    assert papers.view.can_adjust                                           # and it can be corrected again


def test_cancelling_a_page_taken_by_hand_goes_back_to_the_camera(papers_kit):
    kit, papers = papers_kit
    kit.run_until(lambda: papers.preview()[0] is not None, "a frame")
    assert papers.adjust_corners() and papers.session.get(SHOT) is not None
    approval = kit.terminal.flow("approval")
    assert instruction("papers", approval.speech()) == "Drag the four circles onto the four corners of the paper."
    assert papers.cancel_corners()
    assert papers.state is P.LOOKING and papers.scan.wanted and papers.view.paper.pages == ()
    assert papers.session.get(SHOT) is None


def test_the_idle_timeout_while_adjusting_wipes_the_frame_and_the_pages(papers_kit, caplog):
    caplog.set_level(logging.DEBUG)
    kit, papers = papers_kit
    scene = render_scene(5, kind="dark", doc="a4", conditions=())
    take(papers, scene.image, scene.corners)
    assert papers.adjust_corners()
    drag_to(papers, scene.corners + 30)
    session = kit.terminal.session
    held, frame = weakref.ref(session.get(SHOT)), weakref.ref(papers.corner_frame())
    page = weakref.ref(session.get(PAPERS).pages["id_card"][0])
    gc.collect()
    assert held() is not None and frame() is not None and page() is not None
    kit.clock.advance(kit.terminal.idle.warning_after + 1)
    kit.terminal.tick()
    assert kit.view.idle_warning and papers.state is P.ADJUSTING          # warned first, the handles still there
    kit.clock.advance(kit.terminal.idle.timeout_after)
    kit.terminal.tick()
    kit.views.clear()
    gc.collect()
    assert kit.view.state is TerminalState.HOME
    assert held() is None and frame() is None and page() is None
    assert papers.state is P.CLOSED and papers.view.adjusting is None and papers.corner_frame() is None
    assert not session.active
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "110105194412310023" not in logged and "王秀兰" not in logged
