"""The platform's own words on screen: a matter's name is catalog data in
Chinese and English (not a msgid); the resident's language goes first."""

from __future__ import annotations

from typing import Any


def matter_label(matter: Any, lang: str) -> str:
    """A matter's name in ``lang`` over the other one, and its department."""
    first, second = (matter.name_en, matter.name) if lang == "en" and matter.name_en else (matter.name, matter.name_en)
    return "\n".join(part for part in (first, second) if part)
