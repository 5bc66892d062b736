"""GA 467 SAM serial protocol, sans-I/O: bytes in, frames and records out.

Frames both ways are ``AA AA AA 96 69 · LEN(2, BE) · body · CHK`` where LEN
counts every byte after itself (CHK included) and CHK is the XOR of LEN and
body.  A host frame's body is ``CMD PARA DATA``; a SAM frame's is
``SW1 SW2 SW3 DATA`` and only SW3 decides success.

Nothing here reads a port, a clock or starts a thread (h11/wsproto style), so
the same decoder runs over pyserial, a pty in the simulator, a file given to
``kiosk idcard decode`` and a fuzz test throwing 100,000 streams at it.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Iterator

from drivers.base import Action, DeviceFailure
from drivers.idcard.records import (LONG_TERM, CardType, IdCardRecord, foreign_2017_number_valid,
                                    id_number_valid)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = 7                 # preamble + LEN
MAX_LEN = 3000                 # longest real body: 30 10 reply with 1024-byte fingerprint = 2314
TEXT_LEN = 256
PHOTO_LEN = 1024

# (CMD, PARA) pairs
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)
READ_BASE_FP = (0x30, 0x10)
READ_ADDRESS = (0x30, 0x03)
SET_BAUD = (0x60,)             # PARA 00..04
BAUD_PARA = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
SET_RF_FRAME = (0x61, 0xFF)    # DATA: one byte, max RF frame size

SW3_OK = 0x90
SW3_CARD_FOUND = 0x9F
SW3_NO_CARD = 0x80

# SW3 -> (中文, English): what a technician reads next to the hex code.
SW3_MEANINGS: dict[int, tuple[str, str]] = {
    0x90: ("操作成功", "success"),
    0x9F: ("寻找证/卡成功", "card found"),
    0x91: ("证/卡中此项无内容", "no such item on the card"),
    0x10: ("接收业务终端数据的校验和错", "checksum error in the host's frame"),
    0x11: ("接收业务终端数据的长度错", "length error in the host's frame"),
    0x21: ("接收业务终端的命令错误，包括命令中的各种数值或逻辑搭配错误", "bad command or parameter"),
    0x23: ("越权操作", "operation not permitted"),
    0x24: ("无法识别的错误", "unrecognised error"),
    0x31: ("证/卡认证机具失败", "card failed to authenticate the SAM"),
    0x32: ("机具认证证/卡失败", "SAM failed to authenticate the card"),
    0x33: ("信息验证错误", "verification failed"),
    0x37: ("指纹信息验证错误", "fingerprint verification error"),
    0x3F: ("信息长度错误", "information length error"),
    0x40: ("无法识别的证/卡类型", "unknown card type"),
    0x41: ("读证/卡操作失败", "card read failed (card moved or removed?)"),
    0x47: ("取随机数失败", "random number failed"),
    0x60: ("SAM自检失败，不能接收命令", "SAM self-test failed, cannot accept commands"),
    0x66: ("SAM未经授权，无法使用", "SAM not authorised"),
    0x80: ("寻找证/卡失败", "find card failed (no card on the reader)"),
    0x81: ("选取证/卡失败", "select card failed"),
}


def sw3_meaning(sw3: int) -> tuple[str, str]:
    return SW3_MEANINGS.get(sw3, ("未定义的状态码", "undefined status code"))


class ProtocolError(DeviceFailure):
    """The idcard codec's one error: a damaged frame or a SAM refusal.

    ``kind`` is ``checksum``, ``length``, ``status`` (SW3 not success) or
    ``format`` (a reply whose content does not parse); the message carries
    Chinese and English so "0x41" is never shown without its meaning.  Card
    contents never go into the message.
    """

    def __init__(self, kind: str, zh: str, en: str, sw3: int | None = None,
                 action: Action = Action.AUTO):
        code = f"SW3={sw3:02X}" if sw3 is not None else kind
        prefix = f"SW3 {sw3:02X}: " if sw3 is not None else ""
        super().__init__(f"{prefix}{zh} / {en}", action, code)
        self.kind = kind
        self.sw3 = sw3
        self.zh = zh
        self.en = en

    @classmethod
    def from_sw3(cls, sw3: int) -> "ProtocolError":
        zh, en = sw3_meaning(sw3)
        action = Action.MAINTENANCE if sw3 in (0x60, 0x66, 0x31) else Action.AUTO
        return cls("status", zh, en, sw3, action)


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    """XOR of all bytes, folded as one big integer (a few big-int ops
    instead of a Python loop per byte: this is what keeps the fuzz test fast)."""
    n = len(data)
    if n == 0:
        return 0
    width = 1
    while width < n:
        width <<= 1
    value = int.from_bytes(data, "little")
    bits = width * 8
    while bits > 8:
        bits >>= 1
        value = (value >> bits) ^ (value & ((1 << bits) - 1))
    return value


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    head = struct.pack(">H", length)
    return PREAMBLE + head + body + bytes((xor_checksum(head + body),))


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """Host -> SAM frame, e.g. find card = ``AA AA AA 96 69 00 03 20 01 22``."""
    return _frame(bytes((cmd, para)) + data)


def encode_reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """SAM -> host frame (the simulator and tests speak it)."""
    return _frame(bytes((sw1, sw2, sw3)) + data)


@dataclass(frozen=True)
class Command:
    cmd: int
    para: int
    data: bytes
    start: int = 0          # offset of the preamble in the decoder's stream
    size: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.cmd, self.para)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes
    start: int = 0
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.sw3 in (SW3_OK, SW3_CARD_FOUND)

    def raise_for_status(self) -> "Reply":
        if not self.ok:
            raise ProtocolError.from_sw3(self.sw3)
        return self

    def __repr__(self) -> str:  # data may be a card: never in a repr
        return f"Reply(sw3={self.sw3:02X}, {len(self.data)} data bytes)"


class FrameDecoder:
    """Reassembles frames from arbitrary fragments.

    ``feed(bytes)`` buffers; ``events()`` yields every complete frame.  A
    damaged frame (LEN out of range, CHK mismatch) makes ``events()`` raise
    :class:`ProtocolError` after skipping one byte past that preamble, so a
    real frame hidden inside a bogus one is still found: call ``events()``
    again to carry on.  Garbage between frames is dropped silently and
    counted in ``garbage``.
    """

    def __init__(self, direction: str = "reply", max_len: int = MAX_LEN):
        if direction not in ("reply", "command"):
            raise ValueError("direction is 'reply' (SAM->host) or 'command' (host->SAM)")
        self.direction = direction
        self._min_len = 4 if direction == "reply" else 3
        self._max_len = max_len
        self._buf = bytearray()
        self._offset = 0        # stream offset of _buf[0]
        self._need = 0          # bytes the frame at the head needs; 0 = unknown
        self.garbage = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def reset(self) -> None:
        """Forget buffered bytes (the reader flushes after an error)."""
        self._offset += len(self._buf)
        self._buf.clear()
        self._need = 0

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def _drop(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n

    def _complete_frame_at(self, j: int) -> bool:
        """True when a whole frame with a right checksum starts at ``j``."""
        buf = self._buf
        if len(buf) < j + HEADER_LEN:
            return False
        length = (buf[j + 5] << 8) | buf[j + 6]
        end = j + HEADER_LEN + length
        if length < self._min_len or length > self._max_len or len(buf) < end:
            return False
        return xor_checksum(memoryview(buf)[j + 5:end - 1]) == buf[end - 1]

    def events(self) -> Iterator[Command | Reply]:
        buf = self._buf
        while True:
            if not self._need or len(buf) >= self._need:
                self._need = 0
                i = buf.find(PREAMBLE)
                if i < 0:
                    keep = 0
                    for k in (4, 3, 2, 1):
                        if buf.endswith(PREAMBLE[:k]):
                            keep = k
                            break
                    self.garbage += len(buf) - keep
                    self._drop(len(buf) - keep)
                    return
                if i:
                    self.garbage += i
                    self._drop(i)
                if len(buf) < HEADER_LEN:
                    return
                length = (buf[5] << 8) | buf[6]
                if length < self._min_len or length > self._max_len:
                    self.garbage += 1
                    self._drop(1)
                    raise ProtocolError("length", "帧长度错误", f"frame length {length} out of range")
                total = HEADER_LEN + length
                if len(buf) >= total:
                    if xor_checksum(memoryview(buf)[5:total - 1]) != buf[total - 1]:
                        self.garbage += 1
                        self._drop(1)
                        raise ProtocolError("checksum", "帧校验和错误", "frame checksum mismatch")
                    start = self._offset
                    if self.direction == "reply":
                        frame: Command | Reply = Reply(buf[7], buf[8], buf[9], bytes(buf[10:total - 1]),
                                                       start, total)
                    else:
                        frame = Command(buf[7], buf[8], bytes(buf[9:total - 1]), start, total)
                    self._drop(total)
                    yield frame
                    continue
                self._need = total
            # The head is incomplete.  It may be a bogus preamble whose LEN
            # will never be satisfied; a complete, valid frame behind it
            # proves that, so skip to it instead of waiting for a timeout.
            j = buf.find(PREAMBLE, 1)
            while j >= 0:
                if self._complete_frame_at(j):
                    self.garbage += j
                    self._drop(j)
                    self._need = 0
                    raise ProtocolError("length", "帧不完整，已跳过", "incomplete frame skipped")
                j = buf.find(PREAMBLE, j + 1)
            return


def decode_one_reply(raw: bytes) -> Reply:
    """Exactly one complete SAM reply, nothing else (``kiosk idcard decode``)."""
    dec = FrameDecoder("reply")
    dec.feed(raw)
    frames = list(dec.events())
    if not frames:
        if PREAMBLE not in raw:
            raise ProtocolError("format", "未找到帧头 AA AA AA 96 69", "no frame preamble AA AA AA 96 69 found")
        raise ProtocolError("length", "帧不完整（数据比长度字段短）", "incomplete frame: fewer bytes than LEN says")
    if len(frames) > 1 or dec.buffered or dec.garbage:
        raise ProtocolError("format", "输入不是恰好一个完整的帧", "input is not exactly one complete frame")
    return frames[0]


# -- card contents ------------------------------------------------------------
def _field(text: bytes, start: int, end: int) -> str:
    """One fixed-width UCS-2 LE field, padding stripped on the right only
    (English names keep their inner spaces)."""
    return text[start:end].decode("utf-16-le", errors="replace").rstrip(" \x00")


def _raw(text: bytes, start: int, end: int) -> str:
    return text[start:end].decode("utf-16-le", errors="replace")


def _date(value: str, what: str) -> dt.date:
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ProtocolError("format", f"卡内{what}不是有效日期", f"{what} on the card is not a valid date") from None


def _valid_to(value: str) -> dt.date | str:
    return LONG_TERM if value.strip() == LONG_TERM else _date(value, "有效期截止 valid-to")


def _or_none(value: str) -> str | None:
    return value or None


def card_type_of(text: bytes) -> CardType:
    flag = _raw(text, 248, 250)
    return {"J": CardType.HK_MO_TW, "I": CardType.FOREIGN_2017, "Y": CardType.FOREIGN_2023}.get(
        flag, CardType.RESIDENT)


def parse_text(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCardRecord:
    """The 256-byte text block of any of the four card types -> one record."""
    if len(text) < TEXT_LEN:
        raise ProtocolError("format", "文字信息长度不足256字节", f"text block is {len(text)} bytes, expected 256")
    kind = card_type_of(text)
    f = lambda a, b: _field(text, a, b)  # noqa: E731
    if kind in (CardType.RESIDENT, CardType.HK_MO_TW):
        number = f(122, 158)
        nation = f(32, 36)
        return IdCardRecord(
            card_type=kind, name=f(0, 30), gender_code=f(30, 32),
            nation_code=nation or None,
            birth_date=_date(f(36, 52), "出生日期 birth date"), address=_or_none(f(52, 122)),
            id_number=number, authority=_or_none(f(158, 188)),
            valid_from=_date(f(188, 204), "有效期起始 valid-from"), valid_to=_valid_to(f(204, 220)),
            pass_number=_or_none(f(220, 238)) if kind is CardType.HK_MO_TW else None,
            issue_count=_or_none(f(238, 242)) if kind is CardType.HK_MO_TW else None,
            id_number_valid=id_number_valid(number), photo=photo, fingerprint=fingerprint)
    if kind is CardType.FOREIGN_2017:
        number = f(122, 152)
        name_en = f(0, 120)
        name_zh = f(158, 188)
        return IdCardRecord(
            card_type=kind, name=name_zh or name_en, name_en=name_en or None, gender_code=f(120, 122),
            id_number=number, nationality=_or_none(f(152, 158)),
            valid_from=_date(f(188, 204), "有效期起始 valid-from"), valid_to=_valid_to(f(204, 220)),
            birth_date=_date(f(220, 236), "出生日期 birth date"), card_version=_or_none(f(236, 240)),
            authority_code=_or_none(f(240, 248)),
            id_number_valid=foreign_2017_number_valid(number), photo=photo, fingerprint=fingerprint)
    # 2023 card: the English name runs on from 52..122 into 220..242; join the
    # raw halves before stripping so a space at the seam survives.
    part2 = f(220, 242)
    name_en = (_raw(text, 52, 122) + part2).rstrip(" \x00") if part2 else f(52, 122)
    number = f(122, 158)
    name_zh = f(0, 30)
    return IdCardRecord(
        card_type=kind, name=name_zh or name_en, name_en=name_en or None, gender_code=f(30, 32),
        issue_count=_or_none(f(32, 36)), birth_date=_date(f(36, 52), "出生日期 birth date"),
        id_number=number, authority=_or_none(f(158, 188)),
        valid_from=_date(f(188, 204), "有效期起始 valid-from"), valid_to=_valid_to(f(204, 220)),
        nationality=_or_none(f(242, 248)), previous_card=_or_none(f(250, 256)),
        id_number_valid=id_number_valid(number), photo=photo, fingerprint=fingerprint)


def parse_base_info(data: bytes) -> IdCardRecord:
    """Data of a 30 01 (or 30 10, with fingerprint) success reply -> record.

    The two layouts are told apart by which length header adds up, so a reply
    can be decoded without knowing which command asked for it.
    """
    if len(data) >= 4:
        tlen, plen = struct.unpack_from(">HH", data)
        if 4 + tlen + plen == len(data):
            return parse_text(data[4:4 + tlen], data[4 + tlen:])
    if len(data) >= 6:
        tlen, plen, flen = struct.unpack_from(">HHH", data)
        if 6 + tlen + plen + flen == len(data):
            body = data[6:]
            return parse_text(body[:tlen], body[tlen:tlen + plen], body[tlen + plen:])
    raise ProtocolError("format", "基本信息长度字段与数据不符", "base-info length fields do not match the data")


def parse_address(data: bytes) -> str:
    """30 03 reply data: the newest address (70 bytes UCS-2)."""
    return _field(data, 0, 70)


def format_sam_id(data: bytes) -> str:
    """16-byte SAM ID as printed on readers: ``05.01-20101225-0012345678-0123456789``."""
    if len(data) != 16:
        raise ProtocolError("format", "SAM编号长度不是16字节", f"SAM ID is {len(data)} bytes, expected 16")
    a, b, c, d, e = struct.unpack("<HHIII", data)
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"
