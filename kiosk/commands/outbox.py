"""``kiosk outbox``: status, synthetic load, drain and the worker service."""

from __future__ import annotations

import argparse
import json
import logging
import time
from typing import TYPE_CHECKING

from kiosk.config import load
from kiosk.errors import KioskError

if TYPE_CHECKING:  # imported lazily at run time: `kiosk --help` stays fast
    from kiosk.config import Settings
    from kiosk.outbox.store import Outbox
    from kiosk.outbox.worker import OutboxWorker

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="the queue of submissions waiting for the central platform")
    actions = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    s = actions.add_parser("status", help="counts by state, oldest pending age, dead letters")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_status)
    f = actions.add_parser("fill", help="enqueue synthetic applications (load tests)")
    f.add_argument("--synthetic", type=int, required=True, metavar="N", help="how many applications")
    f.set_defaults(func=cmd_fill)
    d = actions.add_parser("drain", help="run the worker until the queue is empty")
    d.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="give up after this long even if items are still waiting to retry")
    d.set_defaults(func=cmd_drain)
    w = actions.add_parser("worker", help="run the worker until stopped (the kiosk-outbox service)")
    w.set_defaults(func=cmd_worker, service=True)
    n = actions.add_parser("retry", help="end the back-off: try every waiting submission now")
    n.set_defaults(func=cmd_retry)
    r = actions.add_parser("requeue", help="send a dead-lettered submission again")
    r.add_argument("serial")
    r.set_defaults(func=cmd_requeue)


def _outbox(args: argparse.Namespace) -> tuple[Settings, Outbox]:
    from kiosk.outbox.store import Outbox
    settings = load(args.config)
    return settings, Outbox.from_settings(settings)


def cmd_status(args: argparse.Namespace) -> int:
    _, outbox = _outbox(args)
    try:
        status = outbox.status()
    finally:
        outbox.close()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    age = status["oldest_pending_seconds"]
    print(f"pending    {status['pending']}")
    print(f"confirmed  {status['confirmed']}  (minimal records kept for the retention period)")
    print(f"dead       {status['dead']}")
    print(f"withdrawn  {status['withdrawn']}  (taken back by the resident before they were sent)")
    print("oldest pending: " + ("-" if age is None else _age(age)))
    for d in status["dead_letters"]:
        print(f"  dead letter {d['serial']} ({d['kind']}): {d['error']}")
    return 0


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def cmd_fill(args: argparse.Namespace) -> int:
    from kiosk.outbox.synthetic import fill
    if args.synthetic < 1:
        raise KioskError("--synthetic needs a positive number of applications")
    settings, outbox = _outbox(args)
    try:
        started = time.monotonic()
        queued = fill(outbox, args.synthetic, settings.id_hash_keys)
    finally:
        outbox.close()
    print(f"enqueued {len(queued)} synthetic applications in {time.monotonic() - started:.2f} s "
          f"(first {queued[0].serial}, last {queued[-1].serial})")
    return 0


def _worker(args: argparse.Namespace) -> OutboxWorker:
    from kiosk.outbox.worker import OutboxWorker
    worker = OutboxWorker.from_settings(load(args.config))
    worker.lock()
    return worker


def cmd_drain(args: argparse.Namespace) -> int:
    worker = _worker(args)
    worker.install_signal_handlers()
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    try:
        status = worker.run(until_empty=True, deadline=deadline)
    finally:
        worker.unlock()
    print(f"sent {worker.sent}; pending {status['pending']}, dead {status['dead']}")
    return 0 if status["pending"] == 0 else 1


def cmd_worker(args: argparse.Namespace) -> int:
    worker = _worker(args)
    worker.install_signal_handlers()
    log.info("outbox worker started (%s)", worker.outbox.folder)
    try:
        worker.run()
    finally:
        worker.unlock()
    log.info("outbox worker stopped")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    _, outbox = _outbox(args)
    try:
        count = outbox.retry_now()
    finally:
        outbox.close()
    print(f"{count} waiting submission(s) will be tried now (the worker picks them up within seconds)")
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    _, outbox = _outbox(args)
    try:
        if not outbox.requeue(args.serial):
            raise KioskError(f"no dead letter with serial {args.serial}; see `kiosk outbox status`")
    finally:
        outbox.close()
    print(f"{args.serial} queued again")
    return 0
