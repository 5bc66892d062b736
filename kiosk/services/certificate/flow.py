"""证明打印: the resident's certificates, checked, previewed and printed on A4.

The resident identifies (the ID card or the social security card, confirmed
with Continue); the flow asks the platform for the certificates the district
issued them (by the keyed hash of the ID number, ``certificates_for``); one
chosen is fetched and checked before anything is shown (verify.py: the
district's seal, unaltered, this resident's), its first page is shown, and
打印 sends its pages to the A4 printer (drivers/a4printer), one job a page.

The printer's trouble never loses the certificate: it stays in the session
until the visit ends.  CUPS down, the queue paused or rejecting: nothing is
queued, the resident hears why and may try again once staff fixed it.  Paper
out, a jam or an open door mid-job: the resident is told which pages are in
the tray; the rest stay queued and print by themselves once fixed.  A job
that makes no progress for the printer's ``stuck_after`` seconds with no
problem reported is stuck: its pages are cancelled and the resident may try
again.  A visit that ends with pages still queued cancels them: nothing
prints for nobody.

States::

    closed ─open─▶ identify ─identified─▶ listing ─found─▶ list ─choose─▶ fetching ─checked─▶ preview
                                            ├─nothing─▶ none_found        ├─refused─▶ refused
                                            └─unreachable─▶ unavailable   └─unreachable─▶ unavailable
    preview ─print─▶ printing ─done─▶ done
                       ├─stopped─▶ stopped ─resumed─▶ printing (the rest prints once fixed)
                       └─failed─▶ print_failed ─retry─▶ printing (the pages not out yet)
    list / none_found / unavailable / preview / refused / done ─back or list─▶ list
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.devices.availability import A4
from kiosk.flows.jobs import JobSlot
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.flows.session import Slot
from kiosk.identity import Evidence, Identity

log = logging.getLogger(__name__)

CARD = CardRequest(frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}))
# A certificate is a download the platform may seal on the first request: longer than a status query.
FETCH_BUDGET = 15.0


class CertState(enum.StrEnum):
    CLOSED = "closed"
    IDENTIFY = "identify"
    LISTING = "listing"
    LIST = "list"
    NONE_FOUND = "none_found"
    UNAVAILABLE = "unavailable"        # the platform did not answer: try again
    FETCHING = "fetching"
    PREVIEW = "preview"
    REFUSED = "refused"                # the check failed: to the counter
    PRINTING = "printing"
    STOPPED = "stopped"                # the printer needs staff mid-job: some pages out, the rest waits
    PRINT_FAILED = "print_failed"      # nothing (more) will print now: try again, or the counter
    DONE = "done"                      # take your papers


class CertJob(enum.StrEnum):
    LIST = "certificate_list"
    FETCH = "certificate_fetch"
    PRINT = "certificate_print"
    PROGRESS = "certificate_progress"


@dataclass(frozen=True)
class CertItem:
    code: str
    title: str
    title_en: str
    issued_by: str
    issued_on: str
    pages: int


@dataclass(frozen=True)
class CertView:
    """``refusal``: verify.Refusal's value; ``problem``: the A4 printer's
    problem code (media_empty, media_jam, door_open, paused, no_cups, stuck,
    no_printer...); ``out``: the pages in the tray; ``waiting``: the pages
    not printed yet.  ``preview``: the first page as PNG (in memory only)."""

    state: CertState = CertState.CLOSED
    masked_name: str = ""
    certificates: tuple[CertItem, ...] = ()
    chosen: CertItem | None = None
    preview: bytes = b""
    refusal: str = ""
    problem: str = ""
    out: tuple[int, ...] = ()
    waiting: tuple[int, ...] = ()
    pages: int = 0

    def __repr__(self) -> str:
        return (f"CertView(state={self.state.value!r}, certificates={len(self.certificates)}, "
                f"chosen={bool(self.chosen)}, problem={self.problem!r}, out={self.out}, waiting={self.waiting})")


# The card holder's look-up hashes and the chosen certificate's PDF: the visit's end drops them.
LOOKUP: Slot[list[str]] = Slot("certificate_lookup")
DOCUMENT: Slot[bytes] = Slot("certificate_document")

_LISTED = (CertState.LIST, CertState.NONE_FOUND, CertState.UNAVAILABLE, CertState.PREVIEW, CertState.REFUSED,
           CertState.DONE, CertState.PRINT_FAILED)


@dataclass(frozen=True)
class _Listed:
    items: tuple[CertItem, ...] = ()
    unreachable: str = ""


@dataclass(frozen=True)
class _Fetched:
    pdf: bytes = b""
    pages: int = 0
    preview: bytes = b""
    refusal: str = ""
    unreachable: str = ""


@dataclass(frozen=True)
class _Queued:
    run: Any = None
    problem: str = ""


class CertificateFlow(ServiceFlow[CertState, CertView]):
    """Intents: ``choose(code)``, ``print_()``, ``retry()``, ``to_list()``."""

    STEP_OF = {
        CertState.IDENTIFY: Step.IDENTIFY,
        **{s: Step.CERTIFICATES for s in (CertState.LISTING, CertState.LIST, CertState.NONE_FOUND,
                                           CertState.UNAVAILABLE)},
        **{s: Step.CERTIFICATE_PREVIEW for s in (CertState.FETCHING, CertState.PREVIEW, CertState.REFUSED)},
        **{s: Step.CERTIFICATE_PRINT for s in (CertState.PRINTING, CertState.STOPPED, CertState.PRINT_FAILED,
                                                CertState.DONE)},
    }
    TRANSITIONS = {
        **{(s, "open"): CertState.IDENTIFY for s in CertState},
        **{(s, "close"): CertState.CLOSED for s in CertState},
        (CertState.IDENTIFY, "identified"): CertState.LISTING,
        (CertState.UNAVAILABLE, "identified"): CertState.LISTING,
        (CertState.LISTING, "found"): CertState.LIST,
        (CertState.LISTING, "nothing"): CertState.NONE_FOUND,
        (CertState.LISTING, "unreachable"): CertState.UNAVAILABLE,
        (CertState.LIST, "choose"): CertState.FETCHING,
        (CertState.FETCHING, "checked"): CertState.PREVIEW,
        (CertState.FETCHING, "refused"): CertState.REFUSED,
        (CertState.FETCHING, "unreachable"): CertState.UNAVAILABLE,
        **{(s, "list"): CertState.LIST for s in _LISTED},
        (CertState.PREVIEW, "print"): CertState.PRINTING,
        (CertState.PRINT_FAILED, "print"): CertState.PRINTING,
        (CertState.PRINTING, "done"): CertState.DONE,
        (CertState.STOPPED, "done"): CertState.DONE,
        (CertState.PRINTING, "stopped"): CertState.STOPPED,
        (CertState.STOPPED, "resumed"): CertState.PRINTING,
        (CertState.PRINTING, "failed"): CertState.PRINT_FAILED,
        (CertState.STOPPED, "failed"): CertState.PRINT_FAILED,
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, CertView())
        self.client: Any = ctx.client     # the platform (CentralClient); a test or probe may stand in
        self.job = JobSlot(ctx.jobs)
        self.progress_job = JobSlot(ctx.jobs)
        self._trust: tuple[Any, ...] | None = None
        # The A4 printer's jobs of the pages queued (job numbers only; kept outside the
        # session so that the visit's end, which wipes the session first, still cancels them).
        self.queued: Any = None
        self._last_change = 0.0
        self._seen: tuple[tuple[int, ...], str] = ((), "")

    # -- the terminal's interface ----------------------------------------------------------
    def card_request(self) -> CardRequest | None:
        return CARD if self.state is CertState.IDENTIFY else None

    def speech(self) -> str:
        if self.state is CertState.REFUSED:
            return "refused"
        if (self.state, self.view.problem) in _SPOKEN_PROBLEMS:
            return f"{self.state.value}_{self.view.problem}"
        return self.state.value if self.state is not CertState.IDENTIFY else ""

    def keeps_resident_here(self) -> bool:
        return self.state in (CertState.FETCHING, CertState.PRINTING)

    def open(self) -> None:
        self._forget()
        self._fire("open", **_CLEAR)

    def close(self) -> None:
        self._cancel_queued()
        self._forget()
        self._fire("close", **_CLEAR)

    def shutdown(self) -> None:
        self._cancel_queued()

    def back(self) -> bool:
        """Back from a certificate is the list; from the list, leave the service.
        Nothing moves while pages print."""
        if self.state in (CertState.PREVIEW, CertState.REFUSED, CertState.DONE, CertState.PRINT_FAILED):
            return self.to_list()
        return self.state in (CertState.FETCHING, CertState.PRINTING, CertState.STOPPED, CertState.LISTING)

    def _forget(self) -> None:
        self.job.forget()
        self.progress_job.forget()
        self.ctx.session.pop(LOOKUP)
        self.ctx.session.pop(DOCUMENT)

    # -- identify and list --------------------------------------------------------------------
    def identified(self, identity: Identity) -> None:
        keys, client = self.ctx.id_hash_keys, self.client
        if not self.can("identified") or not identity.id_number or client is None or not keys:
            return
        hashes = keys.lookup_hashes(identity.id_number)
        self.ctx.session.put(LOOKUP, list(hashes))
        self._fire("identified", masked_name=identity.masked_name)
        self._list()

    def _list(self) -> None:
        client = self.client
        hashes: list[str] = self.ctx.session.get(LOOKUP) or []

        def ask() -> _Listed:
            from kiosk.central.client import CentralError

            try:
                found = client.certificates_for(hashes)
            except CentralError as exc:
                log.info("certificates not listed: %s", exc.code or type(exc).__name__)
                return _Listed(unreachable=exc.code or type(exc).__name__)
            return _Listed(tuple(_item(c) for c in found if isinstance(c, dict) and c.get("code")))

        self.job.start(CertJob.LIST, ask, self._listed)

    def _listed(self, outcome: Any) -> None:
        if not isinstance(outcome, _Listed) or outcome.unreachable:
            self._fire("unreachable")
            return
        self._fire("found" if outcome.items else "nothing", certificates=outcome.items)

    def retry(self) -> bool:
        """The platform did not answer: ask again (the list, with the same card)."""
        if self.state is not CertState.UNAVAILABLE or not self.ctx.session.get(LOOKUP):
            return False
        self._fire("identified")
        self._list()
        return True

    def to_list(self) -> bool:
        if not self.view.certificates:
            return False
        self._cancel_queued()
        self.ctx.session.pop(DOCUMENT)
        return self._fire("list", chosen=None, preview=b"", refusal="", problem="", out=(), waiting=(), pages=0)

    # -- one certificate ------------------------------------------------------------------------
    def choose(self, code: str) -> bool:
        item = next((c for c in self.view.certificates if c.code == code), None)
        identity = self.ctx.session.identity
        if item is None or not self.can("choose") or identity is None:
            return False
        client, trust = self.client, self.trust()
        hashes: list[str] = self.ctx.session.get(LOOKUP) or []
        id_number = identity.id_number

        def fetch() -> _Fetched:
            from kiosk.central.client import CentralError
            from kiosk.services.certificate.preview import first_page_png
            from kiosk.services.certificate.verify import CertificateRefused, Refusal, check_certificate

            try:
                pdf = client.certificate_document(item.code, hashes, budget=FETCH_BUDGET)
            except CentralError as exc:
                return _Fetched(unreachable=exc.code or type(exc).__name__)
            if pdf is None:
                return _Fetched(refusal=Refusal.OTHER_RESIDENT.value)
            try:
                checked = check_certificate(pdf, trust, item.code, id_number)
            except CertificateRefused as exc:
                log.warning("certificate refused before printing: %s", exc.reason.value)
                return _Fetched(refusal=exc.reason.value)
            return _Fetched(pdf, checked.pages, first_page_png(pdf))

        self._fire("choose", chosen=item, preview=b"", refusal="", problem="", out=(), waiting=(), pages=0)
        self.job.start(CertJob.FETCH, fetch, self._fetched)
        return True

    def _fetched(self, outcome: Any) -> None:
        if not isinstance(outcome, _Fetched) or outcome.unreachable:
            self._fire("unreachable")
        elif outcome.refusal:
            self._fire("refused", refusal=outcome.refusal)
        else:
            self.ctx.session.put(DOCUMENT, outcome.pdf)
            self._fire("checked", preview=outcome.preview, pages=outcome.pages,
                       waiting=tuple(range(1, outcome.pages + 1)))

    def trust(self) -> tuple[Any, ...]:
        """The district's seal CA from ``[platform] seal_ca_file`` (read once)."""
        if self._trust is None:
            from kiosk.services.certificate.verify import load_trust

            path = getattr(getattr(self.ctx.settings, "platform", None), "seal_ca_file", None)
            try:
                self._trust = load_trust(path)
            except (OSError, ValueError) as exc:
                log.error("the seal CA file %s cannot be read: %s", path, type(exc).__name__)
                self._trust = ()
        return self._trust

    # -- printing ---------------------------------------------------------------------------------
    def print_(self) -> bool:
        """打印 (and 重试 after a failure): the pages not out yet."""
        pdf, chosen = self.ctx.session.get(DOCUMENT), self.view.chosen
        if pdf is None or chosen is None or not self.can("print") or not self.view.waiting:
            return False
        printer = self.ctx.device(A4)
        pages, title = self.view.waiting, f"certificate {chosen.code}"

        def queue() -> _Queued:
            from drivers.a4printer.device import A4Unavailable

            if printer is None:
                return _Queued(problem="no_printer")
            try:
                return _Queued(run=printer.submit(pdf, pages, title))
            except A4Unavailable as exc:
                return _Queued(problem=exc.code or "refused")

        self._fire("print", problem="")
        self._last_change = self.ctx.clock()
        self.job.start(CertJob.PRINT, queue, self._queued)
        return True

    def _queued(self, outcome: Any) -> None:
        if not isinstance(outcome, _Queued) or outcome.run is None:
            self._fire("failed", problem=outcome.problem if isinstance(outcome, _Queued) else "refused")
            return
        self.queued = outcome.run
        self._last_change = self.ctx.clock()
        self._seen = ((), "printing")

    def tick(self, now: float) -> None:
        run = self.queued
        if run is None or self.state not in (CertState.PRINTING, CertState.STOPPED):
            return
        if self.progress_job.busy:   # one read at a time; the terminal ticks a few times a second
            return
        printer = self.ctx.device(A4)

        def read() -> Any:
            from drivers.a4printer.device import A4Unavailable

            if printer is None:
                return None
            try:
                return printer.progress(run)
            except A4Unavailable as exc:
                return exc.code or "no_cups"

        self.progress_job.start(CertJob.PROGRESS, read, self._progressed)

    def _progressed(self, progress: Any) -> None:
        from drivers.a4printer.device import RunProgress

        if self.state not in (CertState.PRINTING, CertState.STOPPED):
            return
        if not isinstance(progress, RunProgress):
            # CUPS stopped answering mid-job: what is queued may still print; say so and wait
            self._fire("stopped", problem=progress if isinstance(progress, str) else "no_cups")
            return
        now = self.ctx.clock()
        seen = (progress.out, progress.state)
        if seen != self._seen:
            self._seen, self._last_change = seen, now
        changes: dict[str, Any] = {"out": progress.out, "waiting": progress.waiting}
        if progress.state == "done":
                self._fire("done", problem="", **changes)
        elif progress.state == "stopped":
            if not self._fire("stopped", problem=progress.problem, **changes):
                self._set(problem=progress.problem, **changes)
        elif progress.state == "failed":
            self._cancel_queued()
            self._fire("failed", problem=progress.problem or "job_failed", **changes)
        else:
            if not self._fire("resumed", problem="", **changes):
                self._set(**changes)
            printer = self.ctx.device(A4)
            stuck_after = float(getattr(printer, "stuck_after", 90.0))
            if self.state is CertState.PRINTING and now - self._last_change > stuck_after:
                self._cancel_queued()
                self._fire("failed", problem="stuck", **changes)

    def _cancel_queued(self) -> None:
        run, self.queued = self.queued, None
        printer = self.ctx.device(A4)
        if run is None or printer is None:
            return

        def cancel() -> None:
            try:
                printer.cancel(run)
            except Exception as exc:  # noqa: BLE001 - the visit ends either way; the log says why
                log.error("queued certificate pages not cancelled: %s", type(exc).__name__)

        self.ctx.jobs.start(_job(CertJob.PRINT, cancel))


# (state, the printer's problem) with a line of its own (the service's lines); the rest say the state's.
_SPOKEN_PROBLEMS = frozenset({(CertState.STOPPED, p) for p in ("media_empty", "media_jam", "door_open")}
                             | {(CertState.PRINT_FAILED, p) for p in ("paused", "no_cups", "stuck")})
_CLEAR: dict[str, Any] = dict(masked_name="", certificates=(), chosen=None, preview=b"", refusal="", problem="",
                              out=(), waiting=(), pages=0)


def _item(entry: dict) -> CertItem:
    return CertItem(str(entry.get("code", "")), str(entry.get("title", "")), str(entry.get("title_en", "")),
                    str(entry.get("issued_by", "")), str(entry.get("issued_on", "")), int(entry.get("pages") or 1))


def _job(kind: enum.Enum, run: Callable[[], Any]) -> Any:
    from kiosk.flows.jobs import Job

    return Job(kind, run, lambda _outcome: None)
