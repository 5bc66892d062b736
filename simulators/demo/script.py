"""Scripts that drive the kiosk the way a resident would: the runner and the hut's hands.

A script is a generator run on the Kivy clock (``Walk``): it yields a number
of seconds to wait or an ``Until`` condition, so it reads top to bottom like
the visit it acts out.  The demo (``simulators.demo.walkthrough``) and the UI
tests use the same runner; ``hut_control`` is the virtual hut's control API
(place a card, run the printer out of paper, unplug a device).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generator

from screens import app as app_module  # noqa: F401  (sets Kivy's environment before Kivy loads)

# isort: split
from kivy.clock import Clock

Script = Generator[Any, None, None]

# Every Until deadline times this: the test suite sets it when the UI probes
# share the machine with other tests (a deadline only matters when it fails).
WAIT_SCALE_ENV = "HUT_WAIT_SCALE"


def wait_scale() -> float:
    try:
        return max(1.0, float(os.environ.get(WAIT_SCALE_ENV, "1")))
    except ValueError:
        return 1.0


@dataclass
class Until:
    """Wait until ``condition()`` is true; after ``timeout`` seconds (times
    ``HUT_WAIT_SCALE``) a ``TimeoutError`` naming ``what`` is thrown into
    the script."""

    condition: Callable[[], bool]
    what: str
    timeout: float = 10.0
    poll: float | None = None   # seconds between looks (None: Walk.POLL; 0: every frame)


class Walk:
    """Runs a script generator on the Kivy clock, then stops the app."""

    POLL = 0.05

    def __init__(self, app: Any, script: Callable[[], Script], *, photos_only: bool = False):
        """``photos_only``: draw only the frames a script photographs
        (``draw_for_photos_only``), for a walk nobody watches."""
        self.app = app
        self._script_factory = script
        self._photos_only = photos_only
        self._gen: Script | None = None
        self.error: BaseException | None = None
        self.finished = False

    def start(self, *_args: Any) -> None:
        """Begin once the app has built every screen (``KioskApp.ready``)."""
        if not getattr(self.app, "ready", True):
            Clock.schedule_once(self.start, self.POLL)
            return
        if self._photos_only and os.environ.get(DRAW_ENV) != "always":
            from kivy.core.window import Window

            draw_for_photos_only(Window)
        self._gen = self._script_factory()
        Clock.schedule_once(lambda _dt: self._advance(None), 0)

    def _advance(self, throw: BaseException | None) -> None:
        assert self._gen is not None
        try:
            command = self._gen.throw(throw) if throw is not None else next(self._gen)
        except StopIteration:
            self.finished = True
            self.app.stop()
            return
        except BaseException as exc:  # the script failed: report it, end the app
            self.error = exc
            self.app.stop()
            return
        if isinstance(command, Until):
            self._wait_until(command, time.monotonic() + command.timeout * wait_scale())
        else:
            Clock.schedule_once(lambda _dt: self._advance(None), float(command or 0))

    def _wait_until(self, until: Until, deadline: float) -> None:
        try:
            done = until.condition()
        except Exception as exc:
            self._advance(exc)
            return
        if done:
            Clock.schedule_once(lambda _dt: self._advance(None), 0)
        elif time.monotonic() > deadline:
            self._advance(TimeoutError(f"timed out after {until.timeout * wait_scale():g} s waiting for {until.what}"))
        else:
            Clock.schedule_once(lambda _dt: self._wait_until(until, deadline),
                                self.POLL if until.poll is None else until.poll)


# HUT_DRAW=always: a walk that would draw only its photos draws every frame
# (someone watching a probe or the headless demo through a VNC viewer on its Xvfb).
DRAW_ENV = "HUT_DRAW"


def _skip(*_args: Any) -> None:
    return None


def draw_for_photos_only(window: Any) -> None:
    """Stop drawing frames; ``screenshot`` draws the one it saves.  Under Xvfb
    Mesa draws in software, and a drawn and flipped frame took about 40 % of a
    UI probe's CPU time (the 1280 x 800 layout probe, cProfile: 34 of 79 s),
    for frames nobody sees.  Everything else goes on as on the glass: the
    clock, layout, text textures, touches, the app's handlers of ``on_draw``
    and ``on_flip`` (only the window's own drawing is skipped)."""
    window.on_draw = _skip
    window.on_flip = _skip


def screenshot(path: Path) -> Path:
    """Save the whole window (overlays included) as exactly ``path``.
    Kivy's ``Window.screenshot`` appends a counter to the name; strip it."""
    from kivy.core.window import Window

    path = Path(path)
    drawn_on_demand = Window.__dict__.get("on_draw") is _skip
    if drawn_on_demand:
        type(Window).on_draw(Window)   # this frame, into the buffer the picture is read from
    saved = Window.screenshot(name=str(path))
    if drawn_on_demand:
        type(Window).on_flip(Window)
    if saved is None:
        raise RuntimeError(f"the window could not be saved to {path}")
    Path(saved).replace(path)
    return path


class FastForwardClock:
    """Monotonic time plus an offset the demo can advance, so the idle
    warning can be shown without waiting 45 real seconds."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def hut_control(control_url: str, device: str, action: str, **params: Any) -> dict[str, Any]:
    """POST /control/<device>/<action> on the virtual hut."""
    body = json.dumps(params).encode()
    request = urllib.request.Request(f"{control_url}/control/{device}/{action}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def hut_devices(control_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control_url}/status", timeout=10) as response:
        return json.loads(response.read()).get("simulators", {})


SETTLE = 0.4  # seconds for Kivy to lay out and draw a changed screen before a photo


def paper_count(control_url: str) -> int:
    """Slips the printer simulator has drawn so far (0 without a printer)."""
    try:
        return len(hut_control(control_url, "printer", "jobs").get("jobs", [])) if control_url else 0
    except (OSError, ValueError):
        return 0


def wait_for_paper(control_url: str, count: int, timeout: float = 10.0) -> None:
    """The printer simulator draws each slip on its own thread (as a printer
    prints while it answers status): wait until ``count`` are on paper."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(hut_control(control_url, "printer", "jobs").get("jobs", [])) >= count:
                return
        except (OSError, ValueError):
            return
        time.sleep(0.1)


def outbox_drained(app: Any, what: str = "the outbox worker to send what is queued") -> Script:
    """Wait (on the Kivy clock) until ``kiosk outbox drain`` has sent what the
    app queued: the worker is its own process, as on a terminal."""
    import subprocess
    import sys
    import threading

    sent = threading.Event()

    def drain() -> None:
        subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(app.settings.source), "outbox", "drain",
                        "--timeout", "30"], capture_output=True, timeout=60, check=False)
        sent.set()

    threading.Thread(target=drain, name="demo-outbox-drain", daemon=True).start()
    yield Until(sent.is_set, what, 70)

