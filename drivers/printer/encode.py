"""A receipt to ESC/POS bytes for one printer profile.

python-escpos generates the commands it gets right (raster images, QR codes,
feeds, initialisation) through its ``Dummy`` printer, whose ``output`` we
take and ``clear`` after each; the job's bytes are collected here.  Barcodes
are written here from python-escpos's own constants and checked with its
``check_barcode``, because its ``barcode()`` prints a line to stdout on
every call (tests pin the bytes to what ``barcode()`` emits).  Chinese
text is encoded here, because python-escpos sends any string with a CJK
character as GB18030 and knows nothing of FS & / FS . (its issues #491, #638,
#678): a GBK, Big5 or UTF-8 printer, or one that starts outside Chinese mode,
prints mojibake.  Text the printer's font cannot print (any Chinese on a
printer without a Chinese font, or a character missing from Big5) is drawn
with the CJK font and sent as a GS v 0 raster image instead of as "?".

The job comes out in segments of a few lines so the device can ask the
printer for its status between them and notice paper running out mid-job.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

from . import capabilities_cache  # noqa: F401 - before python-escpos: where it keeps its parsed printer database

# isort: split
from escpos.constants import (
    BARCODE_FONT_A,
    BARCODE_HEIGHT,
    BARCODE_TXT_BLW,
    BARCODE_TYPE_B,
    BARCODE_WIDTH,
    PAPER_FULL_CUT,
    PAPER_PART_CUT,
)
from escpos.escpos import Escpos
from escpos.printer import Dummy

from .profiles import BASELINE, Profile, cjk_font, latin_font
from .slip import QR, Barcode, Cut, Feed, Image, LaidOut, Line, Slip, char_width, layout, text_width

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
ALIGN = {"left": 0, "center": 1, "right": 2}
FONT_DOTS = 24         # height of the 12x24 font A; a CJK glyph is 24x24
_INK = [0] * 106 + [255] * 150   # glyph coverage above ~40 % prints as a dot
LINE_DOTS = 30         # default line spacing of a 203 dpi printer, about 1/6 inch


@dataclass
class Segment:
    data: bytes
    lines: int = 0     # text lines printed by this segment (feeds not counted)
    cut: bool = False


@dataclass
class EncodedJob:
    segments: list[Segment] = field(default_factory=list)
    profile: Profile | None = None

    @property
    def data(self) -> bytes:
        return b"".join(s.data for s in self.segments)

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.segments)

    @property
    def cuts(self) -> int:
        return sum(1 for s in self.segments if s.cut)


def _dummy(profile: Profile) -> Dummy:
    printer = Dummy(profile=profile.escpos_profile)
    # Give this instance its own capability data with the real paper width:
    # python-escpos centres images with it and prints a warning without it.
    data = copy.deepcopy(printer.profile.profile_data)
    data.setdefault("media", {}).setdefault("width", {})["pixels"] = profile.dots
    printer.profile.profile_data = data
    return printer


def _take(printer: Dummy) -> bytes:
    """What python-escpos generated since the last take."""
    data = printer.output
    printer.clear()
    return data


BARCODE_HEIGHT_DOTS, BARCODE_MODULE = 64, 2


def barcode_bytes(data: str, kind: str = "CODE128") -> bytes:
    """A printer-drawn barcode (GS k, function B), centred, its text below
    in font A, as python-escpos's ``barcode()`` sends it.  CODE128 data
    without a code set gets code set B ("{B"), the printable-ASCII one."""
    kind = kind.upper()
    code = "{B" + data if kind == "CODE128" and not data.startswith("{") else data
    if kind not in BARCODE_TYPE_B or not Escpos.check_barcode(kind, code) or not code.isascii():
        # Data from a template or a JOB.json: say which value is wrong.
        raise ValueError(f"barcode {data!r} is not valid {kind} data (CODE128 takes printable ASCII)")
    return (ESC + b"a\x01" + BARCODE_HEIGHT + bytes([BARCODE_HEIGHT_DOTS]) + BARCODE_WIDTH + bytes([BARCODE_MODULE])
            + BARCODE_FONT_A + BARCODE_TXT_BLW + BARCODE_TYPE_B[kind] + bytes([len(code)]) + code.encode("ascii"))


# Text from data (a matter name from the platform, a typed remark) must never
# carry a control byte into the stream: ESC or GS in it would be a command.
_NO_CONTROLS = {c: " " for c in [*range(0x20), 0x7F]}


def encode_text(text: str, profile: Profile) -> bytes | None:
    """Text bytes for the printer's resident font, or None when the font's
    encoding cannot represent the text (the caller falls back to an image)."""
    text = text.translate(_NO_CONTROLS)
    if text.isascii():
        return text.encode("ascii")
    try:
        if not profile.chinese_mode:
            return text.encode(profile.encoding)
        out = bytearray()
        run = ""
        for ch in text:
            if ch.isascii():
                if run:
                    out += CHINESE_ON + run.encode(profile.encoding) + CHINESE_OFF
                    run = ""
                out += ch.encode("ascii")
            else:
                run += ch
        if run:
            out += CHINESE_ON + run.encode(profile.encoding) + CHINESE_OFF
        return bytes(out)
    except UnicodeEncodeError:
        return None


def _needs_image(line: Line, profile: Profile) -> bool:
    if line.text.isascii():
        return False
    return profile.image_fallback or encode_text(line.text, profile) is None


@functools.lru_cache(maxsize=8192)
def _glyph(ch: str, cell_w: int, size: int):
    """One character drawn in its grid cell (a thresholded ink mask: 255 =
    ink), cached: a slip repeats few distinct characters, and Pillow's
    per-call text layout costs far more than pasting a ready cell."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    font = latin_font(size) if ch.isascii() else cjk_font(size)
    cell = PILImage.new("L", (cell_w, LINE_DOTS * size // FONT_DOTS), 0)
    baseline = (cell.height - size) // 2 + round(size * BASELINE)
    ImageDraw.Draw(cell).text(((cell_w - font.getlength(ch)) / 2, baseline), ch, font=font, fill=255,
                              anchor="ls")
    # Threshold the anti-aliased edges: python-escpos would dither grey
    # into speckles, which a thermal head prints as hatching.
    return cell.point(_INK)


def render_lines(lines: list[Line], dots: int, columns: int):
    """Lines of text drawn on the printer's character grid (so key-value
    rows stay aligned), one PIL image for the run of lines."""
    from PIL import Image as PILImage

    cell = dots // columns
    heights = [LINE_DOTS * (2 if ln.double else 1) for ln in lines]
    img = PILImage.new("L", (dots, sum(heights)), 255)
    y = 0
    for line, height in zip(lines, heights):
        scale = 2 if line.double else 1
        free = max(0, dots - text_width(line.text) * scale * cell)
        x = {"left": 0, "center": free // 2, "right": free}[line.align]
        for ch in line.text:
            w = char_width(ch) * cell * scale
            if ch != " " and w:
                mask = _glyph(ch, w, FONT_DOTS * scale)
                img.paste(0, (x, y), mask)
                if line.bold:
                    img.paste(0, (x + 1, y), mask)
            x += w
        y += height
    return img


def _text_line(line: Line, profile: Profile) -> bytes:
    body = encode_text(line.text, profile)
    assert body is not None
    style = ESC + b"a" + bytes([ALIGN[line.align]])
    if line.bold:
        style += ESC + b"E\x01"
    if line.double:
        style += GS + b"!\x11"
    reset = b""
    if line.double:
        reset += GS + b"!\x00"
    if line.bold:
        reset += ESC + b"E\x00"
    return style + body + b"\n" + reset


def encode(receipt: Slip, profile: Profile, segment_lines: int = 8) -> EncodedJob:
    """The ESC/POS bytes of ``receipt`` for ``profile``, in segments of at
    most ``segment_lines`` text lines (pictures and cuts end a segment)."""
    items = layout(receipt, profile.columns)
    if not receipt.ends_with_cut():
        items.append(Cut())
    job = EncodedJob(profile=profile)
    printer = _dummy(profile)
    printer.hw("INIT")
    pending = bytearray(_take(printer))
    pending_lines = 0
    image_run: list[Line] = []

    def flush(cut: bool = False) -> None:
        nonlocal pending_lines
        if image_run:
            printer.image(render_lines(image_run, profile.dots, profile.columns), impl="bitImageRaster")
            pending.extend(_take(printer))
            pending_lines += len(image_run)
            image_run.clear()
        if pending or cut:
            job.segments.append(Segment(bytes(pending), pending_lines, cut))
            pending.clear()
            pending_lines = 0

    for item in items:
        if isinstance(item, Line):
            if _needs_image(item, profile):
                image_run.append(item)
                continue
            if image_run:
                flush()
            pending.extend(_text_line(item, profile))
            pending_lines += 1
            if pending_lines >= segment_lines:
                flush()
            continue
        flush()
        if isinstance(item, QR):
            printer.qr(item.data, size=item.size, native=profile.qr_native, center=not profile.qr_native)
            pending.extend(ESC + b"a\x01" + _take(printer) + (b"\n" if profile.qr_native else b"") + ESC + b"a\x00")
        elif isinstance(item, Barcode):
            pending.extend(barcode_bytes(item.data, item.kind) + b"\n" + ESC + b"a\x00")
        elif isinstance(item, Image):
            printer.image(item.image, impl="bitImageRaster", center=item.center)
            pending.extend(_take(printer))
        elif isinstance(item, Feed):
            printer.print_and_feed(item.lines)
            pending.extend(_take(printer))
        elif isinstance(item, Cut):
            if profile.cut_feed:
                printer.print_and_feed(profile.cut_feed)
                pending.extend(_take(printer))
            if profile.cut != "none":
                pending.extend(PAPER_FULL_CUT if profile.cut == "full" else PAPER_PART_CUT)
                flush(cut=True)
                continue
        flush()
    flush()
    return job


def encode_bytes(receipt: Slip, profile: Profile) -> bytes:
    return encode(receipt, profile).data


__all__ = ["encode", "encode_bytes", "encode_text", "barcode_bytes", "render_lines", "EncodedJob", "Segment",
           "LaidOut", "CHINESE_ON", "CHINESE_OFF"]
