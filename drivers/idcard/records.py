"""The one record an ID card read produces, whatever the card type.

Four card layouts share the 256-byte text block (GA 467 / the 2017 and 2023
foreigner permanent residence card notices); the kiosk's identity logic wants
one shape, so the parser maps all four onto :class:`IdCardRecord` and leaves
fields a card does not carry as ``None``.  The record holds personal data: its
``repr`` is masked so an accidental log line leaks nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class CardType(enum.StrEnum):
    RESIDENT = "resident"          # 居民身份证
    HK_MO_TW = "hk_mo_tw"          # 港澳台居民居住证 (flag "J")
    FOREIGN_2017 = "foreign_2017"  # 外国人永久居留身份证 2017 (flag "I")
    FOREIGN_2023 = "foreign_2023"  # 外国人永久居留身份证 2023 (flag "Y")
    SOCIAL_SECURITY = "social_security"  # 社会保障卡 (drivers/smartcard), ID number = SSN


GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304-1991 codes as printed on the card (without 族).
NATIONS: dict[str, str] = {
    f"{i:02d}": n for i, n in enumerate((
        "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
        "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
        "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
        "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
        "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
        "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"), start=1)
}
NATIONS["97"] = "其他"
NATIONS["98"] = "外国血统中国籍人士"

LONG_TERM = "长期"


def foreign_2017_number_valid(number: str) -> bool:
    """The 2004/2017 foreigner number (3 letters of nationality + 12 digits)
    has no published check algorithm; check its shape so a garbled read is
    still caught."""
    return (len(number) == 15 and number.isascii() and number[:3].isalpha()
            and number[:3].isupper() and number[3:].isdigit())


@dataclass(frozen=True, repr=False)
class IdCardRecord:
    """What the SAM decoded from one card.  Dates are :class:`datetime.date`;
    ``valid_to`` may be the string ``"长期"``.  ``photo`` is the raw WLT
    (1024 bytes); ``photo_bmp`` the picture the reader's WLT decoder made of
    it (a 102x126 BMP, empty when no decoder is installed or it failed).
    Both stay in memory, never on disk."""

    card_type: CardType
    name: str
    gender_code: str
    birth_date: dt.date
    id_number: str
    valid_from: dt.date
    valid_to: dt.date | str
    id_number_valid: bool
    name_en: str | None = None
    nation_code: str | None = None
    address: str | None = None
    authority: str | None = None
    pass_number: str | None = None
    issue_count: str | None = None
    nationality: str | None = None
    card_version: str | None = None
    authority_code: str | None = None
    previous_card: str | None = None
    photo: bytes = field(default=b"", compare=False)
    fingerprint: bytes = field(default=b"", compare=False)
    photo_bmp: bytes = field(default=b"", compare=False)
    address_update: str | None = None

    @property
    def gender(self) -> str:
        return GENDERS.get(self.gender_code, GENDERS["0"])

    @property
    def nation(self) -> str | None:
        if self.nation_code is None:
            return None
        return NATIONS.get(self.nation_code)

    @property
    def long_term(self) -> bool:
        return self.valid_to == LONG_TERM

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``kiosk idcard decode`` (issue 3)."""
        return {
            "card_type": self.card_type.value,
            "name": self.name,
            "name_en": self.name_en,
            "gender": self.gender,
            "gender_code": self.gender_code,
            "nation": self.nation,
            "nation_code": self.nation_code,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to if isinstance(self.valid_to, str) else self.valid_to.isoformat(),
            "pass_number": self.pass_number,
            "issue_count": self.issue_count,
            "nationality": self.nationality,
            "photo_bytes": len(self.photo),
            "fingerprint_bytes": len(self.fingerprint),
            "id_number_valid": self.id_number_valid,
        }

    def __repr__(self) -> str:
        masked = self.id_number[:6] + "*" * max(0, len(self.id_number) - 10) + self.id_number[-4:] \
            if len(self.id_number) > 10 else "*" * len(self.id_number)
        return f"IdCardRecord(card_type={self.card_type.value!r}, id_number={masked!r})"

    __str__ = __repr__
