"""Pictures of a resident's papers: the live camera preview and page thumbnails.

Both keep images in memory only (a scanned ID card or certificate must not
land in a temporary file: personal data touches disk only inside the
encrypted outbox), and both reuse one texture: Kivy keeps a texture's GPU
memory until the texture object is collected, so a new ``Texture`` per
camera frame grows the process by megabytes a second.  The preview blits
each frame into the texture it already has and only makes a new one when the
frame size changes; a thumbnail is decoded from bytes with Pillow (its JPEG
draft mode decodes at a fraction of the size) straight into its texture.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty
from kivy.uix.widget import Widget
from PIL import Image

from screens import theme

OUTLINE_COLOUR = (0.10, 0.85, 0.30, 1)
OUTLINE_WAITING = (0.95, 0.60, 0.05, 1)


def fit(frame_w: float, frame_h: float, box_w: float, box_h: float) -> tuple[float, float, float, float]:
    """Offset and size of a ``frame_w x frame_h`` picture letterboxed into a box."""
    if frame_w <= 0 or frame_h <= 0 or box_w <= 0 or box_h <= 0:
        return 0.0, 0.0, 0.0, 0.0
    scale = min(box_w / frame_w, box_h / frame_h)
    w, h = frame_w * scale, frame_h * scale
    return (box_w - w) / 2, (box_h - h) / 2, w, h


class _TextureView(Widget):
    """A widget that draws one texture letterboxed, reusing it while the size holds."""

    frames = NumericProperty(0)   # how many images were shown (for the bench and tests)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.texture: Texture | None = None
        self.textures_made = 0
        with self.canvas:
            Color(1, 1, 1, 1)
            self._rect = Rectangle()
        self.bind(pos=self._place, size=self._place)

    def _blit(self, pixels: np.ndarray, colorfmt: str = "rgb") -> None:
        """Show a ``uint8`` array (rows top first) of ``colorfmt`` (rgb, or bgra
        for the camera: four bytes a pixel is what the GL driver stores, so
        the upload needs no conversion)."""
        h, w = pixels.shape[:2]
        if self.texture is None or self.texture.size != (w, h) or self.texture.colorfmt != colorfmt:
            self.texture = Texture.create(size=(w, h), colorfmt=colorfmt)
            self.texture.flip_vertical()   # image rows run top-down, GL's bottom-up
            self.textures_made += 1
            self._rect.texture = self.texture
        self.texture.blit_buffer(np.ascontiguousarray(pixels).tobytes(), colorfmt=colorfmt, bufferfmt="ubyte")
        self._rect.texture = self.texture
        self.frames += 1
        self._place()

    def _place(self, *_args) -> None:
        if self.texture is None:
            self._rect.size = (0, 0)
            return
        x, y, w, h = fit(*self.texture.size, *self.size)
        self._rect.pos = (self.x + x, self.y + y)
        self._rect.size = (w, h)

    def clear(self) -> None:
        """Drop the picture (and the texture holding it)."""
        self.texture = None
        self._rect.texture = None
        self._place()


class CameraPreview(_TextureView):
    """The live view with the detected page outline over it."""

    corners = ListProperty([])    # the page's corners in frame pixels, or [] when none is seen
    steady = NumericProperty(0)   # 1 when every quality gate passes (green outline), 0 otherwise

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._frame_size = (0, 0)
        self._scale = 1.0
        with self.canvas.after:
            self._outline_colour = Color(*OUTLINE_WAITING)
            self._outline = Line(width=theme.SPACING / 6, close=True)
        self.bind(corners=self._draw_outline, steady=self._draw_outline, pos=self._draw_outline,
                  size=self._draw_outline)

    def show(self, bgr: np.ndarray, corners: Sequence[Sequence[float]] | None = None, steady: bool = False) -> None:
        """One frame (BGR, as cameras give them) and the page outline in its pixels.

        Frames larger than the widget are shrunk first: uploading a 1080p
        frame to show it at a third of the size costs the GPU bus for nothing.
        """
        h, w = bgr.shape[:2]
        self._frame_size = (w, h)
        target = max(1.0, min(self.width, self.height * w / h)) if self.width and self.height else w
        self._scale = min(1.0, target / w)
        if self._scale < 1.0:
            small = cv2.resize(bgr, (max(1, int(w * self._scale)), max(1, int(h * self._scale))),
                               interpolation=cv2.INTER_LINEAR)
        else:
            small = bgr
        self._blit(cv2.cvtColor(small, cv2.COLOR_BGR2BGRA), "bgra")
        self.steady = 1 if steady else 0
        self.corners = [list(map(float, c)) for c in corners] if corners is not None else []

    def _draw_outline(self, *_args) -> None:
        w, h = self._frame_size
        if not self.corners or not w:
            self._outline.points = []
            return
        x0, y0, fw, fh = fit(w, h, *self.size)
        sx, sy = fw / w, fh / h
        points: list[float] = []
        for cx, cy in self.corners:
            points += [self.x + x0 + cx * sx, self.y + y0 + fh - cy * sy]   # image y runs down
        self._outline.points = points
        self._outline_colour.rgba = OUTLINE_COLOUR if self.steady else OUTLINE_WAITING

    def clear(self) -> None:
        self.corners = []
        self._frame_size = (0, 0)
        super().clear()


class PageThumbnail(_TextureView):
    """One scanned page, from its encoded bytes (JPEG or PNG), small."""

    def show_bytes(self, data: bytes, longest: int = 400) -> None:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (longest, longest))   # JPEG: decode at 1/2, 1/4 or 1/8 size
            small = image.convert("RGB")
            small.thumbnail((longest, longest))
            self._blit(np.asarray(small))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
