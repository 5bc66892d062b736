"""进度查询: the statuses of a resident's applications, with what each means
and what to do next.

Nothing is shown until the resident proves the right to see it: the ID card
or the social security card (their ID number's keyed hash, ``id_lookup_hash``,
asks ``applications_for``), or the slip's QR code (the number and its access
code ask ``application_status``).  The platform answers 404 for a wrong
proof exactly as for an unknown number, so "nothing found" never tells a
stranger whether a number exists.

The step (``Step.PROGRESS``, the service's only step) identifies inside
itself: the flow asks the terminal for any card without a confirmation
(``card_request``), and the terminal's identify flow hands the identity over
with ``identified``; the document camera's QR reader (``SlipQrWatch``, while
``camera_wanted``) hands its text to ``slip_read``.  Each starts the platform
call (under the client's time budget) as a job.

States::

    closed ─open─▶ waiting ─query─▶ querying ─found─▶ results
                                       ├─nothing─▶ nothing_found
                                       └─unreachable─▶ unavailable ─query (retry)─▶ querying
    waiting ─local_slip─▶ local_slip (a slip with a local serial: "place your ID card")
    results / nothing_found / unavailable / local_slip ─query─▶ querying;  any ─close─▶ closed
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from kiosk.devices.availability import SCAN
from kiosk.filing.catalog import Catalog
from kiosk.filing.submission import parse_slip_qr
from kiosk.flows.jobs import JobSlot
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.identity import Evidence, Identity
from kiosk.services.progress.slip_watch import SlipQrWatch

log = logging.getLogger(__name__)

# The platform's statuses: (name zh, en, what it means zh, en, what to do zh, en).
STATUS_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "受理": ("已受理", "Received", "申请已受理，等待审核", "Your application was received and waits for review",
           "请耐心等待，无需再次提交", "Please wait; there is no need to file it again"),
    "审核中": ("审核中", "Under review", "部门正在审核您的申请和材料", "The department is reviewing your application and papers",
            "请保持电话畅通，工作人员可能与您联系", "Keep your phone on: the staff may call you"),
    "办结": ("已办结", "Finished", "申请已办理完成", "Your application has been decided",
           "请按短信或电话通知领取结果", "Collect the result as the text message or call tells you"),
    "退回": ("已退回", "Returned", "申请被退回，需要补充或更正材料", "It was returned: a paper must be added or corrected",
           "请带身份证和相关材料到服务台", "Bring your ID card and the papers to the counter"),
}
_UNKNOWN_STATUS = ("处理中", "In progress", "申请正在处理", "Your application is being handled",
                   "如有疑问请到服务台咨询", "Ask at the counter if in doubt")


class ProgressState(enum.StrEnum):
    CLOSED = "closed"
    WAITING = "waiting"              # "place your card, or show your slip's QR code"
    QUERYING = "querying"
    RESULTS = "results"
    NOTHING_FOUND = "nothing_found"
    UNAVAILABLE = "unavailable"      # the platform did not answer in time: try again, or later
    LOCAL_SLIP = "local_slip"        # the slip shows a local serial: the ID card finds its number


class ProgressJob(enum.StrEnum):
    QUERY = "progress_query"


@dataclass(frozen=True)
class StatusItem:
    """One application, as the screen lists it (no personal data)."""

    number: str
    matter: str
    matter_en: str
    status: str                      # the platform's word (受理, 审核中, 办结, 退回)
    status_zh: str
    status_en: str
    meaning_zh: str
    meaning_en: str
    next_zh: str
    next_en: str
    received_on: str = ""            # YYYY-MM-DD
    promised_by: str = ""


@dataclass(frozen=True)
class ProgressView:
    """``proof``: "" | card | slip; ``masked_name`` when a card was read;
    ``hint``: "" | not_a_slip (a QR code that is not a hut slip)."""

    state: ProgressState = ProgressState.CLOSED
    identify_mode: str = ""
    proof: str = ""
    masked_name: str = ""
    items: tuple[StatusItem, ...] = ()
    hint: str = ""

    def __repr__(self) -> str:
        return f"ProgressView(state={self.state.value!r}, proof={self.proof!r}, items={len(self.items)})"


class StatusSource(Protocol):
    """What the flow asks of the platform (``kiosk.central.client.CentralClient``)."""

    def applications_for(self, id_hashes: list[str], budget: float | None = None) -> list[dict]: ...

    def application_status(self, number: str, proof: str, budget: float | None = None) -> dict | None: ...


@dataclass(frozen=True)
class Answer:
    """A query's outcome: the applications found, or why there is no answer."""

    applications: tuple[dict, ...] = ()
    unreachable: str = ""            # the client's error code (NETWORK, BUDGET, ...)


_QUERYABLE = (ProgressState.WAITING, ProgressState.RESULTS, ProgressState.NOTHING_FOUND, ProgressState.UNAVAILABLE,
              ProgressState.LOCAL_SLIP)


_AWAITING_PROOF = (ProgressState.WAITING, ProgressState.NOTHING_FOUND, ProgressState.LOCAL_SLIP)


ANY_CARD = CardRequest(frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), confirm=False)


class ProgressFlow(ServiceFlow[ProgressState, ProgressView]):
    """Proofs: ``identified(identity)`` (a card, from the terminal), ``slip_read(text)``
    (the camera); intent: ``retry()``."""

    STEP_OF = {s: Step.PROGRESS for s in ProgressState if s is not ProgressState.CLOSED}
    TRANSITIONS = {
        **{(s, "open"): ProgressState.WAITING for s in ProgressState},
        **{(s, "close"): ProgressState.CLOSED for s in ProgressState},
        **{(s, "query"): ProgressState.QUERYING for s in _QUERYABLE},
        **{(s, "local_slip"): ProgressState.LOCAL_SLIP for s in _QUERYABLE},
        (ProgressState.QUERYING, "found"): ProgressState.RESULTS,
        (ProgressState.QUERYING, "nothing"): ProgressState.NOTHING_FOUND,
        (ProgressState.QUERYING, "unreachable"): ProgressState.UNAVAILABLE,
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, ProgressView())
        self.client: StatusSource | None = ctx.client
        self.job = JobSlot(ctx.jobs)
        self._retry: Callable[[], Answer] | None = None
        self.slips = SlipQrWatch(lambda: ctx.device(SCAN), ctx.post, self.slip_read)
        self.subscribe(lambda _view: self.slips.want(self.camera_wanted))

    @property
    def camera_wanted(self) -> bool:
        """Whether a slip's QR code is awaited (the camera is read only then)."""
        return self.state in _AWAITING_PROOF

    def card_request(self) -> CardRequest | None:
        # Any card proves the right to see one's own applications, at once (no Continue).
        return ANY_CARD if self.state in _QUERYABLE and self.state is not ProgressState.QUERYING else None

    def speech(self) -> str:
        return self.state.value

    def open(self) -> None:
        self.job.forget()
        self._retry = None
        self.slips.forget()
        self._fire("open", identify_mode=self.ctx.availability().identify(social_security_allowed=True).value,
                   proof="", masked_name="", items=(), hint="")

    def close(self) -> None:
        self.job.forget()
        self._retry = None
        self.slips.forget()
        self._fire("close", identify_mode="", proof="", masked_name="", items=(), hint="")

    def back(self) -> bool:
        return False

    def shutdown(self) -> None:
        self.slips.close()

    # -- proofs ---------------------------------------------------------------------
    def identified(self, identity: Identity) -> None:
        """The resident's card: their applications by the keyed hash of the ID
        number (the number itself never leaves the terminal)."""
        keys, client = self.ctx.id_hash_keys, self.client
        if not self.can("query") or not identity.id_number or client is None or not keys:
            return
        id_hashes = keys.lookup_hashes(identity.id_number)  # every key held: filed before a rotation too

        def ask() -> Answer:
            return _answer(lambda: client.applications_for(id_hashes))

        self._query(ask, proof="card", masked_name=identity.masked_name)

    def slip_read(self, text: str) -> bool:
        """A QR code the camera read (False when it is not a slip with an access code)."""
        if not self.can("query"):
            return False
        slip = parse_slip_qr(text)
        if slip is None:
            self._set(hint="not_a_slip")
            return False
        if not slip.access_code:
            self._fire("local_slip", proof="slip", masked_name="", items=(), hint="")
            return False
        client = self.client
        if client is None:
            return False

        def ask() -> Answer:
            return _answer(lambda: [found] if (found := client.application_status(slip.number, slip.access_code))
                           else [])

        self._query(ask, proof="slip", masked_name="")
        return True

    def retry(self) -> bool:
        """Ask again with the same proof (after "the platform did not answer")."""
        if self._retry is None or self.state is not ProgressState.UNAVAILABLE:
            return False
        self._query(self._retry, proof=self.view.proof, masked_name=self.view.masked_name)
        return True

    def _query(self, ask: Callable[[], Answer], **changes: Any) -> None:
        self._retry = ask
        self._fire("query", items=(), hint="", **changes)
        self.job.start(ProgressJob.QUERY, ask, self._answered)

    def _answered(self, answer: Any) -> None:
        if not isinstance(answer, Answer):
            answer = Answer(unreachable="no answer")
        if answer.unreachable:
            self._fire("unreachable")
            return
        items = tuple(self._item(a) for a in answer.applications)
        self._fire("found" if items else "nothing", items=items)

    def _item(self, a: dict) -> StatusItem:
        status = str(a.get("status", ""))
        words = STATUS_WORDS.get(status, _UNKNOWN_STATUS)
        catalog: Catalog | None = self.ctx.catalog()
        code = str(a.get("matter_code") or "")
        matter = catalog.matter(code) if catalog is not None and code else None
        return StatusItem(number=str(a.get("application_number", "")), matter=matter.name if matter else code,
                          matter_en=matter.name_en if matter else code, status=status, status_zh=words[0],
                          status_en=words[1], meaning_zh=words[2], meaning_en=words[3], next_zh=words[4],
                          next_en=words[5], received_on=str(a.get("received_at") or "")[:10],
                          promised_by=str(a.get("promised_by") or ""))


def _answer(call: Callable[[], list[dict]]) -> Answer:
    """Run a platform query; its failure is an answer too (never an exception)."""
    from kiosk.central.client import CentralError  # requests: loaded with the first query

    try:
        return Answer(applications=tuple(call()))
    except CentralError as exc:
        log.info("progress query not answered: %s", exc.code or type(exc).__name__)
        return Answer(unreachable=exc.code or type(exc).__name__)
    except Exception as exc:  # a surprise must not leave the resident staring at "querying"
        log.error("progress query failed: %s", type(exc).__name__)
        return Answer(unreachable=type(exc).__name__)
