"""诉求反映: up to three photos, optional.  The list shows each photo taken
with 重拍 (retake) and 删除 (delete); 用高拍仪拍 looks down through the
document camera (a printed photo, a paper), 用前置摄像头拍 through the front
camera (something held up).  While a camera looks, its newest frame fills
the screen and 拍照 takes it.  A camera that stops is said in words and the
request goes on without the photo.  Renders ``RequestView`` (photos,
shooting); the bytes come from the flow (``photo(i)``), never the view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.flows.service import Step
from screens.live_preview import LivePreview
from screens.step_screen import StepScreen
from screens.widgets import page_view  # noqa: F401  (its kv rules)

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

MAX_PHOTOS = 3


class RequestPhotosScreen(LivePreview, StepScreen):
    steps = (Step.REQUEST_PHOTOS,)
    state = StringProperty("photos")      # photos | shooting
    source = StringProperty("")           # document | front while shooting
    photos = NumericProperty(0)
    cameras = ListProperty([])
    taking = BooleanProperty(False)
    notice = StringProperty("")
    camera_ready = BooleanProperty(False)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] = ()

    def render(self, view: Any) -> None:
        if view is None:
            return
        self.state = view.state.value if view.state.value in ("photos", "shooting") else "photos"
        self.source, self.cameras, self.taking = view.source, list(view.cameras), view.taking
        self.notice = view.notice
        self.photos = len(view.photos)
        self._show_photos(view.photos)
        self._follow_camera(self.state == "shooting")

    def _show_photos(self, kinds: tuple[str, ...]) -> None:
        flow = self.flow
        shown = tuple(flow.photo(i) for i in range(len(kinds))) if flow is not None else ()
        if shown == self._shown:
            return
        self._shown = shown
        for index in range(MAX_PHOTOS):
            thumb = self.ids[f"thumb{index}"]
            data = shown[index] if index < len(shown) else None
            if data:
                thumb.show_bytes(data, 360)
            else:
                thumb.clear()

    # -- the live picture (LivePreview) ----------------------------------------------------
    def _newest_frame(self) -> tuple[Any, Any]:
        return (self.flow.preview() if self.flow is not None else None), None

    def _preview_shows(self, frame: Any, _extra: Any) -> None:
        self.ids.preview.show(frame.image)

    def _preview_cleared(self) -> None:
        self.ids.preview.clear()

    def on_leave(self, *_args: Any) -> None:
        self._stop_preview()

    def forget(self) -> None:
        super().forget()
        self._stop_preview()
        self._shown = ()
        for index in range(MAX_PHOTOS):
            self.ids[f"thumb{index}"].clear()
        self.photos = 0
        self.notice = self.source = ""
        self.state = "photos"

