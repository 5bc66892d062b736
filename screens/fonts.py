"""Finding a font that has Chinese, and making it Kivy's default.

Kivy's bundled Roboto has no CJK glyphs: every Chinese character would render
as an empty box (tofu).  The font is registered under Kivy's default font name
before the first widget is built, so every Label, Button and TextInput gets it
without each kv rule naming a font.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

# Simplified-Chinese faces first: the index-0 face of the Noto CJK .ttc is the
# Japanese variant, whose glyph shapes differ from what residents read.
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
_GLOBS = ("/usr/share/fonts/**/*wqy*microhei*.tt[cf]", "/usr/share/fonts/**/*NotoSans*SC*-Regular.[ot]t[fc]",
          "/usr/share/fonts/**/*NotoSansCJK*-Regular.tt[cf]", "/usr/share/fonts/**/*wqy*.tt[cf]")

ENV_VAR = "KIOSK_CJK_FONT"


def find_cjk_font() -> Path:
    """The path of a font with Simplified Chinese glyphs.

    Order: ``$KIOSK_CJK_FONT`` (a site may ship its own), the known Debian
    paths, a search of /usr/share/fonts, then fontconfig's answer for zh-cn.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        if Path(override).is_file():
            return Path(override)
        raise KioskError(f"{ENV_VAR}={override}: no such font file")
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    for pattern in _GLOBS:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return Path(hits[0])
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            out = subprocess.run([fc_match, "-f", "%{file}", ":lang=zh-cn"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        # fontconfig answers with *some* font even when none covers Chinese.
        if out and Path(out).is_file() and _covers_chinese(out):
            return Path(out)
    raise KioskError("no font with Chinese characters found: install fonts-wqy-microhei or "
                     f"fonts-noto-cjk (apt-get install fonts-wqy-microhei), or set {ENV_VAR}")


def _covers_chinese(path: str) -> bool:
    fc_query = shutil.which("fc-query")
    if not fc_query:
        return False
    try:
        out = subprocess.run([fc_query, "-f", "%{lang}\n", path], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "zh-cn" in out


def register_default_font(path: Path | None = None) -> Path:
    """Make the CJK font Kivy's default (regular and bold slots alike: the
    Chinese faces we ship have no separate bold file)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = path or find_cjk_font()
    LabelBase.register(DEFAULT_FONT, str(path), str(path), str(path), str(path))
    return path


def registered_default_font() -> str:
    """The regular file behind Kivy's default font name (for checks and tests)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    return LabelBase._fonts[DEFAULT_FONT][0]  # Kivy keeps no public accessor


# How many (font, text) widths remember_text_extents keeps before it starts afresh.
EXTENTS_KEPT = 50_000


def remember_text_extents() -> None:
    """Let Kivy's SDL2 text provider remember the size of a text in a font.

    Kivy lays out a label's words by asking SDL_ttf the width of growing runs
    of text (``get_extents``), again at every re-layout: a text-size or
    language switch re-lays every label of every screen.  In the layout probe
    that was a million calls and a fifth of its CPU time for a few thousand
    distinct strings.  Kivy's own font cache is keyed by the same options
    (``_get_font_id``: size, face, bold, italic, underline, strikethrough), so a
    width remembered under that key is the width SDL_ttf would measure again.
    Kivy has no switch for this, hence the wrapper; it is bounded
    (``EXTENTS_KEPT``) and holds no more than the words on the screens."""
    from kivy.core.text import Label as CoreLabel

    if getattr(CoreLabel, "_extents_remembered", False) or CoreLabel.__name__ != "LabelSDL2":
        return
    measure = CoreLabel.get_extents
    known: dict[tuple[str, str], tuple[int, int]] = {}

    def get_extents(label: Any, text: str) -> tuple[int, int]:
        key = (label._get_font_id(), text)
        size = known.get(key)
        if size is None:
            if len(known) >= EXTENTS_KEPT:
                known.clear()
            size = known[key] = measure(label, text)
        return size

    CoreLabel.get_extents = get_extents
    CoreLabel._extents_remembered = True
    CoreLabel._extents_measured = measure   # SDL_ttf's own answer (tests compare)
