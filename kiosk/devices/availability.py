"""What the screens may offer, decided from the devices' states.

A pure function of the device owner's statuses (by kind), the platform's
reachability and the matter at hand, so the whole rule is one table in a
test: a dead printer never stops a visit (the resident notes the number
instead), a dead card reader sends identity steps to the counter (or to the
social security card where the matter accepts it), a dead camera turns
scanning into a list of papers to bring, and an unreachable platform queues
the submission under a local number.  Screens show the mode; they never
look at a device.

The rules speak of capabilities, never of device kinds: each kind's manifest
says which capability a usable device of it offers (drivers/<class>/
manifest.py, ``offers``), so a new kind of scanner makes scanning available
without a line here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol

from drivers.base import Status
from kiosk.devices.kinds import kind as kind_named

# A device that answers and is not in trouble.  BUSY is a job in progress.
USABLE = frozenset({Status.ONLINE, Status.BUSY})
USABLE_VALUES = frozenset(status.value for status in USABLE)

# The capabilities a kind's manifest may offer (drivers.manifest.Offer.what).
ID_CARD, SOCIAL_SECURITY, SCAN, SLIP, MEASURE, FACE_CHECK, VOICE, CODE = (
    "id_card", "social_security", "scan", "slip", "measure", "face_check", "voice", "code")
A4 = "a4"   # the A4 printer (证明打印): its flow asks the device itself whether it can print now
CAPABILITIES = frozenset({ID_CARD, SOCIAL_SECURITY, SCAN, SLIP, MEASURE, FACE_CHECK, VOICE, CODE, A4})


class Identify(enum.StrEnum):
    ID_CARD = "id_card"                  # the ID card reader (and perhaps the social security card)
    SOCIAL_SECURITY = "social_security"  # the ID card reader is down: the social security card only
    COUNTER = "counter"                  # no card can be read here: the hut's counter


class FaceCheck(enum.StrEnum):
    CHECK = "check"                      # the front camera works: the step runs
    COUNTER = "counter"                  # no front camera: "cannot be done here", the hut's counter


class Papers(enum.StrEnum):
    SCAN = "scan"
    BRING = "bring_to_counter"           # list the papers to bring to the counter


class SlipMode(enum.StrEnum):
    PRINT = "print"
    NOTE_NUMBER = "note_number"          # show the number large: note it down or photograph it


class Submit(enum.StrEnum):
    ONLINE = "online"                    # the platform's application number
    QUEUED = "queued"                    # a local serial; sent by itself later


class Measure(enum.StrEnum):
    MEASURE = "measure"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Availability:
    """The kiosk's capabilities right now (no resident data)."""

    id_card: bool = False
    social_security: bool = False
    scan: bool = False
    slip: bool = False
    online: bool = False
    health_devices: int = 0
    face_camera: bool = False
    # The speaker the voice plays on: None when no speaker is configured (the
    # voice speaks as it always did, unchecked), else whether it works now.
    voice: bool | None = None
    code_scanner: bool = False           # a 2D code scanner reads codes shown on a phone (e-ID)

    @property
    def face_check(self) -> FaceCheck:
        """The face check needs the front camera; without it the terminal
        cannot check that the card is the resident's, so the counter does."""
        return FaceCheck.CHECK if self.face_camera else FaceCheck.COUNTER

    def identify(self, social_security_allowed: bool = False) -> Identify:
        """How a resident identifies for a matter (``social_security_allowed``:
        the matter's catalog entry accepts the social security card)."""
        if self.id_card:
            return Identify.ID_CARD
        if self.social_security and social_security_allowed:
            return Identify.SOCIAL_SECURITY
        return Identify.COUNTER

    @property
    def papers(self) -> Papers:
        return Papers.SCAN if self.scan else Papers.BRING

    @property
    def slip_mode(self) -> SlipMode:
        return SlipMode.PRINT if self.slip else SlipMode.NOTE_NUMBER

    @property
    def submit(self) -> Submit:
        return Submit.ONLINE if self.online else Submit.QUEUED

    @property
    def measure(self) -> Measure:
        return Measure.MEASURE if self.health_devices else Measure.UNAVAILABLE


class DeviceLike(Protocol):
    """What the rules read of a device: ``kiosk.devices.owner.DeviceRecord``."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def info(self) -> Mapping[str, Any]: ...


def decide(devices: Iterable[DeviceLike], platform_reachable: bool | None = None) -> Availability:
    """``devices``: the device owner's records (disabled ones count as absent);
    ``platform_reachable``: as the outbox worker last found it (None: unknown,
    which counts as not reachable: a number the resident cannot use later is
    worse than "it will be sent by itself").

    A usable device counts for each capability its kind offers and it
    reports what the offer needs (``info.capabilities``): the staff card's
    reader is a smart card reader too, but no way for a resident to identify."""
    usable: dict[str, int] = {}
    configured: set[str] = set()
    for device in devices:
        kind = kind_named(device.kind)
        if kind is not None and device.status != "disabled":
            configured.update(offer.what for offer in kind.offers)
        if device.status not in USABLE_VALUES or kind is None:
            continue
        reports = device.info.get("capabilities", ())
        for offer in kind.offers:
            if not offer.needs or offer.needs in reports:
                usable[offer.what] = usable.get(offer.what, 0) + 1
    return Availability(
        id_card=usable.get(ID_CARD, 0) > 0,
        social_security=usable.get(SOCIAL_SECURITY, 0) > 0,
        scan=usable.get(SCAN, 0) > 0,
        slip=usable.get(SLIP, 0) > 0,
        online=platform_reachable is True,
        health_devices=usable.get(MEASURE, 0),
        face_camera=usable.get(FACE_CHECK, 0) > 0,
        voice=usable.get(VOICE, 0) > 0 if VOICE in configured else None,
        code_scanner=usable.get(CODE, 0) > 0,
    )
