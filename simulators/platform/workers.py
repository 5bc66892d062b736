"""Several platform workers on one port: the supervisor behind
``kiosk platform serve --workers N`` (PostgreSQL only).

Each worker is its own interpreter (``python -m simulators.platform.workers``)
with its own connection pool, listening on the shared port with SO_REUSEPORT,
so the kernel spreads connections over them and nothing is shared but the database and the attachment folder.  A worker that dies
(killed, crashed) is started again; what it was doing is the database's
business: an uncommitted transaction rolls back, the terminal's outbox
retries with the same Idempotency-Key and gets one filing.  SIGTERM/SIGINT:
each worker finishes its requests and stops.

The workers' metrics go to ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder per
supervisor), so whichever worker answers ``/metrics`` tells the sum.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RESTART_PAUSE = 1.0


CONFIG_VARIABLE = "KIOSK_PLATFORM_WORKER"


def _start(config: dict, env: dict) -> subprocess.Popen:
    # in the environment, not the command line: the admin token and the database URL's password are not
    # for `ps` to show (a process's environment is readable by its own user only)
    return subprocess.Popen([sys.executable, "-m", "simulators.platform.workers"],
                            env={**env, CONFIG_VARIABLE: json.dumps(config)})


def supervise(config: dict, workers: int) -> None:
    metrics_dir = tempfile.mkdtemp(prefix="kiosk-platform-metrics-")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    running = [_start(config, env) for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(running):
                if proc.poll() is not None and not stopping:
                    print(f"platform worker {proc.pid} ended ({proc.returncode}); starting another", flush=True)
                    _forget(metrics_dir, proc.pid)
                    time.sleep(RESTART_PAUSE)
                    running[i] = _start(config, env)
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in running:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in old.items():
            signal.signal(sig, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _forget(metrics_dir: str, pid: int) -> None:
    """A dead worker's live gauges leave the sum (its counters stay: they happened)."""
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, metrics_dir)
    except Exception:  # noqa: BLE001 - metrics must never stop the supervisor
        pass


def main() -> None:
    from simulators.platform.server import run_worker

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides; a terminal's Ctrl-C reaches it
    config = json.loads(os.environ.pop(CONFIG_VARIABLE))
    run_worker(config)


if __name__ == "__main__":
    main()
