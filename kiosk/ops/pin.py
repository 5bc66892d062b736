"""The maintenance PIN: stored only as an Argon2id hash (argon2-cffi) in the
root-only maintenance file.

A PIN is six to twelve digits: whoever copies the hash can try every PIN
offline, so each try must cost memory as well as time.  Argon2id (RFC 9106)
through argon2-cffi, the reference implementation's binding, with its
defaults for interactive logins (64 MiB, 3 passes).  A hash from before
(``pbkdf2_sha256$...``, secrets file format 1) still verifies, and
``needs_rehash`` says to replace it with an Argon2id one at the next
successful login.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
LEGACY_SCHEME = "pbkdf2_sha256"


def hash_pin(pin: str, hasher: PasswordHasher | None = None) -> str:
    """``$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>``; ``hasher``: a
    cheaper one for tests."""
    return (hasher or _HASHER).hash(pin)


def verify_pin(pin: str, stored: str) -> bool:
    if stored.startswith(LEGACY_SCHEME + "$"):
        return _verify_pbkdf2(pin, stored)
    try:
        return _HASHER.verify(stored, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a legacy PBKDF2 hash (or an Argon2 one with weaker parameters)."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _verify_pbkdf2(pin: str, stored: str) -> bool:
    try:
        _scheme, iterations, salt_hex, hash_hex = stored.split("$")
        if not 1000 <= int(iterations) <= 10_000_000:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)
