"""Corners by touch (调整边角) on the papers screen, with real touches (issue 25).

A page lies under the virtual hut's camera and is taken by itself; on its
check the resident taps 调整边角, drags handles (touch down, moves, up: the
magnifier shows while a finger is on one), folds the outline over (refused
in words), puts the corners back, drags one corner off the page and back
onto it, and confirms: the page on check is the one made again from the
corners.  Then 调整边角 again and 取消 keeps it.  ``KIOSK_CORNER_SHOTS``
names a folder for screenshots.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np  # noqa: E402 - after the sys.path line above
from probe_common import SETTLE, Until, laid_out, run, shown, tap, texts  # noqa: E402 - after sys.path above
from probe_filing import clock, fill_certificate_form, start_filing  # noqa: E402 - after sys.path above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from kiosk.filing.live_scan import make_page, page_fingerprint  # noqa: E402 - after the sys.path line above
from kiosk.services.approval.papers_step import SHOT  # noqa: E402 - after the sys.path line above
from simulators.camera.metric import smartdoc_jaccard  # noqa: E402 - after the sys.path line above
from simulators.camera.scenes import render_scene  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above

SEED = 7


def truth_corners():
    """Where the page lies in the camera's frame (the simulator renders this scene)."""
    return render_scene(SEED, "dark", (1280, 720), doc="a4", with_tray=True, conditions=()).corners


def likeness(page: bytes, reference: bytes) -> float:
    import cv2

    a, b = (cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_COLOR) for d in (page, reference))
    return float(np.mean(page_fingerprint(a) * page_fingerprint(b)))


def drag(editor, start, end, steps=8, during=None):
    """A finger down on ``start``, moved in ``steps`` to ``end``, lifted; ``during``
    (a generator function) runs while the finger is still down at ``end``."""
    from kivy.tests.common import UnitTestTouch

    x0, y0 = editor.to_window(*start)
    x1, y1 = editor.to_window(*end)
    touch = UnitTestTouch(x0, y0)
    touch.touch_down()
    yield laid_out()
    for k in range(1, steps + 1):
        touch.touch_move(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps)
        yield laid_out()
    if during is not None:
        yield from during()
    touch.touch_up()
    yield laid_out()


def script(hut):
    def walk(app, facts):
        shots = os.environ.get("KIOSK_CORNER_SHOTS")

        def photo(name):
            if shots:
                yield SETTLE
                screenshot(Path(shots) / f"{name}.png")

        terminal = app.terminal
        yield Until(lambda: app.sm is not None and app.ready and app.availability.scan
                    and app.availability.id_card, "the reader and the camera", 30)
        approval = terminal.flow("approval")
        form, papers = app.screens["form"], app.screens["papers"]
        yield from start_filing(app, hut, "SQ-001")
        yield from fill_certificate_form(app, form)
        tap(form.ids.proceed)
        yield Until(lambda: app.sm.current == "papers", "the papers", 5)
        yield Until(lambda: papers.camera_ready, "the live preview", 20)
        step = approval.papers
        yield laid_out()
        facts["by_hand_offered"] = shown(papers.ids.by_hand) and not papers.ids.by_hand.disabled
        yield from photo("0-looking")
        hut.control("camera", "place_page", seed=SEED, kind="dark")
        yield Until(lambda: papers.reviewing == 0, "the page taken by itself", 30)
        yield laid_out()
        facts["adjust_offered"] = shown(papers.ids.adjust) and not papers.ids.adjust.disabled
        first = step.view.paper.pages[0]
        tap(papers.ids.adjust)
        yield Until(lambda: papers.state == "adjusting", "the corners to adjust", 10)
        yield laid_out()
        editor = papers.ids.corners
        truth = truth_corners()
        detected = np.array(step.view.adjusting.corners)
        facts["editor"] = {"shown": shown(editor) and editor.width > 0, "frame": [editor.frame_width,
                                                                                  editor.frame_height],
                           "handles": len(editor.handle_points()), "text": texts(papers)}
        yield from photo("1-adjust")

        # -- a handle dragged: it follows the finger, the magnifier shows ------------------------
        handles = editor.handle_points()
        start = handles[1]
        end = (start[0] - 150, start[1] - 90)
        seen = {}

        def while_down():
            seen.update(magnified=editor.magnified, dragging=editor.dragging, loupe=editor.loupe_box,
                        handle=editor.handle_points()[1])
            yield from photo("2-dragging")

        yield from drag(editor, start, end, during=while_down)
        moved = np.array(step.view.adjusting.corners)
        expect = editor.to_frame(*end)
        facts["drag"] = {"magnified": seen["magnified"], "dragging": seen["dragging"],
                         "loupe": seen["loupe"] is not None,
                         "loupe_clear_of_finger": seen["loupe"] is not None and not (
                             seen["loupe"][0] <= end[0] <= seen["loupe"][0] + seen["loupe"][2]
                             and seen["loupe"][1] <= end[1] <= seen["loupe"][1] + seen["loupe"][3]),
                         "handle_under_finger": float(np.hypot(seen["handle"][0] - end[0], seen["handle"][1] - end[1])),
                         "frame_error": float(np.hypot(*(moved[1] - np.array(expect)))),
                         "others_kept": bool(np.allclose(np.delete(moved, 1, 0), np.delete(detected, 1, 0))),
                         "magnified_after": editor.magnified, "moves": editor.moves}

        # -- the outline folded over (a corner past the opposite one): refused in words, the handles stay --
        handles = editor.handle_points()
        yield from drag(editor, handles[0], (handles[2][0] + 40, handles[2][1] - 40))
        crossed = step.view.adjusting.corners
        tap(papers.ids.corners_confirm)
        yield Until(lambda: papers.corner_problem[0], "the outline refused", 10)
        yield laid_out()
        facts["refused"] = {"words": papers.ids.corner_problem.text, "shown": shown(papers.ids.corner_problem),
                            "kept": step.view.adjusting.corners == crossed, "state": papers.state,
                            "page_kept": step.view.paper.pages[0] is first}
        yield from photo("3-refused")
        tap(papers.ids.corners_reset)
        yield Until(lambda: not papers.corner_problem[0], "the corners back", 10)
        facts["reset"] = bool(np.allclose(step.view.adjusting.corners, detected))

        # -- one corner dragged off the page and back onto the truth, then 确认 ------------------
        handles = editor.handle_points()
        truth_at = [editor.to_screen(*c) for c in truth]
        far = (handles[2][0] - 120, handles[2][1] + 80)
        yield from drag(editor, handles[2], far)
        off = np.array(step.view.adjusting.corners)
        for i in range(4):
            k = int(np.argmin([np.hypot(*(np.array(t) - editor.handle_points()[i])) for t in truth_at]))
            if i == 2:   # the one off the page: nearest truth corner of where it started
                k = int(np.argmin([np.hypot(*(np.array(t) - handles[2])) for t in truth_at]))
            yield from drag(editor, editor.handle_points()[i], truth_at[k], steps=4)
        placed = np.array(step.view.adjusting.corners)
        frame = step.session.get(SHOT).shot.image
        paper = step.view.paper
        reference = make_page(frame, truth, paper.scan_size, paper.enhance)[0]
        off_page = make_page(frame, off, paper.scan_size, paper.enhance)[0]
        review_frames = papers.ids.review.frames
        tap(papers.ids.corners_confirm)
        yield Until(lambda: papers.state == "papers" and papers.reviewing == 0, "the page made again", 20)
        yield laid_out()
        page = step.view.paper.pages[0]
        facts["confirmed"] = {
            "detected_jaccard": smartdoc_jaccard(detected, truth, (1000, 1414)),
            "placed_jaccard": smartdoc_jaccard(placed, truth, (1000, 1414)),
            "replaced": page is not first and len(step.view.paper.pages) == 1,
            "likeness_to_truth": likeness(page.jpeg, reference),
            "off_page_likeness": likeness(off_page, reference),
            "review_redrawn": papers.ids.review.frames > review_frames and papers._shown_review is page,
            "editor_cleared": editor.texture is None, "text": texts(papers)}
        yield from photo("4-confirmed")

        # -- 调整边角 again, then 取消: the page stays ------------------------------------------
        tap(papers.ids.adjust)
        yield Until(lambda: papers.state == "adjusting", "the corners again", 10)
        yield laid_out()
        facts["again_at_corrected"] = bool(np.allclose(step.view.adjusting.corners, placed))
        yield from drag(editor, editor.handle_points()[0], (editor.center_x, editor.center_y))
        tap(papers.ids.corners_cancel)
        yield Until(lambda: papers.state == "papers" and papers.reviewing == 0, "the page on check", 10)
        facts["cancelled"] = {"page_kept": step.view.paper.pages[0] is page}
        # -- the high-contrast palette on the editor ------------------------------------------
        tap(papers.ids.adjust)
        yield Until(lambda: papers.state == "adjusting", "the corners again", 10)
        app.toggle_contrast()
        yield laid_out()
        facts["contrast_ink"] = list(editor.ink) == list(app.palette.PRIMARY)
        yield from photo("5-contrast")
        app.toggle_contrast()
        tap(papers.ids.corners_cancel)
        yield Until(lambda: papers.state == "papers", "the page on check", 10)
        hut.control("idcard", "remove_card")
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["platform", "idcard", "camera"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut), clock)


if __name__ == "__main__":
    main()
