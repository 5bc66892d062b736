"""The camera's newest frame on a step screen, a few times a second while
the flow looks (the papers step's document camera, a request's photos, the
face check's mirror): one loop, three screens."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock


class LivePreview:
    """Mixed into a ``StepScreen`` that has a ``camera_ready`` property.  The
    screen says what its newest frame is (``_newest_frame``: the frame, an
    object with ``seq`` and ``image`` or None, and what the screen wants to
    show with it, such as the papers step's outline) and how it shows and
    clears it; a frame already shown is not shown again."""

    PREVIEW_FPS = 30
    _tick: Any = None
    _shown_seq = -1
    camera_ready: bool

    def _follow_camera(self, looking: bool) -> None:
        if looking and self._tick is None:
            self._tick = Clock.schedule_interval(self._show_frame, 1 / self.PREVIEW_FPS)
        elif not looking:
            self._stop_preview()

    def _stop_preview(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self._shown_seq = -1
        self.camera_ready = False
        self._preview_cleared()

    def _show_frame(self, _dt: float) -> None:
        frame, extra = self._newest_frame()
        if frame is None or frame.seq == self._shown_seq:
            return
        self._shown_seq = frame.seq
        self.camera_ready = True
        self._preview_shows(frame, extra)

    # -- what each screen says ---------------------------------------------------------
    def _newest_frame(self) -> tuple[Any, Any]:
        raise NotImplementedError

    def _preview_shows(self, frame: Any, extra: Any) -> None:
        raise NotImplementedError

    def _preview_cleared(self) -> None:
        raise NotImplementedError
