"""Who the resident is: one frozen record, whatever card or code proved it.

The readers produce their own records (``drivers.idcard.records.IdCardRecord``
for the four ID card layouts, ``drivers.smartcard.records.SocialSecurityRecord``
for the social security card); every rule above the drivers reads this one
shape instead of duck-typing the readers' records: the flows, the form's
pre-fill, the submission, the slips and the progress query.  It carries the
masked forms a screen or slip may show and the keyed hash a look-up may send,
so nobody re-derives them.

It is personal data: it lives in the session only, its ``repr`` is masked, and
it never reaches a log or a file outside the encrypted outbox.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, Mapping

from drivers.idcard.records import GENDERS, CardType
from kiosk.privacy import id_lookup_hash, mask_id, mask_name


class Evidence(enum.StrEnum):
    """What proved the identity (the contract's ``card`` value)."""

    ID_CARD = "id_card"                            # read from the chip of one of the four ID cards
    SOCIAL_SECURITY_CARD = "social_security_card"  # read from a social security card (PC/SC)
    # A code shown on the resident's phone, verified by the platform (kiosk/identity_codes.py):
    E_ID_CODE = "e_id_code"                        # 电子身份证 / 网证
    E_SOCIAL_SECURITY_CODE = "e_social_security_code"  # 电子社保卡

    @property
    def is_code(self) -> bool:
        """Weaker than a chip read: the platform vouched, nobody held a card here."""
        return self in CODE_EVIDENCE


CODE_EVIDENCE = frozenset({Evidence.E_ID_CODE, Evidence.E_SOCIAL_SECURITY_CODE})


@dataclass(frozen=True, repr=False)
class Identity:
    """One resident, as identified at this terminal.  ``name`` is the name in
    Chinese characters, or the English name when the card carries only that
    (foreigners' cards); ``photo_bmp`` is the card photo as the reader's
    decoder made it (empty when there is none), for the face check only."""

    evidence: Evidence
    card_type: CardType
    name: str
    id_number: str
    gender_code: str = "0"
    birth_date: dt.date | None = None
    address: str | None = None
    name_en: str | None = None
    id_number_valid: bool = True
    region_code: str = ""            # the social security card's issuing region
    photo_bmp: bytes = field(default=b"", compare=False)

    # -- built from what a reader produced -------------------------------------------------
    @classmethod
    def from_card(cls, record: Any) -> Identity:
        """From a reader's record (an ``IdCardRecord`` or a ``SocialSecurityRecord``,
        or a mapping with the same keys, as the virtual hut's fakes hand in)."""
        if isinstance(record, Identity):
            return record
        get = record.get if isinstance(record, Mapping) else (lambda key, default=None: getattr(record, key, default))
        card_type = CardType(str(getattr(get("card_type"), "value", get("card_type")) or CardType.RESIDENT.value))
        name_en = get("name_en") or None
        name = str(get("name") or name_en or "")
        birth = get("birth_date")
        if isinstance(birth, str):
            try:
                birth = dt.date.fromisoformat(birth)
            except ValueError:
                birth = None
        evidence = Evidence.SOCIAL_SECURITY_CARD if card_type is CardType.SOCIAL_SECURITY else Evidence.ID_CARD
        return cls(evidence=evidence, card_type=card_type, name=name, id_number=str(get("id_number") or ""),
                   gender_code=str(get("gender_code") or "0"), birth_date=birth if isinstance(birth, dt.date) else None,
                   address=get("address") or None, name_en=name_en, id_number_valid=bool(get("id_number_valid", True)),
                   region_code=str(get("region_code") or ""), photo_bmp=bytes(get("photo_bmp") or b""))

    @classmethod
    def from_platform(cls, answer: Mapping[str, Any]) -> Identity:
        """From the platform's answer to a verified code (the contract's
        ``identity`` of ``/v1/identity/verify-code``); ``ValueError`` when it
        is not one (a garbled answer identifies nobody)."""
        try:
            evidence = Evidence(str(answer["evidence"]))
            name, number = str(answer["name"]), str(answer["id_number"])
        except (KeyError, ValueError, TypeError):
            raise ValueError("the platform's identity answer lacks evidence, name or id_number") from None
        if not evidence.is_code or not name or not number:
            raise ValueError("the platform's identity answer is not a code's identity")
        try:
            card_type = CardType(str(answer.get("card_type") or CardType.RESIDENT.value))
        except ValueError:
            card_type = CardType.RESIDENT
        birth: dt.date | None = None
        if isinstance(answer.get("birth_date"), str):
            try:
                birth = dt.date.fromisoformat(answer["birth_date"])
            except ValueError:
                birth = None
        photo = b""
        if isinstance(answer.get("photo_jpeg"), str):
            try:
                photo = base64.b64decode(answer["photo_jpeg"], validate=True)
            except (binascii.Error, ValueError):
                photo = b""   # no photo: the face check says it cannot compare, as for a card without one
        return cls(evidence=evidence, card_type=card_type, name=name, id_number=number,
                   gender_code=str(answer.get("gender_code") or "0"), birth_date=birth,
                   address=str(answer["address"]) if answer.get("address") else None, photo_bmp=photo)

    # -- what screens, slips and look-ups may use --------------------------------------------
    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def gender(self) -> str:
        return GENDERS.get(self.gender_code, GENDERS["0"])

    def lookup_hash(self, key: bytes) -> str:
        """The keyed hash of the ID number that look-ups send (never the number)."""
        return id_lookup_hash(self.id_number, key)

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day`` (None when the card gave no birth date)."""
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def prefill(self, attribute: str) -> str | None:
        """What the card says for a form field asking for ``attribute``
        (name, id_number, gender, birth_date, address), as text."""
        value: Any = {"name": self.name, "id_number": self.id_number, "gender": self.gender,
                      "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                      "address": self.address}.get(attribute)
        return str(value) if value else None

    def __repr__(self) -> str:
        return f"Identity(evidence={self.evidence.value!r}, card_type={self.card_type.value!r}, id={self.masked_id!r})"

    __str__ = __repr__
