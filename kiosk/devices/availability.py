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
from kiosk.flows.services import Service, Step

# A device that answers and is not in trouble.  BUSY is a job in progress.
USABLE = frozenset({Status.ONLINE, Status.BUSY})
USABLE_VALUES = frozenset(status.value for status in USABLE)

# The capabilities a kind's manifest may offer (drivers.manifest.Offer.what).
ID_CARD, SOCIAL_SECURITY, SCAN, SLIP, MEASURE, FACE_CHECK = (
    "id_card", "social_security", "scan", "slip", "measure", "face_check")
CAPABILITIES = frozenset({ID_CARD, SOCIAL_SECURITY, SCAN, SLIP, MEASURE, FACE_CHECK})


class Identify(str, enum.Enum):
    ID_CARD = "id_card"                  # the ID card reader (and perhaps the social security card)
    SOCIAL_SECURITY = "social_security"  # the ID card reader is down: the social security card only
    COUNTER = "counter"                  # no card can be read here: the hut's counter


class FaceCheck(str, enum.Enum):
    CHECK = "check"                      # the front camera works: the step runs
    COUNTER = "counter"                  # no front camera: "cannot be done here", the hut's counter


class Papers(str, enum.Enum):
    SCAN = "scan"
    BRING = "bring_to_counter"           # list the papers to bring to the counter


class SlipMode(str, enum.Enum):
    PRINT = "print"
    NOTE_NUMBER = "note_number"          # show the number large: note it down or photograph it


class Submit(str, enum.Enum):
    ONLINE = "online"                    # the platform's application number
    QUEUED = "queued"                    # a local serial; sent by itself later


class Measure(str, enum.Enum):
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

    def offers(self, svc: Service, social_security_allowed: bool = False,
               face_check: bool = False) -> "ServiceOffer":
        """Each step of ``svc`` with the mode it runs in now (``face_check``:
        the matter's catalog entry asks for the face check after the card)."""
        modes: dict[str, str] = {}
        for step in svc.steps:
            if step == Step.IDENTIFY:
                modes[step] = self.identify(social_security_allowed).value
                if face_check:
                    modes[Step.FACE_CHECK] = self.face_check.value
            elif step == Step.PAPERS:
                modes[step] = self.papers.value
            elif step == Step.SUBMIT:
                modes[step] = f"{self.submit.value}+{self.slip_mode.value}"
            elif step == Step.PROGRESS:  # every card proves who asks; so does the slip
                modes[step] = self.identify(social_security_allowed=True).value
            elif step in (Step.RESULT, Step.GUIDE, Step.DONE):
                modes[step] = self.slip_mode.value
            elif step == Step.MEASURE:
                modes[step] = self.measure.value
        # A health check with no device to measure with cannot be done here at all.
        usable = not (Step.MEASURE in svc.steps and self.measure is Measure.UNAVAILABLE)
        return ServiceOffer(svc.key, usable, tuple(sorted(modes.items())))


@dataclass(frozen=True)
class ServiceOffer:
    service: str
    usable: bool
    modes: tuple[tuple[str, str], ...]

    def mode(self, step: str) -> str | None:
        return dict(self.modes).get(step)


class DeviceLike(Protocol):
    """What the rules read of a device: ``kiosk.devices.owner.DeviceRecord``."""

    kind: str
    status: str
    info: Mapping[str, Any]


def decide(devices: Iterable[DeviceLike], platform_reachable: bool | None = None) -> Availability:
    """``devices``: the device owner's records (disabled ones count as absent);
    ``platform_reachable``: as the outbox worker last found it (None: unknown,
    which counts as not reachable: a number the resident cannot use later is
    worse than "it will be sent by itself").

    A usable device counts for each capability its kind offers and it
    reports what the offer needs (``info.capabilities``): the staff card's
    reader is a smart card reader too, but no way for a resident to identify."""
    usable: dict[str, int] = {}
    for device in devices:
        kind = kind_named(device.kind)
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
    )
