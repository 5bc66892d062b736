"""诉求反映 (天大小事): a resident's request to the district, from its type to the slip.

Type and topic come from the district's request catalog (``catalog``), which
the flow asks the platform for when a visit opens (the client keeps the last
copy it had; without any, the step says requests cannot be taken now).  A
topic the hut cannot take (the courts, 信访, an emergency) is answered with
where to go instead.  Where: the hut's own community, a building and unit
from its addresses or typed, or "not a place".  What: the description
(``text``: at most 500 characters, no emoji or control characters), common
phrases of the topic tapped in.  Photos: up to three (``photos``), from the
document camera or the front camera.  Who: the card (the identify step, the
answer then found by card) or, for complaints and reports only, anonymous
(only the slip's code finds it); a contact phone by keypad, optional, with
its consent.  Review, then the request goes through the outbox; the
platform's number comes within a short wait (online) or the local serial
stands for it; a slip with the number, type, topic, time limit, QR and the
masked phone.

Everything the resident enters lives in the session's draft (``DRAFT``)
until the request is in the outbox or the visit ends: going back and forth
between the steps loses nothing.

States::

    closed ─open─▶ loading ─catalog─▶ type ─choose_type─▶ topic ─choose_topic─▶ place
    loading ─no_catalog─▶ no_catalog;  topic ─not_here─▶ not_here ─back─▶ topic
    place ─place_done─▶ text ─text_done─▶ photos ─shoot─▶ shooting ─photo─▶ photos
    photos ─photos_done─▶ who ─by_card─▶ identify ─identified─▶ contact
    who ─anonymous─▶ contact ─contact_done─▶ review ─submit─▶ submitting ─filed─▶ done
    submitting ─failed─▶ review (the outbox could not take it: said so)
    submitting ─refused─▶ topic (the platform no longer knows the topic: the catalog is
                          refreshed and the resident chooses again; nothing typed is lost)
    every step before submitting ─back─▶ the previous one;  any ─close─▶ closed
"""

from __future__ import annotations

import enum
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.devices.availability import FACE_CHECK, SCAN, Availability, FaceCheck, SlipMode, Submit
from kiosk.filing.submission import Filed, new_slip_code, print_slip, slip_qr
from kiosk.flows.jobs import JobSlot
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.flows.session import Slot
from kiosk.identity import Evidence, Identity
from kiosk.outbox.store import Attachment
from kiosk.outbox.withdrawals import slip_code_hash
from kiosk.services.request import text as texts
from kiosk.services.request.catalog import Community, NotHere, RequestCatalog, RequestType, Topic, as_catalog, fetch_catalog
from kiosk.services.request.photos import MAX_PHOTOS, Photo, PhotoShot
from kiosk.slips import mask_phone

log = logging.getLogger(__name__)

CARD = CardRequest(frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}))
PHONE_RE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{9,11}|[2-9][0-9]{6,7})$")
REFUSALS = ("UNKNOWN_TOPIC", "UNKNOWN_TYPE", "UNKNOWN_COMMUNITY")   # the catalog changed: ask again
REFUSED = "refused:"   # Filed.error of a request the platform refused (its code follows)
POLL_SECONDS = 0.2


class RequestState(enum.StrEnum):
    CLOSED = "closed"
    LOADING = "loading"          # the catalog is being fetched
    NO_CATALOG = "no_catalog"    # the platform cannot be reached and no catalog is cached
    TYPE = "type"
    TOPIC = "topic"
    NOT_HERE = "not_here"        # a matter the hut cannot take: where to go instead
    PLACE = "place"
    TEXT = "text"
    PHOTOS = "photos"
    SHOOTING = "shooting"        # a camera's live picture; 拍照
    WHO = "who"
    IDENTIFY = "identify"
    CONTACT = "contact"
    REVIEW = "review"
    SUBMITTING = "submitting"
    DONE = "done"


class RequestJob(enum.StrEnum):
    CATALOG = "request_catalog"
    FILE = "request_file"
    PRINT = "request_print"


R = RequestState


@dataclass
class Draft:
    """What the resident entered, for the visit only (the session's slot)."""

    type: str = ""
    topic: str = ""
    community: str = ""
    building: str = ""
    unit: str = ""
    place_text: str = ""
    no_place: bool = False
    text: str = ""
    photos: list[Photo] = field(default_factory=list)
    anonymous: bool = False
    phone: str = ""
    phone_consent: bool = False

    def __repr__(self) -> str:
        return f"Draft(type={self.type!r}, topic={self.topic!r}, photos={len(self.photos)}, <personal data hidden>)"

    def wipe(self) -> None:
        self.text = self.place_text = self.phone = ""
        self.photos.clear()


DRAFT: Slot[Draft] = Slot("request.draft", drop=Draft.wipe)


@dataclass(frozen=True, repr=False)
class RequestView:
    """``notice``: "" | empty | too_long | stripped | no_topic_yet | choose_place | anonymous_not_allowed |
    bad_phone | consent_needed | camera_lost | full | refused | submit_failed | not_accepted;
    ``slip``: "" | printing | printed | note_number; ``submit_mode``: online | queued."""

    state: RequestState = RequestState.CLOSED
    catalog_version: str = ""
    types: tuple[RequestType, ...] = ()
    topics: tuple[Topic, ...] = ()
    not_here: tuple[NotHere, ...] = ()
    type: RequestType | None = None
    topic: Topic | None = None
    refusal: NotHere | None = None
    community: Community | None = None
    building: str = ""
    unit: str = ""
    place_text: str = ""
    no_place: bool = False
    text: str = ""
    count: int = 0
    max_chars: int = texts.MAX_CHARS
    photos: tuple[str, ...] = ()        # each photo's kind (page | photo), in order
    source: str = ""                    # the camera of the shooting state: document | front
    retaking: int = -1
    cameras: tuple[str, ...] = ()       # the cameras usable now
    taking: bool = False                # 拍照 pressed, the photo is being made
    anonymous: bool = False
    identified: bool = False
    masked_name: str = ""
    phone_entry: str = ""               # the digits while the keypad is up (shown to the one typing them)
    phone_masked: str = ""
    phone_consent: bool = False
    submit_mode: str = ""
    number: str = ""
    confirmed: bool = False
    limit_days: int = 0
    slip: str = ""
    notice: str = ""

    @property
    def can_submit(self) -> bool:
        return self.state is RequestState.REVIEW

    @property
    def place_words(self) -> str:
        if self.no_place:
            return ""
        if self.place_text:
            return self.place_text
        if self.building:
            return building_words(self.building, self.unit)
        return ""

    def __repr__(self) -> str:
        return f"RequestView(state={self.state.value!r}, type={self.type.code if self.type else ''!r}, " \
               f"photos={len(self.photos)}, <personal data hidden>)"


_BACK = {R.TOPIC: R.TYPE, R.NOT_HERE: R.TOPIC, R.PLACE: R.TOPIC, R.TEXT: R.PLACE, R.PHOTOS: R.TEXT,
         R.SHOOTING: R.PHOTOS, R.WHO: R.PHOTOS, R.IDENTIFY: R.WHO, R.CONTACT: R.WHO, R.REVIEW: R.CONTACT}


class RequestFlow(ServiceFlow[RequestState, RequestView]):
    """Intents: ``choose_type(code)``, ``choose_topic(code)``, ``choose_not_here(code)``, ``choose_building(b)``,
    ``choose_unit(u)``, ``type_place(text)``, ``set_no_place(bool)``, ``place_done()``, ``set_text(text)``,
    ``insert_phrase(text)``, ``text_done()``, ``shoot(source)``, ``take()``, ``retake(i)``, ``delete_photo(i)``,
    ``cancel_shot()``, ``photos_done()``, ``by_card()``, ``go_anonymous()``, ``type_digit(d)``, ``erase_digit()``,
    ``clear_phone()``, ``set_consent(bool)``, ``contact_done()``, ``submit()``, ``reprint()``, ``retry_catalog()``."""

    STEP_OF = {R.LOADING: Step.REQUEST_TYPE, R.NO_CATALOG: Step.REQUEST_TYPE, R.TYPE: Step.REQUEST_TYPE,
               R.TOPIC: Step.REQUEST_TYPE, R.NOT_HERE: Step.REQUEST_TYPE, R.PLACE: Step.REQUEST_PLACE,
               R.TEXT: Step.REQUEST_TEXT, R.PHOTOS: Step.REQUEST_PHOTOS, R.SHOOTING: Step.REQUEST_PHOTOS,
               R.WHO: Step.REQUEST_WHO, R.IDENTIFY: Step.IDENTIFY, R.CONTACT: Step.REQUEST_CONTACT,
               R.REVIEW: Step.REQUEST_REVIEW, R.SUBMITTING: Step.REQUEST_REVIEW, R.DONE: Step.REQUEST_DONE}
    TRANSITIONS = {
        **{(s, "open"): R.LOADING for s in R},
        **{(s, "close"): R.CLOSED for s in R},
        (R.LOADING, "catalog"): R.TYPE,
        (R.LOADING, "no_catalog"): R.NO_CATALOG,
        (R.NO_CATALOG, "retry"): R.LOADING,
        (R.TYPE, "choose_type"): R.TOPIC,
        (R.TOPIC, "choose_topic"): R.PLACE,
        (R.TOPIC, "not_here"): R.NOT_HERE,
        (R.PLACE, "place_done"): R.TEXT,
        (R.TEXT, "text_done"): R.PHOTOS,
        (R.PHOTOS, "shoot"): R.SHOOTING,
        (R.SHOOTING, "photo"): R.PHOTOS,
        (R.SHOOTING, "camera_lost"): R.PHOTOS,
        (R.PHOTOS, "photos_done"): R.WHO,
        (R.WHO, "by_card"): R.IDENTIFY,
        (R.WHO, "anonymous"): R.CONTACT,
        (R.IDENTIFY, "identified"): R.CONTACT,
        (R.CONTACT, "contact_done"): R.REVIEW,
        (R.REVIEW, "submit"): R.SUBMITTING,
        (R.SUBMITTING, "failed"): R.REVIEW,
        (R.SUBMITTING, "refused"): R.TOPIC,
        (R.SUBMITTING, "filed"): R.DONE,
        **{(s, "back"): target for s, target in _BACK.items()},
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, RequestView())
        self.job = JobSlot(ctx.jobs)
        self.print_job = JobSlot(ctx.jobs)
        self.catalog: RequestCatalog | None = None    # kept between visits (its version says which)
        self.shots = {"document": PhotoShot(lambda: ctx.device(SCAN), ctx.post, self._photo, self._camera_lost,
                                            "document"),
                      "front": PhotoShot(lambda: ctx.device(FACE_CHECK), ctx.post, self._photo, self._camera_lost,
                                         "front")}
        self._slip: Any = None
        self._refused_serial = ""   # a copy the platform refused for an out-of-date catalog, dropped once filed again
        self.subscribe(self._follow_cameras)

    # -- the draft ---------------------------------------------------------------------------
    @property
    def draft(self) -> Draft:
        found = self.ctx.session.get(DRAFT)
        return found if found is not None else self.ctx.session.put(DRAFT, Draft())

    def photo(self, index: int) -> bytes | None:
        """A photo's bytes for the screen's thumbnail (None past the last)."""
        found = self.ctx.session.get(DRAFT)
        return found.photos[index].data if found is not None and 0 <= index < len(found.photos) else None

    def preview(self) -> Any:
        """The newest frame of the camera the shooting state looks through (None otherwise)."""
        shot = self.shots.get(self.view.source)
        return shot.latest_frame() if shot is not None and self.state is R.SHOOTING else None

    # -- the terminal's side -------------------------------------------------------------------
    def open(self) -> None:
        self._forget()
        self._fire("open", **_blank())
        self._load_catalog()

    def close(self) -> None:
        self._forget()
        self._fire("close", **_blank())

    def _forget(self) -> None:
        self.job.forget()
        self.print_job.forget()
        for shot in self.shots.values():
            shot.stop()
        self.ctx.session.pop(DRAFT)
        self._slip = None
        self._refused_serial = ""

    def shutdown(self) -> None:
        for shot in self.shots.values():
            shot.close()

    def included(self) -> frozenset[Step]:
        return frozenset() if self.draft_anonymous() else frozenset({Step.IDENTIFY})

    def draft_anonymous(self) -> bool:
        found = self.ctx.session.get(DRAFT)
        return bool(found is not None and found.anonymous)

    def steps_known(self) -> bool:
        return self.state not in (R.LOADING, R.NO_CATALOG, R.TYPE, R.TOPIC, R.NOT_HERE, R.PLACE, R.TEXT, R.PHOTOS,
                                  R.SHOOTING, R.WHO) or not self._anonymous_allowed()

    def _anonymous_allowed(self) -> bool:
        return bool(self.view.type is not None and self.view.type.anonymous_allowed)

    def card_request(self) -> CardRequest | None:
        return CARD if self.state is R.IDENTIFY else None

    def unsaved_work(self) -> bool:
        found = self.ctx.session.get(DRAFT)
        return self.state not in (R.DONE, R.SUBMITTING, R.CLOSED) and found is not None and bool(
            found.text.strip() or found.photos or found.place_text or found.phone)

    def speech(self) -> str | None:
        if self.state in (R.SUBMITTING, R.LOADING):
            return None
        if self.state is R.IDENTIFY:
            return ""   # the identify step's own line, for the readers this hut has
        if self.state is R.DONE:
            return "done_online" if self.view.confirmed else "done_queued"
        if self.view.notice in ("refused", "camera_lost", "submit_failed", "not_accepted"):
            return self.view.notice
        return self.state.value

    def availability_changed(self, availability: Availability) -> None:
        cameras = _cameras(availability)
        if self.state is not R.CLOSED:
            self._set(cameras=cameras)
        if self.state is R.SHOOTING and self.view.source not in cameras:
            self._camera_lost()

    def back(self) -> bool:
        state = self.state
        if state in (R.LOADING, R.NO_CATALOG, R.TYPE, R.CLOSED):
            return False
        if state in (R.SUBMITTING, R.DONE):
            return True    # in the outbox already: nothing moves
        if state is R.SHOOTING:
            return self.cancel_shot()
        if state in (R.IDENTIFY, R.CONTACT):
            # The card is asked again when the resident chooses it again: no identity outlives its step here.
            self.ctx.session.forget_resident()
            return self._fire("back", identified=False, masked_name="", notice="")
        if state is R.REVIEW:
            return self._fire("back", notice="", **self._contact_view())
        if state is R.TOPIC:
            return self._fire("back", topic=None, refusal=None, notice="")
        return self._fire("back", notice="", refusal=None)

    # -- the catalog ---------------------------------------------------------------------------
    def _load_catalog(self) -> None:
        client, known = self.ctx.client, self.catalog

        def fetch() -> RequestCatalog | None:
            return fetch_catalog(client) or known

        self.job.start(RequestJob.CATALOG, fetch, self._catalog_loaded)

    def _catalog_loaded(self, catalog: Any) -> None:
        if self.state is not R.LOADING:
            return
        if not isinstance(catalog, RequestCatalog):
            self._fire("no_catalog")
            return
        self.catalog = catalog
        community = self._home_community(catalog)
        draft = self.draft
        draft.community = community.code if community else ""
        self._fire("catalog", catalog_version=catalog.version, types=catalog.types, topics=catalog.topics,
                   not_here=catalog.not_here, community=community,
                   cameras=_cameras(self.ctx.availability()))

    def _home_community(self, catalog: RequestCatalog) -> Community | None:
        wanted = str(getattr(getattr(self.ctx.settings, "hut", None), "community", "") or "")
        found = catalog.community(wanted) if wanted else None
        return found or (catalog.communities[0] if catalog.communities else None)

    def retry_catalog(self) -> bool:
        if not self._fire("retry"):
            return False
        self._load_catalog()
        return True

    # -- type and topic ------------------------------------------------------------------------
    def choose_type(self, code: str) -> bool:
        found = self.catalog.type(code) if self.catalog is not None else None
        if self.state is not R.TYPE or found is None:
            return False
        draft = self.draft
        if draft.type != code:
            draft.anonymous = draft.anonymous and found.anonymous_allowed
        draft.type = code
        return self._fire("choose_type", type=found, limit_days=found.limit_working_days, notice="",
                          anonymous=draft.anonymous)

    def choose_topic(self, code: str) -> bool:
        found = self.catalog.topic(code) if self.catalog is not None else None
        if self.state is not R.TOPIC or found is None:
            return False
        draft = self.draft
        if draft.topic != code and not found.needs_place and not draft.building and not draft.place_text:
            draft.no_place = True
        draft.topic = code
        return self._fire("choose_topic", topic=found, notice="", **self._place_view())

    def choose_not_here(self, code: str) -> bool:
        found = self.catalog.refusal(code) if self.catalog is not None else None
        if self.state is not R.TOPIC or found is None:
            return False
        return self._fire("not_here", refusal=found, notice="")

    # -- where ---------------------------------------------------------------------------------
    def _place_view(self) -> dict[str, Any]:
        d = self.draft
        return {"building": d.building, "unit": d.unit, "place_text": d.place_text, "no_place": d.no_place}

    def choose_building(self, building: str) -> bool:
        community = self.view.community
        if self.state is not R.PLACE or community is None or community.building(building) is None:
            return False
        d = self.draft
        if d.building != building:
            d.unit = ""
        d.building, d.place_text, d.no_place = building, "", False
        self._set(notice="", **self._place_view())
        return True

    def choose_unit(self, unit: str) -> bool:
        community, d = self.view.community, self.draft
        address = community.building(d.building) if community is not None else None
        if self.state is not R.PLACE or address is None or unit not in address.units:
            return False
        d.unit = unit
        self._set(notice="", **self._place_view())
        return True

    def type_place(self, words: str) -> bool:
        """The place typed (a street, a shop, a building the list does not have)."""
        if self.state is not R.PLACE:
            return False
        cleaned = texts.clean(words).text[:60]
        d = self.draft
        d.place_text = cleaned
        if cleaned.strip():
            d.building = d.unit = ""
            d.no_place = False
        self._set(notice="", **self._place_view())
        return True

    def set_no_place(self, on: bool) -> bool:
        if self.state is not R.PLACE:
            return False
        d = self.draft
        d.no_place = bool(on)
        if on:
            d.building = d.unit = d.place_text = ""
        self._set(notice="", **self._place_view())
        return True

    def place_done(self) -> bool:
        d = self.draft
        if self.state is not R.PLACE:
            return False
        if not (d.no_place or d.building or d.place_text.strip()):
            self._set(notice="choose_place")
            return False
        return self._fire("place_done", notice="", text=d.text, count=texts.count(d.text))

    # -- what ----------------------------------------------------------------------------------
    def set_text(self, words: str) -> bool:
        """The description as the keyboard has it now.  Emoji and control
        characters are taken out (said so); more than 500 characters is refused
        and the text stays as it was."""
        if self.state is not R.TEXT:
            return False
        cleaned = texts.clean(words)
        if texts.count(cleaned.text) > texts.MAX_CHARS:
            self._set(notice="too_long")
            return False
        self.draft.text = cleaned.text
        self._set(text=cleaned.text, count=texts.count(cleaned.text), notice="stripped" if cleaned.stripped else "")
        return True

    def insert_phrase(self, phrase: str) -> bool:
        """A common phrase of the topic, tapped: added at the end."""
        topic = self.view.topic
        if self.state is not R.TEXT or topic is None or phrase not in {p.text for p in topic.phrases}:
            return False
        current = self.draft.text
        joined = f"{current}，{phrase}" if current.strip() and not current.rstrip().endswith(("，", "。", ",", "."))\
            else f"{current}{phrase}"
        return self.set_text(joined)

    def text_done(self) -> bool:
        if self.state is not R.TEXT:
            return False
        if texts.blank(self.draft.text):
            self._set(notice="empty")
            return False
        return self._fire("text_done", notice="", photos=self._photo_kinds(),
                          cameras=_cameras(self.ctx.availability()))

    # -- photos --------------------------------------------------------------------------------
    def _photo_kinds(self) -> tuple[str, ...]:
        return tuple(p.kind for p in self.draft.photos)

    def shoot(self, source: str = "document") -> bool:
        """Look through a camera (document | front) for a new photo."""
        cameras = _cameras(self.ctx.availability())
        if self.state is not R.PHOTOS or source not in self.shots:
            return False
        if source not in cameras:
            self._set(notice="camera_lost", cameras=cameras)
            return False
        if len(self.draft.photos) >= MAX_PHOTOS:
            self._set(notice="full")
            return False
        return self._fire("shoot", source=source, retaking=-1, taking=False, notice="", cameras=cameras)

    def retake(self, index: int) -> bool:
        photos = self.draft.photos
        if self.state is not R.PHOTOS or not 0 <= index < len(photos):
            return False
        source = photos[index].source
        if source not in _cameras(self.ctx.availability()):
            self._set(notice="camera_lost")
            return False
        return self._fire("shoot", source=source, retaking=index, taking=False, notice="")

    def delete_photo(self, index: int) -> bool:
        photos = self.draft.photos
        if self.state is not R.PHOTOS or not 0 <= index < len(photos):
            return False
        del photos[index]
        self._set(photos=self._photo_kinds(), notice="")
        return True

    def take(self) -> bool:
        """拍照."""
        shot = self.shots.get(self.view.source)
        if self.state is not R.SHOOTING or shot is None or self.view.taking or not shot.take():
            return False
        self._set(taking=True)
        return True

    def cancel_shot(self) -> bool:
        return self._fire("back", source="", retaking=-1, taking=False, notice="")

    def _photo(self, photo: Photo) -> None:
        if self.state is not R.SHOOTING:
            return
        photos, index = self.draft.photos, self.view.retaking
        if 0 <= index < len(photos):
            photos[index] = photo
        elif len(photos) < MAX_PHOTOS:
            photos.append(photo)
        self._fire("photo", photos=self._photo_kinds(), source="", retaking=-1, taking=False, notice="")

    def _camera_lost(self) -> None:
        if self.state is R.SHOOTING:
            self._fire("camera_lost", source="", retaking=-1, taking=False, notice="camera_lost",
                       cameras=_cameras(self.ctx.availability()))

    def _follow_cameras(self, view: RequestView) -> None:
        for source, shot in self.shots.items():
            shot.want(view.state is R.SHOOTING and view.source == source)

    def photos_done(self) -> bool:
        return self.state is R.PHOTOS and self._fire("photos_done", notice="", anonymous=self.draft.anonymous)

    # -- who -----------------------------------------------------------------------------------
    def by_card(self) -> bool:
        if self.state is not R.WHO:
            return False
        self.draft.anonymous = False
        return self._fire("by_card", anonymous=False, notice="")

    def go_anonymous(self) -> bool:
        if self.state is not R.WHO:
            return False
        if not self._anonymous_allowed():
            self._set(notice="anonymous_not_allowed")
            return False
        self.draft.anonymous = True
        self.ctx.session.forget_resident()
        return self._fire("anonymous", anonymous=True, identified=False, masked_name="", notice="",
                          **self._contact_view())

    def identified(self, identity: Identity) -> None:
        if self.state is not R.IDENTIFY:
            return
        self._fire("identified", identified=True, masked_name=identity.masked_name, **self._contact_view())

    def _contact_view(self) -> dict[str, Any]:
        d = self.draft
        return {"phone_entry": "", "phone_masked": mask_phone(d.phone) if d.phone else "",
                "phone_consent": d.phone_consent}

    # -- the contact phone ------------------------------------------------------------------------
    def type_digit(self, digit: str) -> bool:
        if self.state is not R.CONTACT or len(digit) != 1 or not digit.isdigit() or len(self.view.phone_entry) >= 12:
            return False
        self._set(phone_entry=self.view.phone_entry + digit, notice="")
        return True

    def set_phone_entry(self, digits: str) -> bool:
        """What the keypad shows now (digits only, at most 12)."""
        if self.state is not R.CONTACT or len(digits) > 12 or (digits and not digits.isdigit()):
            return False
        self._set(phone_entry=digits, notice="")
        return True

    def erase_digit(self) -> bool:
        if self.state is not R.CONTACT or not self.view.phone_entry:
            return False
        self._set(phone_entry=self.view.phone_entry[:-1], notice="")
        return True

    def clear_phone(self) -> bool:
        """No phone after all (or type it again)."""
        if self.state is not R.CONTACT:
            return False
        d = self.draft
        d.phone, d.phone_consent = "", False
        self._set(phone_entry="", phone_masked="", phone_consent=False, notice="")
        return True

    def set_consent(self, given: bool) -> bool:
        if self.state is not R.CONTACT:
            return False
        self.draft.phone_consent = bool(given)
        self._set(phone_consent=bool(given), notice="")
        return True

    def contact_done(self) -> bool:
        """Continue: a phone typed is checked and kept (masked from now on) and
        needs its consent; none typed is fine."""
        if self.state is not R.CONTACT:
            return False
        d, entry = self.draft, self.view.phone_entry
        if entry:
            if not PHONE_RE.match(entry):
                self._set(notice="bad_phone")
                return False
            d.phone = entry
            self._set(phone_entry="", phone_masked=mask_phone(entry))
        if d.phone and not d.phone_consent:
            self._set(notice="consent_needed")
            return False
        return self._fire("contact_done", notice="", submit_mode=self.ctx.availability().submit.value,
                          **self._review_view())

    def _review_view(self) -> dict[str, Any]:
        d = self.draft
        return {"text": d.text, "count": texts.count(d.text), "photos": self._photo_kinds(), **self._place_view(),
                "anonymous": d.anonymous}

    # -- submitting ------------------------------------------------------------------------------
    def submit(self) -> bool:
        """Send it: one request, however many taps (the second finds the flow submitting)."""
        if self.state is not R.REVIEW or self.ctx.outbox is None or self.catalog is None:
            return False
        d, identity = self.draft, self.ctx.session.identity
        if not d.anonymous and identity is None:
            return False
        slip_code = new_slip_code()
        body = self._body(d, identity, slip_code)
        attachments = [Attachment(f"photo-{i + 1}", p.data, "image/jpeg") for i, p in enumerate(d.photos)]
        online = self.ctx.availability().submit is Submit.ONLINE
        outbox, wait = self.ctx.outbox, self.ctx.wait_seconds if online else 0.0
        self._fire("submit", submit_mode=(Submit.ONLINE if online else Submit.QUEUED).value, notice="")
        refused, self._refused_serial = self._refused_serial, ""

        def run() -> Filed:
            filed = file_request(outbox, body, attachments, slip_code, wait)
            if refused and filed.serial:
                _discard_refused(outbox, refused)
            return filed

        self.job.start(RequestJob.FILE, run, self._filed)
        return True

    def _body(self, d: Draft, identity: Identity | None, slip_code: str) -> dict:
        assert self.catalog is not None
        place = None
        if not d.no_place and d.community:
            place = {"community": d.community, "building": d.building, "unit": d.unit, "text": d.place_text.strip()}
        body: dict[str, Any] = {"type": d.type, "topic": d.topic, "place": place, "text": d.text.strip(),
                                "phone_consent": bool(d.phone and d.phone_consent),
                                "catalog_version": self.catalog.version, "slip_code_sha256": slip_code_hash(slip_code)}
        if d.phone and d.phone_consent:
            body["phone"] = d.phone
        keys = self.ctx.id_hash_keys
        if not d.anonymous and identity is not None:
            resident: dict[str, Any] = {"name": identity.name}
            if keys and identity.id_number:
                resident["id_hash"], resident["id_hash_version"] = keys.filing_hash(identity.id_number)
            body["resident"] = resident
        return body

    def _filed(self, filed: Any) -> None:
        if self.state is not R.SUBMITTING:
            return
        if not isinstance(filed, Filed) or filed.error:
            error = getattr(filed, "error", "") or "no outcome"
            if error.startswith(REFUSED) and error[len(REFUSED):] in REFUSALS:
                self._refused_serial = getattr(filed, "serial", "")
                self._refused()
                return
            # The outbox could not take it, or the platform refused it for a reason the resident
            # cannot mend here (the staff see it in the outbox's dead letters).
            self._fire("failed", notice="not_accepted" if error.startswith(REFUSED) else "submit_failed")
            return
        d, identity = self.draft, self.ctx.session.identity
        kind = self.view.type
        data = {"number": filed.number, "type": kind.name if kind else d.type, "type_en": kind.name_en if kind else "",
                "topic": self.view.topic.name if self.view.topic else d.topic,
                "topic_en": self.view.topic.name_en if self.view.topic else "",
                "limit_days": kind.limit_working_days if kind else 0, "confirmed": filed.confirmed,
                "tracking_url": slip_qr(filed.serial, filed.slip_code), "phone": d.phone if d.phone and d.phone_consent else "",
                "name": identity.name if identity is not None and not d.anonymous else "",
                "anonymous": d.anonymous, "hut": self.ctx.hut}
        from kiosk import slips

        self._slip = slips.request_receipt(data, self.ctx.language)
        self.ctx.session.pop(DRAFT)   # in the outbox now: the visit holds no copy
        printer = self.ctx.printer() if self.ctx.availability().slip_mode is SlipMode.PRINT else None
        self._fire("filed", number=filed.number, confirmed=filed.confirmed, text="", count=0, photos=(),
                   place_text="", phone_entry="", slip="printing" if printer is not None else "note_number",
                   notice="")
        if printer is not None:
            slip = self._slip
            self.print_job.start(RequestJob.PRINT, lambda: print_slip(printer, slip), self._printed)

    def _refused(self) -> None:
        """The platform does not know the type or topic any more: a newer
        catalog; the resident chooses the topic again, the rest is kept."""
        self.draft.topic = ""
        client, old = self.ctx.client, self.catalog

        def refresh() -> RequestCatalog | None:
            call = getattr(client, "request_catalog", None)
            try:
                return as_catalog(call()) if call is not None else old
            except Exception as exc:
                log.info("request catalog not refreshed (%s)", type(exc).__name__)
                return old

        self._fire("refused", topic=None, notice="refused")
        self.job.start(RequestJob.CATALOG, refresh, self._refreshed)

    def _refreshed(self, catalog: Any) -> None:
        if not isinstance(catalog, RequestCatalog) or self.state is not R.TOPIC:
            return
        self.catalog = catalog
        kind = catalog.type(self.draft.type)
        self._set(catalog_version=catalog.version, types=catalog.types, topics=catalog.topics,
                  not_here=catalog.not_here, type=kind or self.view.type)

    def _printed(self, ok: Any) -> None:
        self._set(slip="printed" if ok else "note_number")

    def reprint(self) -> bool:
        printer, slip = self.ctx.printer(), self._slip
        if self.state is not R.DONE or self.view.slip != "note_number" or printer is None or slip is None:
            return False
        self._set(slip="printing")
        self.print_job.start(RequestJob.PRINT, lambda: print_slip(printer, slip), self._printed)
        return True


def building_words(building: str, unit: str = "") -> str:
    """The catalog writes "3" and "2"; a resident reads 3号楼2单元."""
    return f"{building}号楼" + (f"{unit}单元" if unit else "")


def _cameras(availability: Availability) -> tuple[str, ...]:
    out = []
    if availability.scan:
        out.append("document")
    if availability.face_check is FaceCheck.CHECK:
        out.append("front")
    return tuple(out)


def file_request(outbox: Any, body: dict, attachments: list[Attachment], slip_code: str, wait: float, *,
                 poll: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> Filed:
    """Enqueue the request and wait up to ``wait`` seconds for the platform's
    number, or its refusal (``Filed.error`` = ``refused:<code>``: a topic or
    type the platform does not know, or another refusal).  Never raises."""
    try:
        queued = outbox.enqueue("request", body, attachments)
    except Exception as exc:
        log.error("request could not be queued: %s", type(exc).__name__)
        return Filed(error=type(exc).__name__)
    finally:
        attachments.clear()
    deadline = clock() + max(0.0, wait)
    while True:
        try:
            found = outbox.take_confirmation(queued.serial)
            refusal = _refusal(outbox, queued.serial) if found is None else ""
        except Exception as exc:
            log.warning("outbox: cannot read the request's confirmation (%s)", type(exc).__name__)
            found, refusal = None, ""
        if refusal:
            return Filed(serial=queued.serial, error=REFUSED + refusal)
        if found is not None and found.number:
            return Filed(serial=queued.serial, number=found.number, access_code=found.access_code, confirmed=True,
                         slip_code=slip_code)
        if clock() >= deadline:
            return Filed(serial=queued.serial, number=queued.serial, slip_code=slip_code)
        sleep(min(poll, max(0.0, deadline - clock())))


def _discard_refused(outbox: Any, serial: str) -> None:
    """The copy the platform refused for an out-of-date catalog leaves the outbox's dead letters."""
    try:
        from kiosk.outbox.local_requests import discard_refused

        discard_refused(outbox, serial)
    except Exception as exc:   # the staff see it in the dead letters then; the new one is filed
        log.info("request %s: the refused copy stays (%s)", serial, type(exc).__name__)


def _refusal(outbox: Any, serial: str) -> str:
    records = getattr(outbox, "records", None)
    if records is None:
        return ""
    for record in records():
        if record.get("serial") == serial:
            return str(record.get("last_error") or "DEAD") if record.get("state") == "dead" else ""
    return ""


def _blank() -> dict[str, Any]:
    empty = RequestView()
    return {f: getattr(empty, f) for f in RequestView.__dataclass_fields__ if f != "state"}
