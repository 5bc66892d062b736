"""Every size, colour and font size of the kiosk in one place.

Many residents are elderly: text is large (nothing a resident must read is
under 28 sp), touch targets are big (tiles over 200 dp tall), contrast is
high, and colours are never the only signal.  kv files import this module
(``#:import theme screens.theme``) instead of scattering numbers.
"""

from __future__ import annotations

from kivy.metrics import dp, sp

# -- colours (RGBA, 0..1) -------------------------------------------------------
BACKGROUND = (0.96, 0.97, 0.98, 1)
SURFACE = (1, 1, 1, 1)
HEADER = (0.05, 0.29, 0.55, 1)          # government blue
ON_HEADER = (1, 1, 1, 1)
TEXT = (0.10, 0.10, 0.12, 1)
TEXT_MUTED = (0.30, 0.32, 0.36, 1)      # still 7:1 on white
PRIMARY = (0.05, 0.40, 0.75, 1)
ON_PRIMARY = (1, 1, 1, 1)
SECONDARY = (0.86, 0.89, 0.93, 1)
ON_SECONDARY = (0.05, 0.20, 0.40, 1)
SUCCESS = (0.06, 0.50, 0.25, 1)
WARNING = (0.80, 0.42, 0.00, 1)
SCRIM = (0, 0, 0, 0.6)
TILE_COLOURS = {
    "approval": (0.05, 0.40, 0.75, 1),
    "health": (0.06, 0.50, 0.35, 1),
    "guide": (0.45, 0.30, 0.65, 1),
    "request": (0.80, 0.36, 0.10, 1),
    "progress": (0.10, 0.45, 0.55, 1),
}
ON_TILE = (1, 1, 1, 1)

# -- font sizes ---------------------------------------------------------------
FONT_TITLE = sp(52)          # screen titles
FONT_TILE = sp(56)           # tile name in the chosen language
FONT_TILE_SECOND = sp(30)    # tile name in the other language
FONT_BODY = sp(40)           # instructions
FONT_BODY_SECOND = sp(30)
FONT_BUTTON = sp(40)
FONT_SMALL = sp(28)          # the smallest text a resident must read
FONT_COUNTDOWN = sp(160)
FONT_DATA = sp(48)           # masked name and ID on the identify screen

# -- sizes --------------------------------------------------------------------
PADDING = dp(40)
SPACING = dp(32)
HEADER_HEIGHT = dp(130)
BUTTON_HEIGHT = dp(110)
BUTTON_WIDTH = dp(420)
LANG_BUTTON_WIDTH = dp(200)
TILE_MIN_HEIGHT = dp(220)
RADIUS = dp(24)
DIALOG_WIDTH = dp(1100)
DIALOG_HEIGHT = dp(720)
