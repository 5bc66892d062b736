"""A slip as a document of blocks, laid out in character columns.

A slip is described once, as data (title, text, key-value rows, QR...), and
laid out for whatever paper the hut's printer has.  Thermal printers print a
fixed grid: a Latin character takes one column, a Chinese one two, so every
width here is counted in columns with East Asian width in mind.  Wrapping
keeps English words whole when it can and breaks Chinese anywhere, which is
how Chinese typesetting does it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Iterable, Literal, Sequence, Union

Align = Literal["left", "center", "right"]


# -- blocks ------------------------------------------------------------------
@dataclass(frozen=True)
class Title:
    text: str
    align: Align = "center"


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True)
class Rows:
    """Key-value rows: label on the left, value right-aligned."""

    rows: tuple[tuple[str, str], ...]

    def __init__(self, rows: Iterable[Sequence[str]]):
        object.__setattr__(self, "rows", tuple((str(k), str(v)) for k, v in rows))


@dataclass(frozen=True)
class Separator:
    char: str = "-"


@dataclass(frozen=True)
class QR:
    data: str
    size: int = 6  # module size in dots


@dataclass(frozen=True)
class Barcode:
    data: str
    kind: str = "CODE128"


@dataclass(frozen=True)
class Image:
    """A picture (a PIL image), printed as a raster image."""

    image: Any
    center: bool = True


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Union[Title, Text, Rows, Separator, QR, Barcode, Image, Feed, Cut]


@dataclass
class Slip:
    """A slip: a list of blocks.  Ends with a cut unless told otherwise."""

    blocks: list[Block] = field(default_factory=list)
    JOB_KEYS: ClassVar[tuple[str, ...]] = ("title", "rows", "lines", "qr", "barcode")

    def add(self, *blocks: Block) -> "Slip":
        self.blocks.extend(blocks)
        return self

    def ends_with_cut(self) -> bool:
        return bool(self.blocks) and isinstance(self.blocks[-1], Cut)

    @classmethod
    def from_job(cls, job: Any) -> "Slip":
        """The CLI's JOB.json: {"title", "rows", "lines", "qr"} (+ optional "barcode").

        Strict about types: a number or an object where text belongs would
        otherwise print as Python's repr, and a technician only finds out at
        the hut.  Every message names the key (and the item) that is wrong.
        Other keys are allowed (a job has "at least" these); the CLI warns
        about them with :meth:`extra_job_keys`, since "line" is likely a typo."""
        if not isinstance(job, dict):
            raise ValueError("a job is a JSON object with title, rows, lines and qr")
        title = job.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ValueError('"title" must be a non-empty string')
        rows = job.get("rows", [])
        if not isinstance(rows, list):
            raise ValueError('"rows" must be a list of [label, value] pairs')
        for i, row in enumerate(rows, 1):
            if not (isinstance(row, list) and len(row) == 2 and all(isinstance(x, str) for x in row)):
                raise ValueError(f'"rows" item {i} must be a [label, value] pair of two strings, not {_shown(row)}')
        lines = job.get("lines", [])
        if not isinstance(lines, list):
            raise ValueError('"lines" must be a list of strings')
        for i, line in enumerate(lines, 1):
            if not isinstance(line, str):
                raise ValueError(f'"lines" item {i} must be a string, not {_shown(line)}')
        qr = job.get("qr")
        if qr is not None and (not isinstance(qr, str) or not qr):
            raise ValueError('"qr" must be a non-empty string or null')
        barcode = job.get("barcode")
        if barcode is not None and (not isinstance(barcode, str) or not barcode
                                    or not all(" " <= c <= "~" for c in barcode)):
            raise ValueError('"barcode" must be a string of printable ASCII (CODE128) or null')
        slip = cls([Title(title), Separator()])
        if rows:
            slip.add(Rows(rows), Separator())
        slip.add(*(Text(x) for x in lines))
        if qr:
            slip.add(QR(qr))
        if barcode:
            slip.add(Barcode(barcode))
        slip.add(Feed(2), Cut())
        return slip

    @classmethod
    def extra_job_keys(cls, job: Any) -> list[str]:
        """Keys of a JOB.json that :meth:`from_job` does not print."""
        return [k for k in job if k not in cls.JOB_KEYS] if isinstance(job, dict) else []


def _shown(value: Any) -> str:
    """A bad JSON value, short enough for a one-line message."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


# -- columns -----------------------------------------------------------------
@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Columns a character takes on a thermal printer (CJK and full-width: 2)."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def is_wide(ch: str) -> bool:
    return char_width(ch) == 2


def _tokens(text: str) -> list[str]:
    """Words (runs of Latin letters/digits with their trailing space) and
    single wide characters: the units a line may break between."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if is_wide(ch):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " ":
            word += ch
            tokens.append(word)
            word = ""
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


# Chinese line-breaking rules (禁则): closing punctuation never starts a
# line and opening brackets never end one.  A slip that starts a line with
# "，" looks broken to every Chinese reader.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·％")
NO_LINE_END = frozenset("（《「『【〔〈“‘")


def _carry(line: str, tok: str, columns: int) -> str:
    """The end of ``line`` that has to move down with ``tok``: the last
    character when ``tok`` may not start a line (or the line may not end on
    it), so the punctuation keeps its character company.  "" when none."""
    if len(line) < 2:
        return ""
    last = line[-1]
    if last in NO_LINE_END or (tok[0] in NO_LINE_START and is_wide(last) and last not in NO_LINE_START):
        if text_width(last + tok) <= columns:
            return last
    return ""


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` columns.

    Breaks between words and around Chinese characters, never before closing
    punctuation or after an opening bracket; a word longer than a line is
    split by characters.  Explicit newlines are kept.
    """
    if columns < 2:
        raise ValueError("a line needs at least two columns")
    out: list[str] = []
    for para in text.split("\n"):
        line, width = "", 0
        for tok in _tokens(para):
            w = text_width(tok)
            if width + w <= columns:
                line, width = line + tok, width + w
                continue
            carry = _carry(line, tok, columns)
            if carry:
                out.append(line[:-1].rstrip(" "))
                line = carry + tok
                width = text_width(line)
                continue
            stripped = tok.rstrip(" ")
            if width + text_width(stripped) <= columns:  # the space may hang
                out.append(line + stripped)
                line, width = "", 0
                continue
            if line.strip():
                out.append(line.rstrip(" "))
            line, width = "", 0
            while text_width(tok) > columns:  # a word longer than a line
                cut, cw = "", 0
                for ch in tok:
                    if cw + char_width(ch) > columns:
                        break
                    cut, cw = cut + ch, cw + char_width(ch)
                out.append(cut)
                tok = tok[len(cut):]
            line, width = tok, text_width(tok)
        out.append(line.rstrip(" "))
    return out


def pad(text: str, columns: int, align: Align) -> str:
    """``text`` placed in ``columns`` columns; no trailing spaces."""
    gap = columns - text_width(text)
    if gap <= 0 or align == "left":
        return text
    if align == "right":
        return " " * gap + text
    return " " * (gap // 2) + text


def key_value(label: str, value: str, columns: int) -> list[str]:
    """A label on the left and its value right-aligned on the same line when
    both fit; otherwise the label wraps on the left and the value follows,
    right-aligned, on its own lines."""
    lw, vw = text_width(label), text_width(value)
    if lw + 1 + vw <= columns:
        return [label + " " * (columns - lw - vw) + value]
    lines = wrap(label, columns)
    value_lines = wrap(value, columns - 2) if vw > columns - 2 else [value]
    lines.extend(pad(v, columns, "right") for v in value_lines)
    return lines


# -- layout ------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One printed line of text: already padded for its alignment when the
    printer is told to print left-aligned, or given with ``align`` when the
    printer aligns it."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


LaidOut = Union[Line, QR, Barcode, Image, Feed, Cut]


def layout(slip: Slip, columns: int) -> list[LaidOut]:
    """Blocks to printable lines for a paper ``columns`` wide."""
    out: list[LaidOut] = []
    for block in slip.blocks:
        if isinstance(block, Title):
            # Double width halves the columns; a long title prints normal size.
            double = text_width(block.text) <= columns // 2
            width = columns // 2 if double else columns
            out.extend(Line(x, block.align, True, double) for x in wrap(block.text, width))
        elif isinstance(block, Text):
            out.extend(Line(x, block.align, block.bold) for x in wrap(block.text, columns))
        elif isinstance(block, Rows):
            for label, value in block.rows:
                out.extend(Line(x) for x in key_value(label, value, columns))
        elif isinstance(block, Separator):
            ch = block.char or "-"
            out.append(Line(ch * (columns // text_width(ch))))
        else:
            out.append(block)
    return out


def plain_text(items: Iterable[LaidOut], columns: int) -> list[str]:
    """What the text of a laid-out slip reads like, line by line (as printed,
    alignment applied); used by tests and transcripts."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, Line):
            width = columns // 2 if item.double else columns
            lines.append(pad(item.text, width, item.align))
        elif isinstance(item, Feed):
            lines.extend([""] * item.lines)
    return lines
