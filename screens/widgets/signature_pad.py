"""The signing box: a finger writes, the line follows it.

A large box with a baseline; each touch that starts inside it is one stroke.
As the finger moves the line is drawn at once, smooth and of varying width
like the well-known signature pads (thinner where the finger is fast, or by
the pressure where the touch device reports one: ``touch.profile`` has
``pressure``), with the very pieces ``kiosk.filing.signature.smoothed`` gives
for the PNG the department receives, so the resident's screen and the
department's picture are the same line.  Points are kept in the box's own
coordinates (pixels, origin top-left, y down) with their time in ms; a
stroke may leave the box (its points outside are kept: the rule refuses a
signature mostly outside it).  When the finger lifts, the stroke goes to
``on_stroke(points, (width, height))``; the flow keeps the strokes, and this
widget keeps only their drawing until ``clear()``.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, InstructionGroup, Line, PopMatrix, PushMatrix, Translate
from kivy.properties import ListProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk.filing import signature as sig


class SignaturePad(Widget):
    """Events: ``on_stroke(points, box)``; ``strokes``: how many are drawn."""

    ink = ListProperty([0.1, 0.1, 0.12, 1])
    strokes = NumericProperty(0)
    scale = NumericProperty(1.0)   # pen width x this (the box is large on a large screen)

    __events__ = ("on_stroke",)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._drawing = InstructionGroup()
        self.canvas.add(self._drawing)
        self._touch: Any = None
        self._group = InstructionGroup()
        self._points: list[tuple[float, float, float, float | None]] = []
        self._origin: tuple[float, float] = (0.0, 0.0)
        self.bind(pos=self._moved, size=self._resized)

    # -- touches ----------------------------------------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if self._touch is not None or not self.collide_point(*touch.pos) or self.disabled:
            return bool(self._touch is not None and super().on_touch_down(touch))
        touch.grab(self)
        self._touch = touch
        self._points = []
        self._group = InstructionGroup()
        self._drawing.add(self._group)
        self._add(touch)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self or touch is not self._touch:
            return super().on_touch_move(touch)
        self._add(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self or touch is not self._touch:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        self._add(touch, last=True)
        points, self._points, self._touch = self._points, [], None
        self.strokes += 1
        self.dispatch("on_stroke", points, (self.width, self.height))
        return True

    def on_stroke(self, points: list[tuple[float, float, float, float | None]], box: tuple[float, float]) -> None:
        pass

    def _add(self, touch: Any, last: bool = False) -> None:
        x, y = touch.x - self.x, self.top - touch.y
        t = float(getattr(touch, "time_update", 0.0) or touch.time_start) * 1000.0
        p = float(touch.pressure) if "pressure" in getattr(touch, "profile", ()) else None
        if self._points and not last and (x, y) == self._points[-1][:2]:
            return   # no movement: nothing to draw, no point to keep
        if not (last and self._points and (x, y) == self._points[-1][:2]):
            self._points.append((x, y, t, p))
        self._draw(final=last)

    # -- drawing ----------------------------------------------------------------------------
    def _draw(self, final: bool) -> None:
        """The line's newest piece (and its end when the finger lifted)."""
        stroke = [sig.Point(x, y, round(t), p) for x, y, t, p in self._points]
        points = [(pt.x, pt.y) for pt in stroke]
        widths = sig.widths(stroke, self.scale)
        segments: list[sig.Segment] = []
        if len(points) >= 2:
            segments += sig.piece(points, widths, len(points) - 1)
        if final:
            segments += sig.tail(points, widths)
        if not segments:
            return
        self._group.add(Color(*self.ink))
        line = [c for x0, y0, x1, y1, _w in segments for c in self._to_widget(x0, y0) + self._to_widget(x1, y1)]
        width = sum(s[4] for s in segments) / len(segments)
        if len(segments) == 1 and segments[0][:2] == segments[0][2:4]:   # a dot
            line = list(self._to_widget(*segments[0][:2])) * 2
        self._group.add(Line(points=line, width=max(1.0, width / 2), cap="round", joint="round"))

    def _to_widget(self, x: float, y: float) -> tuple[float, float]:
        return (self.x + x, self.top - y)

    def _moved(self, *_args: Any) -> None:
        """The box moved on screen (a layout pass): the drawing moves with it."""
        dx, dy = self.x - self._origin[0], self.top - self._origin[1]
        self._origin = (self.x, self.top)
        if dx or dy:
            group = self._drawing
            self.canvas.remove(group)
            self._drawing = InstructionGroup()
            self._drawing.add(PushMatrix())
            self._drawing.add(Translate(dx, dy))
            self._drawing.add(group)
            self._drawing.add(PopMatrix())
            self.canvas.add(self._drawing)

    def _resized(self, *_args: Any) -> None:
        """A box of another size cannot hold the strokes drawn in the old one (the flow drops them too)."""
        self._moved()

    def clear(self) -> None:
        """Nothing drawn any more (清除, a refused try, the step left)."""
        if self._touch is not None:
            self._touch.ungrab(self)
            self._touch = None
        self._points = []
        self.canvas.remove(self._drawing)
        self._drawing = InstructionGroup()
        self.canvas.add(self._drawing)
        self._origin = (self.x, self.top)
        self.strokes = 0
