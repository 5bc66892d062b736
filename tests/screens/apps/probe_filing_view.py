"""Where the filing screens put what the resident looks at, in every window.

The face check's "card photo cannot be read here" state (one 继续, centred
like every single-button screen); the form of 最低生活保障申请, whose list
of fields scrolls: the last field (现居住地址), tapped while half of it is
cut off, must then show whole, above the "More below" cue; and the field 确定
moves on to, at the list's top.  Reached through
the flows' intents with a reader the app's owner holds (probe_filing_layout's),
measured on the widget tree; a screenshot of each state in the output folder.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import _taker  # noqa: E402 - after the sys.path line above
from probe_common import SETTLE, Until, frames, laid_out, run, tap  # noqa: E402 - after the sys.path line above
from probe_filing_layout import (  # noqa: E402 - after the sys.path line above
    ORIENTATIONS,
    Engine,
    FrontCamera,
    Reader,
    publish,
    to_face_check,
    to_form,
)

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from drivers.base import DeviceEvent, Status  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above


def attach_devices(app):
    import threading

    terminal = app.terminal
    reader = Reader("idcard")
    terminal.owner.attach(reader)
    online = threading.Thread(target=lambda: reader._set_state(Status.ONLINE, card_present=False))
    online.start()
    online.join()
    front = FrontCamera("front_camera")
    terminal.owner.attach(front)
    opening = threading.Thread(target=front.open)
    opening.start()
    opening.join()
    return reader


def script(out):
    def walk(app, facts):
        from kivy.core.window import Window

        terminal = app.terminal
        yield Until(lambda: app.sm is not None and app.ready and terminal.catalog() is not None,
                    "the app and the catalog", 30)
        reader = attach_devices(app)
        yield Until(lambda: app.availability.face_camera and app.availability.id_card, "the reader and camera", 30)
        face = app.screens["face_check"]
        facts["no_photo"], facts["last_field"], facts["after_ok"] = {}, {}, {}
        for orientation, size in ORIENTATIONS.items():
            Window.size = size
            yield Until(lambda size=size: tuple(Window.size) == size, f"the window at {size}")
            for large in (False, True):
                key = f"{orientation}/{'large' if large else 'normal'}"
                yield from to_face_check(app, reader, b"")   # a card without a photo this terminal can read
                yield Until(lambda: face.state == "no_photo", "the card photo cannot be read here", 5)
                yield from text_size(app, large)
                button, hidden = face.ids.primary, face.ids.secondary
                x, _y = button.to_window(*button.center)
                at = hidden.to_window(*hidden.center)
                taker = next((t for t in (_taker(r, *at) for r in Window.children[:]) if t is not None), None)
                facts["no_photo"][key] = {"button": button.text, "large_text": app.large_text, "centre_x": x,
                                          "window_centre_x": Window.width / 2,
                                          "hidden_catches_touch": getattr(taker, "msgid", None) == hidden.msgid}
                yield SETTLE
                screenshot(out / f"face_no_photo-{key.replace('/', '-')}.png")
                publish(reader, DeviceEvent("idcard", "card_removed"))
                app.go_home("resident")

                yield from to_form(app, reader, "MZ-001")   # 最低生活保障申请 (its face check skipped: no photo)
                form = app.screens["form"]
                yield from text_size(app, large)
                row = form.rows[form.fields[-1].name]
                yield from half_cut_off(form, row)
                before = rects(form, row)
                x, y, right, top = before["row"]
                tap(pos=((x + right) / 2, (y + min(top, before["view"][3])) / 2 if y >= before["view"][1]
                         else (before["view"][1] + min(top, before["view"][3])) / 2))   # on the part in sight
                yield Until(lambda row=row: row.selected, "the last field chosen", 5)
                yield frames(4, "the list scrolled")
                after = rects(form, row)
                facts["last_field"][key] = {"label": row.label, "large_text": app.large_text, "before": before, "after": after}
                yield SETTLE
                screenshot(out / f"form_last_field-{key.replace('/', '-')}.png")
                # 确定 on the address moves on to the first field still empty, at the list's top
                form.ids.pinyin.append("幸福街道1号")   # typed (the keyboard's own keys: probe_filing)
                yield laid_out()
                tap(form.ids.enter)
                first = form.rows[form.fields[0].name]
                yield Until(lambda first=first: first.selected, "the first empty field chosen after 确定", 5)
                yield frames(4, "the list scrolled")
                facts["after_ok"][key] = {"label": first.label, "after": rects(form, first)}
                publish(reader, DeviceEvent("idcard", "card_removed"))
                app.go_home("resident")
    return walk


def text_size(app, large):
    """大字 as the resident sets it on the screen they are on (each visit starts without it)."""
    if app.large_text != large:
        app.toggle_large_text()
        yield Until(lambda: app.large_text == large, "the large text switch")
    yield laid_out()


def half_cut_off(form, row):
    """The list scrolled as a resident leaves it: the last row half in sight
    at its bottom edge (where the list fits, as it is)."""
    scroll = form.ids.scroll
    if not scroll.overflows:
        return
    view = scroll.view
    view.scroll_y = 0
    yield laid_out()
    bottom = row.to_window(row.x, row.y)[1] - view.to_window(view.x, view.y)[1]
    view.scroll_y = min(1, view.scroll_y + view.convert_distance_to_scroll(0, bottom + row.height / 2)[1])
    yield laid_out()


def rects(form, row):
    """Window rectangles (x, y, right, top): the chosen row, the list's visible part, the cue under it."""
    def rect(widget):
        x, y = widget.to_window(widget.x, widget.y)
        return [x, y, x + widget.width, y + widget.height]

    scroll = form.ids.scroll
    return {"row": rect(row), "view": rect(scroll.view), "cue": rect(scroll.scroll_cue),
            "overflows": scroll.overflows}


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    overrides = {"timeouts": {"idle_seconds": 600, "idle_warning_seconds": 500}}
    with hut_module.Hut(workdir, only=["platform", "camera"], overrides=overrides) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(Path(out).parent), face_engine=Engine)


if __name__ == "__main__":
    main()
