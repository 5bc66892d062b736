"""APDUs and status words: building commands and reading replies.

Pure functions, no I/O.  The status-word table carries the meaning of every
code the card reader acts on, so a technician never sees "6A82" alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import Action, DeviceFailure

# ISO 7816-4 status words the reader acts on, with their meaning.
SW_OK = 0x9000
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_SECURITY = 0x6982
SW_BAD_P1P2 = 0x6A86
SW_WRONG_LENGTH = 0x6700
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

MEANINGS: dict[int, str] = {
    SW_OK: "success",
    SW_FILE_NOT_FOUND: "file or application not found",
    SW_RECORD_NOT_FOUND: "record not found",
    SW_SECURITY: "security status not satisfied (needs a PSAM or PIN)",
    SW_BAD_P1P2: "incorrect parameters P1/P2",
    SW_WRONG_LENGTH: "wrong length",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    SW_CLA_NOT_SUPPORTED: "class not supported",
    0x6A81: "function not supported",
    0x6A88: "referenced data not found",
    0x6B00: "wrong parameters (offset outside the file)",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6283: "selected file invalidated (card blocked)",
    0x6F00: "card error, no precise diagnosis",
}

# Never build 00 20 (VERIFY): a wrong or empty PIN burns one of the
# resident's tries, and three locks the card at the bank counter.
VERIFY_INS = 0x20


class CardProtocolError(DeviceFailure):
    """A reply the reader cannot use: the card answered, but not as a social
    security card (or a staff card) does.  ``code`` is short and stable
    ("sw_6A82", "short_reply", "not_social_security", "expired", ...)."""

    def __init__(self, message: str, code: str, action: Action = Action.CLEAR):
        super().__init__(message, action, code)


def sw_text(sw: int) -> str:
    """``6A82 (file or application not found)``; 61xx and 6Cxx spelled out too."""
    if sw >> 8 == 0x61:
        meaning = f"{sw & 0xFF or 256} more bytes available (GET RESPONSE)"
    elif sw >> 8 == 0x6C:
        meaning = f"wrong Le, resend with Le={sw & 0xFF:02X}"
    elif sw >> 8 == 0x63 and sw & 0xF0 == 0xC0:
        meaning = f"verification failed, {sw & 0x0F} tries left"
    else:
        meaning = MEANINGS.get(sw, "unknown status")
    return f"{sw:04X} ({meaning})"


@dataclass(frozen=True)
class Reply:
    """One response APDU: data and the status word."""

    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @classmethod
    def parse(cls, raw: bytes) -> "Reply":
        if len(raw) < 2:
            raise CardProtocolError(f"智能卡应答过短 / card reply of {len(raw)} bytes has no status word",
                                    "short_reply")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    def __repr__(self) -> str:  # data may be personal: length only
        return f"Reply({len(self.data)} bytes, sw={self.sw:04X})"


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """A short APDU (cases 1-4).  ``le`` 0 means 256."""
    if ins == VERIFY_INS:
        raise ValueError("VERIFY is never sent: it would burn the resident's PIN tries")
    for name, value in (("cla", cla), ("ins", ins), ("p1", p1), ("p2", p2)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} must be a byte, got {value}")
    if len(data) > 255:
        raise ValueError(f"command data of {len(data)} bytes needs an extended APDU")
    out = bytes((cla, ins, p1, p2))
    if data:
        out += bytes((len(data),)) + data
    if le is not None:
        if not 0 <= le <= 0xFF:
            raise ValueError(f"le must be 0..255 (0 means 256), got {le}")
        out += bytes((le,))
    return out


def with_le(apdu: bytes, le: int) -> bytes:
    """The same command with its Le replaced (or added), for a 6Cxx answer."""
    if len(apdu) < 4:
        raise ValueError("an APDU has at least 4 bytes")
    body = apdu[4:]
    if not body:                       # case 1 -> case 2
        return apdu + bytes((le,))
    lc = body[0]
    if len(body) == 1:                 # case 2: replace Le
        return apdu[:4] + bytes((le,))
    if len(body) == 1 + lc:            # case 3 -> case 4
        return apdu + bytes((le,))
    return apdu[:-1] + bytes((le,))    # case 4: replace Le


def select_by_name(aid: bytes) -> bytes:
    return command(0x00, 0xA4, 0x04, 0x00, aid)


def select_file(fid: int, p1: int = 0x00) -> bytes:
    return command(0x00, 0xA4, p1, 0x00, fid.to_bytes(2, "big"))


def read_record_by_id(tag: int) -> bytes:
    """READ RECORD with P2=00: P1 is the record identifier (the tag), so the
    read does not depend on how the issuer numbered the records."""
    return command(0x00, 0xB2, tag, 0x00, le=0)


def get_response(length: int) -> bytes:
    return command(0x00, 0xC0, 0x00, 0x00, le=length)


# PC/SC part 3 GET DATA: a contactless reader answers it with the card's UID.
GET_UID = command(0xFF, 0xCA, 0x00, 0x00, le=0)
