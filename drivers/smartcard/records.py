"""The identity record a social security card produces.

It *is* an :class:`IdCardRecord` (same fields where they mean the same:
name, gender, nation, birth date, ID number, validity), with
``card_type = social_security`` and the card's own facts added, so every
consumer of an identity (session, identify step, slips, privacy masks) takes
it unchanged.  Its ``repr`` hides personal data like the ID card's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from drivers.idcard.records import IdCardRecord


@dataclass(frozen=True, repr=False)
class SocialSecurityRecord(IdCardRecord):
    """``valid_from``/``valid_to`` are the card's issue and expiry dates
    (``valid_to`` is ``"长期"`` when the card carries no expiry);
    ``region_code`` is the issuing region (first 6 digits of the card
    identification code); ``card_version`` the spec version ("2.00", "3.00")."""

    card_number: str = ""
    region_code: str = ""
    birthplace_code: str | None = None

    @property
    def issue_date(self) -> dt.date:
        return self.valid_from

    @property
    def expiry_date(self) -> dt.date | str:
        return self.valid_to

    def as_json(self) -> dict[str, Any]:
        out = super().as_json()
        out.update({
            "card_number": self.card_number,
            "issue_date": out["valid_from"],
            "expiry_date": out["valid_to"],
            "region_code": self.region_code,
            "card_version": self.card_version,
        })
        return out

    def __repr__(self) -> str:
        number = self.id_number
        masked = number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)
        return (f"SocialSecurityRecord(card_type={self.card_type.value!r}, id_number={masked!r}, "
                f"region_code={self.region_code!r})")

    __str__ = __repr__
