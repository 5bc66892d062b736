"""The social security card (社会保障卡) and staff card, sans I/O.

A read is a generator that yields command APDUs and is sent back each raw
reply (data + SW); it returns the parsed record or raises
:class:`CardProtocolError`.  The driver runs it over PC/SC, the tests over a
list of bytes, the fuzz test over random replies: the same code everywhere,
and no port, clock or thread in here (today's date comes in as an argument).

Only the fields a card gives without PSAM authentication are read (EF05 and
EF06 of the SSSE application, by record identifier), and never VERIFY.
"""

from __future__ import annotations

import datetime as dt
from typing import Generator

from drivers.idcard import gb11643
from drivers.idcard.records import LONG_TERM, CardType
from drivers.smartcard import apdu
from drivers.smartcard.apdu import CardProtocolError, Reply, sw_text
from drivers.smartcard.records import SocialSecurityRecord

# "sx1.sh.社会保障" in GBK: the SSSE application of the national card.
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
EF05, EF06 = 0xEF05, 0xEF06

# tag -> (file, name, length, format); "an" ASCII, "cn" BCD right-padded
# with F, "b" binary (shown as hex), "gbk" GBK text 00-padded.
FIELDS: dict[int, tuple[int, str, int, str]] = {
    0x01: (EF05, "card_id", 16, "b"),
    0x02: (EF05, "card_kind", 1, "an"),
    0x03: (EF05, "version", 4, "an"),
    0x04: (EF05, "init_org", 12, "cn"),
    0x05: (EF05, "issue_date", 4, "cn"),
    0x06: (EF05, "expiry_date", 4, "cn"),
    0x07: (EF05, "card_number", 9, "an"),
    0x08: (EF06, "id_number", 18, "an"),
    0x09: (EF06, "name", 30, "gbk"),
    0x0A: (EF06, "gender", 1, "an"),
    0x0B: (EF06, "nation", 1, "cn"),
    0x0C: (EF06, "birthplace", 3, "cn"),
    0x0D: (EF06, "birth_date", 4, "cn"),
}
# Without these the card cannot identify anyone.
REQUIRED = frozenset({0x01, 0x03, 0x05, 0x07, 0x08, 0x09})
# A card that keeps answering 61xx/6Cxx is broken or hostile: stop after this many.
MAX_CHAINED = 16

Exchange = Generator[bytes, bytes, Reply]


def transceive(command: bytes) -> Exchange:
    """Send ``command``; follow 61xx with GET RESPONSE and 6Cxx with the same
    command at the right Le; return the whole reply."""
    reply = Reply.parse((yield command))
    collected = b""
    for _ in range(MAX_CHAINED):
        high = reply.sw >> 8
        if high == 0x61:
            collected += reply.data
            reply = Reply.parse((yield apdu.get_response(reply.sw & 0xFF)))
        elif high == 0x6C:
            reply = Reply.parse((yield apdu.with_le(command, reply.sw & 0xFF)))
        else:
            return Reply(collected + reply.data, reply.sw)
    raise CardProtocolError(f"智能卡应答异常 / the card asked for more than {MAX_CHAINED} "
                            f"GET RESPONSE / resend rounds (last {sw_text(reply.sw)})", "chained_too_long")


# -- field decoding ---------------------------------------------------------------
def parse_tlv(tag: int, data: bytes) -> bytes:
    """``tag | len | value`` as READ RECORD returns it; the value."""
    if len(data) < 2:
        raise CardProtocolError(f"记录 {tag:02X} 不完整 / record {tag:02X}: {len(data)} bytes, no tag and length",
                                "bad_record")
    if data[0] != tag:
        raise CardProtocolError(f"记录标签不符 / asked for record {tag:02X}, the card returned tag {data[0]:02X}",
                                "bad_record")
    length = data[1]
    if len(data) < 2 + length:
        raise CardProtocolError(f"记录 {tag:02X} 被截断 / record {tag:02X} says {length} bytes, "
                                f"{len(data) - 2} came", "bad_record")
    return data[2:2 + length]


def bcd_digits(value: bytes) -> str:
    """Packed BCD as a digit string, trailing F padding removed; raises on
    a nibble that is neither a digit nor padding."""
    text = value.hex().upper().rstrip("F")
    if not text.isdigit() and text:
        raise ValueError(f"not BCD: {value.hex()}")
    return text


def bcd_date(value: bytes) -> dt.date | None:
    """YYYYMMDD in BCD; None when the field is all padding (no date)."""
    digits = bcd_digits(value)
    if not digits:
        return None
    if len(digits) != 8:
        raise ValueError(f"a date has 8 digits, found {len(digits)}")
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def gbk_text(value: bytes) -> str:
    """GBK, padded with 00 (some issuers pad with spaces or FF)."""
    return value.split(b"\x00", 1)[0].rstrip(b"\xff").decode("gbk").strip()


def ascii_text(value: bytes) -> str:
    text = value.split(b"\x00", 1)[0].rstrip(b"\xff").decode("ascii").strip()
    if not text.isprintable():
        raise ValueError("not printable ASCII")
    return text


def decode_field(tag: int, value: bytes) -> str | dt.date | None:
    _file, name, _length, fmt = FIELDS[tag]
    try:
        if fmt == "b":
            return value.hex().upper()
        if fmt == "an":
            return ascii_text(value)
        if fmt == "gbk":
            return gbk_text(value)
        if name.endswith("_date"):
            return bcd_date(value)
        return bcd_digits(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CardProtocolError(f"记录 {tag:02X} ({name}) 无法解码 / record {tag:02X} ({name}) cannot be "
                                f"decoded: {exc}", "bad_record") from None


# -- the read ------------------------------------------------------------------------
def _select_ef(fid: int, in_application: bool) -> Generator[bytes, bytes, None]:
    """SELECT EF by file ID, P1=00 first and P1=02 for the cards that want it."""
    last = 0
    for p1 in (0x00, 0x02):
        reply = yield from transceive(apdu.select_file(fid, p1))
        if reply.ok:
            return
        last = reply.sw
        if reply.sw not in (apdu.SW_BAD_P1P2, apdu.SW_FILE_NOT_FOUND, 0x6A81, 0x6A87):
            break
    if not in_application and last == apdu.SW_FILE_NOT_FOUND:
        raise CardProtocolError("不是社会保障卡 / this is not a social security card (no SSSE application, "
                                f"no {fid:04X} file: {sw_text(last)})", "not_social_security")
    raise CardProtocolError(f"社会保障卡文件 {fid:04X} 无法选择 / cannot select {fid:04X}: {sw_text(last)}",
                            f"sw_{last:04X}")


def _read_field(tag: int) -> Generator[bytes, bytes, bytes | None]:
    reply = yield from transceive(apdu.read_record_by_id(tag))
    if reply.ok:
        return parse_tlv(tag, reply.data)
    if reply.sw == apdu.SW_RECORD_NOT_FOUND and tag not in REQUIRED:
        return None
    name = FIELDS[tag][1]
    if reply.sw == apdu.SW_SECURITY:
        raise CardProtocolError(f"社会保障卡拒绝读取 {name} / the card wants authentication for record {tag:02X} "
                                f"({name}): {sw_text(reply.sw)}; this card type is not supported", "sw_6982")
    raise CardProtocolError(f"社会保障卡记录 {tag:02X} ({name}) 读取失败 / reading record {tag:02X} failed: "
                            f"{sw_text(reply.sw)}", f"sw_{reply.sw:04X}")


def read_social_security(today: dt.date) -> Generator[bytes, bytes, SocialSecurityRecord]:
    """The whole read: select the SSSE application (or fall back to EF05 in
    the MF), read EF05 and EF06 by tag, check and build the record."""
    reply = yield from transceive(apdu.select_by_name(SSSE_AID))
    if reply.sw not in (apdu.SW_OK, apdu.SW_FILE_NOT_FOUND):
        raise CardProtocolError("不是社会保障卡 / this is not a social security card (SELECT SSSE answered "
                                f"{sw_text(reply.sw)})", "not_social_security")
    in_application = reply.ok
    values: dict[str, str | dt.date | None] = {}
    current = None
    for tag, (fid, name, _length, _fmt) in FIELDS.items():
        if fid != current:
            yield from _select_ef(fid, in_application or current is not None)
            current = fid
        raw = yield from _read_field(tag)
        values[name] = None if raw is None else decode_field(tag, raw)
    return build_record(values, today)


def _text(values: dict[str, str | dt.date | None], key: str) -> str:
    value = values.get(key)
    return value if isinstance(value, str) else ""


def build_record(values: dict[str, str | dt.date | None], today: dt.date) -> SocialSecurityRecord:
    """Check the decoded fields and make the record; an expired card is an error."""
    id_number = _text(values, "id_number").upper()
    card_id = _text(values, "card_id")
    issued = values.get("issue_date")
    expiry = values.get("expiry_date")
    birth = values.get("birth_date")
    if len(id_number) != 18:
        raise CardProtocolError(f"社会保障号码长度错误 / the social security number has {len(id_number)} "
                                "characters, not 18", "bad_record")
    if not isinstance(birth, dt.date):
        try:  # old cards leave the birth date out; the number carries it
            birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        except ValueError:
            raise CardProtocolError("出生日期无法确定 / no birth date on the card and none in the number",
                                    "bad_record") from None
    if not isinstance(issued, dt.date):
        raise CardProtocolError("发卡日期缺失 / the card carries no issue date", "bad_record")
    if isinstance(expiry, dt.date) and expiry < today:
        raise CardProtocolError(f"社会保障卡已过有效期 / this social security card expired on "
                                f"{expiry.isoformat()}; please use a valid card", "expired")
    gender = _text(values, "gender")
    nation = _text(values, "nation")
    return SocialSecurityRecord(
        card_type=CardType.SOCIAL_SECURITY,
        name=_text(values, "name"),
        gender_code=gender if gender in ("1", "2") else "0",
        birth_date=birth,
        id_number=id_number,
        valid_from=issued,
        valid_to=expiry if isinstance(expiry, dt.date) else LONG_TERM,
        id_number_valid=gb11643.is_valid(id_number),
        nation_code=nation.zfill(2) if nation else None,
        card_version=_text(values, "version") or None,
        card_number=_text(values, "card_number"),
        region_code=card_id[:6],
        birthplace_code=_text(values, "birthplace") or None,
    )


# -- the staff card ----------------------------------------------------------------------
def read_uid() -> Generator[bytes, bytes, bytes]:
    """PC/SC part 3 GET DATA (FF CA): the contactless card's UID (4, 7 or 10 bytes)."""
    reply = yield from transceive(apdu.GET_UID)
    if not reply.ok:
        raise CardProtocolError(f"读不到卡号 / the reader returned no card UID: {sw_text(reply.sw)} "
                                "(a contact card, or a reader without PC/SC part 3 GET DATA)", f"sw_{reply.sw:04X}")
    if len(reply.data) not in (4, 7, 10):
        raise CardProtocolError(f"卡号长度异常 / a card UID has 4, 7 or 10 bytes, this one {len(reply.data)}",
                                "bad_uid")
    return reply.data
