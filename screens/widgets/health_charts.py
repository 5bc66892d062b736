"""A health result's scale and a resident's trend, drawn.

``ResultBand``: the scale's bands side by side, each with its words, the
value's band outlined and marked with a ▼ over it; the words and the marker
say where the value lies, the colour (normal, high, low) only repeats it.

``TrendChart``: earlier results of one kind (blood pressure's two lines, or
weight, or glucose) as points joined by a line, dated at both ends, the
newest value written beside its point.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import dp
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from screens import theme


class ResultBand(Widget):
    bands = ListProperty([])         # [(flag, label_zh, label_en)], rising
    index = NumericProperty(0)       # the value's band
    lang = StringProperty("zh_CN")
    palette = ObjectProperty(None, allownone=True)
    scale = NumericProperty(1.0)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._labels: list[Label] = []
        self.bind(pos=self._draw, size=self._draw, bands=self._draw, index=self._draw, lang=self._draw,
                  palette=self._draw, scale=self._draw)

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        for label in self._labels:
            self.remove_widget(label)
        self._labels = []
        palette, bands = self.palette, list(self.bands)
        if palette is None or not bands or self.width < 10:
            return
        gap = dp(4)
        width = (self.width - gap * (len(bands) - 1)) / len(bands)
        marker = theme.FONT_SMALL * self.scale
        height = self.height - marker * 1.4
        colours = {"normal": palette.BAND_NORMAL, "high": palette.BAND_HIGH, "low": palette.BAND_LOW}
        with self.canvas:
            for i, (flag, _zh, _en) in enumerate(bands):
                x = self.x + i * (width + gap)
                Color(*colours.get(flag, palette.BAND_HIGH))
                Rectangle(pos=(x, self.y), size=(width, height))
                if i == self.index:
                    Color(*palette.TEXT)
                    Line(rectangle=(x + dp(2), self.y + dp(2), width - dp(4), height - dp(4)), width=dp(3))
        font = self._band_font([zh if self.lang == "zh_CN" else en for _flag, zh, en in bands], width - dp(8))
        for i, (_flag, zh, en) in enumerate(bands):
            x = self.x + i * (width + gap)
            words = zh if self.lang == "zh_CN" else en
            label = Label(text=words, bold=i == self.index, color=palette.TEXT, halign="center", valign="middle",
                          font_size=font, pos=(x, self.y), size=(width, height),
                          text_size=(width - dp(8), height))
            self.add_widget(label)
            self._labels.append(label)
            if i == self.index:
                arrow = Label(text="▼", color=palette.TEXT, font_size=marker, pos=(x, self.y + height),
                              size=(width, marker * 1.4))
                self.add_widget(arrow)
                self._labels.append(arrow)


    def _band_font(self, texts: list[str], room: float) -> float:
        """Large text's size, unless a word of a band would not fit its width
        (Kivy breaks such a word: "temperatur / e"); then the smallest size a
        resident reads, for every band alike."""
        from kivy.core.text import Label as CoreLabel

        font = theme.FONT_SMALL * self.scale
        for word in {w for text in texts for w in text.split()}:
            measured = CoreLabel(text=word, font_size=font, bold=True)
            measured.refresh()
            if measured.content_width > room:
                return float(theme.FONT_SMALL)
        return float(font)


class TrendChart(Widget):
    """``series``: [(label, [(date_text, value), ...])], one line each (at most two)."""

    series = ListProperty([])
    unit = StringProperty("")
    palette = ObjectProperty(None, allownone=True)
    scale = NumericProperty(1.0)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._labels: list[Label] = []
        self.bind(pos=self._draw, size=self._draw, series=self._draw, palette=self._draw, scale=self._draw)

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        for label in self._labels:
            self.remove_widget(label)
        self._labels = []
        palette = self.palette
        lines = [(name, list(points)) for name, points in self.series if points]
        if palette is None or not lines or self.width < 10:
            return
        values = [v for _n, points in lines for _d, v in points]
        lo, hi = min(values), max(values)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        pad = (hi - lo) * 0.15
        lo, hi = lo - pad, hi + pad
        font = theme.FONT_SMALL * self.scale
        left, right = self.x + dp(12), self.right - dp(180) * self.scale
        bottom, top = self.y + font * 1.6, self.top - dp(12)

        def y_of(v: float) -> float:
            return bottom + (v - lo) / (hi - lo) * (top - bottom)

        with self.canvas:
            Color(*palette.TEXT_MUTED)
            Line(points=[left, bottom, right, bottom], width=dp(1.5))
        for n, (name, points) in enumerate(lines):
            count = len(points)
            xs = [left + (right - left) * (i / (count - 1) if count > 1 else 0.5) for i in range(count)]
            ys = [y_of(v) for _d, v in points]
            with self.canvas:
                Color(*(palette.CHART_LINE if n == 0 else palette.WARNING))
                if count > 1:
                    Line(points=[c for xy in zip(xs, ys) for c in xy], width=dp(3) if n == 0 else dp(2.5),
                         dash_length=0 if n == 0 else 10, dash_offset=0 if n == 0 else 6)
                for x, y in zip(xs, ys):
                    Line(circle=(x, y, dp(7)), width=dp(3))
            newest = Label(text=f"{name} {points[-1][1]:g}", color=palette.TEXT, font_size=font, bold=True,
                           halign="left", valign="middle", pos=(right + dp(10), ys[-1] - font),
                           size=(dp(180) * self.scale, font * 2), text_size=(dp(180) * self.scale, None))
            self.add_widget(newest)
            self._labels.append(newest)
        first, last = lines[0][1][0][0], lines[0][1][-1][0]
        for text, x, align in ((first, left, "left"), (last, right - dp(200), "right")):
            label = Label(text=str(text), color=palette.TEXT_MUTED, font_size=font, halign=align, valign="bottom",
                          pos=(x, self.y), size=(dp(200), font * 1.5), text_size=(dp(200), None))
            self.add_widget(label)
            self._labels.append(label)
