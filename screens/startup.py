"""Before and around the app: Kivy's window settings and the text scale.

``configure_kivy`` must run before ``kivy.core.window`` is first imported
(Kivy reads its window settings then); ``screens.app.main``, the demo, the UI
probes and the UI benchmark call it first.
"""

from __future__ import annotations

import logging

from kivy.config import Config

from kiosk.config import Settings
from screens import fonts, i18n

log = logging.getLogger(__name__)


def theme_scale(large_text: bool) -> float:
    from screens import theme

    return theme.LARGE_TEXT_SCALE if large_text else 1.0


def configure_kivy(settings: Settings) -> None:
    """Window settings and the CJK default font, before the window exists.

    Escape never exits (a resident leaning on a keyboard must not kill the
    kiosk), the mouse cannot fake multitouch (a right click would leave red
    dots), and the cursor is hidden unless the config shows it.
    """
    screen = settings.screen
    Config.set("graphics", "fullscreen", "auto" if screen.fullscreen else "0")
    Config.set("graphics", "width", str(screen.width))
    Config.set("graphics", "height", str(screen.height))
    Config.set("graphics", "show_cursor", "1" if screen.show_cursor else "0")
    Config.set("graphics", "resizable", "0" if screen.fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    fonts.register_default_font()
    fonts.remember_text_extents()
    try:  # compile now if stale; translations() falls back to memory otherwise
        i18n.compile_catalogs()
    except OSError as exc:
        log.warning("cannot compile translations in place (%s); compiling in memory", exc)
    for lang in i18n.LANGUAGES:
        i18n.translations(lang)  # a broken catalog stops the start, not a resident
