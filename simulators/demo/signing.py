"""The demo's signing part: the 低保 property declaration signed with a finger.

``simulators.demo.filing`` calls ``sign_declaration`` when the filing reaches
the signing step (after the papers).  The name is written in the box with
touches through Kivy's input path (down, a move per frame, up), as a finger
on the hut's touchscreen sends them; then the signed page the department
receives (the PDF attachment of the application) is saved as a picture.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until


def _frames(count: int) -> Until:
    from kivy.clock import Clock

    target = Clock.frames + count
    return Until(lambda: Clock.frames >= target, f"{count} frames")


def _drag(widget: Any, path: list[tuple[float, float]]) -> Script:
    """A finger along ``path`` (fractions of the widget, y up)."""
    from kivy.tests.common import UnitTestTouch

    def at(fx: float, fy: float) -> tuple[float, float]:
        return widget.to_window(widget.x + fx * widget.width, widget.y + fy * widget.height)

    touch = UnitTestTouch(*at(*path[0]))
    touch.touch_down()
    for point in path[1:]:
        touch.touch_move(*at(*point))
        yield _frames(1)
    touch.touch_up()
    yield _frames(1)


def name_strokes() -> list[list[tuple[float, float]]]:
    """A handwritten-looking name: three characters of three to four strokes each."""
    strokes: list[list[tuple[float, float]]] = []
    for k, x0 in enumerate((0.12, 0.38, 0.64)):
        w = 0.2
        strokes.append([(x0 + w * i / 14, 0.66 + 0.03 * math.sin(i / 2.5 + k)) for i in range(15)])
        strokes.append([(x0 + w * (0.45 + 0.05 * math.sin(i / 3)), 0.82 - 0.55 * i / 16) for i in range(17)])
        strokes.append([(x0 + w * (0.1 + 0.35 * i / 10), 0.5 - 0.12 * i / 10) for i in range(11)])
        strokes.append([(x0 + w * (0.55 + 0.4 * i / 10), 0.52 - 0.2 * math.sin(math.pi * i / 20)) for i in range(11)])
    return strokes


def sign_declaration(app: Any, out: Path, shot: Callable[[str, str], None], log: Callable[[str], None]) -> Script:
    """The declaration read, the name written, confirmed; the signed page saved."""
    from kiosk.filing.signature import masked_page, page_image
    from kiosk.services.approval.signature_step import SIGNATURES

    screen = app.screens["sign"]
    yield SETTLE
    shot("68a-filing-sign-declaration", "Signing: the property declaration in large type, the resident masked, "
                                        "the values it declares; 签名, or sign at the counter instead")
    screen.sign()
    yield Until(lambda: screen.state == "signing", "the signing box")
    yield SETTLE
    pad = screen.ids.pad
    for stroke in name_strokes():
        yield from _drag(pad, stroke)
    yield SETTLE
    shot("68b-filing-sign-drawn", "Signing: the name written with a finger in the box, the line following it "
                                  "(smooth, thinner where the finger is fast); 清除 and 确认")
    screen.confirm()
    yield Until(lambda: screen.state == "signed", "the signature confirmed")
    yield SETTLE
    shot("68c-filing-signed", "Signed: the signature under the declaration; sign again, or continue")
    signatures = app.terminal.session.get(SIGNATURES)
    yield Until(lambda: bool(signatures.signed["property_statement"].pdf), "the signed page (made on a job)")
    signed = signatures.signed["property_statement"]
    # The department's page carries the name and ID number in full; a picture of
    # it outside the outbox shows them masked (PIPL: the demo's folder is not the outbox).
    identity = app.terminal.session.identity
    page = masked_page(page_image(signed.pdf), identity.masked_name, identity.masked_id)
    page.save(out / "68d-filing-signed-page.png")
    log("  68d-filing-signed-page.png (the signed page the department receives, name and ID number masked here)")
    screen.proceed()
