"""``kiosk secrets init``: write a fresh secrets file for a new terminal.

The terminal's signing key arrives later, with enrolment; the outbox key and
the look-up hash key are made here and never leave the terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kiosk.config import write_secrets_file
from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("secrets", help="create the terminal's secrets file (keys, maintenance PIN hash)")
    actions = p.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write a new secrets file with fresh keys, mode 0600")
    init.add_argument("--out", default="/etc/kiosk/secrets.toml", help="where to write it")
    init.add_argument("--pin-stdin", action="store_true", help="read the maintenance PIN from standard input")
    init.add_argument("--force", action="store_true", help="replace an existing file (loses queued submissions' key!)")
    init.set_defaults(func=cmd_init)


def _read_pin(from_stdin: bool) -> str:
    if from_stdin:
        pin = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        pin = getpass.getpass("maintenance PIN (6-12 digits): ")
        if getpass.getpass("again: ") != pin:
            raise KioskError("the two PINs differ; nothing was written")
    else:
        return ""
    if pin and not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise KioskError("the maintenance PIN must be 6 to 12 digits; nothing was written")
    return pin


def cmd_init(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise KioskError(f"{out} exists; it holds the key of queued submissions. Use --force only on a new terminal")
    pin = _read_pin(args.pin_stdin)
    write_secrets_file(out, pin=pin, fresh_keys=True)
    print(f"wrote {out} (mode 0600)" + ("" if pin else "; no maintenance PIN set yet"))
    return 0
