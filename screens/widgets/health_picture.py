"""How to use a health device, drawn: a picture per item (the cuff at heart
height, standing on the scale, the tape at the navel, the thermometer before
the forehead, the finger in the clip, the strip in the meter).

Drawn with Kivy's canvas in the palette's colours (no image files to ship or
go stale); while the device measures (``active``) a ring pulses over the
part that measures, so the resident sees that something is happening.
"""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

PICTURES = ("cuff", "scale", "tape", "thermometer", "finger_clip", "strip")


class HealthPicture(Widget):
    picture = StringProperty("")
    active = BooleanProperty(False)      # measuring: the ring pulses
    phase = NumericProperty(0.0)
    palette = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._pulse: Animation | None = None
        self.bind(pos=self._draw, size=self._draw, picture=self._draw, phase=self._draw, palette=self._draw,
                  active=self._animate)

    def _animate(self, *_args: Any) -> None:
        if self._pulse is not None:
            self._pulse.cancel(self)
            self._pulse = None
        self.phase = 0.0
        if self.active:
            self._pulse = Animation(phase=1.0, duration=1.2) + Animation(phase=0.0, duration=0.0)
            self._pulse.repeat = True
            self._pulse.start(self)

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        palette = self.palette
        if palette is None or not self.picture or self.width < 10:
            return
        s = min(self.width, self.height) / 300.0          # a 300 x 300 drawing, centred
        ox, oy = self.center_x - 150 * s, self.center_y - 150 * s

        def at(x: float, y: float) -> tuple[float, float]:
            return ox + x * s, oy + y * s

        def box(x: float, y: float, w: float, h: float, r: float = 0) -> None:
            if r:
                RoundedRectangle(pos=at(x, y), size=(w * s, h * s), radius=[r * s])
            else:
                Rectangle(pos=at(x, y), size=(w * s, h * s))

        def disc(x: float, y: float, r: float) -> None:
            Ellipse(pos=at(x - r, y - r), size=(2 * r * s, 2 * r * s))

        ink, part, mark = palette.TEXT_MUTED, palette.CHART_LINE, palette.WARNING
        focus = (150.0, 150.0)
        with self.canvas:
            Color(*palette.SURFACE)
            box(0, 0, 300, 300, 24)
            if self.picture == "cuff":
                Color(*ink)
                box(20, 60, 260, 14)                       # the table
                disc(70, 215, 26)                          # the head
                box(50, 95, 40, 95, 14)                    # the body, seated
                box(85, 150, 30, 14, 6)                    # upper arm to the side
                box(110, 74, 130, 18, 8)                   # forearm on the table
                Color(*part)
                box(88, 140, 40, 34, 6)                    # the cuff at heart height
                Color(*mark)
                disc(68, 160, 8)                           # the heart, level with the cuff
                Line(points=[*at(76, 160), *at(88, 160)], width=dp(2), dash_length=4, dash_offset=4)
                focus = (108, 157)
            elif self.picture == "scale":
                Color(*ink)
                box(120, 40, 12, 230)                      # the height rod
                box(100, 262, 80, 10, 4)                   # its head bar
                disc(170, 230, 22)                         # the head
                box(150, 110, 40, 100, 14)                 # the body, standing straight
                box(152, 50, 14, 62, 6)
                box(174, 50, 14, 62, 6)
                Color(*part)
                box(110, 30, 150, 20, 8)                   # the scale's platform
                focus = (185, 40)
            elif self.picture == "tape":
                Color(*ink)
                disc(150, 250, 28)                         # the head
                Ellipse(pos=at(95, 60), size=(110 * s, 160 * s))   # the body
                Color(*part)
                box(85, 128, 130, 14, 6)                   # the tape, level at the navel
                Color(*mark)
                disc(150, 135, 5)                          # the navel
                focus = (150, 135)
            elif self.picture == "thermometer":
                Color(*ink)
                disc(100, 170, 60)                         # the head, seen from the side
                Color(*part)
                box(190, 160, 70, 26, 8)                   # the thermometer
                box(235, 110, 20, 55, 6)                   # its grip
                Color(*mark)
                Line(points=[*at(165, 173), *at(188, 173)], width=dp(2), dash_length=4, dash_offset=4)
                focus = (160, 185)
            elif self.picture == "finger_clip":
                Color(*ink)
                box(40, 60, 130, 110, 30)                  # the hand, resting
                box(160, 118, 90, 30, 14)                  # the index finger
                Color(*part)
                box(200, 105, 60, 56, 10)                  # the clip on the finger's tip
                focus = (230, 133)
            elif self.picture == "strip":
                Color(*part)
                box(60, 60, 110, 170, 18)                  # the meter
                Color(*palette.SURFACE)
                box(75, 150, 80, 60, 8)                    # its display
                Color(*ink)
                box(100, 230, 30, 45, 2)                   # the strip, inserted at the top
                box(150, 240, 100, 28, 12)                 # a finger
                Color(*mark)
                disc(130, 268, 8)                          # the drop of blood, touched to the strip
                focus = (125, 262)
            if self.active:
                Color(*mark[:3], 1.0 - self.phase)
                r = 20 + 40 * self.phase
                Line(circle=(*at(*focus), r * s), width=dp(3))
