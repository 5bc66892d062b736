"""Translations of everything a resident reads (gettext catalogs, compiled with Babel).

Message ids are English; ``locale/zh_CN/LC_MESSAGES/kiosk.po`` holds the
Chinese.  kv rules call ``tr("Self-service", app.lang)``: naming ``app.lang``
in the expression makes Kivy re-evaluate it when the language switch changes
``app.lang``, so every label re-labels itself live without a registry of
widgets to refresh.

``python -m screens.i18n`` compiles the catalogs (the Makefile calls it); the
app also compiles lazily at start when a ``.mo`` is missing or older than its
``.po``, and falls back to an in-memory catalog when the package folder is
read-only.
"""

from __future__ import annotations

import argparse
import gettext
import io
import logging
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kiosk"
LANGUAGES = ("zh_CN", "en")   # same values as settings.screen.language
SOURCE_LANGUAGE = "en"        # msgids are English: no catalog needed
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}

_cache: dict[str, gettext.NullTranslations] = {}


def _po_files(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _mo_bytes(po: Path) -> bytes:
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parent.parent.name)
    problems = [f"{msg.id!r}: {'; '.join(map(str, errors))}" for msg, errors in catalog.check()]
    if problems:
        raise ValueError(f"{po}: " + " | ".join(problems))
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def needs_compile(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogs(locale_dir: Path = LOCALE_DIR, force: bool = False) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or stale; return the ``.mo`` files written."""
    written = []
    for po in _po_files(locale_dir):
        if force or needs_compile(po):
            mo = po.with_suffix(".mo")
            data = _mo_bytes(po)
            tmp = mo.with_suffix(".mo.tmp")
            tmp.write_bytes(data)
            tmp.replace(mo)
            written.append(mo)
    return written


def translations(lang: str, locale_dir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The catalog for ``lang`` (cached); English is the identity."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    cached = _cache.get(lang)
    if cached is not None:
        return cached
    if lang == SOURCE_LANGUAGE:
        result = gettext.NullTranslations()
    else:
        po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if needs_compile(po):
            try:
                compile_catalogs(locale_dir)
            except OSError as exc:  # read-only install: translate from memory
                log.warning("cannot write %s (%s); using the catalog from memory", mo, exc)
                result = gettext.GNUTranslations(io.BytesIO(_mo_bytes(po)))
                _cache[lang] = result
                return result
        with mo.open("rb") as fh:
            result = gettext.GNUTranslations(fh)
    _cache[lang] = result
    return result


def tr(msgid: str, lang: str) -> str:
    """``msgid`` in ``lang``.  kv rules pass ``app.lang`` so the label follows the switch.
    The empty msgid is the empty text (gettext would give the catalog's header)."""
    return translations(lang).gettext(msgid) if msgid else ""


def other_language(lang: str) -> str:
    """The second language shown under the first (Chinese first, English second)."""
    return "en" if lang == "zh_CN" else "zh_CN"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.i18n",
                                     description="Compile the kiosk's gettext catalogs (.po -> .mo).")
    parser.add_argument("--force", action="store_true", help="recompile even when the .mo is up to date")
    args = parser.parse_args(argv)
    try:
        written = compile_catalogs(force=args.force)
    except (ValueError, OSError) as exc:
        print(f"screens.i18n: {exc}", file=sys.stderr)
        return 2
    for mo in written:
        print(f"compiled {mo}")
    if not written:
        print("catalogs up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
