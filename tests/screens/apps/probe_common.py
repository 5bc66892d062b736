"""Shared by the probe scripts: start the app from a config and run a script."""

from __future__ import annotations

import json
import math
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from drivers.base import Device  # noqa: E402 - after the sys.path line above
from kiosk.config import load  # noqa: E402 - after the sys.path line above
from screens import app as app_module  # noqa: E402 - after the sys.path line above
from screens.startup import configure_kivy  # noqa: E402 - after the sys.path line above
from simulators.demo.script import SETTLE, Until, Walk  # noqa: E402,F401 - after sys.path above; re-exported to the probes


def frames(count: int, what: str) -> Until:
    """Wait (``yield frames(...)``) until Kivy's main loop has gone round
    ``count`` more times: frames, not seconds, so a loaded machine only makes
    it take longer.  Looked at every frame: polled every ``Walk.POLL`` (50 ms),
    the probes' two-frame waits took three times their 33 ms."""
    from kivy.clock import Clock

    target = Clock.frames + count
    return Until(lambda: Clock.frames >= target, f"{count} frames: {what}", poll=0)


def laid_out() -> Until:
    """Kivy runs its layout and text triggers before every frame until nothing
    changes, so two frames after a script changed something it is laid out: a
    touch lands where the widget is drawn, a measure sees its size and its
    words' texture.  (A screenshot also needs the frame drawn: ``SETTLE``.)"""
    return frames(2, "the screen laid out")


class DeviceEvents:
    """What the app's devices published, recorded on the terminal's thread
    after the terminal handled each event (the terminal subscribed first, and
    posted calls run in order): once an event is in ``seen``, the app has
    acted on it."""

    def __init__(self, app: Any):
        self.seen: list[Any] = []
        terminal = app.terminal
        terminal.owner.subscribe(lambda event: terminal.post(lambda: self.seen.append(event)))

    def count(self, device: str, kind: str) -> int:
        """How many ``kind`` events (card_present, record, card_left, ...) ``device`` published."""
        return sum(1 for e in self.seen if getattr(e, "device", None) == device and getattr(e, "kind", None) == kind)


def handled(app: Any) -> Until:
    """Wait (``yield handled(app)``) until every call posted to the terminal's
    thread so far has run (posted calls run in order): what a device or a job
    reported before now has reached the terminal and the screens."""
    done: list[bool] = []
    app.terminal.post(lambda: done.append(True))
    return Until(lambda: bool(done), "what was posted to the terminal to run")


def to_identify(app: Any, code: str) -> Any:
    """Open 自助办事, choose the matter ``code`` and start, as a resident does
    (through the intents the choose-matter and conditions screens send): the
    identify step; ``yield from`` it."""
    approval = app.terminal.flow("approval")
    app.open_service("approval")
    yield Until(lambda: app.sm.current == "choose_matter" and approval.choice.view.matters, "the matter list")
    approval.choice.choose(code)
    yield Until(lambda: app.sm.current == "conditions", "the conditions")
    approval.start()
    yield Until(lambda: app.sm.current == "identify", "the identify screen")


class FakeReader(Device):
    """An ID card reader the app's device owner holds, whose events a probe
    publishes as a driver would (see ``from_driver_thread``); the terminal
    attaches it once its first status arrives."""

    device_class = "idcard"

    def _close(self) -> None:
        pass   # nothing to let go: the owner closes every device it holds when the app stops

    def read_again(self) -> None:
        pass

    def remind_if_present(self) -> bool:
        return False


def from_driver_thread(reader: Device, *events: Any) -> None:
    """Publish ``events`` from a thread of their own, as a driver's transport
    thread does, so the app's marshalling onto the Kivy clock is exercised."""
    def send() -> None:
        for event in events:
            reader._publish(event)
    thread = threading.Thread(target=send)
    thread.start()
    thread.join()


def labels_of(widget: Any) -> list[Any]:
    from kivy.uix.label import Label

    return [w for w in widget.walk(restrict=True) if isinstance(w, Label)]


def shown(widget: Any) -> bool:
    """Visible: neither it nor a parent is transparent (the window is its own parent)."""
    while widget is not None and widget is not widget.parent:
        if widget.opacity == 0:
            return False
        widget = widget.parent
    return True


def texts(widget: Any) -> str:
    """The words a resident can see on ``widget`` (markup tags dropped)."""
    import re

    return " ".join(re.sub(r"\[/?size[^\]]*\]", "", lab.text) for lab in labels_of(widget)
                    if lab.text and shown(lab))


def tap(widget: Any = None, pos: tuple[float, float] | None = None) -> None:
    """A real touch through Kivy's input path (down then up) at a widget's centre."""
    from kivy.tests.common import UnitTestTouch

    x, y = pos if pos is not None else widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def alpha_pixels(texture: Any) -> int:
    data = texture.pixels
    return sum(1 for i in range(3, len(data), 4) if data[i] > 0)


def run(script: Callable[[Any, dict], Any], clock: Any = None, speaker: Any = None, **app_kwargs: Any) -> None:
    config, out = sys.argv[1], Path(sys.argv[2])
    settings = load(config)
    configure_kivy(settings)
    kwargs = dict(app_kwargs)
    if clock is not None:
        kwargs["clock"] = clock
    if speaker is not None:
        kwargs["speaker"] = speaker
    app = app_module.KioskApp(settings, **kwargs)
    facts: dict[str, Any] = {}
    walk = Walk(app, lambda: script(app, facts), photos_only=True)
    app.bind(on_start=walk.start)
    app.run()
    if walk.error is not None:
        traceback.print_exception(walk.error)
        facts["error"] = repr(walk.error)
    facts["finished"] = walk.finished
    out.write_text(json.dumps(facts, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.exit(0 if walk.finished else 1)


def into_view(scroll_box: Any, widget: Any) -> Any:
    """Swipe the screen's scrolled part, as a resident does, until ``widget`` is
    in sight, and wait for it to stand still (a touch while it glides only stops it)."""
    from kivy.tests.common import UnitTestTouch

    scroll = scroll_box.view   # the ScrollBox's ScrollView
    for attempt in range(6):
        y = widget.to_window(*widget.pos)[1]
        bottom = scroll.to_window(*scroll.pos)[1]
        top = bottom + scroll.height
        if bottom <= y and y + widget.height <= top:
            return
        distance = (bottom + scroll.height / 3 - y) if y < bottom else (top - scroll.height / 3 - y - widget.height)
        distance = max(-scroll.height * 0.8, min(scroll.height * 0.8, distance))
        x0, y0 = scroll.to_window(scroll.center_x, scroll.center_y - distance / 2)
        touch = UnitTestTouch(x0, y0)
        touch.touch_down()
        lead = math.copysign(min(abs(distance), 60.0), distance)
        touch.touch_move(x0, y0 + lead)
        for step in range(1, 13):
            yield frames(1, "a swipe")
            touch.touch_move(x0, y0 + lead + (distance - lead) * step / 12)
        yield frames(2, "the swipe's end")
        touch.touch_up()
        yield Until(lambda: abs(scroll.effect_y.velocity) < 1e-3, "the scroll to stand still", 10)
        yield frames(15, "the scroll settled")
        if attempt == 2:   # swipes taken for taps on a slow machine: bring it into view as the cue does
            scroll_box.reveal(widget)
            yield frames(5, "revealed")
    raise AssertionError("the widget did not come into view after six swipes")


def reach(frame: Any, button: str) -> Any:
    """Bring a switch of the frame under the finger: open 更多设置 if it is in there."""
    if button in frame.in_menu and not frame.menu._is_open:
        yield laid_out()
        tap(frame.ids.aids)
        yield Until(lambda: frame.menu._is_open, "the more-settings menu")
    yield laid_out()


def press_switch(frame: Any, button: str) -> Any:
    """Touch one of the frame's switches (language, large_text, contrast, voice,
    volume) as a resident does: through 更多设置 when the header has no room for
    it in this window; the menu closed again after."""
    yield from reach(frame, button)
    tap(frame.ids[button])
    if frame.menu._is_open:
        yield laid_out()
        tap(frame.menu.ids.close)
        yield Until(lambda: not frame.menu._is_open, "the more-settings menu closed")

