"""Labels, buttons and tiles that show a text in both languages.

They take a msgid, not a text: the translation happens in their kv rule with
``app.lang`` in the expression, so a language switch re-labels them live.
Their colours come from ``app.palette`` in the kv rules the same way (the
defaults here are only what a widget has before its rules apply).
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from screens import theme


class BilingualLabel(BoxLayout):
    msgid = StringProperty("")
    font_size = NumericProperty(theme.FONT_BODY)
    second_font_size = NumericProperty(theme.FONT_BODY_SECOND)
    color = ColorProperty(theme.STANDARD["TEXT"])
    second_color = ColorProperty(theme.STANDARD["TEXT_MUTED"])
    bold = BooleanProperty(False)
    halign = OptionProperty("center", options=["left", "center", "right"])
    show_second = BooleanProperty(True)
    scales = BooleanProperty(True)     # grows with large text (the frame's own words do not)


class BigButton(Button):
    msgid = StringProperty("")
    primary = BooleanProperty(False)   # the screen's one main action: filled in PRIMARY
    tint = ColorProperty(theme.STANDARD["SECONDARY"])
    ink = ColorProperty(theme.STANDARD["ON_SECONDARY"])
    scales = BooleanProperty(True)     # grows with large text (the frame's own buttons do not)
    base_font_size = NumericProperty(theme.FONT_BUTTON)   # at normal text (the frame's: smaller in a narrow window)

    @staticmethod
    def label_markup(first: str, second: str, font_size: float) -> str:
        """``继续`` over a smaller ``Continue`` (never under the theme's
        smallest text); markup-escaped because translations may contain
        ``[`` or ``&``."""
        from kivy.utils import escape_markup

        small = max(int(font_size * theme.FONT_BUTTON_SECOND / theme.FONT_BUTTON), int(theme.FONT_SMALL))
        return f"{escape_markup(first)}\n[size={small}]{escape_markup(second)}[/size]"


class ServiceTile(ButtonBehavior, BoxLayout):
    key = StringProperty("")
    msgid = StringProperty("")
    tint = ColorProperty(theme.STANDARD["PRIMARY"])


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
