"""GA 467 SAM serial protocol, sans-I/O: bytes in, frames out.

Frames both ways are ``AA AA AA 96 69 · LEN(2, BE) · body · CHK`` where LEN
counts every byte after itself (CHK included) and CHK is the XOR of LEN and
body.  A host frame's body is ``CMD PARA DATA``; a SAM frame's is
``SW1 SW2 SW3 DATA`` and only SW3 decides success.

Nothing here reads a port, a clock or starts a thread (h11/wsproto style), so
the same decoder runs over pyserial, a pty in the simulator, a file given to
``kiosk idcard decode`` and a fuzz test throwing 100,000 streams at it.  What
the card data inside a reply means is :mod:`drivers.idcard.cardtext`'s job.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterator

from drivers.base import Action, DeviceFailure

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = 7                 # preamble + LEN
MAX_LEN = 3000                 # longest real body: 30 10 reply with 1024-byte fingerprint = 2314

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
    """Codes outside the standard still get words, never a bare hex code."""
    return SW3_MEANINGS.get(sw3, ("未定义的状态码", "undefined status code"))


class ProtocolError(DeviceFailure):
    """The idcard codec's one error: a damaged frame or a SAM refusal.

    ``kind`` is ``checksum``, ``length``, ``status`` (SW3 not success),
    ``timeout`` (no reply in time) or ``format`` (a reply whose content does
    not parse), so callers can choose retry or report; the message carries
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
    """A host frame, as the simulator receives it.  ``start``/``size`` place
    it in the stream: the simulator times a command's arrival by its size,
    and the fuzz test checks each frame was found where it was put."""

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
    """A SAM frame.  SW1/SW2 are kept for the log only: SW3 alone decides."""

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
                    raise ProtocolError("length", "帧长度错误", f"frame length {length} out of range "
                                                                 f"{self._min_len}..{self._max_len}")
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


# What a success reply's data must look like, and SW3 codes that only card
# commands produce.  A reply that fails these checks answers some other
# command (one that timed out, or one sent before a replug) and must not be
# taken as the answer: "no card" is no answer to "SAM status".
_SUCCESS_DATA = {FIND_CARD: 4, SELECT_CARD: 8, READ_SAM_ID: 16, SAM_STATUS: 0, RESET_SAM: 0}
_CARD_ONLY_SW3 = frozenset({SW3_CARD_FOUND, SW3_NO_CARD, 0x81, 0x41, 0x91})


def can_answer(command: tuple[int, int], reply: Reply) -> bool:
    """False when ``reply`` cannot be the SAM's answer to ``command``."""
    if command[0] not in (0x20, 0x30) and reply.sw3 in _CARD_ONLY_SW3:
        return False
    expected = _SUCCESS_DATA.get(command)
    return not (reply.ok and expected is not None and len(reply.data) != expected)


def decode_one_reply(raw: bytes) -> Reply:
    """Exactly one complete SAM reply, nothing else (``kiosk idcard decode``).

    A file whose LEN disagrees with its size would otherwise surface as a
    checksum error (CHK is looked for at the wrong place); the technician
    is told about the length instead, with both numbers.
    """
    if raw.startswith(PREAMBLE) and len(raw) >= HEADER_LEN:
        length = (raw[5] << 8) | raw[6]
        total = HEADER_LEN + length
        if 4 <= length <= MAX_LEN and total != len(raw) and (
                total > len(raw) or xor_checksum(raw[5:total - 1]) != raw[total - 1]):
            raise ProtocolError("length", f"帧长度错误：长度字段为{length}，实际为{len(raw) - HEADER_LEN}字节",
                                f"length error: LEN says {length} bytes follow it, the input has "
                                f"{len(raw) - HEADER_LEN}")
    dec = FrameDecoder("reply")
    dec.feed(raw)
    frames = list(dec.events())
    if not frames:
        if PREAMBLE not in raw:
            raise ProtocolError("format", "未找到帧头 AA AA AA 96 69", "no frame preamble AA AA AA 96 69 found")
        raise ProtocolError("length", "帧不完整（数据比长度字段短）", "incomplete frame: fewer bytes than LEN says")
    if len(frames) > 1 or dec.buffered or dec.garbage:
        raise ProtocolError("format", "输入不是恰好一个完整的帧", "input is not exactly one complete frame")
    frame = frames[0]
    if not isinstance(frame, Reply):  # a "reply" decoder yields replies only
        raise ProtocolError("format", "输入不是应答帧", "input is not a reply frame")
    return frame


def format_sam_id(data: bytes) -> str:
    """16-byte SAM ID as printed on readers: ``05.01-20101225-0012345678-0123456789``."""
    if len(data) != 16:
        raise ProtocolError("format", "SAM编号长度不是16字节", f"SAM ID is {len(data)} bytes, expected 16")
    a, b, c, d, e = struct.unpack("<HHIII", data)
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"
