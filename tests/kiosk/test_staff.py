"""Staff card matching: a keyed hash of the UID against the allow-list."""

from __future__ import annotations

import pytest

from kiosk.errors import KioskError
from kiosk.ops.staff import staff_card_hash, staff_card_matches

KEY = bytes(range(32))
UID = bytes.fromhex("04A1B2C3D4E580")


def test_the_card_on_the_list_matches_and_others_do_not():
    entry = staff_card_hash(UID, KEY)
    assert len(entry) == 64 and UID.hex() not in entry
    assert staff_card_matches(UID, ["ab" * 32, entry], KEY)
    assert staff_card_matches(UID, [f"  {entry.upper()}\n"], KEY)  # pasted with spaces, upper case
    assert not staff_card_matches(bytes.fromhex("04A1B2C3D4E581"), [entry], KEY)
    assert not staff_card_matches(UID, [], KEY)
    assert not staff_card_matches(UID, ["非十六进制", "", entry[:-1]], KEY)


def test_the_key_matters():
    entry = staff_card_hash(UID, KEY)
    assert not staff_card_matches(UID, [entry], b"another key")


def test_no_key_or_no_uid_is_refused():
    with pytest.raises(KioskError, match="key"):
        staff_card_matches(UID, [], b"")
    with pytest.raises(KioskError, match="UID"):
        staff_card_hash(b"", KEY)
