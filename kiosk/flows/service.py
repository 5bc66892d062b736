"""What a resident service is: its steps, what it needs, and the flow that runs it.

A service registers by declaring ``SERVICE = Service(...)`` in its module under
``kiosk/services/`` (``kiosk.services.registered()`` finds them): its key and
title, its steps in order, which of them are optional, what it needs (identity
kinds, devices, consents), its spoken lines and the factory of its flow.  The
terminal (``kiosk.terminal``) routes every service the same way through the
``ServiceFlow`` interface below, so adding a service touches its module, its
screens and translations, and its tests; nothing in the terminal or the app.

A service with no flow yet (``flow=None``) is "being prepared": its tile says
so and never asks for a card (collecting an identity for a service that cannot
be delivered would be collection without a purpose, PIPL's minimisation rule).
"""

from __future__ import annotations

import datetime
import enum
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, Mapping, TypeVar

from kiosk.flows.jobs import Jobs
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session
from kiosk.identity import Evidence, Identity
from kiosk.privacy import IdHashKeys

if TYPE_CHECKING:
    from kiosk.devices.availability import Availability
    from kiosk.filing.catalog import Catalog


def N_(msgid: str) -> str:
    """Marks a msgid for translation where it is defined; translated where shown."""
    return msgid


class Step(enum.StrEnum):
    """Step names: the vocabulary shared by flows, availability, voice and screens."""

    CHOOSE_MATTER = "choose_matter"   # category -> matter, pinyin search
    CONDITIONS = "conditions"         # conditions and papers before starting
    GUIDE = "guide"                   # one matter's guide, printable
    CONSENT = "consent"               # separate consent (sensitive data)
    IDENTIFY = "identify"             # ID card or social security card
    FACE_CHECK = "face_check"         # 人证核验 after the card, for matters whose catalog entry asks for it
    FORM = "form"                     # the matter's fields
    PAPERS = "papers"                 # scan the required papers
    SIGN = "sign"                     # sign a document on the touchscreen, for matters whose catalog entry asks for it
    REVIEW = "review"
    SUBMIT = "submit"                 # sending through the outbox, a short bounded wait
    DONE = "done"                     # number, slip or number to note down; "take your card and slip"
    HEALTH_START = "health_start"     # 健康自测: a card for the health record, or measure without identifying
    HEALTH_ITEMS = "health_items"     # which measurements
    MEASURE = "measure"               # health devices
    RESULT = "result"                 # health results and slip
    REQUEST_TYPE = "request_type"     # 诉求反映: the type (咨询 求助 投诉 建议 举报), then the topic
    REQUEST_PLACE = "request_place"   # where: the community's building and unit, typed, or not a place
    REQUEST_TEXT = "request_text"     # what: the description (pinyin keyboard, common phrases)
    REQUEST_PHOTOS = "request_photos" # up to three photos, optional
    REQUEST_WHO = "request_who"       # by card, or anonymous (complaints and reports only)
    REQUEST_CONTACT = "request_contact"   # a contact phone, optional, and its consent
    REQUEST_REVIEW = "request_review" # what will be sent; submit
    REQUEST_DONE = "request_done"     # the number, the time limit, the slip
    PROGRESS = "progress"             # card or slip QR, then the statuses of the resident's matters
    CERTIFICATES = "certificates"     # 证明打印: the certificates the platform holds for the resident
    CERTIFICATE_PREVIEW = "certificate_preview"   # the first page, checked (the district's seal, the holder)
    CERTIFICATE_PRINT = "certificate_print"       # printing on the A4 printer; "take your papers"


@dataclass(frozen=True)
class Needs:
    """What a service needs: the cards that may identify for it (a flow can
    narrow or widen this per matter: ``CardRequest``), the device capabilities
    it uses (``kiosk.devices.availability``) and the consents it asks."""

    identity: frozenset[Evidence] = frozenset()
    devices: tuple[str, ...] = ()
    consents: tuple[str, ...] = ()


Lines = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class Service:
    key: str
    title: str                 # msgid (English); Chinese in the zh_CN catalog
    steps: tuple[Step, ...]
    order: int = 100           # place on the home screen
    optional: frozenset[Step] = frozenset()
    needs: Needs = Needs()
    # (step, detail) -> msgid: what the voice says (and some screens show) at each
    # step and state of this service (``kiosk.terminal.voice.instruction``).
    lines: Lines = field(default_factory=dict)
    flow: Callable[[FlowContext, Service], ServiceFlow[Any, Any]] | None = field(default=None, compare=False)

    @property
    def built(self) -> bool:
        return self.flow is not None

    def steps_with(self, included: frozenset[Step] | set[Step] = frozenset()) -> tuple[Step, ...]:
        """The steps a visit takes: every step but the optional ones not ``included``."""
        return tuple(s for s in self.steps if s not in self.optional or s in included)


@dataclass(frozen=True)
class CardRequest:
    """A flow asks the terminal for the resident's card: which cards count
    here, and whether the resident confirms ("this is me", Continue) before
    the flow gets the identity (``confirm=False``: the flow takes it at once,
    as the progress query does)."""

    accepts: frozenset[Evidence]
    confirm: bool = True
    # A code shown on a phone (e-ID, electronic social security card) counts where
    # the card it stands for does, unless the flow says otherwise (kiosk/identity_codes.py).
    codes: bool = True


@dataclass
class FlowContext:
    """What the terminal gives every service flow.  Callables give the
    current value (the catalog after a refresh, the printer the owner holds
    now, what the devices allow now)."""

    session: Session
    jobs: Jobs
    availability: Callable[[], Availability]
    catalog: Callable[[], Catalog | None] = lambda: None
    printer: Callable[[], Any] = lambda: None
    device: Callable[[str], Any] = lambda _capability: None   # the device a step uses for a capability (scan, face_check)
    post: Callable[[Callable[[], Any]], None] = lambda fn: None
    outbox: Any = None
    client: Any = None
    id_hash_keys: IdHashKeys = field(default_factory=IdHashKeys)   # the district's look-up keys
    hut: str = ""
    language: str = "both"              # the slips' language
    wait_seconds: float = 8.0           # how long a resident waits for the platform's number at most
    face_engine: Callable[[], Any] | None = None   # the face check's engine factory (None: dlib's)
    today: Callable[[], datetime.date] = datetime.date.today      # a resident's age is counted on this day
    settings: Any = None
    devices: Callable[[str], list[Any]] = lambda _capability: []   # every device offering a capability (measure)
    clock: Callable[[], float] = time.monotonic                     # the terminal's clock (countdowns)


S = TypeVar("S", bound=enum.Enum)
V = TypeVar("V")


class ServiceFlow(FlowMachine[S, V], Generic[S, V]):
    """A service's flow as the terminal drives it.

    Its state says which step is on screen (``STEP_OF``: state -> step; a
    state missing from it is the service being closed), so the visit's step is
    derived from the flow and never mirrored.  The terminal calls ``open``
    when a visit of the service begins, ``close`` when it ends (every trace
    of the resident goes), ``back`` for 返回 (False: leave the service), and
    hands the identity over with ``identified`` when the flow asked for a card
    (``card_request``).  ``presenter`` is the machine whose view the current
    step's screen renders and sends intents to (a sub-flow for some steps)."""

    STEP_OF: ClassVar[Mapping[Any, Step]] = {}

    def __init__(self, ctx: FlowContext, service: Service, view: V):
        super().__init__(view)
        self.ctx, self.service = ctx, service

    @property
    def step(self) -> Step | None:
        return self.STEP_OF.get(self.state)

    def included(self) -> frozenset[Step]:
        """The optional steps this visit takes (the face check for some matters)."""
        return frozenset()

    def steps(self) -> tuple[Step, ...]:
        return self.service.steps_with(self.included())

    def steps_known(self) -> bool:
        """Whether the visit's number of steps is settled (not while a choice
        still decides an optional step): "step 1" then, never "of 8" that turns into "of 9"."""
        return True

    def presenter(self) -> FlowMachine[Any, Any]:
        return self

    def machines(self) -> tuple[FlowMachine[Any, Any], ...]:
        """Every machine whose view a screen of this service renders (the
        terminal listens to each)."""
        return (self,)

    def shutdown(self) -> None:
        """The terminal stops: let go of threads and devices (camera work)."""

    def card_request(self) -> CardRequest | None:
        return None

    def identified(self, identity: Identity) -> None:
        """The resident's identity, for the card this flow asked for."""

    def speech(self) -> str | None:
        """The detail of the current step's spoken line ("" = the step's
        general line; None: say nothing new now)."""
        return ""

    def availability_changed(self, availability: Availability) -> None:
        """What the devices allow changed (a camera unplugged, the printer back)."""

    def tick(self, now: float) -> None:
        """A few times a second while the service is open (``now``: the terminal's clock): countdowns."""

    def keeps_resident_here(self) -> bool:
        """The resident is busy with a device or a countdown the flow runs (a
        blood pressure measurement, a rest): the idle timer does not count it."""
        return False

    def card_taken(self) -> None:
        """The card left the reader while the service is open."""

    def unsaved_work(self) -> bool:
        """Would leaving now lose what the resident entered (a form, pages)?
        The terminal then asks before 首页 ends the visit."""
        return False

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def back(self) -> bool:
        raise NotImplementedError
