"""``kiosk maintenance login``: check the maintenance PIN at the terminal.

Exit 0 when the PIN is right, 1 when it is wrong (tries are left), 3 while
maintenance is locked after five wrong PINs; one line each, Chinese first.
The PIN is read without echo when a person types it, or as one line from
standard input when a script pipes it in.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from kiosk import config as config_mod
from kiosk.errors import KioskError
from kiosk.maintenance import MaintenanceLogin, Outcome

EXIT_CODES = {Outcome.OK: 0, Outcome.WRONG: 1, Outcome.LOCKED: 3}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maintenance", help="maintenance staff: PIN login (locks for 5 minutes after 5 wrong PINs)")
    actions = p.add_subparsers(dest="maintenance_command", metavar="ACTION", required=True)
    login = actions.add_parser("login", help="check the maintenance PIN (typed without echo, or one line on stdin)",
                               description="Exit 0: PIN right; 1: wrong, tries left; 3: locked, minutes left.")
    login.set_defaults(func=cmd_login)


def _read_pin() -> str:
    if sys.stdin.isatty():
        pin = getpass.getpass("维护PIN / maintenance PIN: ")
    else:
        pin = sys.stdin.readline()
    pin = pin.strip()
    if not pin:
        raise KioskError("no PIN given (type it at the prompt, or pipe one line to standard input)")
    return pin


def cmd_login(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    login = MaintenanceLogin(settings.secrets.maintenance_pin_hash, settings.state_dir, clock=time.time)
    result = login.login(_read_pin())
    print(result.message(), file=sys.stdout if result.ok else sys.stderr)
    return EXIT_CODES[result.outcome]
