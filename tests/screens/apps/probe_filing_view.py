"""Where the filing screens put what the resident looks at, in every window.

The face check's "card photo cannot be read here" state (one 继续, centred
like every single-button screen).  Reached through the flows' intents with a
reader the app's owner holds (probe_filing_layout's), measured on the widget
tree; a screenshot of each state in the output folder.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import _taker  # noqa: E402 - after the sys.path line above
from probe_common import SETTLE, Until, laid_out, run  # noqa: E402 - after the sys.path line above
from probe_filing_layout import (  # noqa: E402 - after the sys.path line above
    ORIENTATIONS,
    Engine,
    FrontCamera,
    Reader,
    publish,
    to_face_check,
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
        facts["no_photo"] = {}
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
    return walk


def text_size(app, large):
    """大字 as the resident sets it on the screen they are on (each visit starts without it)."""
    if app.large_text != large:
        app.toggle_large_text()
        yield Until(lambda: app.large_text == large, "the large text switch")
    yield laid_out()


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    overrides = {"timeouts": {"idle_seconds": 600, "idle_warning_seconds": 500}}
    with hut_module.Hut(workdir, only=["platform", "camera"], overrides=overrides) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(Path(out).parent), face_engine=Engine)


if __name__ == "__main__":
    main()
