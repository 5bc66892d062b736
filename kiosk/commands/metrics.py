"""``kiosk metrics serve|show``: the terminal's Prometheus exposition.

``serve`` is what kiosk-metrics.service runs: an HTTP endpoint on
127.0.0.1 (never another interface; the Prometheus agent on the terminal
scrapes it and forwards to the district).  ``show`` prints one scrape, for a
technician at the shell.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from kiosk import config as config_mod
from kiosk.errors import KioskError

DEFAULT_LISTEN = "127.0.0.1:9108"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help="the terminal's Prometheus metrics (devices, outbox, sessions, UI)")
    actions = p.add_subparsers(dest="metrics_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve /metrics on 127.0.0.1 (kiosk-metrics.service)")
    serve.add_argument("--listen", default=DEFAULT_LISTEN, help=f"127.0.0.1:PORT (default {DEFAULT_LISTEN})")
    serve.set_defaults(func=cmd_serve, service=True)
    show = actions.add_parser("show", help="print one scrape")
    show.set_defaults(func=cmd_show)


def _address(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1") or not port.isdigit():
        raise KioskError(f"--listen {listen!r}: expected 127.0.0.1:PORT (metrics stay on the terminal; "
                         "the Prometheus agent forwards them)")
    return host, int(port)


def cmd_serve(args: argparse.Namespace) -> int:
    from prometheus_client import start_http_server

    from kiosk.ops.metrics import registry_for

    host, port = _address(args.listen)
    settings = config_mod.load(args.config)
    server, thread = start_http_server(port, addr=host, registry=registry_for(settings))
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    print(f"serving metrics on http://{host}:{server.server_port}/metrics", flush=True)
    stop.wait()
    server.shutdown()
    thread.join(timeout=5)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from prometheus_client import generate_latest

    from kiosk.ops.metrics import registry_for

    print(generate_latest(registry_for(config_mod.load(args.config))).decode(), end="")
    return 0
