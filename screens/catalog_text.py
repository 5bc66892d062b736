"""Catalog text on screen: the platform's own Chinese and English words (not msgids).

A matter's name, a field's label or a paper's name comes from the catalog in
both languages; the resident's chosen language goes first, the other under it.
"""

from __future__ import annotations


def bilingual(first: str, second: str, lang: str) -> str:
    """Chinese over English, or English first when the resident chose it."""
    if not second:
        return first
    return f"{second}\n{first}" if lang == "en" else f"{first}\n{second}"


def pick(zh: str, en: str, lang: str) -> str:
    """One catalog text in the resident's language: the English when they chose
    English and the catalog has it, else the Chinese (a missing translation
    shows Chinese alone, decided per text, never a half-translated line)."""
    return en if lang == "en" and en else zh
