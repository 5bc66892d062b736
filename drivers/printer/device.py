"""The hut's receipt printer: slips encoded with python-escpos, sent over a
link of our own (TCP socket or serial port), true status, jobs whose failure
is never silent.

Status is read byte by byte with a short timeout (link.py): python-escpos's
``_read`` waits for 16 bytes (the whole timeout on every query) and its
``is_online``/``paper_status`` turn "no answer" into "offline"/"paper OK".

A job is sent in segments with a status query after each, so a printer that
runs out of paper (or opens its cover, or jams its cutter) mid-slip is
noticed at once: the job is reported as failed with how far it got, and the
caller gets a :class:`PrintJobFailed`.  The job itself is not kept: it may
carry personal data, and printing it again is the kiosk's decision.

While no job runs, a background check asks for the status every
``status_interval`` seconds, so paper out, an open cover or a pulled cable
shows in ``state`` without anything being printed.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from pydantic import Field

from drivers.base import (
    Action,
    Counters,
    Device,
    DeviceBusy,
    DeviceFailure,
    DeviceInfo,
    HealthLevel,
    OptionError,
    Status,
)
from drivers.options import DriverOptions
from drivers.options import Text as OptionText

from . import profiles
from .encode import EncodedJob, Segment, encode
from .link import Link, connect_error_text, tcp_address
from .slip import Slip
from .status import PrinterStatus, query
from .testslip import printer_test_slip

log = logging.getLogger(__name__)

GS_I = b"\x1dI"
STATUS_RETRIES = 2
STATUS_INTERVAL = 2.0   # seconds between background status checks while idle
COUNTERS = ("jobs", "failed_jobs", "lines_printed", "cuts", "failed_cuts", "paper_outs", "comm_errors")


class PrintJobFailed(DeviceFailure):
    """A job did not print completely; ``result`` says how far it got."""

    def __init__(self, message: str, action: Action, code: str, result: "JobResult"):
        super().__init__(message, action, code)
        self.result = result


@dataclass
class JobResult:
    job_id: str
    ok: bool
    lines_total: int
    lines_sent: int
    cut: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    stage: str = ""    # where a failed job stopped: "before printing", "after part 2 of 5"...


class PrinterOptions(profiles.ProfileOptions):
    """A receipt printer's options: its profile and overrides, plus how the
    driver talks to it."""

    model: OptionText | None = None  # what `kiosk doctor` shows when the printer does not say
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    status_timeout: float = Field(default=0.5, ge=0.05, le=10.0)
    connect_timeout: float = Field(default=3.0, ge=0.1, le=60.0)
    segment_lines: int = Field(default=8, ge=1, le=200)
    status_interval: float = Field(default=2.0, ge=0.5, le=60.0)  # seconds between background status checks


class ReceiptPrinter(Device):
    device_class: ClassVar[str] = "printer"
    transports: ClassVar[frozenset[str]] = frozenset({"serial", "network"})
    Options: ClassVar[type[DriverOptions]] = PrinterOptions

    def __init__(self, name: str, *, url: str | None = None, port: str | None = None,
                 options: Mapping[str, Any] | None = None, counters: Counters | None = None):
        super().__init__(name, counters)
        if bool(url) == bool(port):
            raise OptionError("url" if url else "port", "either url = \"tcp://host:port\" or port = \"/dev/...\"")
        self.url, self.port = url, port
        self.options = self.check_options(options or {})
        self.profile = profiles.resolve({k: v for k, v in self.options.items() if k in profiles.PROFILE_KEYS})
        if url:
            self._address = tcp_address(url)
        self._link: Link | None = None
        self._io = threading.RLock()
        self._last_status = PrinterStatus({})
        self._problem_codes: set[str] = set()
        self._link_error = ""  # why the last connect failed, for the technician
        self._job_ids = itertools.count(1)
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._set_info(DeviceInfo(
            model=self.options["model"] or f"ESC/POS {self.profile.paper_mm} mm ({self.profile.name})",
            capabilities=frozenset({"real_time_status", "qr", "barcode", "receipt_" + str(self.profile.paper_mm) + "mm"}
                                   | ({"cut"} if self.profile.cut != "none" else set())
                                   | ({"chinese_font"} if not self.profile.image_fallback else {"chinese_as_image"}))))

    # -- configuration -------------------------------------------------------
    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "ReceiptPrinter":
        return cls(name, url=getattr(cfg, "url", None), port=getattr(cfg, "port", None),
                   options=getattr(cfg, "options", None) or {}, counters=counters)

    @property
    def where(self) -> str:
        return self.url or self.port or "-"

    # -- link ------------------------------------------------------------------
    def _connect(self) -> Link:
        if self._link is not None:
            return self._link
        try:
            if self.url:
                link = Link.tcp(*self._address, connect_timeout=self.options["connect_timeout"])
            else:
                assert self.port is not None
                link = Link.serial_port(self.port, self.options["baudrate"], self.options["status_timeout"])
        except (OSError, ValueError) as exc:
            if not self._link_error:  # count the link going down, not every retry of the status check
                self.counters.incr("comm_errors")
            self._link_error = f"cannot connect to {self.where}: {connect_error_text(exc)}"
            raise DeviceFailure(f"printer {self.name}: {self._link_error}", Action.MAINTENANCE,
                                "no_connection") from None
        self._link_error = ""
        self._link = link
        return link

    def _drop_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _open(self) -> None:
        self.query_status()
        if self._last_status.answered:
            self._read_identity()
        self._watch_stop.clear()
        self._watcher = threading.Thread(target=self._watch, name=f"printer-status-{self.name}", daemon=True)
        self._watcher.start()

    @property
    def status_interval(self) -> float:
        return float(self.options.get("status_interval", STATUS_INTERVAL))

    def _watch(self) -> None:
        """The background status check: every ``status_interval`` seconds
        while no job runs, so paper out, an open cover or a pulled cable (and
        the recovery) show in ``state`` without anything being printed.  It
        takes the device the way a job does and skips its turn when a job or
        a self-test holds it: those read the status themselves."""
        while not self._watch_stop.wait(self.status_interval):
            try:
                with self.exclusive("status check"):
                    self.query_status()
            except DeviceBusy:
                continue
            except Exception:  # the watcher must outlive one bad check
                log.exception("printer %s: background status check failed", self.name)

    def _read_identity(self) -> None:
        """Model, firmware and serial from GS I 67/65/68 ("_" text NUL, as
        Epson answers).  Many Chinese printers do not answer: then the
        profile's name stays the model and the rest "unknown"."""
        found: dict[str, str] = {}
        with self._io:
            try:
                link = self._connect()
                for key, n in (("model", 67), ("firmware", 65), ("serial", 68)):
                    link.drain()
                    link.write(GS_I + bytes([n]))
                    text = link.read_id_text( self.options["status_timeout"])
                    if text is None:
                        break
                    found[key] = text
            except (OSError, DeviceFailure):
                self._drop_link()
        if found:
            info = self.info
            self._set_info(DeviceInfo(self.options.get("model") or found.get("model", info.model),
                                      found.get("serial", info.serial), found.get("firmware", info.firmware),
                                      info.capabilities))

    def _close(self) -> None:
        self._watch_stop.set()
        if self._watcher is not None:
            # A check in progress ends within one connect plus four status replies.
            self._watcher.join(self.options["connect_timeout"] + 4 * self.options["status_timeout"] + 1)
            self._watcher = None
        with self._io:
            self._drop_link()

    # -- status ------------------------------------------------------------------
    def _read_status(self) -> PrinterStatus:
        """DLE EOT 1-4.  A query without a reply ends the round: after no reply
        to DLE EOT 1 the printer is not answering, and after any other a late
        reply could come while the next query waits and be taken for its
        answer (every reply has the same form: "cover open" from DLE EOT 2
        would read as "paper jam" for DLE EOT 3).  The next round drains it."""
        with self._io:
            try:
                link = self._connect()
            except DeviceFailure:
                return PrinterStatus.decode({})
            replies: dict[int, int | None] = {}
            timeout = self.options["status_timeout"]
            try:
                link.drain()
                for n in (1, 2, 3, 4):
                    link.write(query(n))
                    replies[n] = link.read_status_byte(timeout)
                    if replies[n] is None:
                        break
            except OSError as exc:
                log.warning("printer %s link lost during status query: %s", self.name, _first_line(exc))
                self.counters.incr("comm_errors")
                self._drop_link()
                return PrinterStatus.decode({})
            return PrinterStatus.decode(replies)

    def query_status(self) -> PrinterStatus:
        """Ask the printer now; update the device state and report new problems."""
        with self._io:  # one reader of the link and of the last status at a time
            status = self._read_status()
            self._apply(status)
        return status

    def _apply(self, status: PrinterStatus) -> None:
        previous, self._last_status = self._last_status, status
        # A paper-out is counted when seen happening (paper known to be there,
        # now out), not on every look at an empty printer: each `kiosk printer
        # status` is a new process whose first status has no "before".
        if status.paper == "end" and previous.answered and previous.paper != "end":
            self.counters.incr("paper_outs")
        link = {"link": self._link_error} if self._link_error and not status.answered else {}
        if not status.answered and not self._link_error:
            link = {"hint": self._silence_hint()}
        self._set_state(status.status, profile=self.profile.name, **status.detail(), **link)
        codes = {p.code for p in status.problems()}
        for problem in status.problems():
            if problem.code not in self._problem_codes:
                what = f"{problem.what} ({problem.what_zh})"
                if link:
                    what += f"; {self._link_error}"
                self._report_error(what, problem.action, problem.code)
        self._problem_codes = codes

    def _silence_hint(self) -> str:
        """What to check when the link is open but nothing answers: on a
        serial line that is most often a baud rate that does not match the
        printer's (its self-test page shows it), on the network a device at
        that address that is not an ESC/POS printer, or one that is busy."""
        if self.port:
            return (f"connected to {self.port} but no reply at {self.options['baudrate']} baud: check that the "
                    "printer is on, that options.baudrate matches the printer's (see its self-test page), "
                    "and the cable")
        return (f"connected to {self.url} but no reply: check that the address is the printer's "
                "(see its self-test page) and that no other computer is printing to it")

    @property
    def last_status(self) -> PrinterStatus:
        return self._last_status

    # -- printing -----------------------------------------------------------------
    def print_receipt(self, receipt: Slip | EncodedJob | bytes, holder: str = "print",
                      job_id: str | None = None, wait: float = 5.0) -> JobResult:
        """Print one slip.  Raises :class:`PrintJobFailed` (a DeviceFailure)
        when it could not start or stopped midway."""
        if isinstance(receipt, Slip):
            job = encode(receipt, self.profile, segment_lines=self.options["segment_lines"])
        elif isinstance(receipt, (bytes, bytearray)):
            job = EncodedJob([Segment(bytes(receipt))], self.profile)
        else:
            job = receipt
        job_id = job_id or f"{self.name}-{int(time.time())}-{next(self._job_ids)}"
        with self.exclusive(holder, timeout=wait):
            return self._run(job_id, job)

    def _run(self, job_id: str, job: EncodedJob) -> JobResult:
        result = JobResult(job_id, False, job.lines, 0)
        before = self.query_status()
        if not before.printable:
            return self._fail(job_id, result, before, "before printing")
        self._set_state(Status.BUSY, **dict(self.state.detail))
        sent_lines = 0
        for index, segment in enumerate(job.segments):
            try:
                with self._io:
                    self._connect().write(segment.data)
            except (OSError, DeviceFailure) as exc:
                self.counters.incr("comm_errors")
                with self._io:
                    self._drop_link()
                log.warning("printer %s: sending job %s failed: %s", self.name, job_id, _first_line(exc))
                return self._fail(job_id, result, PrinterStatus.decode({}), "while sending")
            after = self._read_status()
            for _ in range(STATUS_RETRIES):  # a busy printer may miss one real-time reply
                if after.answered:
                    break
                after = self._read_status()
            self._apply(after)
            if segment.cut:
                if after.flag("autocutter_error"):
                    self.counters.incr("failed_cuts")
                elif after.answered:
                    self.counters.incr("cuts")
                    result.cut = True
            if not after.printable:
                # This segment's lines were sent but may not have come out:
                # count as printed only what surely did.
                result.lines_sent = sent_lines + segment.lines
                self.counters.incr("lines_printed", sent_lines)
                where = f"after part {index + 1} of {len(job.segments)}"
                if index == len(job.segments) - 1 and after.flag("autocutter_error"):
                    where = "at the cut (the slip printed but was not cut)"
                return self._fail(job_id, result, after, where)
            sent_lines += segment.lines
        result.lines_sent, result.ok = sent_lines, True
        result.status = self._last_status.as_dict()
        self.counters.incr("lines_printed", sent_lines)
        self.counters.incr("jobs")
        self._emit("job_done", {"job": job_id, "lines": sent_lines, "cut": result.cut})
        return result

    def _fail(self, job_id: str, result: JobResult, status: PrinterStatus,
              where: str) -> JobResult:
        problems = status.problems()
        problem = problems[0] if problems else None
        what = problem.what if problem else "printer stopped"
        action = problem.action if problem else Action.MAINTENANCE
        code = problem.code if problem else "stopped"
        result.reason, result.stage, result.status = f"{what} {where}", where, status.as_dict()
        self.counters.incr("failed_jobs")
        message = (f"print job {job_id} on {self.name} failed {where}: {what}; "
                   f"{result.lines_sent} of {result.lines_total} lines were sent before it stopped")
        self._report_error(message, action, code)
        self._emit("job_failed", {"job": job_id, "lines_sent": result.lines_sent, "lines_total": result.lines_total,
                                  "reason": result.reason, "action": action.value, "code": code})
        raise PrintJobFailed(message, action, code, result)

    # -- health ----------------------------------------------------------------
    def _check_health(self, level: HealthLevel) -> str:
        if level is HealthLevel.INTERNAL:
            return self.query_status().summary()
        slip = printer_test_slip(self.name, self.profile, self.last_status.summary(), self.counters_view())
        result = self.print_receipt(slip, holder="self-test")
        return "OK" if result.ok else result.reason

    def counters_view(self) -> dict[str, int]:
        snap = self.counters.snapshot()
        return {name: snap.get(name, 0) for name in COUNTERS}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
