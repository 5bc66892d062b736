"""Staff cards: is this card UID one of the hut's staff cards?

A UID is no secret (any phone reads it, and some chips make up a fresh one
at every power-up), so it is only half of a maintenance login: the PIN is
the other half.  The secrets file keeps keyed hashes of the allowed UIDs,
not the UIDs, so a copy of the file does not tell anyone which cards to
clone.  HMAC-SHA256 under a key from the secrets file, hex.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Iterable

from kiosk.errors import KioskError


def staff_card_hash(uid: bytes, key: bytes) -> str:
    """The allow-list entry for a card: ``kiosk card uid`` prints it."""
    if not key:
        raise KioskError("the staff card key in the secrets file is empty: staff cards cannot be checked")
    if not uid:
        raise KioskError("empty card UID")
    return hmac.new(key, uid, hashlib.sha256).hexdigest()


def staff_card_matches(uid: bytes, allow_list: Iterable[str], key: bytes) -> bool:
    """True when the UID's keyed hash is on the allow-list.  Every entry is
    compared in constant time, and all of them, so timing says nothing about
    which (or how many) entries came close."""
    digest = staff_card_hash(uid, key)
    found = False
    for entry in allow_list:
        wanted = entry.strip().lower()
        if wanted.isascii() and hmac.compare_digest(digest, wanted):
            found = True
    return found
