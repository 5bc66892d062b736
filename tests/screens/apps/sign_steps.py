"""Shared by the probes that reach the signing step (probe_sign.py, probe_layout.py):
the 低保 matter from home to its property declaration, through the flows' intents."""

from __future__ import annotations

import threading
from typing import Any

from probe_common import Until

from tests.terminal_kit import FakeFrontCamera, card, fill_form

MATTER = "MZ-001"   # 最低生活保障申请: its property declaration is signed on the touchscreen


def attach_front_camera(app: Any) -> Any:
    """A front camera the owner holds: the face check can run (the card carries no
    photo, so it is skipped and said so: the layout of the signing is what counts here)."""
    camera = FakeFrontCamera("front_camera")
    app.terminal.owner.attach(camera)
    opening = threading.Thread(target=camera.open)   # its status arrives from a device thread
    opening.start()
    opening.join()
    return camera


def to_sign(app: Any, reader: Any, record: Any = None) -> Any:
    """Home -> 自助办事 -> 低保 -> the card -> (face check skipped) -> the form
    filled -> the papers (to the counter: no document camera) -> the declaration."""
    approval = app.terminal.flow("approval")
    app.open_service("approval")
    yield Until(lambda: app.sm.current == "choose_matter", "the matter list")
    approval.choice.choose(MATTER)
    approval.start()
    reader.place(record if record is not None else card())
    yield Until(lambda: app.terminal.identify.state.value == "identified", "the card", 10)
    app.continue_service()
    yield Until(lambda: approval.state.value in ("face_check", "form"), "the face check or the form", 10)
    if approval.state.value == "face_check":
        yield Until(lambda: approval.face.state.value == "no_photo", "the face check skipped", 10)
        approval.face_continue()
    yield Until(lambda: app.sm.current == "form", "the form", 10)
    fill_form(approval)
    yield Until(lambda: app.sm.current == "papers", "the papers", 10)
    approval.papers.proceed()
    yield Until(lambda: app.sm.current == "sign", "the declaration", 10)
    return approval
