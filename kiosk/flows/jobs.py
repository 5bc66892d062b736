"""Work a flow needs done off the terminal's thread: network calls, printing, waiting.

A flow never blocks inside an intent.  An intent that needs the platform, the
outbox or the printer starts a ``Job`` through its ``JobSlot``; the terminal's
``Jobs`` runs ``job.run()`` on a worker thread and hands the outcome back on
the terminal's thread, where the slot delivers it only if the job is still
the one the flow waits for (the visit ended, the resident went back: a late
answer can never show one resident's data to the next).

``run`` never raises: whatever goes wrong becomes an outcome the flow has a
state for.  ``kind`` is the flow's own enum (what the job is for: logs, tests);
outcomes are never dispatched by comparing names.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

log = logging.getLogger(__name__)
_tokens = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Job:
    """One piece of blocking work: ``run`` does it (on a worker thread) and
    returns the outcome; ``done(outcome)`` takes it back on the flow's thread."""

    kind: enum.Enum
    run: Callable[[], Any] = field(repr=False)
    done: Callable[[Any], None] = field(repr=False)
    token: int = field(default_factory=lambda: next(_tokens))

    def __repr__(self) -> str:
        return f"Job({self.kind.value!r}, #{self.token})"


class Jobs(Protocol):
    """Runs jobs off the flows' thread and calls ``job.done`` back on it."""

    def start(self, job: Job) -> None: ...


class InlineJobs:
    """Runs each job at once on the caller's thread (flow tests that need no threads)."""

    def __init__(self) -> None:
        self.started: list[Job] = []

    def start(self, job: Job) -> None:
        self.started.append(job)
        job.done(job.run())


class QueuedJobs:
    """Keeps jobs until a test runs them (``run_all``): a test can look at the
    state a flow is in while its job is outstanding."""

    def __init__(self) -> None:
        self.waiting: list[Job] = []

    def start(self, job: Job) -> None:
        self.waiting.append(job)

    def run_all(self) -> int:
        ran = 0
        while self.waiting:
            job = self.waiting.pop(0)
            job.done(job.run())
            ran += 1
        return ran


class ThreadJobs:
    """Each job on its own daemon thread; the outcome comes back through
    ``post`` (the Kivy clock in the app, the terminal's loop in tests)."""

    def __init__(self, post: Callable[[Callable[[], None]], None]):
        self.post = post
        self._lock = threading.Lock()
        self.pending = 0          # jobs whose outcome is not posted yet

    def start(self, job: Job) -> None:
        with self._lock:
            self.pending += 1

        def work() -> None:
            try:
                outcome = job.run()
            except Exception as exc:  # a job's run must not raise; if it does, say so and give None
                log.error("job %s failed: %s", job.kind.value, type(exc).__name__)
                outcome = None
            self.post(lambda: job.done(outcome))
            with self._lock:
                self.pending -= 1

        threading.Thread(target=work, name=f"job-{job.kind.value}", daemon=True).start()


class JobSlot:
    """The one job a flow waits for: ``start`` replaces it, ``forget`` drops
    it; an outcome of any other job (stale) is not delivered."""

    def __init__(self, jobs: Jobs):
        self.jobs = jobs
        self.current: Job | None = None

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, kind: enum.Enum, run: Callable[[], Any], done: Callable[[Any], None]) -> Job:
        holder: list[Job] = []

        def land(outcome: Any) -> None:
            job = holder[0]
            if job is not self.current:
                log.debug("stale outcome of %r dropped", job)
                return
            self.current = None
            done(outcome)

        job = Job(kind, run, land)
        holder.append(job)
        self.current = job
        self.jobs.start(job)
        return job

    def forget(self) -> None:
        self.current = None
