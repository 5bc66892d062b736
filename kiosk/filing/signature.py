"""A handwritten signature on the touchscreen: strokes, their rules, their
compact format, the signing record that binds them to what was signed, and
the PNG and PDF the department receives.  No Kivy here: the pad
(``screens/widgets/signature_pad.py``) hands over points, the step
(``kiosk/services/approval/signature_step.py``) keeps them in the session.

Coordinates are the signing box's own: pixels of the box on the screen,
origin at its top-left corner, y downwards (as images are), so a point with
``0 <= x < width`` and ``0 <= y < height`` is inside the box.  ``t`` is
milliseconds since the signature's first point; ``p`` the pressure (0..1)
where the touch device reports one, else None.

What is sent (``docs/signature.md``):

* the strokes in the compact format below (``encode`` / ``decode``), an
  ISO/IEC 19794-7-like time series of x, y, t[, p];
* the signature rendered as a PNG (``signature_png``);
* the signing record (``signing_record``): SHA-256 of the canonical signed
  content (the document's text, the resident's name and ID number, the form
  values the document declares, each scanned page's hash), the strokes' and
  the image's hashes, the time, the terminal and the identity evidence of the
  visit (the card, the face check's result where the matter had one).  Its
  fingerprint is the SHA-256 of its canonical JSON;
* the signed document as a one-page PDF (``signed_pdf``): the page, the
  signature and the record's fingerprint.

The compact format (all integers; ``varint`` is LEB128, ``zigzag`` maps a
signed integer to an unsigned one: 0, -1, 1, -2 -> 0, 1, 2, 3)::

    "HSG1"                   4 bytes: magic and version
    flags                    1 byte: bit 0 = every point has a pressure
    width, height            2 x uint16 big-endian: the box in screen pixels
    resolution               1 byte: coordinate units per pixel (10)
    stroke count             varint
    per stroke: point count  varint
      per point: dx, dy, dt  zigzag varints: the change from the previous point
                             (across strokes; the first from 0, 0, 0), x and y in
                             units of 1/resolution pixel, t in milliseconds
                 [p]         varint 0..1000 (pressure x 1000), when flag bit 0 is set

Quantising to 0.1 pixel and 1 ms is what is kept: ``decode(encode(s))`` is
``s`` quantised, and ``encode(decode(b)) == b``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import json
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from kiosk.outbox.store import Attachment

MAGIC = b"HSG1"
MEDIA_TYPE = "application/vnd.hut.strokes"   # the compact format, base64 in the application's body
RESOLUTION = 10          # coordinate units per screen pixel in the compact format
PRESSURE_SCALE = 1000
RECORD_FORMAT = "hut-signing-record/1"
SIGNATURE_SUFFIX = ".signature"   # attachment material codes: <document>.signature (PNG), <document>.signed (PDF)
SIGNED_SUFFIX = ".signed"

# The rules a signature must pass (fractions of the box).
MIN_EXTENT = 0.05        # the ink spans at least this much of the box's width or height: else a dot
MIN_SINGLE_PATH = 0.6    # one stroke alone must be at least this long (x the box's height)
MAX_OUTSIDE = 0.5        # more points than this outside the box: "mostly outside"
MAX_POINTS = 20_000      # far beyond any signature; bounds what a runaway touch can store

# The pen on display and in the PNG (box pixels): thinner when fast, like the well-known pads.
MIN_WIDTH = 2.0
MAX_WIDTH = 7.0
VELOCITY_FILTER = 0.7


class SignatureFormatError(ValueError):
    """Bytes that are not a signature in the compact format."""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    t: int                       # ms since the signature's first point
    p: float | None = None       # pressure 0..1, where the device reports it


@dataclass(frozen=True)
class Signature:
    """The strokes of one signature and the box they were made in.  Personal
    data: ``repr`` says how much, never where."""

    width: int
    height: int
    strokes: tuple[tuple[Point, ...], ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return f"Signature({len(self.strokes)} strokes, {self.points} points)"

    @property
    def points(self) -> int:
        return sum(len(s) for s in self.strokes)

    @property
    def has_pressure(self) -> bool:
        return self.points > 0 and all(p.p is not None for s in self.strokes for p in s)

    @property
    def duration_ms(self) -> int:
        times = [p.t for s in self.strokes for p in s]
        return max(times) - min(times) if times else 0

    def inside(self, point: Point) -> bool:
        return 0 <= point.x < self.width and 0 <= point.y < self.height


# -- the rules ---------------------------------------------------------------------------------
class Problem:
    """Why a signature is refused (the step asks again, in words)."""

    EMPTY = "empty"          # nothing drawn
    DOT = "dot"              # a dot or a tiny mark
    SHORT = "short"          # one short stroke
    OUTSIDE = "outside"      # mostly outside the box


def _path_length(stroke: Sequence[Point]) -> float:
    return sum(math.dist((a.x, a.y), (b.x, b.y)) for a, b in zip(stroke, stroke[1:]))


def problem(signature: Signature) -> str | None:
    """The first rule ``signature`` breaks (a ``Problem``), or None: it may be confirmed."""
    points = [p for s in signature.strokes for p in s]
    if not points:
        return Problem.EMPTY
    inside = [p for p in points if signature.inside(p)]
    if len(points) - len(inside) > MAX_OUTSIDE * len(points):
        return Problem.OUTSIDE
    xs, ys = [p.x for p in inside], [p.y for p in inside]
    if max(max(xs) - min(xs), 0) < MIN_EXTENT * signature.width and \
            max(max(ys) - min(ys), 0) < MIN_EXTENT * signature.height:
        return Problem.DOT
    drawn = [s for s in signature.strokes if len(s) > 1]
    if len(drawn) <= 1 and sum(_path_length(s) for s in drawn) < MIN_SINGLE_PATH * signature.height:
        return Problem.SHORT
    return None


# -- the compact format ------------------------------------------------------------------------
def _varint(value: int, out: bytearray) -> None:
    if value < 0:
        raise ValueError("a varint is not negative")
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _unzigzag(value: int) -> int:
    return value // 2 if value % 2 == 0 else -(value + 1) // 2


class _Reader:
    def __init__(self, data: bytes, at: int):
        self.data, self.at = data, at

    def varint(self) -> int:
        value = shift = 0
        while True:
            if self.at >= len(self.data):
                raise SignatureFormatError("the strokes end in the middle of a number")
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise SignatureFormatError("a number in the strokes is too long")


def _units(value: float) -> int:
    return round(value * RESOLUTION)


def encode(signature: Signature) -> bytes:
    """The signature in the compact format (module docstring)."""
    if not (0 < signature.width < 65536 and 0 < signature.height < 65536):
        raise ValueError("the box must be 1..65535 pixels each way")
    pressure = signature.has_pressure
    out = bytearray(MAGIC)
    out.append(1 if pressure else 0)
    out += signature.width.to_bytes(2, "big") + signature.height.to_bytes(2, "big")
    out.append(RESOLUTION)
    _varint(len(signature.strokes), out)
    x = y = t = 0
    for stroke in signature.strokes:
        _varint(len(stroke), out)
        for point in stroke:
            px, py, pt = _units(point.x), _units(point.y), max(t, int(round(point.t)))
            for delta in (px - x, py - y, pt - t):
                _varint(_zigzag(delta), out)
            x, y, t = px, py, pt
            if pressure:
                _varint(min(PRESSURE_SCALE, max(0, round((point.p or 0.0) * PRESSURE_SCALE))), out)
    return bytes(out)


def decode(data: bytes) -> Signature:
    """A signature from the compact format; ``SignatureFormatError`` for anything else."""
    if len(data) < 10 or data[:4] != MAGIC:
        raise SignatureFormatError("not signature strokes (HSG1)")
    flags, resolution = data[4], data[9]
    if flags & ~1 or resolution == 0:
        raise SignatureFormatError("unknown flags or a zero resolution")
    width, height = int.from_bytes(data[5:7], "big"), int.from_bytes(data[7:9], "big")
    if not width or not height:
        raise SignatureFormatError("an empty box")
    reader = _Reader(data, 10)
    count = reader.varint()
    strokes: list[tuple[Point, ...]] = []
    x = y = t = total = 0
    for _ in range(count):
        n = reader.varint()
        total += n
        if total > MAX_POINTS:
            raise SignatureFormatError("too many points")
        points = []
        for _ in range(n):
            x += _unzigzag(reader.varint())
            y += _unzigzag(reader.varint())
            dt = _unzigzag(reader.varint())
            if dt < 0:
                raise SignatureFormatError("time runs backwards")
            t += dt
            p = None
            if flags & 1:
                raw = reader.varint()
                if raw > PRESSURE_SCALE:
                    raise SignatureFormatError("a pressure above 1")
                p = raw / PRESSURE_SCALE
            points.append(Point(x / resolution, y / resolution, t, p))
        strokes.append(tuple(points))
    if reader.at != len(data):
        raise SignatureFormatError("bytes after the last stroke")
    return Signature(width, height, tuple(strokes))


def quantised(signature: Signature) -> Signature:
    """What the compact format keeps of ``signature``."""
    return decode(encode(signature))


# -- drawing -----------------------------------------------------------------------------------
Segment = tuple[float, float, float, float, float]   # x0, y0, x1, y1, width


def _widths(stroke: Sequence[Point], min_width: float, max_width: float) -> list[float]:
    """One pen width per point: from the pressure where the device reports it,
    else from the speed (a filtered px/ms: slow is thick, fast is thin)."""
    widths: list[float] = []
    velocity = 0.0
    for i, point in enumerate(stroke):
        if point.p is not None:
            widths.append(min_width + (max_width - min_width) * max(0.0, min(1.0, point.p)))
            continue
        if i:
            prev = stroke[i - 1]
            dt = max(1, point.t - prev.t)
            velocity = VELOCITY_FILTER * (math.dist((point.x, point.y), (prev.x, prev.y)) / dt) + \
                (1 - VELOCITY_FILTER) * velocity
        widths.append(max(min_width, max_width / (velocity + 1)))
    return widths


def _mid(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def piece(points: Sequence[tuple[float, float]], widths: Sequence[float], k: int, steps: int = 6) -> list[Segment]:
    """The part of a smooth line that point ``k`` (k >= 1) makes drawable: for
    k = 1 the straight start from the first point to the middle of the first
    two; after that the quadratic curve from the middle before point k-1 to the
    middle after it, point k-1 its control.  The width is eased along it.  A
    pad draws piece k as point k arrives and ``tail`` when the finger lifts:
    the same line ``smoothed`` gives for the whole stroke."""
    if k == 1:
        end, end_w = _mid(points[0], points[1]), (widths[0] + widths[1]) / 2
        return [(*points[0], *end, (widths[0] + end_w) / 2)]
    start, control, end = _mid(points[k - 2], points[k - 1]), points[k - 1], _mid(points[k - 1], points[k])
    start_w, end_w = (widths[k - 2] + widths[k - 1]) / 2, (widths[k - 1] + widths[k]) / 2
    segments: list[Segment] = []
    prev = start
    for i in range(1, steps + 1):
        u = i / steps
        a, b, c = (1 - u) ** 2, 2 * (1 - u) * u, u * u
        point = (a * start[0] + b * control[0] + c * end[0], a * start[1] + b * control[1] + c * end[1])
        segments.append((*prev, *point, start_w + (end_w - start_w) * u))
        prev = point
    return segments


def tail(points: Sequence[tuple[float, float]], widths: Sequence[float]) -> list[Segment]:
    """The straight end of a line, from the middle of the last two points to the
    last one (a one-point stroke: a dot)."""
    if len(points) == 1:
        return [(*points[0], *points[0], widths[0])]
    start = _mid(points[-2], points[-1])
    return [(*start, *points[-1], ((widths[-2] + widths[-1]) / 2 + widths[-1]) / 2)]


def pen_scale(box_height: float) -> float:
    """How much wider the pen is than ``MIN_WIDTH``..``MAX_WIDTH`` in a box this
    tall (a large box on a large screen gets a broader pen): the pad and the
    PNG use the same, so both show one line."""
    return max(1.0, box_height / 300.0)


def widths(stroke: Sequence[Point], scale: float = 1.0, min_width: float = MIN_WIDTH,
           max_width: float = MAX_WIDTH) -> list[float]:
    """The pen's width at each point (``_widths``), times ``scale``."""
    return [w * scale for w in _widths(stroke, min_width, max_width)]


def smoothed(stroke: Sequence[Point], scale: float = 1.0, min_width: float = MIN_WIDTH,
             max_width: float = MAX_WIDTH, steps: int = 6) -> list[Segment]:
    """The stroke as short segments of a smooth, variable-width line: quadratic
    curves through the midpoints between points (each point the control of
    one), the width eased along each.  ``scale`` multiplies coordinates and
    widths.  A one-point stroke is a dot (one zero-length segment)."""
    if not stroke:
        return []
    w = widths(stroke, scale, min_width, max_width)
    pts = [(p.x * scale, p.y * scale) for p in stroke]
    segments: list[Segment] = []
    for k in range(1, len(pts)):
        segments += piece(pts, w, k, steps)
    return segments + tail(pts, w)


def signature_png(signature: Signature, scale: float = 1.0) -> bytes:
    """The signature as the resident saw it: black ink on white, the box's size (x ``scale``)."""
    from PIL import Image, ImageDraw

    width, height = max(1, round(signature.width * scale)), max(1, round(signature.height * scale))
    image = Image.new("L", (width, height), 255)
    _draw_ink(ImageDraw.Draw(image), signature, scale, (0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")   # optimize=True: 20 % smaller, four times slower (bench/bench_signature.py)
    return buf.getvalue()


def _draw_ink(draw: Any, signature: Signature, scale: float, offset: tuple[float, float]) -> None:
    """Each piece of each stroke as one polyline of its mean width, with round
    ends (a circle where pieces meet): the line ``smoothed`` describes."""
    ox, oy = offset
    pen = pen_scale(signature.height)
    for stroke in signature.strokes:
        if not stroke:
            continue
        w = widths(stroke, scale * pen)
        pts = [(p.x * scale + ox, p.y * scale + oy) for p in stroke]
        pieces = [piece(pts, w, k) for k in range(1, len(pts))] + [tail(pts, w)]
        for segments in pieces:
            width = sum(s[4] for s in segments) / len(segments)
            line = [(segments[0][0], segments[0][1])] + [(s[2], s[3]) for s in segments]
            if line[0] != line[-1]:
                draw.line(line, fill=0, width=max(1, round(width)), joint="curve")
            r = width / 2
            x, y = line[-1]
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)


# -- what is signed, and the record that binds it ----------------------------------------------
def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    if isinstance(value, Mapping):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nfc(v) for v in value]
    return value


def canonical(value: Any) -> bytes:
    """Canonical JSON: NFC text, keys sorted, no spaces, UTF-8 (what is hashed)."""
    return json.dumps(_nfc(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_text_sha256(title: str, text: str) -> str:
    """The hash of a document's canonical text (its Chinese title and text, as the catalog holds them)."""
    return sha256(canonical({"title": title, "text": text}))


def signed_content(document: Mapping[str, str], applicant: Mapping[str, str], form: Mapping[str, Any],
                   declares: Iterable[str], attachment_hashes: Iterable[str]) -> dict[str, Any]:
    """What a signature binds: the document (code, title, text), the resident
    (name, ID number), the values of the form fields the document declares (a
    field left empty is null) and the SHA-256 of every scanned page (sorted:
    the order the pages were taken in is not part of what is signed)."""
    return {"document": {k: document[k] for k in ("code", "title", "text")},
            "applicant": {"name": applicant.get("name", ""), "id_number": applicant.get("id_number", "")},
            "form": {name: form.get(name) for name in declares},
            "attachments": sorted(attachment_hashes)}


def is_signature_attachment(material_code: str) -> bool:
    """The signature's own attachments (PNG, PDF) are not part of what it binds."""
    return material_code.endswith((SIGNATURE_SUFFIX, SIGNED_SUFFIX))


def signing_record(content: Mapping[str, Any], strokes: bytes, image: bytes, *, signed_at: str, terminal: str,
                   identity: Mapping[str, Any]) -> dict[str, Any]:
    """The record of one signing (``docs/signature.md``)."""
    document = content["document"]
    signature = decode(strokes)
    return {"format": RECORD_FORMAT,
            "document": {"code": document["code"], "title": document["title"],
                         "text_sha256": document_text_sha256(document["title"], document["text"])},
            "content_sha256": sha256(canonical(content)),
            "strokes": {"format": MAGIC.decode(), "sha256": sha256(strokes), "strokes": len(signature.strokes),
                        "points": signature.points, "pressure": signature.has_pressure,
                        "duration_ms": signature.duration_ms},
            "image_sha256": sha256(image),
            "signed_at": signed_at, "terminal": terminal, "identity": dict(identity)}


def fingerprint(record: Mapping[str, Any]) -> str:
    """The record's fingerprint: SHA-256 of its canonical JSON (on the PDF, the slip keeps none)."""
    return sha256(canonical(record))


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class SignedDocument:
    """One document signed at the kiosk, ready to file: the body's entry and
    the two attachments.  Personal data: ``repr`` names the document only."""

    code: str
    record: dict[str, Any] = field(repr=False)
    strokes: bytes = field(repr=False)
    png: bytes = field(repr=False)
    pdf: bytes = field(default=b"", repr=False)   # made on a job after 确认 (a third of a second)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.record)

    def body_entry(self) -> dict[str, Any]:
        return {"record": self.record, "fingerprint": self.fingerprint,
                "strokes": base64.b64encode(self.strokes).decode("ascii")}

    def attachments(self) -> list[Attachment]:
        if not self.pdf:
            raise ValueError(f"the signed page of {self.code} is not made yet")
        return [Attachment(self.code + SIGNATURE_SUFFIX, self.png, "image/png"),
                Attachment(self.code + SIGNED_SUFFIX, self.pdf, "application/pdf")]


# -- the signed page (PDF) ---------------------------------------------------------------------
PDF_DPI = 150
_A4 = (round(210 / 25.4 * PDF_DPI), round(297 / 25.4 * PDF_DPI))
_MARGIN = round(18 / 25.4 * PDF_DPI)
_TITLE_STEP, _LINE_STEP = 70, 40   # below the title; between the matter, applicant and ID number lines


def _wrap(draw: Any, text: str, font: Any, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and draw.textlength(line + char, font=font) > width:
                cut = line.rfind(" ") if char.isascii() and char != " " else -1
                if cut > 0:
                    lines.append(line[:cut])
                    line = line[cut + 1:]
                else:
                    lines.append(line)
                    line = ""
            line += char
        lines.append(line)
    return lines


@dataclass(frozen=True)
class PageText:
    """What the signed page says besides the document: the matter, the
    resident (in full: the page is for the department), the declared values
    by their labels, and where and when it was signed."""

    matter: str
    name: str
    id_number: str = field(repr=False)
    values: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    hut: str = ""


def signed_pdf(content: Mapping[str, Any], page: PageText, signature: Signature, record: Mapping[str, Any],
               text_en: str = "") -> bytes:
    """The signed document as one A4 page at 150 dpi: the title, the matter and
    the resident, the declaration, the declared values, the signature in its
    box, and the signing record's time, terminal and fingerprint."""
    from PIL import Image, ImageDraw

    from drivers.printer.profiles import cjk_font

    image = Image.new("L", _A4, 255)
    draw = ImageDraw.Draw(image)
    margin = _MARGIN
    width = _A4[0] - 2 * margin
    title, body, small = cjk_font(44), cjk_font(28), cjk_font(22)
    y = margin
    document = content["document"]
    draw.text((margin, y), document["title"], font=title, fill=0)
    y += _TITLE_STEP
    for line in _resident_lines(page.matter, page.name, page.id_number):
        draw.text((margin, y), line, font=body, fill=0)
        y += _LINE_STEP
    y += 16
    for text, font, step in ((document["text"], body, 40), (text_en, small, 30)):
        for line in _wrap(draw, text, font, width) if text else []:
            draw.text((margin, y), line, font=font, fill=0)
            y += step
        y += 12
    for label, value in page.values:
        draw.text((margin, y), f"{label}: {value}", font=body, fill=0)
        y += 40
    # the signature in its box, the baseline under it, as the resident saw it
    y += 20
    box_w = width
    scale = box_w / signature.width
    box_h = round(signature.height * scale)
    draw.text((margin, y), "申请人签名 / Signature", font=body, fill=0)
    y += 44
    draw.rectangle((margin, y, margin + box_w, y + box_h), outline=160, width=2)
    draw.line((margin + 30, y + box_h * 0.75, margin + box_w - 30, y + box_h * 0.75), fill=190, width=2)
    _draw_ink(draw, signature, scale, (margin, y))
    y += box_h + 30
    fp = fingerprint(record)
    for line in (f"签署时间 / Signed at: {record.get('signed_at', '')}",
                 f"签署终端 / Kiosk: {page.hut} ({record.get('terminal', '')})",
                 f"签名记录指纹 / Signing record fingerprint (SHA-256): {fp[:32]}",
                 f"{fp[32:]}",
                 f"签署内容哈希 / Content SHA-256: {record.get('content_sha256', '')[:32]}",
                 f"{record.get('content_sha256', '')[32:]}"):
        draw.text((margin, y), line, font=small, fill=0)
        y += 32
    y += 12
    note = ("本页由居民自助服务小屋生成。签名与所签内容以哈希绑定，事后改动可以被发现；"
            "这不是依法设立的电子认证服务提供者认证的可靠电子签名。"
            "This page was made at a self-service hut. The hash binding makes later changes detectable; "
            "it is not a CA-certified reliable electronic signature.")
    for line in _wrap(draw, note, small, width):
        draw.text((margin, y), line, font=small, fill=90)
        y += 30
    buf = io.BytesIO()
    image.save(buf, "PDF", resolution=float(PDF_DPI))
    return buf.getvalue()


def _resident_lines(matter: str, name: str, id_number: str) -> tuple[str, str, str]:
    return (f"事项 / Matter: {matter}", f"申请人 / Applicant: {name}", f"身份证号 / ID number: {id_number}")


def masked_page(page_jpeg: bytes, masked_name: str, masked_id: str) -> Any:
    """The signed page's picture (``page_image``) with the applicant's name
    and ID number replaced by their masked forms, as a PIL image: for showing
    the page anywhere but to the department (the demo's picture of it); the
    rest of the page is the department's, pixel for pixel."""
    from PIL import Image, ImageDraw

    from drivers.printer.profiles import cjk_font

    image = Image.open(io.BytesIO(page_jpeg)).convert("L")
    draw = ImageDraw.Draw(image)
    top = _MARGIN + _TITLE_STEP + _LINE_STEP          # the applicant's line, then the ID number's
    draw.rectangle((0, top - 4, image.width, top + 2 * _LINE_STEP - 2), fill=255)
    _matter, name_line, id_line = _resident_lines("", masked_name, masked_id)
    draw.text((_MARGIN, top), name_line, font=cjk_font(28), fill=0)
    draw.text((_MARGIN, top + _LINE_STEP), id_line, font=cjk_font(28), fill=0)
    return image


def page_image(pdf: bytes) -> bytes:
    """The picture of the signed page inside a PDF ``signed_pdf`` made (its one
    JPEG image: the page is that picture), for showing it without a PDF
    renderer (the demo, the tests)."""
    start = pdf.find(b"/DCTDecode")
    begin = pdf.find(b"stream", start)
    if start < 0 or begin < 0:
        raise ValueError("not a page made by signed_pdf")
    begin += len(b"stream")
    begin += 2 if pdf[begin:begin + 2] == b"\r\n" else 1
    end = pdf.find(b"endstream", begin)
    data = pdf[begin:end].rstrip(b"\r\n")
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a page made by signed_pdf")
    return data
