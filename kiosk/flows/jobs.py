"""Work a flow needs done off the UI thread: network calls, printing, waiting.

A flow never blocks inside an intent.  An intent that needs the platform, the
outbox or the printer returns a ``Job``; the app runs ``job.run()`` on a
worker thread and hands the outcome back on the UI thread with
``flow.job_done(job, outcome)``.  The flow ignores an outcome whose job is not
the one it is waiting for (the visit ended, the resident went back), so a late
answer can never show one resident's data to the next.

``run`` never raises: whatever goes wrong becomes an outcome the flow has a
state for.  Tests run jobs inline (``job.run()``) or on a thread, the same way
the app does.

The app's side is a few lines::

    def run_job(self, flow, job):
        def work():
            outcome = job.run()
            Clock.schedule_once(lambda _dt: flow.job_done(job, outcome))
        threading.Thread(target=work, name=f"job-{job.name}", daemon=True).start()
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

_tokens = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Job:
    """One piece of blocking work: ``name`` says what for (logs, tests),
    ``run`` does it (on a worker thread) and returns the outcome."""

    name: str
    run: Callable[[], Any] = field(repr=False)
    token: int = field(default_factory=lambda: next(_tokens))

    def __repr__(self) -> str:
        return f"Job({self.name!r}, #{self.token})"
