"""AES-256-GCM sealing of everything the outbox writes to disk.

Why GCM with associated data: the ciphertext of one submission cannot be
swapped for another's (the serial or blob name is bound in), and a torn or
tampered file is detected instead of uploaded.  The key is the secrets
file's ``outbox_key``; without it the outbox folder is noise.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import KioskError

NONCE_BYTES = 12


class SealError(KioskError):
    """A sealed record cannot be opened (wrong key, torn or altered file)."""


class Sealer:
    """A fresh random 96-bit nonce per record: records are few (thousands,
    not billions), so random nonces stay far from GCM's collision bound."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise KioskError("outbox_key must be 32 bytes (base64 in the secrets file); the outbox cannot start")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except (InvalidTag, ValueError):
            raise SealError("an outbox record cannot be decrypted: wrong outbox_key, or the file is damaged") from None
