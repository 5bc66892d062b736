"""人证核验: "look at the camera, blink, turn your head".

Renders the ``FaceCheckFlow`` of the filing (``kiosk.flows.face_check``):
the consent in plain words first, then the challenge with the camera's picture
as a mirror (a resident turns the way the mirror shows), "try again" with the
tries left, and the way on (Continue, or the counter).  The headline is the
step's spoken instruction (``kiosk.terminal.voice.instruction``), so what the resident
hears and reads never disagree.  The screen never sees a result, a score or a
descriptor: the attempts are ``kiosk.face.runner.FaceCheckRunner``'s, on the
front camera the device owner holds; this screen only shows the newest frame
the flow's ``preview()`` gives while the check runs, which is not kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.flows.service import Step
from kiosk.terminal.voice import instruction
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PREVIEW_FPS = 15


class FaceCheckScreen(StepScreen):
    steps = (Step.FACE_CHECK,)
    state = StringProperty("closed")
    headline = StringProperty("")
    attempts_left = NumericProperty(0)
    counter_slip = StringProperty("")     # the note for the counter: printing | printed | no_printer
    camera_ready = BooleanProperty(False)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._tick: Any = None
        self._shown_seq = -1

    def render(self, view: Any) -> None:
        """``view``: the face check flow's FaceCheckView."""
        self.state = view.state.value
        self.attempts_left = view.attempts_left
        self.counter_slip = view.counter_slip
        self.headline = instruction("face_check", view.detail) or ""
        if self.state == "challenge":
            self._start_mirror()
        else:
            self._stop_mirror()

    # -- what the buttons ask ------------------------------------------------------------
    def agree(self) -> None:
        self.flow.consent()

    def counter(self) -> None:
        self.flow.decline()

    def try_again(self) -> None:
        self.flow.retry()

    def go_on(self) -> None:
        self.flow.confirm()

    # -- the mirror ----------------------------------------------------------------------
    def _start_mirror(self) -> None:
        if self._tick is None:
            self._tick = Clock.schedule_interval(self._show_frame, 1 / PREVIEW_FPS)

    def _stop_mirror(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self._shown_seq = -1
        self.camera_ready = False
        self.ids.mirror.clear()

    def _show_frame(self, _dt: float) -> None:
        import cv2

        frame = self.flow.preview() if self.flow is not None else None
        if frame is None or frame.seq == self._shown_seq:
            return
        self._shown_seq = frame.seq
        self.camera_ready = True
        self.ids.mirror.show(cv2.flip(frame.image, 1))

    def on_leave(self, *_args: Any) -> None:
        self._stop_mirror()

    def forget(self) -> None:
        self._stop_mirror()
        super().forget()
        self.state = "closed"
