"""What CUPS says about a queue and a job, in the device model's words.

No I/O and no clock: the IPP attributes as pycups returns them
(``getPrinterAttributes``, ``getJobAttributes``) in, a :class:`QueueReading`
or :class:`JobReading` out.  ``printer-state-reasons`` keywords (RFC 8011
§5.4.12, PWG 5100.9) carry a severity suffix: ``-error`` stops printing,
``-warning`` and ``-report`` do not; a keyword without a suffix is an error,
as CUPS treats it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping

from drivers.base import Action, Status

# printer-state (RFC 8011 §5.4.11)
IDLE, PROCESSING, STOPPED = 3, 4, 5
PRINTER_STATES = {IDLE: "idle", PROCESSING: "processing", STOPPED: "stopped"}


class JobState(enum.IntEnum):
    """job-state (RFC 8011 §5.3.7)."""

    PENDING = 3
    HELD = 4
    PROCESSING = 5
    STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9

    @property
    def finished(self) -> bool:
        return self >= JobState.CANCELED


@dataclass(frozen=True)
class Problem:
    """A reason the printer reports, as a problem code of the manifest."""

    code: str
    status: Status
    action: Action
    what: str           # one line for the technician's log


# printer-state-reasons keyword (without its suffix) -> the problem it is.
# Words for staff are in manifest.py under the same codes.
REASONS: Mapping[str, Problem] = {
    "media-empty": Problem("media_empty", Status.USER_ERROR, Action.CLEAR, "A4 printer out of paper (media-empty)"),
    "media-needed": Problem("media_empty", Status.USER_ERROR, Action.CLEAR, "A4 printer needs paper (media-needed)"),
    "media-jam": Problem("media_jam", Status.USER_ERROR, Action.CLEAR, "paper jam in the A4 printer (media-jam)"),
    "door-open": Problem("door_open", Status.USER_ERROR, Action.CLEAR, "A4 printer door open (door-open)"),
    "cover-open": Problem("door_open", Status.USER_ERROR, Action.CLEAR, "A4 printer cover open (cover-open)"),
    "toner-empty": Problem("toner_empty", Status.USER_ERROR, Action.CLEAR, "A4 printer out of toner (toner-empty)"),
    "marker-supply-empty": Problem("toner_empty", Status.USER_ERROR, Action.CLEAR,
                                   "A4 printer out of toner or ink (marker-supply-empty)"),
    "offline": Problem("offline", Status.OFFLINE, Action.AUTO, "A4 printer offline (offline)"),
    "shutdown": Problem("offline", Status.OFFLINE, Action.AUTO, "A4 printer shut down (shutdown)"),
    "connecting-to-device": Problem("offline", Status.OFFLINE, Action.AUTO,
                                    "CUPS cannot reach the A4 printer (connecting-to-device)"),
    "paused": Problem("paused", Status.OFFLINE, Action.CLEAR, "the A4 printer's CUPS queue is paused"),
}
# Warnings that leave the printer working but that staff should hear about.
NOTICES: Mapping[str, str] = {"toner-low": "toner_low", "marker-supply-low": "toner_low", "media-low": "media_low"}
# Reasons that are only information.
QUIET = frozenset({"none", "other", "cups-waiting-for-job-completed", "cups-insecure-filter", "moving-to-paused",
                   "processing-to-stop-point", "cups-missing-filter"})
ORDER = ("media_jam", "door_open", "media_empty", "toner_empty", "paused", "offline")


def split_reason(keyword: str) -> tuple[str, str]:
    """``"media-empty-error"`` -> ``("media-empty", "error")``; no suffix: error."""
    for suffix in ("-error", "-warning", "-report"):
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)], suffix[1:]
    return keyword, "error"


@dataclass(frozen=True)
class QueueReading:
    """A queue's state: the device model's status and detail, the worst problem."""

    status: Status
    detail: Mapping[str, Any]
    problem: Problem | None = None
    notices: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.status is Status.ONLINE


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def read_queue(queue: str, attributes: Mapping[str, Any]) -> QueueReading:
    """The queue's IPP printer attributes in the device model's words."""
    state = int(attributes.get("printer-state", 0) or 0)
    reasons = _strings(attributes.get("printer-state-reasons"))
    accepting = bool(attributes.get("printer-is-accepting-jobs", True))
    problems: list[Problem] = []
    notices: list[str] = []
    unknown: list[str] = []
    for keyword in reasons:
        base, severity = split_reason(keyword)
        if base in QUIET:
            continue
        if severity == "error" and base in REASONS:
            problems.append(REASONS[base])
        elif base in NOTICES:
            notices.append(NOTICES[base])
        elif base in REASONS and base != "paused":   # a warning of a known problem: not stopping yet
            continue
        elif severity == "error":
            unknown.append(keyword)
    if state == STOPPED and not any(p.code == "paused" for p in problems) and not problems:
        # Stopped with no reason it names: CUPS stopped the queue after a failed job.
        problems.append(Problem("stopped", Status.HARDWARE_ERROR, Action.CLEAR,
                                "the A4 printer's CUPS queue is stopped"
                                + (f" ({', '.join(unknown)})" if unknown else "")))
    if not accepting:
        problems.append(Problem("not_accepting", Status.OFFLINE, Action.CLEAR,
                                "the A4 printer's CUPS queue rejects jobs (cupsreject)"))
    problems.sort(key=lambda p: ORDER.index(p.code) if p.code in ORDER else len(ORDER))
    worst = problems[0] if problems else None
    detail: dict[str, Any] = {"queue": queue, "printer_state": PRINTER_STATES.get(state, "unknown"),
                              "reasons": [r for r in reasons if r != "none"]}
    if worst is not None:
        detail["problem"] = worst.code
    if notices:
        detail["notices"] = sorted(set(notices))
    if any(p.code == "media_empty" for p in problems):
        detail["paper"] = "out"
    elif "media_low" in notices:
        detail["paper"] = "near_end"
    if "toner_low" in notices:
        detail["toner"] = "low"
    message = str(attributes.get("printer-state-message") or "")
    if message and worst is not None:
        detail["message"] = message[:200]
    return QueueReading(worst.status if worst else Status.ONLINE, detail, worst, tuple(sorted(set(notices))))


@dataclass(frozen=True)
class JobReading:
    """One CUPS job: its state, why, and how far it got as CUPS counts it."""

    job_id: int
    state: JobState
    reasons: tuple[str, ...] = ()
    impressions: int = 0
    message: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def read_job(job_id: int, attributes: Mapping[str, Any]) -> JobReading:
    try:
        state = JobState(int(attributes.get("job-state", 0) or 0))
    except ValueError:
        state = JobState.PENDING
    return JobReading(job_id, state, tuple(_strings(attributes.get("job-state-reasons"))),
                      int(attributes.get("job-impressions-completed", 0) or 0),
                      str(attributes.get("job-printer-state-message") or attributes.get("job-state-message") or "")[:200])


def parse_url(url: str) -> tuple[str, int]:
    """Where CUPS listens: ``unix:/run/cups/cups.sock`` (a domain socket) or
    ``ipp://host:631`` / ``http://host:631``; returns (host or socket path, port)."""
    if url.startswith("unix:"):
        path = url[len("unix:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path.startswith("/"):
            raise ValueError('a socket path such as "unix:/run/cups/cups.sock"')
        return path, 0
    for scheme in ("ipp://", "http://"):
        if url.startswith(scheme):
            rest = url[len(scheme):].split("/", 1)[0]
            host, _, port = rest.rpartition(":")
            if not host:
                return rest, 631
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError('a CUPS address such as "ipp://127.0.0.1:631"')
            return host.strip("[]"), int(port)
    raise ValueError('the local CUPS: "unix:/run/cups/cups.sock" or "ipp://127.0.0.1:631"')
