"""A text in both languages that is not one msgid: the hut's name, today's
date, a sentence with the hut's phone number in it.  It looks like
``BilingualLabel`` (the chosen language large, the other under it, smaller);
the kv rule that uses it computes both lines (``tr(...).format(...)`` with
``app.lang`` and ``other(app.lang)``), so a language switch re-labels it live.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens import theme


class TwoLines(BoxLayout):
    first = StringProperty("")
    second = StringProperty("")          # "" for none (a name with no English form)
    font_size = NumericProperty(theme.FONT_BODY)
    second_font_size = NumericProperty(theme.FONT_BODY_SECOND)
    color = ColorProperty((0, 0, 0, 1))          # the kv rule follows the palette (app.palette.TEXT)
    second_color = ColorProperty((0, 0, 0, 1))   # and app.palette.TEXT_MUTED, unless the user sets them
    bold = BooleanProperty(False)
    halign = OptionProperty("center", options=["left", "center", "right"])


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
