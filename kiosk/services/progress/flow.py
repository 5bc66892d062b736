"""进度查询: the statuses of a resident's applications, with what each means,
what the resident must still do and by when, and 撤回 (withdraw).

Nothing is shown until the resident proves the right to see it: the ID card
or the social security card (their ID number's keyed hash, ``id_lookup_hash``,
asks ``applications_for``; this hut's outbox adds what the platform has not
received yet), or the slip's QR code: the platform's number and its access
code (``application_status``), or, for a slip printed while the application
was queued, this hut's serial and the slip's code (the outbox while it is
still here, ``application_by_slip`` once it has arrived: both numbers shown).
The platform answers 404 for a wrong proof exactly as for an unknown number,
so "nothing found" never tells a stranger whether a number exists.

The step (``Step.PROGRESS``, the service's only step) identifies inside
itself: the flow asks the terminal for any card without a confirmation
(``card_request``), and the terminal's identify flow hands the identity over
with ``identified``; the document camera's QR reader (``SlipQrWatch``, while
``camera_wanted``) hands its text to ``slip_read``.  Each starts the platform
call (under the client's time budget) as a job.

Withdrawing needs the card (the slip is for reading only): an item the
platform says is ``withdrawable``, or one still in this hut's outbox, offers
撤回; ``ask_withdraw`` asks once, ``confirm_withdraw`` takes it out of the
outbox when it was never sent, or queues a withdrawal request and waits a
short while for the platform's answer, as filing does (``notice`` says how it
ended: withdrawn, sent by itself later, refused because the department took
it up, or failed).

States::

    closed ─open─▶ waiting ─query─▶ querying ─found─▶ results
                                       ├─nothing─▶ nothing_found
                                       └─unreachable─▶ unavailable ─query (retry)─▶ querying
    waiting ─local_slip─▶ local_slip (a slip with a serial and no code: "place your ID card")
    results ─ask_withdraw─▶ confirm_withdraw ─withdraw─▶ withdrawing ─withdrawn─▶ results
                                  └─cancel─▶ results
    results / nothing_found / unavailable / local_slip ─query─▶ querying;  any ─close─▶ closed
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from kiosk.devices.availability import SCAN, Submit
from kiosk.filing.submission import SlipProof, parse_slip_qr, wait_for_confirmation
from kiosk.flows.jobs import JobSlot
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.flows.session import Slot
from kiosk.identity import Evidence, Identity
from kiosk.outbox import withdrawals
from kiosk.outbox.local_requests import local_requests, rating_waiting, slip_request
from kiosk.services.progress import items
from kiosk.services.progress import requests as request_items
from kiosk.services.progress.items import STATUS_WORDS, StatusItem
from kiosk.services.progress.requests import RATINGS, RequestItem, from_platform
from kiosk.services.progress.slip_watch import SlipQrWatch

log = logging.getLogger(__name__)
__all__ = ["STATUS_WORDS", "StatusItem", "ProgressFlow", "ProgressState", "ProgressView"]

# The card holder's proof for a withdrawal (the contract's {id_hash, id_hash_version},
# under the district's current key) and their look-up hashes: keyed hashes, never
# the ID number; the visit's end drops them with the session.
APPLICANT: Slot[dict] = Slot("progress_applicant")
# The slip shown (its serial and code): the proof a rating of an anonymous request sends.
SLIP: Slot[dict] = Slot("progress_slip")
# The card's look-up hashes (one per district key held): the proof a rating of an identified request sends.
LOOKUP: Slot[list] = Slot("progress_lookup")


class ProgressState(enum.StrEnum):
    CLOSED = "closed"
    WAITING = "waiting"              # "place your card, or show your slip's QR code"
    QUERYING = "querying"
    RESULTS = "results"
    NOTHING_FOUND = "nothing_found"
    UNAVAILABLE = "unavailable"      # the platform did not answer in time: try again, or later
    LOCAL_SLIP = "local_slip"        # an old slip with a local serial and no code: the ID card finds it
    CONFIRM_WITHDRAW = "confirm_withdraw"   # "withdraw this application?"
    WITHDRAWING = "withdrawing"
    RATING = "rating"                # a request's answer: 满意 / 基本满意 / 不满意, a reason
    RATING_SENDING = "rating_sending"


class ProgressJob(enum.StrEnum):
    QUERY = "progress_query"
    WITHDRAW = "progress_withdraw"
    RATE = "progress_rate"


@dataclass(frozen=True)
class ProgressView:
    """``proof``: "" | card | slip; ``masked_name`` when a card was read;
    ``hint``: "" | not_a_slip (a QR code that is not a hut slip) | not_arrived
    (a queued slip the platform has not received: it comes by itself) |
    partial (the platform did not answer: what this hut holds);
    ``withdrawing``: the key of the item 撤回 is asked about;
    ``notice``: "" | withdrawn | withdraw_sent | withdraw_refused |
    withdraw_failed | not_withdrawable."""

    state: ProgressState = ProgressState.CLOSED
    identify_mode: str = ""
    proof: str = ""
    masked_name: str = ""
    items: tuple[StatusItem, ...] = ()
    hint: str = ""
    withdrawing: str = ""
    notice: str = ""
    requests: tuple[RequestItem, ...] = ()
    rating_key: str = ""              # the request being rated
    rating: str = ""                  # satisfied | basically_satisfied | unsatisfied, as chosen
    reason: str = ""                  # a rating reason's code (unsatisfied)
    reasons: tuple[tuple[str, str, str], ...] = ()   # (code, zh, en) of the catalog's rating reasons

    @property
    def line(self) -> str:
        """The step's line (the spoken instruction and the headline): a
        notice or hint if there is one, else what the list holds."""
        if self.state is ProgressState.RESULTS:
            if self.notice or self.hint:
                return self.notice or self.hint
            if self.requests:
                return "results_both" if self.items else "results_requests"
        if self.state is ProgressState.NOTHING_FOUND and self.hint:
            return self.hint
        return self.state.value

    @property
    def can_rate(self) -> bool:
        """A request's answer may be rated here (the card's holder or the slip's)."""
        return self.state is ProgressState.RESULTS and self.proof in ("card", "slip")

    @property
    def request_in_question(self) -> RequestItem | None:
        return next((r for r in self.requests if r.key == self.rating_key), None) if self.rating_key else None

    @property
    def can_withdraw(self) -> bool:
        """撤回 is offered (only to the card's holder)."""
        return self.state is ProgressState.RESULTS and self.proof == "card"

    @property
    def item_in_question(self) -> StatusItem | None:
        return next((i for i in self.items if i.key == self.withdrawing), None) if self.withdrawing else None

    def __repr__(self) -> str:
        return (f"ProgressView(state={self.state.value!r}, proof={self.proof!r}, items={len(self.items)}, "
                f"requests={len(self.requests)})")


class StatusSource(Protocol):
    """What the flow asks of the platform (``kiosk.central.client.CentralClient``)."""

    def applications_for(self, id_hashes: list[str], budget: float | None = None) -> list[dict]: ...

    def application_status(self, number: str, proof: str, budget: float | None = None) -> dict | None: ...

    def application_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None: ...

    def requests_for(self, id_hashes: list[str], budget: float | None = None) -> list[dict]: ...

    def request_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None: ...


@dataclass(frozen=True)
class Answer:
    """A query's outcome: the applications found, or why there is no answer."""

    items: tuple[StatusItem, ...] = ()
    unreachable: str = ""            # the client's error code (NETWORK, BUDGET, ...)
    hint: str = ""
    requests: tuple[RequestItem, ...] = ()
    reasons: tuple[tuple[str, str, str], ...] = ()


_QUERYABLE = (ProgressState.WAITING, ProgressState.RESULTS, ProgressState.NOTHING_FOUND, ProgressState.UNAVAILABLE,
              ProgressState.LOCAL_SLIP)


_AWAITING_PROOF = (ProgressState.WAITING, ProgressState.NOTHING_FOUND, ProgressState.LOCAL_SLIP)


ANY_CARD = CardRequest(frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), confirm=False)


class ProgressFlow(ServiceFlow[ProgressState, ProgressView]):
    """Proofs: ``identified(identity)`` (a card, from the terminal), ``slip_read(text)``
    (the camera); intents: ``retry()``, ``ask_withdraw(key)``, ``confirm_withdraw()``,
    ``cancel_withdraw()``."""

    STEP_OF = {s: Step.PROGRESS for s in ProgressState if s is not ProgressState.CLOSED}
    TRANSITIONS = {
        **{(s, "open"): ProgressState.WAITING for s in ProgressState},
        **{(s, "close"): ProgressState.CLOSED for s in ProgressState},
        **{(s, "query"): ProgressState.QUERYING for s in _QUERYABLE},
        **{(s, "local_slip"): ProgressState.LOCAL_SLIP for s in _QUERYABLE},
        (ProgressState.QUERYING, "found"): ProgressState.RESULTS,
        (ProgressState.QUERYING, "nothing"): ProgressState.NOTHING_FOUND,
        (ProgressState.QUERYING, "unreachable"): ProgressState.UNAVAILABLE,
        (ProgressState.RESULTS, "ask_withdraw"): ProgressState.CONFIRM_WITHDRAW,
        (ProgressState.CONFIRM_WITHDRAW, "cancel"): ProgressState.RESULTS,
        (ProgressState.CONFIRM_WITHDRAW, "withdraw"): ProgressState.WITHDRAWING,
        (ProgressState.WITHDRAWING, "withdrawn"): ProgressState.RESULTS,
        (ProgressState.RESULTS, "ask_rating"): ProgressState.RATING,
        (ProgressState.RATING, "cancel"): ProgressState.RESULTS,
        (ProgressState.RATING, "rate"): ProgressState.RATING_SENDING,
        (ProgressState.RATING_SENDING, "rated"): ProgressState.RESULTS,
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
        return self.view.line

    def open(self) -> None:
        self._forget()
        self._fire("open", identify_mode=self.ctx.availability().identify(social_security_allowed=True).value,
                   **_CLEAR)

    def close(self) -> None:
        self._forget()
        self._fire("close", identify_mode="", **_CLEAR)

    def _forget(self) -> None:
        self.job.forget()
        self._retry = None
        self.slips.forget()
        self.ctx.session.pop(APPLICANT)
        self.ctx.session.pop(SLIP)
        self.ctx.session.pop(LOOKUP)

    def back(self) -> bool:
        """Back from "withdraw this application?" is "no"; otherwise leave the service."""
        if self.state is ProgressState.CONFIRM_WITHDRAW:
            return self.cancel_withdraw()
        if self.state is ProgressState.RATING:
            return self.cancel_rating()
        # nothing moves while a withdrawal or a rating is being recorded
        return self.state in (ProgressState.WITHDRAWING, ProgressState.RATING_SENDING)

    def shutdown(self) -> None:
        self.slips.close()

    # -- proofs ---------------------------------------------------------------------
    def identified(self, identity: Identity) -> None:
        """The resident's card: their applications by the keyed hash of the ID
        number (the number itself never leaves the terminal), and what this
        hut's outbox still holds of theirs."""
        keys, client = self.ctx.id_hash_keys, self.client
        if not self.can("query") or not identity.id_number or client is None or not keys:
            return
        id_hashes = keys.lookup_hashes(identity.id_number)  # every key held: filed before a rotation too
        id_hash, version = keys.filing_hash(identity.id_number)
        self.ctx.session.put(APPLICANT, {"id_hash": id_hash, "id_hash_version": version})
        self.ctx.session.put(LOOKUP, list(id_hashes))
        outbox, catalog = self.ctx.outbox, self.ctx.catalog()

        def ask() -> Answer:
            local, targets = _outbox_read(outbox, lambda box: (withdrawals.local_applications(box, id_hashes),
                                                                withdrawals.withdrawal_targets(box)), ([], set()))
            found = _answer(lambda: client.applications_for(id_hashes))
            mine = tuple(items.from_outbox(a, catalog) for a in local)
            if found.unreachable:
                return Answer(items=mine, hint="partial") if mine else Answer(unreachable=found.unreachable)
            received = {a.get("serial") for a in found.applications}   # arrived meanwhile: listed once, theirs
            theirs = tuple(items.from_platform(a, catalog, withdrawing=_withdrawing(a, targets))
                           for a in found.applications)
            asked = _requests(client, lambda: client.requests_for(id_hashes), outbox)
            listed = tuple(i for i in mine if i.serial not in received) + theirs
            held = _outbox_read(outbox, lambda box: local_requests(box, id_hashes), [])
            kept = tuple(request_items.from_outbox(r, _request_catalog(client)) for r in held) if held else ()
            if asked.pop("unreachable", None):   # the applications still show; the requests are said missing
                return Answer(items=listed, requests=kept, hint="requests_unavailable")
            arrived = {r.serial for r in asked.get("requests", ())}
            asked["requests"] = tuple(r for r in kept if r.serial not in arrived) + tuple(asked.get("requests", ()))
            return Answer(items=listed, **asked)

        self._query(ask, proof="card", masked_name=identity.masked_name)

    def slip_read(self, text: str) -> bool:
        """A QR code the camera read (False when it is not a slip with a code)."""
        if not self.can("query"):
            return False
        slip = parse_slip_qr(text)
        if slip is None:
            self._set(hint="not_a_slip")
            return False
        if not slip.access_code:
            self._fire("local_slip", proof="slip", masked_name="", items=(), hint="", notice="")
            return False
        client = self.client
        if client is None:
            return False
        self.ctx.session.pop(APPLICANT)   # a slip reads; only the card withdraws
        self.ctx.session.put(SLIP, {"serial": slip.number, "code": slip.access_code})
        ask = self._ask_by_serial(client, slip) if slip.local else self._ask_by_number(client, slip)
        self._query(ask, proof="slip", masked_name="")
        return True

    def _ask_by_number(self, client: StatusSource, slip: SlipProof) -> Callable[[], Answer]:
        catalog = self.ctx.catalog()

        def ask() -> Answer:
            found = _answer(lambda: [a] if (a := client.application_status(slip.number, slip.access_code)) else [])
            if found.unreachable:
                return Answer(unreachable=found.unreachable)
            return Answer(items=tuple(items.from_platform(a, catalog) for a in found.applications))
        return ask

    def _ask_by_serial(self, client: StatusSource, slip: SlipProof) -> Callable[[], Answer]:
        """A slip printed while the application was queued: this hut's outbox
        answers while it holds it unsent; once sent, the platform (at any hut)."""
        outbox, catalog = self.ctx.outbox, self.ctx.catalog()

        def ask() -> Answer:
            local, targets = _outbox_read(outbox, lambda box: (withdrawals.slip_application(box, slip.number,
                                                                                             slip.access_code),
                                                                withdrawals.withdrawal_targets(box)), (None, set()))
            if local is not None and local.state != "confirmed":
                return Answer(items=(items.from_outbox(local, catalog),))
            queued = _outbox_read(outbox, lambda box: slip_request(box, slip.number, slip.access_code), None)
            if queued is not None:
                return Answer(requests=(request_items.from_outbox(queued, _request_catalog(client)),))
            found = _answer(lambda: [a] if (a := client.application_by_slip(slip.number, slip.access_code)) else [])
            if found.unreachable:
                return Answer(unreachable=found.unreachable)
            if not found.applications:
                asked = _requests(client, lambda: [r] if (r := client.request_by_slip(slip.number, slip.access_code))
                                  else [], outbox)
                if asked.get("unreachable"):
                    return Answer(unreachable=str(asked["unreachable"]))
                return Answer(**asked) if asked.get("requests") else Answer(hint="not_arrived")
            return Answer(items=tuple(items.from_platform(a, catalog, serial=slip.number,
                                                          withdrawing=_withdrawing(a, targets))
                                      for a in found.applications))
        return ask

    def retry(self) -> bool:
        """Ask again with the same proof (after "the platform did not answer")."""
        if self._retry is None or self.state is not ProgressState.UNAVAILABLE:
            return False
        self._query(self._retry, proof=self.view.proof, masked_name=self.view.masked_name)
        return True

    def _query(self, ask: Callable[[], Answer], **changes: Any) -> None:
        self._retry = ask
        self._fire("query", items=(), hint="", notice="", withdrawing="", requests=(), rating_key="", rating="",
                   reason="", **changes)
        self.job.start(ProgressJob.QUERY, ask, self._answered)

    def _answered(self, answer: Any) -> None:
        if not isinstance(answer, Answer):
            answer = Answer(unreachable="no answer")
        if answer.unreachable:
            self._fire("unreachable")
            return
        found = answer.items or answer.requests
        self._fire("found" if found else "nothing", items=answer.items, hint=answer.hint, requests=answer.requests,
                   reasons=answer.reasons)

    # -- 撤回 --------------------------------------------------------------------------
    def ask_withdraw(self, key: str) -> bool:
        """撤回 on one application: "withdraw this application?" (the card's
        holder only).  One the department has taken up is refused with words."""
        item = next((i for i in self.view.items if i.key == key), None)
        if item is None or not self.view.can_withdraw or self.ctx.session.get(APPLICANT) is None:
            return False
        if not item.withdrawable:
            self._set(notice="not_withdrawable", withdrawing=key)
            return False
        return self._fire("ask_withdraw", withdrawing=key, notice="")

    def cancel_withdraw(self) -> bool:
        return self._fire("cancel", withdrawing="", notice="")

    def confirm_withdraw(self) -> bool:
        """Yes, withdraw it: out of the outbox if it was never sent, else a
        withdrawal request, and a short wait for the platform's word."""
        item, applicant, outbox = self.view.item_in_question, self.ctx.session.get(APPLICANT), self.ctx.outbox
        if self.state is not ProgressState.CONFIRM_WITHDRAW or item is None or applicant is None or outbox is None:
            return False
        wait = self.ctx.wait_seconds if self.ctx.availability().submit is Submit.ONLINE else 0.0
        target = {"serial": item.serial} if item.local else {"number": item.number}

        def run() -> tuple[str, str]:
            try:
                done = withdrawals.withdraw(outbox, applicant, **target)
            except Exception as exc:   # the resident must hear it did not work, not stare at "withdrawing"
                log.error("withdrawal could not be recorded: %s", type(exc).__name__)
                return "withdraw_failed", ""
            if done.outcome == "removed":
                return "withdrawn", "撤回"
            answer = wait_for_confirmation(outbox, done.serial, wait)
            if answer is None:
                return "withdraw_sent", "withdrawing"
            return ("withdrawn", "撤回") if answer.status == "撤回" else ("withdraw_refused", answer.status)

        self._fire("withdraw", notice="")
        self.job.start(ProgressJob.WITHDRAW, run, self._withdrawn)
        return True

    def _withdrawn(self, outcome: Any) -> None:
        notice, status = outcome if isinstance(outcome, tuple) else ("withdraw_failed", "")
        key = self.view.withdrawing
        shown = tuple(_with_status(i, status) if i.key == key and status else i for i in self.view.items)
        self._fire("withdrawn", items=shown, notice=notice)


    # -- 评价: rating a request's answer ---------------------------------------------------
    def ask_rating(self, key: str) -> bool:
        """评价 on an answered request: the three answers and, for 不满意, a reason."""
        item = next((r for r in self.view.requests if r.key == key), None)
        if item is None or not self.view.can_rate or not item.rateable or self._rating_proof() is None:
            return False
        return self._fire("ask_rating", rating_key=key, rating="", reason="", notice="")

    def choose_rating(self, rating: str) -> bool:
        if self.state is not ProgressState.RATING or rating not in RATINGS:
            return False
        self._set(rating=rating, reason=self.view.reason if rating == "unsatisfied" else "")
        return True

    def choose_reason(self, code: str) -> bool:
        if self.state is not ProgressState.RATING or self.view.rating != "unsatisfied" \
                or code not in {c for c, _zh, _en in self.view.reasons}:
            return False
        self._set(reason="" if code == self.view.reason else code)
        return True

    def cancel_rating(self) -> bool:
        return self._fire("cancel", rating_key="", rating="", reason="")

    def _rating_proof(self) -> str | list[str] | None:
        """The card's look-up hashes (one per key held: a request filed before a key rotation
        is still proved), or the slip's code."""
        if self.view.proof == "card":
            lookup = self.ctx.session.get(LOOKUP)
            return list(lookup) if lookup else None
        slip = self.ctx.session.get(SLIP)
        return str(slip["code"]) if slip and slip.get("code") else None

    def confirm_rating(self) -> bool:
        """Send the rating through the outbox and wait a short while for the platform's word."""
        item, proof, outbox = self.view.request_in_question, self._rating_proof(), self.ctx.outbox
        if self.state is not ProgressState.RATING or item is None or not self.view.rating or proof is None \
                or outbox is None or item.local:
            return False
        body: dict[str, Any] = {"number": item.number, "rating": self.view.rating, "proof": proof}
        if self.view.reason:
            body["reason"] = self.view.reason
        wait = self.ctx.wait_seconds if self.ctx.availability().submit is Submit.ONLINE else 0.0

        def run() -> tuple[str, str]:
            try:
                queued = outbox.enqueue("request_rating", body)
            except Exception as exc:
                log.error("rating could not be recorded: %s", type(exc).__name__)
                return "rating_failed", ""
            answer = wait_for_confirmation(outbox, queued.serial, wait)
            return ("rated", answer.status) if answer is not None else ("rating_sent", "")

        self._fire("rate", notice="")
        self.job.start(ProgressJob.RATE, run, self._rated)
        return True

    def _rated(self, outcome: Any) -> None:
        notice, state = outcome if isinstance(outcome, tuple) else ("rating_failed", "")
        key, rating = self.view.rating_key, self.view.rating
        shown = tuple(_rated_item(r, rating, state) if r.key == key and notice != "rating_failed" else r
                      for r in self.view.requests)
        self._fire("rated", requests=shown, notice=notice, rating_key="", rating="", reason="")


def _rated_item(item: RequestItem, rating: str, state: str) -> RequestItem:
    """The request as it is after the rating (not rateable again; its state when the platform said it)."""
    from kiosk.services.progress.requests import STATE_WORDS

    words = STATE_WORDS.get(state)
    if words is None:
        return replace(item, rating=rating, rateable=False)
    return replace(item, rating=rating, rateable=False, state=state, state_zh=words[0], state_en=words[1],
                   meaning_zh=words[2], meaning_en=words[3])


def _request_catalog(client: Any) -> Any:
    """The request catalog for the names (the client's cached copy when the platform does not answer), or None:
    the codes are shown instead of the names."""
    from kiosk.services.request.catalog import fetch_catalog

    return fetch_catalog(client)


def _rating_waits(outbox: Any, number: str) -> bool:
    def waits(box: Any) -> bool:
        return rating_waiting(box, number)

    return bool(_outbox_read(outbox, waits, False))


def _requests(client: Any, call: Callable[[], list[dict]], outbox: Any = None) -> dict[str, Any]:
    """A resident's requests (and the rating reasons), as ``Answer`` fields; a
    client without requests (an older platform) has none.  A request whose
    rating waits in this hut's outbox is not offered for rating again."""
    if not hasattr(client, "requests_for"):
        return {}
    found = _answer(call)
    if found.unreachable:
        return {"unreachable": found.unreachable}
    catalog = _request_catalog(client)
    reasons = tuple((r.code, r.name, r.name_en) for r in catalog.rating_reasons) if catalog is not None else ()
    shown = []
    for r in found.applications:
        item = from_platform(r, catalog)
        if item.rateable and _rating_waits(outbox, item.number):
            item = replace(item, rateable=False)
        shown.append(item)
    return {"requests": tuple(shown), "reasons": reasons}


_CLEAR: dict[str, Any] = {"proof": "", "masked_name": "", "items": (), "hint": "", "withdrawing": "", "notice": "",
                          "requests": (), "rating_key": "", "rating": "", "reason": "", "reasons": ()}


def _with_status(item: StatusItem, status: str) -> StatusItem:
    """The item as it is after the withdrawal (its words, nothing due, not withdrawable)."""
    words = items.STATUS_WORDS.get(status) or items.LOCAL_WORDS.get(status)
    if words is None:
        return replace(item, withdrawable=False)
    return replace(item, status=status, status_zh=words[0], status_en=words[1], meaning_zh=words[2],
                   meaning_en=words[3], next_zh=words[4], next_en=words[5], withdrawable=False, papers_due=(),
                   papers_due_by="", office=None)


def _withdrawing(a: dict, targets: set[str]) -> bool:
    return f"number:{a.get('application_number')}" in targets or f"serial:{a.get('serial')}" in targets


def _outbox_read(outbox: Any, read: Callable[[Any], Any], nothing: Any) -> Any:
    """What this hut's outbox says (``nothing`` without one, or when it cannot be read)."""
    if outbox is None:
        return nothing
    try:
        return read(outbox)
    except Exception as exc:   # a locked or damaged outbox: the platform still answers
        log.warning("progress: the outbox could not be read (%s)", type(exc).__name__)
        return nothing


@dataclass(frozen=True)
class _Found:
    applications: tuple[dict, ...] = ()
    unreachable: str = ""


def _answer(call: Callable[[], list[dict]]) -> _Found:
    """Run a platform query; its failure is an answer too (never an exception)."""
    from kiosk.central.client import CentralError  # requests: loaded with the first query

    try:
        return _Found(applications=tuple(call()))
    except CentralError as exc:
        log.info("progress query not answered: %s", exc.code or type(exc).__name__)
        return _Found(unreachable=exc.code or type(exc).__name__)
    except Exception as exc:  # a surprise must not leave the resident staring at "querying"
        log.error("progress query failed: %s", type(exc).__name__)
        return _Found(unreachable=type(exc).__name__)
