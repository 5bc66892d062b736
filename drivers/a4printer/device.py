"""The A4 printer (文件打印机): a queue of the terminal's own CUPS, over IPP.

pycups (OpenPrinting's binding of libcups) rather than IPP by hand: it is
what CUPS's own tools use, it speaks to cupsd on its domain socket with the
peer-credential authentication local administration needs, and it streams a
document from memory (``createJob`` / ``startDocument`` /
``writeRequestData``), so a certificate never becomes a file of ours.  CUPS
spools it in its own spool; ``PreserveJobFiles No`` in cupsd.conf makes CUPS
delete it once printed (docs/certificates.md).

One job per page (``page-ranges``): CUPS counts what its filters sent, not
what left the printer, so with a whole document in one job nobody could tell
a resident which sheets are in the tray when the paper runs out.  A page's
job is complete when the printer has taken it; the jobs are queued together
and CUPS prints them in order, so the pages out are the completed jobs.

While open, a background check reads the queue's state every
``status_interval`` seconds: paper out, a jam, an open door, a paused queue
or a cupsd that stopped show in ``state`` without anything being printed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping, Sequence

from pydantic import Field

from drivers.base import Action, Counters, Device, DeviceFailure, DeviceInfo, HealthLevel, OptionError, Status
from drivers.options import DriverOptions, Name
from drivers.options import Text as OptionText

from .codec import JobReading, JobState, Problem, QueueReading, parse_url, read_job, read_queue

log = logging.getLogger(__name__)

# Reasons a backend reported about the printer during the last job: CUPS keeps
# them on an idle queue until the next job's backend says otherwise, so they
# may be stale; a job is queued anyway and its progress says if they still hold.
PRINTER_SIDE = frozenset({"media_empty", "media_jam", "door_open", "toner_empty"})
HTTP_CONTINUE = 100   # what writeRequestData answers while CUPS takes the data (pycups does not export it)
COUNTERS = ("documents", "pages_printed", "failed_jobs", "paper_outs", "jams", "comm_errors")
PRINTER_ATTRIBUTES = ["printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
                      "printer-make-and-model", "printer-info", "queued-job-count"]
JOB_ATTRIBUTES = ["job-state", "job-state-reasons", "job-impressions-completed", "job-printer-state-message"]


# The terminal's own CUPS (``url`` its socket or 127.0.0.1:631) keeps a printed job's document
# for a day unless cupsd.conf says otherwise, and a certificate names the resident.
SYSTEM_SOCKETS = frozenset({"/run/cups/cups.sock", "/var/run/cups/cups.sock"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CUPS_DEFAULT_PRESERVE = "86400"   # cupsd.conf(5): PreserveJobFiles defaults to one day


def preserved_job_files(cupsd_conf: str) -> str | None:
    """What ``PreserveJobFiles`` keeps by this cupsd.conf text (its value, or
    CUPS's default when the line is absent), or None when it keeps nothing."""
    value = CUPS_DEFAULT_PRESERVE
    for line in cupsd_conf.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].lower() == "preservejobfiles":
            value = words[1]
    return None if value.lower() in ("no", "off", "false", "0") else value


class A4Options(DriverOptions):
    """The queue's name in the terminal's CUPS and how the driver watches it."""

    queue: Name = Field(description='the CUPS queue name, such as "hut-a4" (lpstat -p lists them)')
    model: OptionText | None = None      # what `kiosk doctor` shows when CUPS does not say
    status_interval: float = Field(default=2.0, ge=0.2, le=60.0)
    # A job that has not finished this long while the printer reports nothing wrong is stuck.
    stuck_after: float = Field(default=90.0, ge=5.0, le=3600.0)
    # Read by the health check when the queue is on this terminal's own CUPS.
    cupsd_conf: OptionText = Field(default="/etc/cups/cupsd.conf",
                                   description="the terminal's CUPS configuration, checked for PreserveJobFiles No")


class A4Unavailable(DeviceFailure):
    """The queue cannot take a job now; ``code`` is the manifest's problem code."""


@dataclass(frozen=True)
class PrintRun:
    """The jobs of one document: ``jobs[i]`` prints page ``pages[i]``."""

    title: str
    pages: tuple[int, ...]
    jobs: tuple[int, ...]


@dataclass(frozen=True)
class RunProgress:
    """How far a run got.  ``out``: the pages that left the printer, in order;
    ``waiting``: the pages not printed yet.  ``state``: printing, done,
    stopped (the printer reports ``problem``), failed (CUPS gave up a job)."""

    state: str
    out: tuple[int, ...]
    waiting: tuple[int, ...]
    problem: str = ""
    what: str = ""


class A4Printer(Device):
    device_class: ClassVar[str] = "a4printer"
    transports: ClassVar[frozenset[str]] = frozenset({"network"})
    Options: ClassVar[type[DriverOptions]] = A4Options

    def __init__(self, name: str, *, url: str, options: Mapping[str, Any] | None = None,
                 counters: Counters | None = None):
        super().__init__(name, counters)
        try:
            self._host, self._port = parse_url(url)
        except ValueError as exc:
            raise OptionError("url", str(exc)) from None
        self.url = url
        self.options = self.check_options(options or {})
        self.queue: str = self.options["queue"]
        self._io = threading.RLock()
        self._conn: Any = None
        self._counted: set[int] = set()
        self._last = QueueReading(Status.UNKNOWN, {})
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._set_info(DeviceInfo(model=self.options["model"] or "CUPS queue " + self.queue,
                                  capabilities=frozenset({"a4", "pdf", "page_status"})))

    @classmethod
    def from_config(cls, name: str, cfg: Any, counters: Counters) -> "A4Printer":
        return cls(name, url=getattr(cfg, "url", None) or "", options=getattr(cfg, "options", None) or {},
                   counters=counters)

    @property
    def where(self) -> str:
        return f"{self.url} {self.queue}"

    @property
    def stuck_after(self) -> float:
        return float(self.options["stuck_after"])

    # -- the connection ------------------------------------------------------------
    def _connection(self) -> Any:
        import cups  # pycups: loaded with the driver, not with the manifest

        if self._conn is None:
            try:
                self._conn = cups.Connection(host=self._host, port=self._port or 631)
            except RuntimeError as exc:
                self.counters.incr("comm_errors")
                raise A4Unavailable(f"cannot reach CUPS at {self.url}: is cupsd running? ({exc})",
                                    Action.CLEAR, "no_cups") from None
        return self._conn

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One IPP operation; a broken connection is dropped and tried once more."""
        import cups

        with self._io:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    return getattr(conn, method)(*args, **kwargs)
                except cups.IPPError as exc:
                    status, text = exc.args if len(exc.args) == 2 else (0, str(exc))
                    if status == cups.IPP_NOT_FOUND:
                        raise A4Unavailable(f"CUPS has no queue {self.queue!r} (lpstat -p lists them)",
                                            Action.MAINTENANCE, "no_queue") from None
                    if status in (cups.IPP_SERVICE_UNAVAILABLE, -1) or "connect" in str(text).lower():
                        self._conn = None
                        if attempt == 1:
                            continue
                        self.counters.incr("comm_errors")
                        raise A4Unavailable(f"CUPS at {self.url} does not answer ({text})", Action.CLEAR,
                                            "no_cups") from None
                    raise A4Unavailable(f"CUPS refused {method} on {self.queue!r}: {text}", Action.MAINTENANCE,
                                        "refused") from None
                except RuntimeError as exc:   # "failed to connect" on a connection that was open
                    self._conn = None
                    if attempt == 1:
                        continue
                    self.counters.incr("comm_errors")
                    raise A4Unavailable(f"CUPS at {self.url} does not answer ({exc})", Action.CLEAR,
                                        "no_cups") from None
        raise AssertionError("unreachable")

    # -- state -------------------------------------------------------------------
    def read(self) -> QueueReading:
        """The queue's state now (and the device's ``state`` set from it)."""
        try:
            attributes = self._call("getPrinterAttributes", self.queue, requested_attributes=PRINTER_ATTRIBUTES)
        except A4Unavailable as exc:
            status = Status.NO_DEVICE if exc.code == "no_queue" else Status.OFFLINE
            code = exc.code or "no_cups"
            reading = QueueReading(status, {"queue": self.queue, "problem": code},
                                   Problem(code, status, exc.action, str(exc)))
            self._apply(reading, str(exc), exc.action)
            return reading
        reading = read_queue(self.queue, attributes)
        model = str(attributes.get("printer-make-and-model") or "")
        if model and not self.options["model"] and self.info.model != model:
            self._set_info(DeviceInfo(model=model, capabilities=self.info.capabilities))
        problem = reading.problem
        self._apply(reading, problem.what if problem else "", problem.action if problem else Action.AUTO)
        return reading

    def _apply(self, reading: QueueReading, what: str, action: Action) -> None:
        before = self._last
        self._last = reading
        new_problem = reading.detail.get("problem")
        if new_problem and new_problem != before.detail.get("problem"):
            if new_problem == "media_empty":
                self.counters.incr("paper_outs")
            elif new_problem == "media_jam":
                self.counters.incr("jams")
            self._report_error(what, action, str(new_problem))
        self._set_state(reading.status, **reading.detail)

    @property
    def last_reading(self) -> QueueReading:
        return self._last

    def _open(self) -> None:
        self.read()   # an unreachable CUPS is a state, not a failure to open: the watcher sees it come back
        self._watch_stop.clear()
        self._watcher = threading.Thread(target=self._watch, name=f"a4printer-{self.name}", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._watch_stop.wait(float(self.options["status_interval"])):
            try:
                self.read()
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad answer
                log.exception("device %s: reading the queue failed", self.name)

    def _close(self) -> None:
        self._watch_stop.set()
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout=5)
        with self._io:
            self._conn = None

    def _check_health(self, level: HealthLevel) -> str:
        reading = self.read()
        if reading.problem is not None:
            return reading.problem.what
        if reading.status is not Status.ONLINE:
            return f"A4 printer {reading.status.value} ({reading.detail.get('problem', '')})"
        return self._keeps_documents() or "OK"

    def _keeps_documents(self) -> str | None:
        """The words for an engineer when the terminal's own CUPS keeps printed
        documents (docs/certificates.md); None when it does not, or when the
        queue is on another server, whose configuration is not ours to read,
        or when this user may not read it: once cupsd has rewritten it (cupsctl,
        its web page) it is root:lp 0640, so the kiosk app's user cannot tell,
        while kiosk doctor and kiosk provision, run as root, can."""
        if not (self._host in SYSTEM_SOCKETS or (self._host in LOCAL_HOSTS and self._port == 631)):
            return None
        path = Path(self.options["cupsd_conf"])
        try:
            kept = preserved_job_files(path.read_text(encoding="utf-8", errors="replace"))
        except PermissionError:
            return None
        except OSError as exc:
            return f"打印服务配置无法读取 / cannot read {path} to check that printed documents are deleted ({exc})"
        if kept is None:
            return None
        return (f"打印服务保留已打印的文件（含居民信息）：在 {path} 设置 PreserveJobFiles No 并重启 cups / "
                f"CUPS keeps printed documents, which name residents (PreserveJobFiles {kept}): "
                f"set PreserveJobFiles No in {path} and restart cups")

    # -- printing -----------------------------------------------------------------
    def submit(self, document: bytes, pages: Sequence[int], title: str) -> PrintRun:
        """Queue ``pages`` (1-based) of the PDF ``document``, one job each, in
        order.  Raises :class:`A4Unavailable` when the queue cannot print now
        (CUPS down, the queue paused, stopped or rejecting: nothing is queued
        then) or CUPS refuses a job (the ones queued are cancelled).  Paper
        out, a jam or an open door do not refuse (see ``PRINTER_SIDE``): the
        run's progress reports them, and the pages print once they are fixed."""
        import cups

        if not pages:
            raise ValueError("no page to print")
        reading = self.read()
        if (reading.problem is not None and reading.problem.code not in PRINTER_SIDE) \
                or reading.status in (Status.UNKNOWN, Status.NO_DEVICE):
            code = str(reading.detail.get("problem") or "offline")
            raise A4Unavailable(reading.problem.what if reading.problem else f"A4 printer {reading.status.value}",
                                reading.problem.action if reading.problem else Action.AUTO, code)
        jobs: list[int] = []
        try:
            for page in pages:
                jobs.append(self._one_job(document, int(page), title, cups))
        except A4Unavailable:
            self.cancel(PrintRun(title, tuple(pages[: len(jobs)]), tuple(jobs)))
            self.counters.incr("failed_jobs")
            raise
        self.counters.incr("documents")
        log.info("device %s: %d page job(s) queued on %s", self.name, len(jobs), self.queue)
        return PrintRun(title, tuple(int(p) for p in pages), tuple(jobs))

    def _one_job(self, document: bytes, page: int, title: str, cups: Any) -> int:
        with self._io:
            job = int(self._call("createJob", self.queue, f"{title} p{page}", {"page-ranges": str(page)}))
            try:
                self._call("startDocument", self.queue, job, f"{title} p{page}", "application/pdf", 1)
                status = self._call("writeRequestData", document, len(document))
                if status != HTTP_CONTINUE:
                    raise A4Unavailable(f"CUPS stopped taking the document (HTTP status {status})",
                                        Action.MAINTENANCE, "refused")
                self._call("finishDocument", self.queue)
            except A4Unavailable:
                self._cancel_job(job)
                raise
            return job

    def job(self, job_id: int) -> JobReading:
        return read_job(job_id, self._call("getJobAttributes", job_id, requested_attributes=JOB_ATTRIBUTES))

    def progress(self, run: PrintRun) -> RunProgress:
        """Where the run is (reads every unfinished job and the queue)."""
        out: list[int] = []
        readings = list(self._jobs(run))
        for page, reading in readings:
            if reading.state is not JobState.COMPLETED:
                break
            out.append(page)
            if reading.job_id not in self._counted:
                self._counted.add(reading.job_id)
                self.counters.incr("pages_printed")
        waiting = tuple(p for p in run.pages if p not in out)
        if not waiting:
            return RunProgress("done", tuple(out), ())
        failed = [r for _, r in readings if r.state in (JobState.ABORTED, JobState.CANCELED)]
        if failed:
            self.counters.incr("failed_jobs")
            return RunProgress("failed", tuple(out), waiting, "job_failed",
                               f"CUPS gave up job {failed[0].job_id} ({', '.join(failed[0].reasons)})")
        queue = self.read()
        if queue.problem is not None:
            return RunProgress("stopped", tuple(out), waiting, queue.problem.code, queue.problem.what)
        return RunProgress("printing", tuple(out), waiting)

    def _jobs(self, run: PrintRun) -> Iterator[tuple[int, JobReading]]:
        for page, job in zip(run.pages, run.jobs):
            yield page, self.job(job)

    def cancel(self, run: PrintRun) -> tuple[int, ...]:
        """Cancel the run's unfinished jobs; returns the pages that will not print."""
        dropped: list[int] = []
        for page, job in zip(run.pages, run.jobs):
            try:
                if self.job(job).state.finished:
                    continue
            except A4Unavailable:
                pass
            self._cancel_job(job)
            dropped.append(page)
        return tuple(dropped)

    def _cancel_job(self, job: int) -> None:
        try:
            self._call("cancelJob", job)
        except A4Unavailable as exc:
            log.warning("device %s: could not cancel job %d: %s", self.name, job, exc)

    def counters_view(self) -> dict[str, int]:
        snap = self.counters.snapshot()
        return {name: snap.get(name, 0) for name in COUNTERS}
