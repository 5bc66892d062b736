"""Every size, colour and font size of the kiosk in one place.

Many residents are elderly (适老化): nothing a resident must read is under
32 px, every touch target is at least 96 px tall with at least 16 px between
targets, and every text colour on its background has a contrast of at least
7:1 (WCAG AAA), in the standard palette and in the high-contrast one.
``CONTRAST_PAIRS`` names each text-on-background pair the kv files use;
tests/screens/test_theme_contrast.py computes their contrast in both palettes
from the values here (reading this file as text, without Kivy).

Font sizes are the sizes at normal text; kv rules multiply them by
``app.text_scale`` (1, or ``LARGE_TEXT_SCALE`` in large-text mode), so the
switch on every screen re-sizes every text live.  kv files import this module
(``#:import theme screens.theme``) instead of scattering numbers.
"""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp, sp

# -- colours (RGBA, 0..1) -------------------------------------------------------
# Two palettes with the same names: the standard one and the high-contrast one
# (black background, yellow and white text, as the government sites' 关怀模式
# and accessibility modes show it), switched by the frame's 高对比 switch.  kv
# rules read a colour as ``app.palette.TEXT``: ``app.palette`` is a Kivy
# property, so the switch recolours every screen live.  Each value here is a
# literal (tests/screens/test_theme_contrast.py reads them without Kivy).
STANDARD = {
    "BACKGROUND": (0.96, 0.97, 0.98, 1),
    "SURFACE": (1, 1, 1, 1),
    "HEADER": (0.05, 0.29, 0.55, 1),         # government blue
    "ON_HEADER": (1, 1, 1, 1),
    "HEADING": (0.05, 0.29, 0.55, 1),        # a heading's text on the background
    "TOOLBAR": (0.86, 0.89, 0.93, 1),        # the row of 返回 / 首页 / toggles
    "TEXT": (0.10, 0.10, 0.12, 1),
    "TEXT_MUTED": (0.30, 0.32, 0.36, 1),
    "PRIMARY": (0.03, 0.28, 0.55, 1),        # the one main action of a screen
    "ON_PRIMARY": (1, 1, 1, 1),
    "SECONDARY": (0.86, 0.89, 0.93, 1),
    "ON_SECONDARY": (0.05, 0.20, 0.40, 1),
    "OUTLINE": (0.05, 0.20, 0.40, 1),        # a button's or a field's outline
    "TOGGLE_ON": (0.05, 0.20, 0.40, 1),      # a switched-on toggle: dark, its words say "on"
    "ON_TOGGLE_ON": (1, 1, 1, 1),
    "SUCCESS": (0.02, 0.36, 0.16, 1),
    "WARNING": (0.55, 0.20, 0.00, 1),        # used as text: dark enough for 7:1
    "ERROR": (0.62, 0.06, 0.06, 1),
    "SCROLL_BAR": (0.05, 0.20, 0.40, 0.75),  # always shown where a list scrolls
    "SCRIM": (0, 0, 0, 0.6),
    "CALL_STAFF": (0.55, 0.20, 0.00, 1),     # 呼叫工作人员: warm, unlike every other header button
    "ON_CALL_STAFF": (1, 1, 1, 1),
    "TILE_COLOURS": {
        "approval": (0.03, 0.28, 0.55, 1),
        "health": (0.02, 0.34, 0.22, 1),
        "guide": (0.33, 0.18, 0.52, 1),
        "request": (0.58, 0.20, 0.02, 1),
        "progress": (0.02, 0.31, 0.38, 1),
    },
    "ON_TILE": (1, 1, 1, 1),
    "TILE_OUTLINE": (1, 1, 1, 0),           # none: the tiles' own colours set them apart
    # A health result's scale: light bands under dark words (the words and a marker
    # say where the value lies; the colour only repeats it).
    "BAND_NORMAL": (0.82, 0.93, 0.84, 1),
    "BAND_HIGH": (0.99, 0.86, 0.72, 1),
    "BAND_LOW": (0.80, 0.88, 0.98, 1),
    "CHART_LINE": (0.03, 0.28, 0.55, 1),     # a trend's line (today's point in WARNING)
}
HIGH_CONTRAST = {
    "BACKGROUND": (0, 0, 0, 1),
    "SURFACE": (0.10, 0.10, 0.10, 1),
    "HEADER": (0.14, 0.14, 0.14, 1),
    "ON_HEADER": (1, 1, 0, 1),
    "HEADING": (1, 1, 0, 1),
    "TOOLBAR": (0.14, 0.14, 0.14, 1),
    "TEXT": (1, 1, 1, 1),
    "TEXT_MUTED": (0.85, 0.85, 0.85, 1),
    "PRIMARY": (1, 1, 0, 1),                 # the main action: yellow, black words
    "ON_PRIMARY": (0, 0, 0, 1),
    "SECONDARY": (0.20, 0.20, 0.20, 1),
    "ON_SECONDARY": (1, 1, 0, 1),
    "OUTLINE": (1, 1, 0, 1),
    "TOGGLE_ON": (1, 1, 1, 1),               # switched on: white, black words
    "ON_TOGGLE_ON": (0, 0, 0, 1),
    "SUCCESS": (0.45, 1, 0.45, 1),
    "WARNING": (1, 0.72, 0.25, 1),
    "ERROR": (1, 0.62, 0.62, 1),
    "SCROLL_BAR": (1, 1, 0, 0.9),
    "SCRIM": (0, 0, 0, 0.8),
    "CALL_STAFF": (1, 0.72, 0.25, 1),        # warm again: amber, black words
    "ON_CALL_STAFF": (0, 0, 0, 1),
    "TILE_COLOURS": {
        "approval": (0.10, 0.10, 0.10, 1),
        "health": (0.10, 0.10, 0.10, 1),
        "guide": (0.10, 0.10, 0.10, 1),
        "request": (0.10, 0.10, 0.10, 1),
        "progress": (0.10, 0.10, 0.10, 1),
    },
    "ON_TILE": (1, 1, 0, 1),
    "TILE_OUTLINE": (1, 1, 0, 1),            # dark tiles on black: a yellow edge shows each
    "BAND_NORMAL": (0.0, 0.22, 0.05, 1),
    "BAND_HIGH": (0.30, 0.12, 0.0, 1),
    "BAND_LOW": (0.0, 0.10, 0.30, 1),
    "CHART_LINE": (1, 1, 0, 1),
}
PALETTES = {"standard": STANDARD, "high_contrast": HIGH_CONTRAST}

# (text, background) pairs as they appear on screen, by name in each palette;
# "TILE_COLOURS.<key>" for a tile.  Every pair must reach MIN_CONTRAST in every palette.
CONTRAST_PAIRS = (
    ("TEXT", "BACKGROUND"), ("TEXT", "SURFACE"), ("TEXT_MUTED", "BACKGROUND"), ("TEXT_MUTED", "SURFACE"),
    ("ON_HEADER", "HEADER"), ("HEADING", "BACKGROUND"), ("HEADING", "SURFACE"), ("TEXT", "TOOLBAR"),
    ("ON_PRIMARY", "PRIMARY"), ("ON_SECONDARY", "SECONDARY"), ("TEXT", "SECONDARY"),
    ("ON_TOGGLE_ON", "TOGGLE_ON"), ("ON_CALL_STAFF", "CALL_STAFF"), ("SUCCESS", "BACKGROUND"), ("SUCCESS", "SURFACE"),
    ("WARNING", "BACKGROUND"), ("WARNING", "SURFACE"), ("ERROR", "BACKGROUND"), ("ERROR", "SURFACE"),
    ("ON_TILE", "TILE_COLOURS.approval"), ("ON_TILE", "TILE_COLOURS.health"),
    ("ON_TILE", "TILE_COLOURS.guide"), ("ON_TILE", "TILE_COLOURS.request"),
    ("ON_TILE", "TILE_COLOURS.progress"), ("TEXT", "BAND_NORMAL"), ("TEXT", "BAND_HIGH"), ("TEXT", "BAND_LOW"),
)
MIN_CONTRAST = 7.0

# -- accessibility limits (checked by the layout test on the widget tree) --------
MIN_TEXT = sp(32)            # body text
MIN_TARGET = dp(96)          # a touch target's height
MIN_GAP = dp(16)             # between two touch targets
LARGE_TEXT_SCALE = 1.25

# -- font sizes (at normal text; kv multiplies by app.text_scale) ------------------
FONT_TITLE = sp(52)          # screen titles
FONT_TILE = sp(56)           # tile name in the chosen language
FONT_TILE_SECOND = sp(32)    # tile name in the other language
FONT_BODY = sp(40)           # instructions
FONT_BODY_SECOND = sp(32)
FONT_BUTTON = sp(40)
FONT_BUTTON_SECOND = sp(32)  # the other language's line on a button
FONT_SMALL = sp(32)          # the smallest text a resident must read
FONT_COUNTDOWN = sp(160)
FONT_DATA = sp(48)           # masked name and ID on the identify screen
FONT_KEY = sp(56)            # a letter on the on-screen keyboard

# -- sizes --------------------------------------------------------------------
PADDING = dp(40)
SPACING = dp(32)
GAP = dp(20)                 # between buttons in a row (>= MIN_GAP)
HEADER_HEIGHT = dp(130)
BUTTON_HEIGHT = dp(110)
BUTTON_WIDTH = dp(420)
ONE_ROW_MIN_WIDTH = dp(1600)  # narrower than this, the frame's header takes two rows
HEADING_MIN_WIDTH = dp(360)  # the title beside the frame's buttons (it wraps): the switches that leave it less go behind 更多设置
TOOL_BUTTON_WIDTH = dp(170)  # 返回 / 首页 / toggles: at least this wide, wider when their words need it
KEY_SIZE = dp(104)           # a key of the letter keyboard
LANG_BUTTON_WIDTH = dp(200)
TILE_MIN_HEIGHT = dp(220)
RADIUS = dp(24)
SCROLL_BAR_WIDTH = dp(20)    # always shown where content scrolls: wide enough to see and to drag
SCROLL_BAR_GAP = dp(12)      # between the content and the bar
DIALOG_WIDTH = dp(1000)
DIALOG_HEIGHT = dp(760)
THUMB_HEIGHT = dp(198)       # a scanned page's thumbnail on the review (3:4)


class Palette:
    """One palette's colours as attributes (``palette.TEXT``), for kv rules
    (``app.palette.TEXT``); ``name`` is its key in ``PALETTES``."""

    def __init__(self, name: str):
        self.name = name
        self._colours: dict[str, Any] = {key: dict(value) if isinstance(value, dict) else tuple(value)
                                         for key, value in PALETTES[name].items()}

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_colours"][key]
        except KeyError:
            raise AttributeError(f"the palette has no colour {key!r}") from None

    def __repr__(self) -> str:
        return f"Palette({self.name!r})"

    def tile(self, key: str) -> tuple:
        """A service tile's colour (the main action's for a service without its own)."""
        return tuple(self.TILE_COLOURS.get(key, self.PRIMARY))


def palette(high_contrast: bool) -> Palette:
    return _PALETTE_OBJECTS["high_contrast" if high_contrast else "standard"]


_PALETTE_OBJECTS = {name: Palette(name) for name in PALETTES}
