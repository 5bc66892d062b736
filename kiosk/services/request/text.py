"""The request's description: what may be in it and how long it may be.

A resident types it on the pinyin keyboard and taps common phrases; a relative
may paste nothing (there is no clipboard), but the text also comes through the
terminal's intents from tests and tools, so the rules are here and not in the
keyboard: at most ``MAX_CHARS`` characters, no control characters, and only
characters the hut's screen and the platform's GBK-speaking departments can
show (an emoji or a private-use glyph is taken out, and the resident is told).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_CHARS = 500


@dataclass(frozen=True)
class Cleaned:
    text: str
    stripped: bool      # something was taken out (emoji, control characters)


def _allowed(ch: str) -> bool:
    if ch == "\n":
        return True
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return False
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def clean(text: str) -> Cleaned:
    """The text with what cannot be shown or sent taken out (tabs count as spaces)."""
    text = text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if _allowed(ch))
    return Cleaned(kept, kept != text)


def blank(text: str) -> bool:
    """Nothing but spaces (any width, the ideographic space too) and line breaks."""
    return not text.strip()


def count(text: str) -> int:
    """What the screen counts: characters, as the resident sees them."""
    return len(text)
