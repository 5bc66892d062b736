"""A request's photos: what the resident holds up or lays down, taken on 拍照.

Up to ``MAX_PHOTOS`` photos, each optional.  The document camera looks down at
the tray: a printed photo or a paper laid there is found as a page (the page
detection the papers step uses), straightened and enhanced as a page; anything
else it sees (a broken part, a photo at an angle the detector does not take
for a page) is accepted as it is, only evened out a little and made smaller.
The front camera takes what the resident holds up, the same mild way.

Unlike the papers step there is no auto-capture: a photo is not a page that
must be sharp and flat, it is what the resident chooses to show, so the
resident presses 拍照 and the newest frame is taken.  The camera work
(``CameraWork``) runs while the photo step looks through a camera, so the
screen shows the camera's newest frame; ``take()`` asks the running run for
the next frame, which it turns into JPEG bytes on its thread and reports.
Nothing of the frames is kept; the photo's bytes live in the session's draft.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.flows.camera_work import CameraWork, Post, Report

log = logging.getLogger(__name__)

MAX_PHOTOS = 3
MAX_SIDE = 1600          # px: a photo for a department's clerk, not an archive scan
TAKE_WAIT_SECONDS = 3.0  # no new frame this long after 拍照: the camera is said to be gone


@dataclass(frozen=True)
class Photo:
    """One photo: JPEG bytes (in memory only) and what it was taken as:
    ``page`` (found and straightened as a page) or ``photo`` (as it was)."""

    data: bytes = field(repr=False)
    kind: str
    source: str          # document | front


def mild(image: Any) -> Any:
    """A photo that is not a page: smaller, its levels stretched a little
    (the 1st and 99th percentiles to the full range), colours untouched."""
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    lo, hi = np.percentile(image, (1, 99))
    if hi - lo < 8:   # a flat picture (a covered lens): leave it as it is
        return image
    stretched = (image.astype(np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(stretched, 0, 255).astype(np.uint8)


def make_photo(image: Any, source: str) -> Photo:
    """The photo of one frame: as a page when the document camera sees one, else as it was."""
    from drivers.camera.output import jpeg_bytes

    if source == "document":
        try:
            from drivers.camera.detect import PageDetector
            from drivers.camera.output import page_file
            from drivers.camera.pipeline import scan_page

            found = PageDetector().detect(image)
            if found is not None:
                page = scan_page(image, found.corners, "auto", "colour")
                data, media = page_file(page)
                if media == "image/jpeg":
                    return Photo(data, "page", source)
        except Exception as exc:   # not a page after all: taken as a photo
            log.info("request photo: not taken as a page (%s)", type(exc).__name__)
    return Photo(jpeg_bytes(mild(image), quality=85), "photo", source)


class PhotoShot(CameraWork):
    """The live picture of one camera and, on ``take()``, one photo:
    ``on_photo(photo)`` on the flow's thread; ``on_lost()`` when no camera is
    usable or it stops giving frames while a photo is asked for."""

    name = "request-photo"

    def __init__(self, camera: Callable[[], Any], post: Post, on_photo: Callable[[Photo], Any],
                 on_lost: Callable[[], Any], source: str):
        super().__init__(camera, post)
        self.on_photo, self.on_lost, self.source = on_photo, on_lost, source
        self._take = threading.Event()

    def take(self) -> bool:
        """拍照: the next frame becomes the photo (False when no run is going)."""
        if not self.running:
            return False
        self._take.set()
        return True

    def stop(self) -> None:
        super().stop()
        self._take = threading.Event()

    def no_camera(self) -> None:
        self.on_lost()

    def work(self, camera: Any, stop: threading.Event, report: Report) -> None:
        take, seq, asked_at = self._take, 0, None
        while not stop.is_set():
            frame = camera.next_frame(seq, 0.5)
            if stop.is_set():
                return
            if take.is_set() and asked_at is None:
                asked_at = 0.0
            if frame is None:
                if asked_at is not None:
                    asked_at += 0.5
                    if asked_at >= TAKE_WAIT_SECONDS:
                        report(self.on_lost)
                        return
                continue
            seq = frame.seq
            if not take.is_set():
                continue
            try:
                photo = make_photo(frame.image, self.source)
            except Exception:
                log.exception("request photo: the frame could not be made into a photo")
                report(self.on_lost)
                return
            report(functools.partial(self.on_photo, photo))
            return   # one photo per run: the step decides what comes next
