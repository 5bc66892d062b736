"""The resident services on the home screen and the steps of each.

Which services exist, which need the resident's identity and in what order
their steps come are business rules, so they live here and not in a screen:
a screen only says which steps it can present (``VisitFlow(presentable=...)``).

A service whose steps cannot all be presented yet is "being prepared" and
never asks for an identity card: collecting a resident's identity for a
service that cannot be delivered would be collection without a purpose
(PIPL's minimisation rule).  Identity is needed exactly when a service has
an ``identify`` step, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def N_(msgid: str) -> str:
    """Marks a msgid for translation where it is defined; translated where shown."""
    return msgid


class Step:
    """Step names: the vocabulary shared by flows, availability and screens."""

    CHOOSE_MATTER = "choose_matter"   # category -> matter, pinyin search
    CONDITIONS = "conditions"         # conditions and papers before starting
    GUIDE = "guide"                   # one matter's guide, printable
    CONSENT = "consent"               # separate consent (sensitive data)
    IDENTIFY = "identify"             # ID card or social security card
    FACE_CHECK = "face_check"         # 人证核验 after the card, for matters whose catalog entry asks for it
    FORM = "form"                     # the matter's fields
    PAPERS = "papers"                 # scan the required papers
    REVIEW = "review"
    SUBMIT = "submit"                 # sending through the outbox, a short bounded wait
    DONE = "done"                     # number, slip or number to note down; "take your card and slip"
    MEASURE = "measure"               # health devices
    RESULT = "result"                 # health results and slip
    REQUEST_FORM = "request_form"     # 天大小事 request
    PROGRESS = "progress"             # card or slip QR, then the statuses of the resident's matters


@dataclass(frozen=True)
class Service:
    key: str
    title: str                 # msgid (English); Chinese in the zh_CN catalog
    steps: tuple[str, ...]
    # The social security card identifies in place of the ID card (for filing
    # a matter the matter's own catalog flag decides instead).
    accepts_social_security: bool = False
    # Steps a visit takes only when its flow asks for them (``VisitFlow.include``):
    # the face check comes after the card only for a matter whose catalog entry
    # asks for it.
    optional: frozenset[str] = frozenset()

    @property
    def needs_identity(self) -> bool:
        return Step.IDENTIFY in self.steps

    def steps_with(self, included: frozenset[str] | set[str] = frozenset()) -> tuple[str, ...]:
        """The steps a visit takes: every step but the optional ones not ``included``."""
        return tuple(s for s in self.steps if s not in self.optional or s in included)


SERVICES: tuple[Service, ...] = (
    Service("approval", N_("Self-service"),
            (Step.CHOOSE_MATTER, Step.CONDITIONS, Step.IDENTIFY, Step.FACE_CHECK, Step.FORM, Step.PAPERS,
             Step.REVIEW, Step.SUBMIT, Step.DONE), optional=frozenset({Step.FACE_CHECK})),
    Service("health", N_("Health check"), (Step.CONSENT, Step.IDENTIFY, Step.MEASURE, Step.RESULT),
            accepts_social_security=True),
    Service("guide", N_("Service guide"), (Step.CHOOSE_MATTER, Step.GUIDE)),
    Service("request", N_("Requests"), (Step.IDENTIFY, Step.REQUEST_FORM, Step.REVIEW, Step.SUBMIT)),
    # Progress identifies inside its own step: the ID card, the social security
    # card or the slip's QR code all prove the right to see an application, and
    # a slip holder never has to place a card.
    Service("progress", N_("Progress"), (Step.PROGRESS,), accepts_social_security=True),
)
BY_KEY: dict[str, Service] = {s.key: s for s in SERVICES}


def service(key: str) -> Service:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown service {key!r}; known: {', '.join(BY_KEY)}") from None


def accepts_social_security(key: str, matter: Any = None) -> bool:
    """May the social security card identify the resident?  Filing a matter:
    the chosen matter's catalog flag (``social_security_card``); any other
    service: its own rule."""
    if key == "approval":
        return bool(matter is not None and getattr(matter, "social_security_card", False))
    return service(key).accepts_social_security
