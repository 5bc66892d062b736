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
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from drivers.options import DriverOptions, Name, OptionError, validate

ENCODINGS = ("gb18030", "gbk", "big5", "utf-8")
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

_ENCODING_ALIASES = {"utf8": "utf-8", "cp936": "gbk", "cp950": "big5"}


def _profile_name(value: object) -> object:
    if isinstance(value, str) and value not in BUILTIN:
        raise ValueError("one of " + ", ".join(f'"{n}"' for n in sorted(BUILTIN)))
    return value


def _paper_width(value: object) -> object:
    """58 and 80 as numbers, and "58mm" / "80 mm" as printed on the roll's box."""
    if isinstance(value, str):
        digits = value.lower().removesuffix("mm").strip()
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 4 else value
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value in PAPER):
        return value
    raise ValueError("58 or 80 (millimetres)")


def _encoding(value: object) -> object:
    """Codec names as the printer's manual spells them ("GBK", "UTF8", "cp936")."""
    if isinstance(value, str):
        name = value.lower().replace("_", "-")
        value = _ENCODING_ALIASES.get(name, name)
    if value is None or value in ENCODINGS:
        return value
    raise ValueError("one of " + ", ".join(f'"{e}"' for e in ENCODINGS))


class ProfileOptions(DriverOptions):
    """The profile part of a printer's options: a profile's name and single
    overrides of it (None: as the profile has it)."""

    profile: Annotated[Name, AfterValidator(_profile_name)] = DEFAULT_PROFILE
    paper_width: Annotated[int | None, BeforeValidator(_paper_width)] = None
    encoding: Annotated[str | None, BeforeValidator(_encoding)] = None
    cut: Literal["full", "partial", "none"] | None = None
    chinese_mode: bool | None = None
    image_fallback: bool | None = None
    qr_native: bool | None = None
    dots: int | None = Field(default=None, ge=128, le=1024)
    columns: int | None = Field(default=None, ge=16, le=96)
    cut_feed: int | None = Field(default=None, ge=0, le=20)

    @model_validator(mode="after")
    def _grid_fits(self) -> "ProfileOptions":
        """Slips are laid out in columns of the 12-dot font A: more columns
        than the paper has room for would run every full line off the right
        edge (and squeeze the image fallback's glyphs).  Blame the key the
        config set."""
        base = BUILTIN[self.profile]
        width = self.paper_width or base.paper_mm
        dots, columns = PAPER[width] if width != base.paper_mm else (base.dots, base.columns)  # as resolve() does
        dots, columns = self.dots or dots, self.columns or columns
        if columns * 12 > dots:
            key = next((k for k in ("columns", "dots", "paper_width") if getattr(self, k) is not None), "columns")
            raise OptionError(key, f"a paper grid that fits: {columns} columns of the 12-dot font need "
                                   f"{columns * 12} dots, the paper has {dots} (at most {dots // 12} columns)")
        return self


PROFILE_KEYS = frozenset(ProfileOptions.model_fields)


def resolve(options: Mapping[str, Any] | None = None) -> Profile:
    """The profile named in ``options`` with the overrides applied."""
    opts = validate(ProfileOptions, options or {}).model_dump(exclude_none=True)
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
        if "Mono" in " ".join(part or "" for part in probe.getname()) and advance == probe.getlength("i") and advance > 0:
            size = max(1, round(cell_height / 2 * 100 / advance))
            return ImageFont.truetype(font_path, size, index=index)
    return cjk_font(cell_height)
