"""Synthetic applications for load tests and the bench (`kiosk outbox fill`).

The residents are invented: fixed test names and ID numbers with a valid
check digit from a reserved test area code, so platform-side validation
passes and nothing real is ever used.
"""

from __future__ import annotations

import os
import random

from drivers.idcard.gb11643 import with_check_character
from kiosk.outbox.store import Attachment, Outbox, QueuedSubmission
from kiosk.privacy import id_lookup_hash


def synthetic_id(n: int) -> str:
    return with_check_character(f"990101{1930 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}")


def synthetic_application(n: int, id_hash_key: bytes, attachment_bytes: int = 300 * 1024,
                          rng: random.Random | None = None) -> tuple[dict, list[Attachment]]:
    """An 高龄津贴申请 (MZ-003) with two scanned pages of ``attachment_bytes`` each."""
    id_number = synthetic_id(n)
    body = {"matter_code": "MZ-003", "card": "id_card",
            "applicant": {"name": f"测试居民{n:05d}", "id_number": id_number,
                          "id_hash": id_lookup_hash(id_number, id_hash_key), "phone": "13900000000"},
            "form": {"birth_date": f"{1930 + n % 15}-01-01", "phone": "13900000000"}}
    make = (lambda k: rng.randbytes(k)) if rng else os.urandom
    return body, [Attachment("id_card", make(attachment_bytes)), Attachment("hukou", make(attachment_bytes))]


def fill(outbox: Outbox, count: int, id_hash_key: bytes, attachment_bytes: int = 300 * 1024) -> list[QueuedSubmission]:
    return [outbox.enqueue("application", *synthetic_application(i, id_hash_key, attachment_bytes))
            for i in range(count)]
