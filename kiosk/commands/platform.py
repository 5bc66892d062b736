"""``kiosk platform serve``: run the reference central platform (a
development and test tool; the terminal itself never needs it).

The simulator package is imported only inside the command, so the rest of
the kiosk does not depend on simulators/.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("platform", help="the reference central platform (for development and tests)")
    actions = p.add_subparsers(dest="platform_command", metavar="ACTION", required=True)
    s = actions.add_parser("serve", help="serve the reference platform over HTTP until interrupted")
    s.add_argument("--db", type=Path, required=True, help="SQLite database file (created if missing)")
    s.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.set_defaults(func=cmd_serve, service=True)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        server = importlib.import_module("simulators.platform.server")
    except ImportError as exc:
        raise KioskError(f"the reference platform is not installed with this kiosk ({exc.name})") from None
    try:
        server.serve(args.db, args.host, args.port)
    except OSError as exc:
        raise KioskError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass
    return 0
