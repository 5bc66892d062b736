"""Personal data rules (PIPL): masking, keyed look-up hashes, and the log filter.

ID card text and photos, document images, health results and phone numbers are
personal information; health data is sensitive.  They live in memory for the
session only.  Everything that leaves the session for a human eye (slips,
screens, logs) goes through the masks here; everything that leaves for the
platform as a look-up key goes through ``id_lookup_hash``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from typing import Iterable

# 18-digit resident ID numbers (last character may be X), not inside a longer
# run of digits.  Foreign permanent residence card numbers (15 chars, 3 letters
# + 12 digits in the 2017 layout) are matched as well.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_FOREIGN_RE = re.compile(r"(?<![0-9A-Za-z])([A-Z]{3})(\d{8})(\d{4})(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally with +86 / 86 and separators.
_PHONE_RE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_id(number: str) -> str:
    """``230108195001011234`` -> ``230108********1234`` (first 6, last 4)."""
    number = (number or "").strip()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """Chinese names keep their first character (``张*``, ``欧阳**``);
    Latin names keep the first letter of each word (``J*** S****``)."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    return name[0] + "*" * (len(name) - 1)


def redact(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = _ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    text = _FOREIGN_RE.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    return _PHONE_RE.sub(lambda m: m.group(1)[:-3] + m.group(1)[-3:] + "****" + m.group(3), text)


def id_lookup_hash(id_number: str, key: bytes) -> str:
    """Keyed hash of an ID number for look-ups (progress query) without
    sending or storing the number itself."""
    if not key:
        raise ValueError("id_hash_key is empty: look-ups by ID need the key from the secrets file")
    normalised = (id_number or "").strip().upper().encode("ascii", "replace")
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


MAX_ID_HASH_KEYS = 8


@dataclass(frozen=True, repr=False)
class IdHashKeys:
    """The district's keys for ``id_lookup_hash``: one key set for every hut,
    so a resident's card finds their application wherever they filed it.

    The platform delivers it at enrolment and rotates it with a version; a
    filing is hashed under the current key (and says which version), a
    look-up under every key held, so applications filed before a rotation
    are still found while the previous keys are kept.  Version 0 is a
    terminal's own key from before district keys (secrets file format 1):
    it finds only what that terminal filed."""

    version: int = 0
    key: bytes = b""
    previous: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[int, bytes]]) -> "IdHashKeys":
        """The highest version is the current key; one key per version, at
        most ``MAX_ID_HASH_KEYS`` (the newest)."""
        by_version = {version: key for version, key in entries if key}
        ordered = sorted(by_version.items(), reverse=True)[:MAX_ID_HASH_KEYS]
        if not ordered:
            return cls()
        (version, key), *rest = ordered
        return cls(version, key, tuple(rest))

    def entries(self) -> list[tuple[int, bytes]]:
        """(version, key), newest first."""
        return [(self.version, self.key), *self.previous] if self.key else []

    def __bool__(self) -> bool:
        return bool(self.key)

    def __repr__(self) -> str:  # never print key material
        return f"IdHashKeys(version={self.version}, previous={[v for v, _ in self.previous]})"

    def filing_hash(self, id_number: str) -> tuple[str, int]:
        """The hash a filing carries, and the version of the key it used."""
        return id_lookup_hash(id_number, self.key), self.version

    def lookup_hashes(self, id_number: str) -> list[str]:
        """The hashes to look up with: under the current key, then each previous one."""
        return list(dict.fromkeys(id_lookup_hash(id_number, key) for _version, key in self.entries()))


# A look-up's proof in a URL (urllib3 logs each request line at DEBUG): a slip's
# access or slip code opens an application, an id_hash finds a resident's.
_PROOF_RE = re.compile(r"\b((?:proof|id_hash)=)[0-9a-fA-F]{8,}")


def redact_log(text: str) -> str:
    """``redact``, and the proofs of progress look-ups in request lines."""
    return _PROOF_RE.sub(r"\1***", redact(text))


class RedactingFilter(logging.Filter):
    """Masks ID and phone numbers (and look-up proofs in URLs) in every
    record: message, arguments and exception text.  Installed on handlers, so
    third-party loggers are covered too.  The record is rewritten in place,
    once, before any formatter runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must still be logged, masked
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact_log(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact_log(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_log(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log(record.stack_info)
        return True


_factory_installed = False


def install_redacting_record_factory() -> None:
    """Mask records as they are created, so every handler (journald's, a test's
    caplog, a library's own) sees only masked text.  Idempotent."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()
    scrub = RedactingFilter()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        scrub.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True
