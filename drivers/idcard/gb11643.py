"""GB 11643-1999 citizen identity numbers: the check character.

The 18th character of a resident ID number (also of the HK/MO/TW residence
permit and the 2023 foreigner card) is ISO 7064 MOD 11-2 over the first 17
digits.  The card reader, the form check of the catalog and the synthetic
residents of the load tests all need it; this is the one copy.
"""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The check character ("0"-"9" or "X") of 17 ASCII digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    return CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def with_check_character(first17: str) -> str:
    """A whole 18-character number from its first 17 digits (test cards, synthetic residents)."""
    return first17 + check_character(first17)


def is_valid(number: str) -> bool:
    """True for 17 ASCII digits followed by their check character (a lower-case
    ``x`` counts: residents type it that way)."""
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return False
    return check_character(number[:17]) == number[17].upper()
