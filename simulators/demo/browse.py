"""The demo's walk through 办事指南, 自助办事's first steps and 进度查询, and
the main flow again in portrait.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``;
each step is what a resident would touch, sent through the app's intents,
with the hut's control API playing the resident's card.
"""

from __future__ import annotations

from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until, hut_control, outbox_drained

MATTER = "MZ-001"   # 最低生活保障申请: conditions, papers to scan and a declaration signed on the screen


def browse_walkthrough(app: Any, control_url: str, shot: Callable[[str, str], None],
                       devices: dict[str, Any]) -> Script:
    yield Until(lambda: app.ready and app.terminal.catalog() is not None, "the platform's catalog", 20)

    app.go_home("resident")
    app.open_service("guide")
    yield SETTLE
    shot("20-guide-categories", "办事指南: categories and the a-z keyboard; no card needed")
    app.terminal.presenter.search("dbsq")
    yield SETTLE
    shot("21-guide-search-dbsq", "Pinyin initials 'dbsq' find 最低生活保障申请")
    app.terminal.presenter.choose(MATTER)
    yield SETTLE
    shot("22-guide-matter", "The guide: who may apply, papers, department, time limit, fee")
    app.toggle_large_text()
    yield SETTLE
    shot("22a-guide-matter-large-text", "Large text: the matter's detail scrolls, with a cue that more is below")
    app.toggle_large_text()
    yield SETTLE
    guide = app.terminal.flow("guide")
    if guide.view.can_print:
        guide.print()
        yield Until(lambda: guide.view.printing in ("printed", "failed"), "the guide to print", 20)
        yield SETTLE
        shot("23-guide-printed", "The guide printed on the hut's printer")

    app.go_home("resident")
    app.open_service("approval")
    yield SETTLE
    shot("30-approval-choose-matter", "自助办事 step 1: choose the matter")
    app.terminal.presenter.choose(MATTER)
    yield SETTLE
    shot("31-approval-conditions", "Step 2: conditions and papers first; print this guide, or start")

    app.go_home("resident")


def progress_walkthrough(app: Any, control_url: str, shot: Callable[[str, str], None],
                         devices: dict[str, Any]) -> Script:
    """After the filing part, so the resident's card finds the application just filed
    (the outbox worker, its own process as on a terminal, sends it first)."""
    app.go_home("resident")
    yield from outbox_drained(app, "the outbox worker to send the filed application")
    app.open_service("progress")
    yield SETTLE
    shot("80-progress-waiting", "进度查询: place a card or show the slip's QR code; nothing shown before")
    if "idcard" in devices:
        hut_control(control_url, "idcard", "place_card", card="resident")
        yield Until(lambda: app.terminal.flow("progress").view.state.value in ("results", "nothing_found", "unavailable"),
                    "the platform's answer", 20)
        yield SETTLE
        shot("81-progress-answer", "The resident's applications (or none) after the ID card")
        app.go_home("resident")
        hut_control(control_url, "idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
    found = printed_receipt(control_url) if "camera" in devices and "printer" in devices else None
    if found is not None:
        slip, top, bottom = found
        app.open_service("progress")
        # the part of the slip with its QR code held up, as a resident would (the whole
        # of a long slip squeezed into the frame's height makes the code's modules tiny)
        hut_control(control_url, "camera", "show_image", path=str(slip), top=top, bottom=bottom)
        progress = app.terminal.flow("progress")
        yield Until(lambda: progress.view.state.value in ("results", "nothing_found", "unavailable", "local_slip"),
                    "the answer to the slip", 30)
        yield SETTLE
        shot("82-progress-by-slip", "The slip's QR code held under the camera: "
             + ("its application" if app.terminal.flow("progress").view.state.value == "results" else
                "a slip with a local number asks for the ID card"))
        hut_control(control_url, "camera", "remove_page")
    app.go_home("resident")


def printed_receipt(control_url: str) -> Any:
    """(picture, top, bottom) of the newest slip the printer simulator printed
    that carries a hut QR code: the band of its height around the code."""
    from pathlib import Path

    import cv2

    from drivers.camera.qr import find_qr, read_qr

    for job in reversed(hut_control(control_url, "printer", "jobs").get("jobs", [])):
        png = Path(job["png"])
        image = cv2.imread(str(png)) if png.exists() else None
        if image is not None and (read_qr(image) or "").startswith("HUTAPP:"):
            points = find_qr(image)
            height = image.shape[0]
            if points is None:   # the whole slip, then: the kiosk's closer look reads that too
                return png, 0.0, 1.0
            ys = points[:, 1]
            margin = (ys.max() - ys.min()) * 0.6
            return png, max(0.0, float(ys.min() - margin) / height), min(1.0, float(ys.max() + margin) / height)
    return None


def portrait_walkthrough(app: Any, shot: Callable[[str, str], None]) -> Script:
    """The main flow's screens again on a portrait (1080x1920) screen."""
    from kivy.core.window import Window

    landscape = tuple(Window.size)
    Window.size = (1080, 1920)
    yield Until(lambda: tuple(Window.size) == (1080, 1920) and app.portrait, "the portrait window")
    app.go_home("resident")
    yield SETTLE
    shot("90-portrait-home", "Portrait 1080x1920: home (two tiles a row)")
    app.open_service("approval")
    yield SETTLE
    shot("91-portrait-choose-matter", "Portrait: choose the matter")
    app.terminal.presenter.choose(MATTER)
    yield SETTLE
    shot("92-portrait-conditions", "Portrait: conditions and papers")
    app.terminal.presenter.start()
    yield SETTLE
    shot("93-portrait-identify", "Portrait: identify")
    app.toggle_large_text()
    yield SETTLE
    shot("94-portrait-identify-large-text", "Portrait, large text (x1.25)")
    app.toggle_large_text()
    app.go_home("resident")
    Window.size = landscape
    yield Until(lambda: tuple(Window.size) == landscape, "the landscape window")
    yield SETTLE
