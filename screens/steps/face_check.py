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

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.flows.service import Step
from kiosk.terminal.voice import instruction
from screens.live_preview import LivePreview
from screens.step_screen import StepScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))



class FaceCheckScreen(LivePreview, StepScreen):
    PREVIEW_FPS = 15   # the mirror: enough to see oneself move
    steps = (Step.FACE_CHECK,)
    state = StringProperty("closed")
    headline = StringProperty("")
    attempts_left = NumericProperty(0)
    counter_slip = StringProperty("")     # the note for the counter: printing | printed | no_printer
    camera_ready = BooleanProperty(False)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)

    def render(self, view: Any) -> None:
        """``view``: the face check flow's FaceCheckView."""
        self.state = view.state.value
        self.attempts_left = view.attempts_left
        self.counter_slip = view.counter_slip
        self.headline = instruction("face_check", view.detail) or ""
        if self.state == "challenge":
            self._follow_camera(True)
        else:
            self._stop_preview()

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
    # -- the mirror (LivePreview): the front camera's frame, flipped as a mirror is ---------------
    def _newest_frame(self) -> tuple[Any, Any]:
        return (self.flow.preview() if self.flow is not None else None), None

    def _preview_shows(self, frame: Any, _extra: Any) -> None:
        import cv2

        self.ids.mirror.show(cv2.flip(frame.image, 1))

    def _preview_cleared(self) -> None:
        self.ids.mirror.clear()

    def on_leave(self, *_args: Any) -> None:
        self._stop_preview()

    def forget(self) -> None:
        self._stop_preview()
        super().forget()
        self.state = "closed"
