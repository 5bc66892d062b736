"""How ``kiosk provision`` finds the PC/SC readers: whatever pcscd lists
(asking pcscd touches no device; no pcscd, nothing to report)."""

from __future__ import annotations

import logging

from drivers.manifest import Answer

log = logging.getLogger(__name__)


def readers() -> list[Answer]:
    try:
        from smartcard.System import readers as listed

        names = [str(r) for r in listed()]
    except Exception as exc:  # pyscard raises its own types for "no service"; the report says why
        log.info("no PC/SC readers: %s", exc)
        return []
    return [Answer(f"PC/SC reader listed by pcscd: {name}", where=name) for name in names]
