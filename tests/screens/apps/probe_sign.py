"""Signing the 低保 property declaration with a finger, as a resident does.

Every touch goes through Kivy's input path (``UnitTestTouch``: down, moves
one per frame, up), so the signing box sees what a touchscreen sends.  The
resident reads the declaration, presses 签名, tries a dot, a scrawl that
leaves the box and a stroke they take back with 返回, then writes their name
in three strokes, confirms and continues to the review.  A second resident
walks away while signing: the idle warning, then everything gone.
Screenshots of each state go to ``<out folder>/shots``.
"""

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import SETTLE, Until, frames, laid_out, run, tap, texts  # noqa: E402 - after sys.path above
from sign_steps import attach_front_camera, to_sign  # noqa: E402 - after sys.path above

from simulators.demo.script import FastForwardClock, screenshot  # noqa: E402 - after sys.path above
from tests.terminal_kit import FakeCardReader, card  # noqa: E402 - after sys.path above

clock = FastForwardClock()


def drag(widget, path, steps_per_frame=1, pressure=None):
    """A finger drawn along ``path`` (fractions of ``widget``'s width and height,
    y up as on screen): touch down, a move per frame, touch up.  ``pressure``:
    the touch device reports one (``touch.profile`` has it)."""
    from kivy.tests.common import UnitTestTouch

    def at(fx, fy):
        return widget.to_window(widget.x + fx * widget.width, widget.y + fy * widget.height)

    touch = UnitTestTouch(*at(*path[0]))
    if pressure is not None:
        touch.profile.append("pressure")
        touch.pressure = pressure
    touch.touch_down()
    for i, point in enumerate(path[1:]):
        touch.touch_move(*at(*point))
        if i % steps_per_frame == 0:
            yield frames(1, "the line drawn as the finger moves")
    touch.touch_up()
    yield frames(1, "the stroke handed to the flow")


def letter(x0, width=0.16):
    """One written character as three strokes (a horizontal, a vertical, a hook), in fractions of the box."""
    import math

    across = [(x0 + width * i / 12, 0.62 + 0.02 * math.sin(i / 2)) for i in range(13)]
    down = [(x0 + width * 0.5 + 0.01 * math.sin(i), 0.78 - 0.5 * i / 14) for i in range(15)]
    hook = [(x0 + width * (0.15 + 0.7 * i / 12), 0.45 - 0.15 * math.sin(math.pi * i / 12)) for i in range(13)]
    return [across, down, hook]


def window_ink(path, box):
    """Dark pixels of the screenshot inside ``box`` (x, y, w, h in window pixels, y up)."""
    from PIL import Image

    image = Image.open(path).convert("L")
    x, y, w, h = (round(v) for v in box)
    top = image.height - (y + h)
    part = image.crop((x + 8, top + 8, x + w - 8, top + h - 8))
    return sum(1 for v in part.getdata() if v < 100)


def box_of(widget):
    x, y = widget.to_window(widget.x, widget.y)
    return (x, y, widget.width, widget.height)


def script(app, facts):
    shots = Path(sys.argv[2]).parent / "shots"
    shots.mkdir(exist_ok=True)
    yield Until(lambda: app.sm is not None and app.ready and app.terminal.catalog() is not None,
                "the app and the catalog", 30)
    reader = FakeCardReader("idcard")
    app.terminal.owner.attach(reader)
    opening = threading.Thread(target=reader.open)
    opening.start()
    opening.join()
    attach_front_camera(app)
    yield Until(lambda: app.availability.id_card and app.availability.face_camera, "the reader and the camera", 20)

    approval = yield from to_sign(app, reader)
    screen = app.screens["sign"]
    step = approval.sign
    yield laid_out()
    yield SETTLE
    screenshot(shots / "1-reading.png")
    facts["reading"] = {"text": texts(screen), "step": [app.step_index, app.step_total],
                        "primary": texts(screen.ids.primary), "secondary": texts(screen.ids.secondary)}

    # 签名: the box
    tap(screen.ids.primary)
    yield Until(lambda: screen.state == "signing", "the signing box", 5)
    yield laid_out()
    yield SETTLE
    pad = screen.ids.pad
    screenshot(shots / "2-empty-box.png")
    facts["box"] = {"text": texts(screen), "size": [pad.width, pad.height], "window": list(app.root_window.size),
                    "buttons": [texts(screen.ids.secondary), texts(screen.ids.primary)]}

    # a dot: asked again, in words
    tap(pos=pad.to_window(*pad.center))
    yield Until(lambda: step.view.strokes == 1, "the dot handed over", 5)
    tap(screen.ids.primary)
    yield Until(lambda: screen.problem == "dot", "the dot refused", 5)
    yield laid_out()
    yield SETTLE
    screenshot(shots / "3-a-dot.png")
    facts["dot"] = {"headline": texts(screen.ids.headline), "pad_strokes": pad.strokes,
                    "flow_strokes": step.view.strokes}

    # a scrawl that starts inside and leaves the box to the right
    yield from drag(pad, [(0.9 + 0.02 * i, 0.5 + 0.01 * (i % 3)) for i in range(30)])
    tap(screen.ids.primary)
    yield Until(lambda: screen.problem == "outside", "the scrawl refused", 5)
    yield laid_out()
    facts["outside"] = {"headline": texts(screen.ids.headline), "pad_strokes": pad.strokes}

    # one stroke, then 返回: back to the document, nothing kept; 签名 again: an empty box
    yield from drag(pad, [(0.2 + 0.02 * i, 0.5) for i in range(20)])
    held = step.view.strokes
    tap(screen.ids.frame.ids.back)
    yield Until(lambda: screen.state == "reading", "back to the document", 5)
    facts["back"] = {"held_before": held, "pending": len(app.terminal.session.get(_slot()).pending),
                     "pad_strokes": pad.strokes, "screen": app.sm.current}
    tap(screen.ids.primary)
    yield Until(lambda: screen.state == "signing", "the signing box again", 5)

    # the name, in three characters of three strokes each
    for k in range(3):
        for stroke in letter(0.14 + 0.26 * k):
            yield from drag(pad, stroke)
    yield laid_out()
    yield SETTLE
    drawn = screenshot(shots / "4-drawn.png")
    facts["drawn"] = {"flow_strokes": step.view.strokes, "pad_strokes": pad.strokes, "ink_lines": _lines(pad._drawing),
                      "ink_in_box": window_ink(drawn, box_of(pad)), "headline": texts(screen.ids.headline)}
    tap(screen.ids.primary)   # 确认
    yield Until(lambda: screen.state == "signed", "the signature confirmed", 10)
    yield laid_out()
    yield SETTLE
    screenshot(shots / "5-signed.png")
    signed = app.terminal.session.get(_slot()).signed["property_statement"]
    (shots / "signature.png").write_bytes(signed.png)
    facts["signed"] = {"text": texts(screen), "buttons": [texts(screen.ids.secondary), texts(screen.ids.primary)],
                       "strokes": signed.record["strokes"]["strokes"], "box": [signed.record["strokes"]["points"]],
                       "png_ink": _png_ink(signed.png), "shown": screen.ids.signature.texture is not None}
    tap(screen.ids.primary)   # 继续
    yield Until(lambda: app.sm.current == "review", "the review", 10)
    yield laid_out()
    facts["after"] = {"screen": app.sm.current, "step": [app.step_index, app.step_total]}
    facts["review_says"] = app.screens["review"].ids.signed.text

    # a second resident walks away while signing: warned, then everything goes
    reader.take()
    app.go_home("resident")
    facts["after"]["asked_before_home"] = app.confirm.parent is not None   # the review would be lost: asked once
    app.go_home("resident")
    yield Until(lambda: app.sm.current == "home", "home")
    approval = yield from to_sign(app, reader, card(name="李桂芝", id_number="230108194501011235"))
    tap(screen.ids.primary)
    yield Until(lambda: screen.state == "signing", "the signing box", 5)
    yield laid_out()
    for stroke in letter(0.3):
        yield from drag(pad, stroke, pressure=0.7)   # a screen that reports pressure
    pending = app.terminal.session.get(_slot()).pending
    facts["pressure"] = sorted({p.p for s in pending for p in s})
    idle = app.terminal.idle
    clock.offset += idle.warning_after + 0.5 - idle.idle_for()
    yield Until(lambda: app.warning.parent is not None, "the idle warning", 10)
    yield SETTLE
    screenshot(shots / "6-idle-warning.png")
    facts["idle"] = {"warning": texts(app.warning), "strokes_while_warned": step.view.strokes}
    clock.offset += idle.timeout_after
    yield Until(lambda: app.sm.current == "home", "the visit ended", 10)
    yield laid_out()
    facts["idle"].update(home=app.sm.current, session=app.terminal.session.active,
                         signatures=app.terminal.session.get(_slot()) is not None, pad_strokes=pad.strokes,
                         ink_lines=_lines(pad._drawing), screen_state=screen.state)
    reader.take()


def _lines(group):
    """The ink's line instructions drawn in ``group`` (nested groups included)."""
    from kivy.graphics import Line

    return sum(1 if isinstance(c, Line) else _lines(c) for c in getattr(group, "children", ()) or ()) \
        if not isinstance(group, Line) else 1


def _slot():
    from kiosk.services.approval.signature_step import SIGNATURES

    return SIGNATURES


def _png_ink(data):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("L")
    dark = [(x, y) for y in range(0, image.height, 2) for x in range(0, image.width, 2) if image.getpixel((x, y)) < 128]
    if not dark:
        return {"pixels": 0}
    xs, ys = [p[0] for p in dark], [p[1] for p in dark]
    return {"pixels": len(dark), "bbox": [min(xs) / image.width, min(ys) / image.height, max(xs) / image.width,
                                          max(ys) / image.height]}


if __name__ == "__main__":
    run(script, clock=clock)
