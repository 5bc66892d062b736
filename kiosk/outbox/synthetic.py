"""Synthetic applications and requests for load tests and the bench (`kiosk outbox fill`).

The residents are invented: fixed test names and ID numbers with a valid
check digit from a reserved test area code, so platform-side validation
passes and nothing real is ever used.
"""

from __future__ import annotations

import os
import random

from drivers.idcard.gb11643 import with_check_character
from kiosk.outbox.store import Attachment, Outbox, QueuedSubmission
from kiosk.privacy import IdHashKeys

JPEG_SOI = b"\xff\xd8\xff\xe0"


def synthetic_id(n: int) -> str:
    return with_check_character(f"990101{1930 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}")


def synthetic_application(n: int, id_hash_keys: IdHashKeys | bytes, attachment_bytes: int = 300 * 1024,
                          rng: random.Random | None = None) -> tuple[dict, list[Attachment]]:
    """An 高龄津贴申请 (MZ-003) with two scanned pages of ``attachment_bytes`` each.
    ``id_hash_keys``: the terminal's key set, or a bare key (the bench's, version 0)."""
    keys = id_hash_keys if isinstance(id_hash_keys, IdHashKeys) else IdHashKeys(0, id_hash_keys)
    id_number = synthetic_id(n)
    id_hash, version = keys.filing_hash(id_number)
    body = {"matter_code": "MZ-003", "card": "id_card",
            "applicant": {"name": f"测试居民{n:05d}", "id_number": id_number,
                          "id_hash": id_hash, "id_hash_version": version, "phone": "13900000000"},
            "form": {"birth_date": f"{1930 + n % 15}-01-01", "phone": "13900000000"}}
    noise = (lambda k: rng.randbytes(k)) if rng else os.urandom

    def page(size: int) -> bytes:  # a JPEG's start of image, then noise: the platform checks what a page is
        return (JPEG_SOI + noise(max(size - len(JPEG_SOI), 0)))[:max(size, len(JPEG_SOI))]
    return body, [Attachment("id_card", page(attachment_bytes)), Attachment("hukou", page(attachment_bytes))]


def synthetic_request(n: int, id_hash_keys: IdHashKeys | bytes, photos: int = 3, photo_bytes: int = 300 * 1024,
                      rng: random.Random | None = None) -> tuple[dict, list[Attachment]]:
    """A 求助 (roads and lighting, a place in 新牧社区) from an invented
    resident, with ``photos`` photos of ``photo_bytes`` each (the request
    catalog allows three)."""
    keys = id_hash_keys if isinstance(id_hash_keys, IdHashKeys) else IdHashKeys(0, id_hash_keys)
    id_hash, version = keys.filing_hash(synthetic_id(n))
    body = {"type": "help", "topic": "roads_lighting", "text": f"{1 + n % 6}号楼楼道灯不亮，晚上看不清台阶",
            "place": {"community": "xinmu", "building": str(1 + n % 6), "unit": "1"},
            "resident": {"id_hash": id_hash, "id_hash_version": version, "name": f"测试居民{n:05d}"},
            "phone": "13900000000", "phone_consent": True, "catalog_version": "2026.12-1"}
    noise = (lambda k: rng.randbytes(k)) if rng else os.urandom
    return body, [Attachment("photo", JPEG_SOI + noise(max(photo_bytes - len(JPEG_SOI), 0)))
                  for _ in range(photos)]


def fill(outbox: Outbox, count: int, id_hash_keys: IdHashKeys | bytes,
         attachment_bytes: int = 300 * 1024) -> list[QueuedSubmission]:
    return [outbox.enqueue("application", *synthetic_application(i, id_hash_keys, attachment_bytes))
            for i in range(count)]
