"""The card's own data inside a read-base-info reply: four text layouts,
one record.

Split from the framing in :mod:`drivers.idcard.codec` because the two change
for different reasons: framing is fixed by GA 467, while the text layouts
grow with every new card the public-security ministry issues (the 2017 and
2023 foreigner cards, the 2018 HK/Macau/Taiwan permit).  Pure functions, no
I/O, like the codec.
"""

from __future__ import annotations

import datetime as dt
import struct

from drivers.idcard import gb11643
from drivers.idcard.codec import ProtocolError
from drivers.idcard.records import LONG_TERM, CardType, IdCardRecord, foreign_2017_number_valid

TEXT_LEN = 256


def _field(text: bytes, start: int, end: int) -> str:
    """One fixed-width UCS-2 LE field, padding stripped on the right only
    (English names keep their inner spaces)."""
    return text[start:end].decode("utf-16-le", errors="replace").rstrip(" \x00")


def _raw(text: bytes, start: int, end: int) -> str:
    """Unstripped, for the flag and for joining the 2023 English name halves."""
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
    """The flag sits in what the resident layout calls reserved space, so a
    resident card (blank there) and any flag we do not know both read as a
    resident card, as on readers built before the newer cards existed."""
    flag = _raw(text, 248, 250)
    return {"J": CardType.HK_MO_TW, "I": CardType.FOREIGN_2017, "Y": CardType.FOREIGN_2023}.get(
        flag, CardType.RESIDENT)


def parse_text(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCardRecord:
    """The 256-byte text block of any of the four card types -> one record."""
    if len(text) < TEXT_LEN:
        raise ProtocolError("format", "文字信息长度不足256字节", f"text block is {len(text)} bytes, expected 256")
    kind = card_type_of(text)

    def f(start: int, end: int) -> str:
        return _field(text, start, end)

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
            id_number_valid=gb11643.is_valid(number), photo=photo, fingerprint=fingerprint)
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
        id_number_valid=gb11643.is_valid(number), photo=photo, fingerprint=fingerprint)


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
