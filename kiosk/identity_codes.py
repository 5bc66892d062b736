"""What a scanned code is, and identification by an e-ID code, without a screen.

The 2D scanner under the screen (drivers/scanner) delivers text.  Three
things can be shown to it:

* the hut's own slip QR (``HUTAPP:<number>[:<code>]``, kiosk/filing/
  submission.py ``parse_slip_qr``): on the progress query it goes straight to
  the look-up, as it would under the document camera;
* an e-ID code (电子身份证 / 网证) or an electronic social security card code:
  opaque to the terminal, sent as it is to the platform
  (``/v1/identity/verify-code``), which answers with the identity or a
  refusal (expired, used, unknown);
* anything else a phone may show (a payment code, a web address, a product
  barcode): no identity, said so on screen.

:class:`CodeVerification` runs the platform call as a job and says what
became of it; the terminal hands its outcome to the identify step.  The code
is personal data for the minute it lives: never logged, never retried (a
retry of a code the platform took would be refused as used).
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable

from kiosk.filing.submission import parse_slip_qr
from kiosk.flows.jobs import Jobs, JobSlot
from kiosk.identity import Identity

log = logging.getLogger(__name__)

MAX_CODE = 2048
# What is surely not an identity code: a web address (a WeChat or payment page),
# a product barcode (EAN/UPC: 8 to 14 digits).
_NOT_IDENTITY = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://.*|\d{8,14})$", re.S)


class CodeKind(enum.StrEnum):
    SLIP = "slip"            # the hut's own slip QR
    IDENTITY = "identity"    # to be verified by the platform
    OTHER = "other"          # not something the hut reads


def classify(text: str) -> CodeKind:
    text = (text or "").strip()
    if parse_slip_qr(text) is not None:
        return CodeKind.SLIP
    if not text or len(text) > MAX_CODE or _NOT_IDENTITY.match(text) or not text.isascii():
        return CodeKind.OTHER
    return CodeKind.IDENTITY


@runtime_checkable
class ReadsSlips(Protocol):
    """A flow that takes a slip's QR text (the progress query): ``slip_read``
    returns whether it took it; ``camera_wanted`` says a slip is awaited now."""

    @property
    def camera_wanted(self) -> bool: ...

    def slip_read(self, text: str) -> bool: ...


class Refusal(enum.StrEnum):
    """Why a code did not identify anyone (the identify screen's words for each)."""

    EXPIRED = "expired"      # older than a minute: refresh it on the phone
    USED = "used"            # each code identifies once
    UNKNOWN = "unknown"      # not a code of the district (or altered)
    NOT_ID = "not_id"        # not an identity code at all (a payment code, a web address)
    OFFLINE = "offline"      # the platform cannot be asked now: use the card
    FAILED = "failed"        # the platform did not answer in time, or answered nonsense


PLATFORM_REFUSALS = {"CODE_EXPIRED": Refusal.EXPIRED, "CODE_USED": Refusal.USED, "CODE_UNKNOWN": Refusal.UNKNOWN}


@dataclass(frozen=True, repr=False)
class Verified:
    """The outcome of one verification: an identity, or why there is none."""

    identity: Identity | None = None
    refusal: Refusal | None = None

    def __repr__(self) -> str:
        return f"Verified({'identity' if self.identity is not None else self.refusal})"


class _Job(enum.Enum):
    VERIFY = "verify_code"


def verify(client: Any, code: str) -> Verified:
    """Ask the platform (on a worker thread); never raises."""
    from kiosk.central.client import CentralError, NeedsStaff

    try:
        answer = client.verify_identity_code(code)
    except NeedsStaff as exc:
        refusal = PLATFORM_REFUSALS.get(exc.code)
        if refusal is None:
            log.warning("code verification refused: %s (%s)", exc.code, exc.status)
        return Verified(refusal=refusal or Refusal.FAILED)
    except CentralError as exc:
        log.info("code verification: no answer (%s)", exc.code)
        return Verified(refusal=Refusal.FAILED)
    try:
        return Verified(identity=Identity.from_platform(answer))
    except (ValueError, TypeError, AttributeError):
        log.warning("code verification: the platform's answer is no identity")
        return Verified(refusal=Refusal.FAILED)


class CodeVerification:
    """One verification at a time: a new code while one is being verified is
    ignored (the scanner's debounce lets a second, different code through
    only when the resident shows another phone); ``forget`` drops an answer
    still on its way (the step closed, the visit ended)."""

    def __init__(self, jobs: Jobs, client: Callable[[], Any]):
        self.slot = JobSlot(jobs)
        self.client = client

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def start(self, code: str, done: Callable[[Verified], None]) -> bool:
        client = self.client()
        if self.slot.busy or client is None:
            return False
        self.slot.start(_Job.VERIFY, lambda: verify(client, code),
                        lambda outcome: done(outcome if isinstance(outcome, Verified) else Verified(refusal=Refusal.FAILED)))
        return True

    def forget(self) -> None:
        self.slot.forget()
