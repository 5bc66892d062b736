"""Printer profiles: what a given hut printer understands.

Chinese printers differ in the one place python-escpos cannot know about:
which multi-byte encoding their resident font expects (GB18030, GBK, Big5 or
UTF-8), whether Chinese mode has to be switched on with FS & (and off with
FS .), and whether there is a Chinese font at all.  A profile records that,
plus paper width and the cut command, so the config names a profile and
overrides single options instead of repeating everything.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from drivers.base import OptionError

ENCODINGS = ("gb18030", "gbk", "big5", "utf-8")
CUTS = ("full", "partial", "none")
PAPER = {58: (384, 32), 80: (576, 48)}  # mm -> (dots, columns of 12-dot font A)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    paper_mm: int = 80
    dots: int = 576
    columns: int = 48
    encoding: str = "gb18030"
    chinese_mode: bool = True      # wrap Chinese in FS & ... FS .
    cut: str = "full"
    cut_feed: int = 4              # lines fed so the cut is below the last line
    image_fallback: bool = False   # Chinese text as a raster image (no Chinese font)
    qr_native: bool = True         # GS ( k; else python-escpos sends the QR as an image
    escpos_profile: str = "default"  # python-escpos capability profile

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


BUILTIN: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("generic80-cn", "generic 80 mm Chinese thermal printer (GB18030 font, FS & mode)"),
        Profile("epson80-image", "Epson-style 80 mm printer without a Chinese font: Chinese as raster image",
                dots=512, columns=42, encoding="gb18030", chinese_mode=False, cut="partial",
                image_fallback=True, escpos_profile="TM-T88V"),
        Profile("generic58-cn", "generic 58 mm Chinese thermal printer (GBK font, no cutter)",
                paper_mm=58, dots=384, columns=32, encoding="gbk", cut="none"),
    )
}
DEFAULT_PROFILE = "generic80-cn"

_BOOL_OPTIONS = ("chinese_mode", "image_fallback", "qr_native")


def check_profile_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the profile part of a printer's options; unknown keys are
    left to the caller.  Returns the normalised profile options."""
    out: dict[str, Any] = {}
    name = options.get("profile", DEFAULT_PROFILE)
    if name not in BUILTIN:
        raise OptionError("profile", "one of " + ", ".join(sorted(BUILTIN)))
    out["profile"] = name
    if "paper_width" in options:
        width = options["paper_width"]
        if isinstance(width, str):
            width = width.removesuffix("mm").strip()
            width = int(width) if width.isdigit() else width
        if width not in PAPER:
            raise OptionError("paper_width", "58 or 80 (millimetres)")
        out["paper_width"] = width
    if "encoding" in options:
        enc = str(options["encoding"]).lower().replace("_", "-")
        enc = {"utf8": "utf-8", "cp936": "gbk", "cp950": "big5"}.get(enc, enc)
        if enc not in ENCODINGS:
            raise OptionError("encoding", "one of " + ", ".join(ENCODINGS))
        out["encoding"] = enc
    if "cut" in options:
        if options["cut"] not in CUTS:
            raise OptionError("cut", "one of " + ", ".join(CUTS))
        out["cut"] = options["cut"]
    for key in _BOOL_OPTIONS:
        if key in options:
            if not isinstance(options[key], bool):
                raise OptionError(key, "true or false")
            out[key] = options[key]
    for key, low, high in (("dots", 128, 1024), ("columns", 16, 96), ("cut_feed", 0, 20)):
        if key in options:
            value = options[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise OptionError(key, f"an integer from {low} to {high}")
            out[key] = value
    _check_grid(out)
    return out


def _check_grid(opts: Mapping[str, Any]) -> None:
    """Slips are laid out in columns of the 12-dot font A: more columns than
    the paper has room for would run every full line off the right edge (and
    squeeze the image fallback's glyphs).  Blame the key the config set."""
    base = BUILTIN[opts["profile"]]
    width = opts.get("paper_width", base.paper_mm)
    dots, columns = PAPER[width] if width != base.paper_mm else (base.dots, base.columns)  # as resolve() does
    dots, columns = opts.get("dots", dots), opts.get("columns", columns)
    if columns * 12 > dots:
        key = next((k for k in ("columns", "dots", "paper_width") if k in opts), "columns")
        raise OptionError(key, f"a paper grid that fits: {columns} columns of the 12-dot font need "
                               f"{columns * 12} dots, the paper has {dots} (at most {dots // 12} columns)")


PROFILE_KEYS = frozenset({"profile", "paper_width", "encoding", "cut", "dots", "columns", "cut_feed",
                          *_BOOL_OPTIONS})


def resolve(options: Mapping[str, Any] | None = None) -> Profile:
    """The profile named in ``options`` with the overrides applied."""
    opts = check_profile_options(options or {})
    base = BUILTIN[opts.pop("profile")]
    changes: dict[str, Any] = {}
    width = opts.pop("paper_width", None)
    if width is not None and width != base.paper_mm:
        dots, columns = PAPER[width]
        changes.update(paper_mm=width, dots=dots, columns=columns)
    changes.update(opts)
    if not changes:
        return base
    return dataclasses.replace(base, name=base.name + "+custom", **changes)


# -- the CJK font --------------------------------------------------------------
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


# Where the baseline sits in a glyph cell, as a fraction of the cell height:
# the driver's raster fallback and the paper renderer both draw with it, so
# a character sits at the same height in both.
BASELINE = 0.86


class FontMissing(RuntimeError):
    pass


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    """A font file with Chinese glyphs: $KIOSK_CJK_FONT, then what fontconfig
    picks for Chinese, then the Debian paths of wqy-microhei / Noto CJK."""
    env = os.environ.get("KIOSK_CJK_FONT")
    if env and Path(env).is_file():
        return Path(env)
    for known in KNOWN_FONTS[:2]:
        if Path(known).is_file():
            return Path(known)
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn:charset=4e2d"],
                capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).is_file() and Path(found).suffix.lower() in (".ttf", ".ttc", ".otf"):
            return Path(found)
    for known in KNOWN_FONTS[2:]:
        if Path(known).is_file():
            return Path(known)
    raise FontMissing("no Chinese font found: install fonts-wqy-microhei or fonts-noto-cjk, "
                      "or set KIOSK_CJK_FONT to a .ttf/.ttc file")


@functools.lru_cache(maxsize=16)
def cjk_font(size: int):
    """A Pillow font of ``size`` pixels with Chinese glyphs (cached: loading
    a .ttc takes milliseconds, drawing a line microseconds)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(find_cjk_font()), size)


@functools.lru_cache(maxsize=16)
def latin_font(cell_height: int):
    """A monospace Pillow font whose glyphs are half a Chinese glyph wide,
    like a printer's 12x24 font A: the "Mono" face inside the CJK .ttc when
    there is one (wqy-microhei has it), else DejaVu Sans Mono."""
    from PIL import ImageFont

    candidates: list[tuple[str, int]] = []
    path = str(find_cjk_font())
    if path.endswith(".ttc"):
        candidates.append((path, 1))
    candidates.append(("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0))
    for font_path, index in candidates:
        try:
            probe = ImageFont.truetype(font_path, 100, index=index)
        except OSError:
            continue
        advance = probe.getlength("M")
        if "Mono" in " ".join(probe.getname()) and advance == probe.getlength("i") and advance > 0:
            size = max(1, round(cell_height / 2 * 100 / advance))
            return ImageFont.truetype(font_path, size, index=index)
    return cjk_font(cell_height)
