"""What a slip looks like on paper: interpreted ESC/POS ops drawn as pixels.

The simulator saves one PNG per job and the preview command writes one for a
JOB.json; both come from here so "what the preview shows" and "what the
simulated printer printed" cannot drift apart.  Text sits on the printer's
character grid (12x24 dots, Chinese 24x24) drawn with the CJK font, QR codes
are drawn from their data with the qrcode library (so they scan), barcodes
from python-barcode's module pattern, raster images bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from .interpret import EscPosInterpreter
from .ops import BarcodeOp, CutOp, Feed, Op, QRCode, Raster, TextLine
from .profiles import BASELINE, cjk_font, latin_font
from .slip import char_width

CELL_W, CELL_H = 12, 24
MARGIN = 8  # white paper above the first line and below the last


@dataclass
class PrintedSlip:
    """One job's paper: ops in order, rendered on demand."""

    dots: int = 576
    ops: list[Op] = field(default_factory=list)
    cut: str | None = None   # "full" / "partial" once cut

    def add(self, op: Op) -> None:
        if isinstance(op, CutOp):
            self.cut = "partial" if op.partial else "full"
        self.ops.append(op)

    @property
    def printed_anything(self) -> bool:
        return any(isinstance(op, (TextLine, Raster, QRCode, BarcodeOp)) for op in self.ops)

    def transcript(self) -> str:
        t = Transcript(columns=self.dots // CELL_W)
        for op in self.ops:
            t.add(op)
        return "\n".join(t.lines) + "\n"

    def text_lines(self) -> list[str]:
        """Just the printed text lines (no markers), as on the paper."""
        return [ln for ln in self.transcript().splitlines() if not ln.startswith("[")]

    def render(self) -> Image.Image:
        bands = [Image.new("L", (self.dots, MARGIN), 255)]
        for op in self.ops:
            band = _band(op, self.dots)
            if band is not None:
                bands.append(band)
        bands.append(Image.new("L", (self.dots, MARGIN), 255))
        height = sum(b.height for b in bands)
        page = Image.new("L", (self.dots, height), 255)
        y = 0
        for band in bands:
            page.paste(band, (0, y))
            y += band.height
        return page


BARCODE_NAMES = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
                 65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF",
                 71: "CODABAR", 72: "CODE93", 73: "CODE128"}


@dataclass
class Transcript:
    """The printed text of ops, line by line, with markers for pictures and cuts."""

    columns: int = 48
    lines: list[str] = field(default_factory=list)

    def add(self, op: Op) -> None:
        if isinstance(op, TextLine):
            widest = max((r.width for r in op.runs), default=1)
            text = op.text.rstrip(" ")
            gap = self.columns // widest - _columns(text)
            pad = 0 if gap <= 0 or op.align == 0 else (gap // 2 if op.align == 1 else gap)
            self.lines.append((" " * pad + text) if text else "")
        elif isinstance(op, Feed):
            self.lines.extend([""] * max(0, round(op.dots / 30)))
        elif isinstance(op, QRCode):
            self.lines.append("[QR] " + op.data.decode("utf-8", "replace"))
        elif isinstance(op, BarcodeOp):
            data = op.data.decode("ascii", "replace")
            if op.system == 73 and data[:1] == "{":  # CODE128 code set prefix
                data = data[2:].replace("{{", "{")
            self.lines.append(f"[BARCODE {BARCODE_NAMES.get(op.system, op.system)}] {data}")
        elif isinstance(op, Raster):
            self.lines.append(f"[IMAGE {op.width_bytes * 8}x{op.height}]")
        elif isinstance(op, CutOp):
            self.lines.append("[CUT partial]" if op.partial else "[CUT full]")


def _columns(text: str) -> int:
    return sum(char_width(c) for c in text)


def _aligned(img: Image.Image, dots: int, align: int) -> Image.Image:
    band = Image.new("L", (dots, img.height), 255)
    free = max(0, dots - img.width)
    x = {0: 0, 1: free // 2, 2: free}.get(align, 0)
    band.paste(img.crop((0, 0, min(img.width, dots), img.height)), (x, 0))
    return band


def _text_band(op: TextLine, dots: int) -> Image.Image:
    tall = max((r.height for r in op.runs), default=1)
    height = max(op.spacing, CELL_H * tall + 6)
    cells: list[tuple[str, int, int, bool, bool]] = []
    for run in op.runs:
        for ch in run.text:
            cells.append((ch, run.width, run.height, run.bold, run.underline))
    width = sum(CELL_W * char_width(ch) * w for ch, w, _, _, _ in cells)
    line = Image.new("L", (max(1, width), height), 255)
    draw = ImageDraw.Draw(line)
    x = 0
    for ch, w, h, bold, underline in cells:
        cw = CELL_W * char_width(ch) * w
        if not ch.isspace():
            font = latin_font(CELL_H * h) if ch.isascii() else cjk_font(CELL_H * h)
            glyph_w = font.getlength(ch)
            top = height - CELL_H * h - 3
            baseline = top + round(CELL_H * h * BASELINE)
            if w == h:
                gx = x + (cw - glyph_w) / 2
                draw.text((gx, baseline), ch, font=font, fill=0, anchor="ls")
                if bold:
                    draw.text((gx + 1, baseline), ch, font=font, fill=0, anchor="ls")
            else:  # stretched glyph: draw at its height, scale to the cell
                natural = max(1, round(cw * h / w))
                cell = Image.new("L", (natural, CELL_H * h), 255)
                ImageDraw.Draw(cell).text(((natural - glyph_w) / 2, round(CELL_H * h * BASELINE)), ch,
                                          font=font, fill=0, anchor="ls")
                line.paste(cell.resize((cw, CELL_H * h)), (x, top))
        if underline:
            draw.line((x, height - 2, x + cw, height - 2), fill=0, width=1)
        x += cw
    return _aligned(line, dots, op.align)


def _qr_image(op: QRCode) -> Image.Image:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    ec = {48: ERROR_CORRECT_L, 49: ERROR_CORRECT_M, 50: ERROR_CORRECT_Q, 51: ERROR_CORRECT_H}
    qr = qrcode.QRCode(box_size=max(1, op.module), border=4, error_correction=ec.get(op.ec, ERROR_CORRECT_L))
    qr.add_data(op.data)
    qr.make(fit=True)
    return qr.make_image().get_image().convert("L")


def _barcode_image(op: BarcodeOp) -> Image.Image:
    import barcode

    data = op.data.decode("ascii", "replace")
    names = {73: "code128", 69: "code39", 4: "code39", 67: "ean13", 2: "ean13", 68: "ean8", 3: "ean8"}
    if op.system == 73 and data[:1] == "{":
        data = data[2:].replace("{{", "{")
    name = names.get(op.system, "code128")
    try:
        modules = barcode.get_barcode_class(name)(data).build()[0]
    except Exception:  # bad data for the symbology: a printer prints nothing
        return Image.new("L", (1, 1), 255)
    unit = max(1, op.module)
    img = Image.new("L", (len(modules) * unit, op.height + (CELL_H + 4 if op.hri else 0)), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle((i * unit, 0, (i + 1) * unit - 1, op.height - 1), fill=0)
    if op.hri:
        font = cjk_font(CELL_H - 4)
        tw = font.getlength(data)
        draw.text(((img.width - tw) / 2, op.height + 2), data, font=font, fill=0)
    return img


def _band(op: Op, dots: int) -> Image.Image | None:
    if isinstance(op, TextLine):
        return _text_band(op, dots)
    if isinstance(op, Feed):
        return Image.new("L", (dots, max(1, op.dots)), 255) if op.dots else None
    if isinstance(op, Raster):
        img = Image.frombytes("1", (op.width_bytes * 8, op.height), op.data)
        # ESC/POS raster: 1 = black dot; PIL "1": 1 = white.  Invert.
        img = Image.eval(img.convert("L"), lambda v: 255 - v)
        return _aligned(img, dots, op.align)
    if isinstance(op, QRCode):
        return _aligned(_qr_image(op), dots, op.align)
    if isinstance(op, BarcodeOp):
        return _aligned(_barcode_image(op), dots, op.align)
    if isinstance(op, CutOp):
        band = Image.new("L", (dots, 9), 255)
        ImageDraw.Draw(band).line((0, 4, dots, 4), fill=128 if op.partial else 0, width=1)
        return band
    return None


def slips_from_bytes(data: bytes, encoding: str = "gb18030", chinese_default: bool = True,
                     dots: int = 576) -> list[PrintedSlip]:
    """Bytes of one or more jobs to their slips (a cut ends a slip)."""
    interp = EscPosInterpreter(encoding, chinese_default)
    slips = [PrintedSlip(dots)]
    for op in interp.feed(data) + interp.flush():
        slips[-1].add(op)
        if isinstance(op, CutOp):
            slips.append(PrintedSlip(dots))
    return [s for s in slips if s.ops and (s.printed_anything or s.cut)]
