"""One worker of several on one port, as the supervisor behind ``kiosk
platform serve --workers N`` (PostgreSQL only; ``server.supervise``) starts it.

Each worker is its own interpreter (``python -m simulators.platform.workers``)
with its own connection pool, listening on the shared port with SO_REUSEPORT,
so the kernel spreads connections over them and nothing is shared but the
database and the attachment folder.  A worker that dies (killed, crashed) is
started again; what it was doing is the database's
business: an uncommitted transaction rolls back, the terminal's outbox
retries with the same Idempotency-Key and gets one filing.  SIGTERM/SIGINT:
each worker finishes its requests and stops.

The workers' metrics go to ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder per
supervisor), so whichever worker answers ``/metrics`` tells the sum.
"""

from __future__ import annotations

import json
import os
import signal

from simulators.platform.server import CONFIG_VARIABLE, run_worker


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides; a terminal's Ctrl-C reaches it
    config = json.loads(os.environ.pop(CONFIG_VARIABLE))
    run_worker(config)


if __name__ == "__main__":
    main()
