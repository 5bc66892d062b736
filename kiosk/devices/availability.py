"""What the screens may offer, decided from the devices' states.

A pure function of the device owner's statuses (by kind), the platform's
reachability and the matter at hand, so the whole rule is one table in a
test: a dead printer never stops a visit (the resident notes the number
instead), a dead card reader sends identity steps to the counter (or to the
social security card where the matter accepts it), a dead camera turns
scanning into a list of papers to bring, and an unreachable platform queues
the submission under a local number.  Screens show the mode; they never
look at a device.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol

from drivers.base import Status

# A device that answers and is not in trouble.  BUSY is a job in progress.
USABLE = frozenset({Status.ONLINE, Status.BUSY})
USABLE_VALUES = frozenset(status.value for status in USABLE)


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

    A device counts by its class, except the card readers of the smart-card
    class, which count by what they read (``info.capabilities``): the staff
    card's reader is no way for a resident to identify."""
    usable: dict[str, int] = {}
    for device in devices:
        if device.status not in USABLE_VALUES:
            continue
        kinds = {device.kind}
        if "social_security_card" in device.info.get("capabilities", ()):
            kinds.add("social_security")
        for kind in kinds:
            usable[kind] = usable.get(kind, 0) + 1
    return Availability(
        id_card=usable.get("idcard", 0) > 0,
        social_security=usable.get("social_security", 0) > 0,
        scan=usable.get("camera", 0) > 0,
        slip=usable.get("printer", 0) > 0,
        online=platform_reachable is True,
        health_devices=usable.get("health", 0),
        face_camera=usable.get("face_camera", 0) > 0,
    )
