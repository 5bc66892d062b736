"""An ESC/POS interpreter: the bytes a printer receives, as what it does.

Sans-I/O in the h11 way: ``feed(bytes)`` returns the operations completed
so far (a printed line, a raster image, a QR code, a cut, a status query);
an incomplete command waits for more bytes.  The printer simulator runs it
behind TCP and a pty, and ``kiosk receipt preview`` runs it on a job's bytes
so the preview is what the simulator would print.  It lives in drivers/
because production (the preview) needs it; the simulator imports it.

Text is decoded the way a Chinese printer's firmware does: inside Chinese
mode (FS &, or the printer's default) bytes from 0x80 up start a character
of the configured multi-byte encoding; outside it they are code page 437.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .ops import BarcodeOp, CutOp, Feed, InfoQuery, Init, Op, QRCode, Raster, Run, StatusQuery, TextLine, Unknown

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF, NUL = 0x0A, 0x0D, 0x09, 0x0C, 0x00

# Commands with a fixed number of parameter bytes (after the command letter).
_ESC_FIXED = {ord(k): v for k, v in {
    "@": 0, "a": 1, "E": 1, "!": 1, "-": 1, "M": 1, "G": 1, "{": 1, "t": 1, "R": 1, "2": 0,
    "3": 1, "d": 1, "J": 1, "V": 1, " ": 1, "c": 2, "p": 3, "=": 1, "U": 1, "$": 2, "\\": 2,
    "B": 2, "L": 0, "S": 0, "T": 1, "W": 8, "r": 1, "i": 0, "m": 0, "%": 1, "K": 1, "e": 1,
}.items()}
_GS_FIXED = {ord(k): v for k, v in {
    "!": 1, "B": 1, "b": 1, "h": 1, "w": 1, "H": 1, "f": 1, "L": 2, "W": 2, "a": 1, "r": 1,
    "I": 1, "P": 2, "$": 2, "\\": 2, "/": 1, ":": 0, "^": 3, "E": 1, "T": 1, "C": 0,
}.items()}
_FS_FIXED = {ord(k): v for k, v in {
    "&": 0, ".": 0, "!": 1, "-": 1, "C": 1, "S": 2, "W": 1, "p": 2, "?": 0, "2": 0,
}.items()}


@dataclass
class _Style:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: bool = False
    spacing: int = 30
    bc_height: int = 162
    bc_module: int = 3
    hri: int = 0
    qr_module: int = 3
    qr_ec: int = 48


class EscPosInterpreter:
    def __init__(self, encoding: str = "gb18030", chinese_default: bool = True):
        codecs.lookup(encoding)
        self.encoding = encoding
        self.chinese_default = chinese_default
        self._buf = bytearray()
        self._reset()

    def _reset(self) -> None:
        self.style = _Style()
        self.chinese = self.chinese_default
        self._runs: list[Run] = []
        self._line_align: int | None = None
        self._qr_data = b""
        self._new_decoder()

    def _new_decoder(self) -> None:
        enc = self.encoding if self.chinese else "cp437"
        self._decoder = codecs.getincrementaldecoder(enc)(errors="replace")

    # -- public ---------------------------------------------------------------
    def feed(self, data: bytes) -> list[Op]:
        self._buf += data
        ops: list[Op] = []
        while self._buf:
            used = self._step(ops)
            if used == 0:  # incomplete command: wait for more bytes
                break
            del self._buf[:used]
        return ops

    def flush(self) -> list[Op]:
        """End of the stream: a line without LF still prints."""
        ops: list[Op] = []
        self._end_line(ops, force=False)
        return ops

    # -- text -----------------------------------------------------------------
    def _add_text(self, text: str) -> None:
        if not text:
            return
        s = self.style
        if self._line_align is None:
            self._line_align = s.align
        last = self._runs[-1] if self._runs else None
        if last and (last.bold, last.width, last.height, last.underline) == (
                s.bold, s.width, s.height, s.underline):
            last.text += text
        else:
            self._runs.append(Run(text, s.bold, s.width, s.height, s.underline))

    def _flush_decoder(self) -> None:
        self._add_text(self._decoder.decode(b"", final=True))

    def _end_line(self, ops: list[Op], force: bool) -> None:
        self._flush_decoder()
        if self._runs or force:
            align = self.style.align if self._line_align is None else self._line_align
            ops.append(TextLine(self._runs, align, self.style.spacing))
        self._runs, self._line_align = [], None

    # -- one step -------------------------------------------------------------
    def _step(self, ops: list[Op]) -> int:
        buf = self._buf
        b = buf[0]
        if b >= 0x20:
            end = 1
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            self._add_text(self._decoder.decode(bytes(buf[:end])))
            return end
        if b == LF:
            self._end_line(ops, force=True)
            return 1
        if b == CR:
            return 1
        if b == HT:
            self._add_text("    ")
            return 1
        if b == FF:
            self._end_line(ops, force=False)
            return 1
        if b in (ESC, GS, FS, DLE):
            if len(buf) < 2:
                return 0
            self._flush_decoder()
            handler = {ESC: self._esc, GS: self._gs, FS: self._fs, DLE: self._dle}[b]
            return handler(ops)
        ops.append(Unknown(bytes(buf[:1])))
        return 1

    def _fixed(self, table: dict[int, int], ops: list[Op]) -> tuple[int, bytes] | int:
        """Length of a fixed-size command and its parameter bytes (0: wait)."""
        size = table.get(self._buf[1])
        if size is None:
            ops.append(Unknown(bytes(self._buf[:2])))
            return 2
        if len(self._buf) < 2 + size:
            return 0
        return 2 + size, bytes(self._buf[2:2 + size])

    def _esc(self, ops: list[Op]) -> int:
        cmd = self._buf[1]
        s = self.style
        if cmd == ord("*"):  # ESC * m nL nH d...: column bit image (skipped, noted)
            if len(self._buf) < 5:
                return 0
            m, n = self._buf[2], self._buf[3] | self._buf[4] << 8
            total = 5 + n * (1 if m in (0, 1) else 3)
            if len(self._buf) < total:
                return 0
            ops.append(Unknown(bytes(self._buf[:5])))
            return total
        if cmd == ord("D"):  # tab stops, NUL-terminated
            end = self._buf.find(b"\x00", 2)
            return 0 if end < 0 else end + 1
        got = self._fixed(_ESC_FIXED, ops)
        if isinstance(got, int):
            return got
        size, p = got
        c = chr(cmd)
        if c == "@":
            self._end_line(ops, force=False)
            self._reset()
            ops.append(Init())
        elif c == "a":
            s.align = p[0] % 48 if p[0] >= 48 else p[0]
            s.align = min(s.align, 2)
        elif c == "E":
            s.bold = bool(p[0] & 1)
        elif c == "!":
            s.bold = bool(p[0] & 0x08)
            s.height = 2 if p[0] & 0x10 else 1
            s.width = 2 if p[0] & 0x20 else 1
            s.underline = bool(p[0] & 0x80)
        elif c == "-":
            s.underline = p[0] in (1, 2, 49, 50)
        elif c == "2":
            s.spacing = 30
        elif c == "3":
            s.spacing = p[0]
        elif c == "d":
            self._end_line(ops, force=False)
            ops.append(Feed(p[0] * s.spacing))
        elif c == "J":
            self._end_line(ops, force=False)
            ops.append(Feed(p[0]))
        elif c in "im":
            self._end_line(ops, force=False)
            ops.append(CutOp(partial=(c == "m")))
        return size

    def _gs(self, ops: list[Op]) -> int:
        buf, cmd, s = self._buf, self._buf[1], self.style
        if cmd == ord("v"):  # GS v 0 m xL xH yL yH d...
            if len(buf) < 8:
                return 0
            xb, y = buf[4] | buf[5] << 8, buf[6] | buf[7] << 8
            total = 8 + xb * y
            if len(buf) < total:
                return 0
            self._end_line(ops, force=False)
            ops.append(Raster(xb, y, bytes(buf[8:total]), s.align))
            return total
        if cmd == ord("V"):  # GS V m [n]
            if len(buf) < 3:
                return 0
            m = buf[2]
            total = 4 if m in (65, 66, 97, 98, 103, 104) else 3
            if len(buf) < total:
                return 0
            self._end_line(ops, force=False)
            if total == 4 and buf[3] and m in (65, 66):
                ops.append(Feed(buf[3]))
            ops.append(CutOp(partial=m in (1, 49, 66, 98, 104)))
            return total
        if cmd in (ord("("), ord("8")):  # GS ( x pL pH ... / GS 8 L p1..p4 ...
            if cmd == ord("8"):
                if len(buf) < 7:
                    return 0
                total = 7 + int.from_bytes(buf[3:7], "little")
            else:
                if len(buf) < 5:
                    return 0
                total = 5 + (buf[3] | buf[4] << 8)
            if len(buf) < total:
                return 0
            if cmd == ord("(") and buf[2] == ord("k") and total >= 7:
                self._two_d(bytes(buf[5:total]), ops)
            else:
                ops.append(Unknown(bytes(buf[:3])))
            return total
        if cmd == ord("k"):  # GS k m ...
            if len(buf) < 3:
                return 0
            m = buf[2]
            if m <= 6:
                end = buf.find(b"\x00", 3)
                if end < 0:
                    return 0
                data, total = bytes(buf[3:end]), end + 1
            else:
                if len(buf) < 4 or len(buf) < 4 + buf[3]:
                    return 0
                data, total = bytes(buf[4:4 + buf[3]]), 4 + buf[3]
            self._end_line(ops, force=False)
            ops.append(BarcodeOp(m, data, s.bc_height, s.bc_module, s.hri, s.align))
            return total
        if cmd == ord("*"):  # GS * x y d...: define downloaded image
            if len(buf) < 4:
                return 0
            total = 4 + buf[2] * buf[3] * 8
            if len(buf) < total:
                return 0
            ops.append(Unknown(bytes(buf[:2])))
            return total
        got = self._fixed(_GS_FIXED, ops)
        if isinstance(got, int):
            return got
        size, p = got
        c = chr(cmd)
        if c == "!":
            s.width, s.height = (p[0] >> 4 & 7) + 1, (p[0] & 7) + 1
        elif c == "h":
            s.bc_height = p[0] or 1
        elif c == "w":
            s.bc_module = p[0]
        elif c == "I":
            ops.append(InfoQuery(p[0]))
        elif c == "H":
            s.hri = p[0] % 48 if p[0] >= 48 else p[0]
        return size

    def _two_d(self, body: bytes, ops: list[Op]) -> None:
        cn, fn, rest = body[0], body[1], body[2:]
        if cn != 49:  # only QR (cn = '1') is rendered; PDF417 etc. are noted
            ops.append(Unknown(bytes([GS, ord("("), ord("k"), cn, fn])))
            return
        s = self.style
        if fn == 67 and rest:
            s.qr_module = rest[0]
        elif fn == 69 and rest:
            s.qr_ec = rest[0]
        elif fn == 80:
            self._qr_data = rest[1:]  # after m = '0'
        elif fn == 81:
            self._end_line(ops, force=False)
            ops.append(QRCode(self._qr_data, s.qr_module, s.qr_ec, s.align))

    def _fs(self, ops: list[Op]) -> int:
        got = self._fixed(_FS_FIXED, ops)
        if isinstance(got, int):
            return got
        size, _ = got
        cmd = chr(self._buf[1])
        if cmd in "&.":
            want = cmd == "&"
            if want != self.chinese:
                self.chinese = want
                self._new_decoder()
        return size

    def _dle(self, ops: list[Op]) -> int:
        cmd = self._buf[1]
        if cmd == 0x04:  # DLE EOT n: real-time status
            if len(self._buf) < 3:
                return 0
            ops.append(StatusQuery(self._buf[2]))
            return 3
        if cmd == 0x05:  # DLE ENQ n: real-time request (recover)
            return 0 if len(self._buf) < 3 else 3
        if cmd == 0x14:  # DLE DC4 fn a b
            return 0 if len(self._buf) < 5 else 5
        ops.append(Unknown(bytes(self._buf[:2])))
        return 2
