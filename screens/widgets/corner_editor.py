"""Corners by touch: a frame with the page's outline and four handles to drag.

The papers step's 调整边角 shows the frame the page was taken from, scaled to
fit, the outline through the four corners and a large circle on each (its
touch area at least ``theme.MIN_TARGET`` across).  A finger pressed on a
circle drags it (the circle keeps where it was under the finger: it does
not jump to the finger's centre); while it moves, a magnifier beside the
finger shows the frame around the corner enlarged with a crosshair, since
the finger itself hides the corner.  Each move is reported as ``on_corner(i,
x, y)`` in frame pixels; the flow's view is the truth and comes back through
``corners``.

The frame is uploaded once, upside down, so that the texture's rows run the
way GL counts them: the magnifier is a region of the same texture (no copy
of the frame), and the texture goes with ``clear``.  Colours come from the
palette (both palettes): handles in PRIMARY ringed with ON_PRIMARY, a refused
outline in ERROR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
from kivy.graphics import Color, Ellipse, InstructionGroup, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, NumericProperty
from kivy.uix.widget import Widget

from screens import theme
from screens.widgets.page_view import fit

ZOOM = 2.5                        # the magnifier's enlargement of the frame as shown
HANDLE_RADIUS = theme.MIN_TARGET / 2          # a handle's circle as drawn
TOUCH_RADIUS = theme.MIN_TARGET * 0.6         # where a finger takes it (>= MIN_TARGET across)
MAGNIFIER_SIZE = theme.MIN_TARGET * 2.4       # the magnifier's side


class CornerEditor(Widget):
    """``show(frame)`` once, then ``corners`` (four [x, y] in frame pixels)
    follow the flow's view; ``refused`` draws the outline in ERROR."""

    corners = ListProperty([])
    refused = BooleanProperty(False)
    dragging = NumericProperty(-1)     # the handle under a finger, -1 when none
    magnified = BooleanProperty(False)  # the magnifier is shown (while a handle is dragged)
    frame_width = NumericProperty(0)
    frame_height = NumericProperty(0)
    moves = NumericProperty(0)          # moves reported (tests)
    # From the palette in the kv rule (a contrast switch redraws them).
    ink = ColorProperty(theme.STANDARD["PRIMARY"])
    ring = ColorProperty(theme.STANDARD["ON_PRIMARY"])
    alarm = ColorProperty(theme.STANDARD["ERROR"])

    __events__ = ("on_corner",)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.texture: Texture | None = None
        self._grab_offset = (0.0, 0.0)
        self._held: list[float] | None = None      # the dragged handle where the finger has it
        self.loupe_box: tuple[float, float, float, float] | None = None   # where the magnifier is drawn
        with self.canvas:
            Color(0.15, 0.16, 0.18, 1)
            self._back = Rectangle()
            Color(1, 1, 1, 1)
            self._picture = Rectangle()
        self._marks = InstructionGroup()
        self._loupe = InstructionGroup()
        self.canvas.after.add(self._marks)
        self.canvas.after.add(self._loupe)
        self.bind(pos=self._redraw, size=self._redraw, corners=self._redraw, refused=self._redraw,
                  dragging=self._redraw, ink=self._redraw, ring=self._redraw, alarm=self._redraw)

    # -- the frame ------------------------------------------------------------------------
    def show(self, bgr: np.ndarray) -> None:
        """The frame (BGR, rows top first) the corners are in."""
        h, w = bgr.shape[:2]
        rgb = np.flipud(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))   # GL's rows run bottom-up
        if self.texture is None or self.texture.size != (w, h):
            self.texture = Texture.create(size=(w, h), colorfmt="rgb")
        self.texture.blit_buffer(np.ascontiguousarray(rgb).tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.frame_width, self.frame_height = w, h
        self._picture.texture = self.texture
        self._redraw()

    def clear(self) -> None:
        """Drop the frame (and its texture) and the handles."""
        self.texture = None
        self._picture.texture = None
        self.frame_width = self.frame_height = 0
        self.dragging = -1
        self._held = None
        self.corners = []
        self._redraw()

    # -- frame pixels <-> the widget -------------------------------------------------------
    def _box(self) -> tuple[float, float, float, float]:
        """Where the frame is drawn: fitted inside a margin of a handle's radius,
        so a handle on the frame's edge is whole on the widget (and under a finger)."""
        m = HANDLE_RADIUS
        x, y, w, h = fit(self.frame_width, self.frame_height, max(self.width - 2 * m, 1), max(self.height - 2 * m, 1))
        return self.x + m + x, self.y + m + y, w, h

    def to_screen(self, fx: float, fy: float) -> tuple[float, float]:
        x, y, w, h = self._box()
        return x + fx * w / self.frame_width, y + h - fy * h / self.frame_height

    def to_frame(self, sx: float, sy: float) -> tuple[float, float]:
        x, y, w, h = self._box()
        sx, sy = min(max(sx, x), x + w), min(max(sy, y), y + h)   # kept on the picture
        return (sx - x) * self.frame_width / w, (y + h - sy) * self.frame_height / h

    def handle_points(self) -> list[tuple[float, float]]:
        """The handles where they are drawn (widget coordinates)."""
        if not self.frame_width or len(self.corners) != 4:
            return []
        points = [self.to_screen(*c) for c in self.corners]
        if self._held is not None and 0 <= self.dragging < 4:
            points[self.dragging] = self.to_screen(*self._held)
        return points

    # -- touches --------------------------------------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if self.disabled or not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        points = self.handle_points()
        if not points:
            return super().on_touch_down(touch)
        gaps = [np.hypot(px - touch.x, py - touch.y) for px, py in points]
        i = int(np.argmin(gaps))
        if gaps[i] > TOUCH_RADIUS:
            return True   # the picture takes the touch: nothing under it moves
        touch.grab(self)
        self._grab_offset = (points[i][0] - touch.x, points[i][1] - touch.y)
        self._held = list(self.corners[i])
        self.dragging = i
        self.magnified = True
        self._redraw()
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        self._follow(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        self._follow(touch)
        touch.ungrab(self)
        self.dragging = -1
        self._held = None
        self.magnified = False
        self._redraw()
        return True

    def _follow(self, touch: Any) -> None:
        i = self.dragging
        if not 0 <= i < 4:
            return
        fx, fy = self.to_frame(touch.x + self._grab_offset[0], touch.y + self._grab_offset[1])
        self._held = [fx, fy]
        self.moves += 1
        self.dispatch("on_corner", i, fx, fy)
        self._redraw()

    def on_corner(self, i: int, x: float, y: float) -> None:
        """A handle moved to frame pixel (x, y)."""

    # -- drawing ----------------------------------------------------------------------------
    def _redraw(self, *_args: Any) -> None:
        x, y, w, h = self._box()
        self._back.pos, self._back.size = self.pos, self.size
        self._picture.pos, self._picture.size = (x, y), (w, h)
        self._marks.clear()
        self._loupe.clear()
        self.loupe_box = None
        points = self.handle_points()
        if not points:
            return
        ink, ring = self.ink, self.ring
        line = self.alarm if self.refused else ink
        flat = [v for p in points for v in p]
        # The outline: a light halo under the palette's colour, seen on a dark tray and a white desk.
        self._marks.add(Color(*ring))
        self._marks.add(Line(points=flat, close=True, width=dp(5)))
        self._marks.add(Color(*line))
        self._marks.add(Line(points=flat, close=True, width=dp(3)))
        for i, (px, py) in enumerate(points):
            r = HANDLE_RADIUS
            self._marks.add(Color(*ink[:3], 0.85 if i == self.dragging else 0.35))
            self._marks.add(Ellipse(pos=(px - r, py - r), size=(2 * r, 2 * r)))
            self._marks.add(Color(*ring))
            self._marks.add(Line(circle=(px, py, r), width=dp(5)))
            self._marks.add(Color(*ink))
            self._marks.add(Line(circle=(px, py, r), width=dp(2.5)))
            self._marks.add(Line(circle=(px, py, dp(6)), width=dp(2)))   # the corner itself
        if self.magnified and 0 <= self.dragging < 4 and self.texture is not None:
            self._draw_loupe(points[self.dragging], w / self.frame_width)

    def _draw_loupe(self, at: Sequence[float], scale: float) -> None:
        """The frame around the dragged corner, ZOOM times as large as shown,
        beside the finger (above it, or below when there is no room)."""
        assert self.texture is not None and self._held is not None
        side = MAGNIFIER_SIZE
        span = side / (scale * ZOOM)                  # frame pixels the magnifier covers
        fx, fy = self._held
        gl_y = self.frame_height - fy                  # the texture's rows run bottom-up
        rx = min(max(fx - span / 2, 0.0), max(self.frame_width - span, 0.0))
        ry = min(max(gl_y - span / 2, 0.0), max(self.frame_height - span, 0.0))
        region = self.texture.get_region(int(rx), int(ry), int(min(span, self.frame_width)),
                                         int(min(span, self.frame_height)))
        px, py = at
        # Above the finger (a hand comes from below); where the top is too near, beside it,
        # on the side with more room: never under the hand.
        lift = HANDLE_RADIUS + theme.GAP + side / 2
        if py + lift + side / 2 <= self.top:
            cx, cy = px, py + lift
        else:
            cx = px - lift if px - self.x > self.right - px else px + lift
            cy = py
        cx = min(max(cx, self.x + side / 2), self.right - side / 2)
        cy = min(max(cy, self.y + side / 2), self.top - side / 2)
        x0, y0 = cx - side / 2, cy - side / 2
        ink, ring = self.ink, self.ring
        self._loupe.add(Color(*ring))
        self._loupe.add(Rectangle(pos=(x0 - dp(6), y0 - dp(6)),
                                  size=(side + dp(12), side + dp(12))))
        self._loupe.add(Color(1, 1, 1, 1))
        self._loupe.add(Rectangle(texture=region, pos=(x0, y0), size=(side, side)))
        # The corner's place in the magnifier (off centre where the region met the frame's edge).
        mx = x0 + (fx - rx) / span * side
        my = y0 + (gl_y - ry) / span * side
        self._loupe.add(Color(*ink))
        self._loupe.add(Line(rectangle=(x0 - dp(3), y0 - dp(3), side + dp(6),
                                        side + dp(6)), width=dp(3)))
        for width, colour in ((dp(4), ring), (dp(2), ink)):
            self._loupe.add(Color(*colour))
            self._loupe.add(Line(points=[mx, y0, mx, y0 + side], width=width))
            self._loupe.add(Line(points=[x0, my, x0 + side, my], width=width))
        self.loupe_box = (x0, y0, side, side)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
