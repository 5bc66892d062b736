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
    login = actions.add_parser("login", help="check the staff card (where enrolled) and the maintenance PIN",
                               description="Exit 0: right; 1: wrong PIN or card, tries left; 3: locked, minutes left. "
                                           "The PIN is typed without echo, or one line on stdin.")
    login.add_argument("--card", action="store_true",
                       help="read the staff card first (required once staff cards are enrolled)")
    login.add_argument("--reader", metavar="NAME", help="PC/SC reader name (default: the configured staff card reader)")
    login.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the card (default 30)")
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
    login = MaintenanceLogin(settings.secrets.maintenance_pin_hash, settings.state_dir, clock=time.time,
                             staff_cards=settings.secrets.staff_cards, card_key=settings.secrets.id_hash_key)
    uid = None
    if args.card or login.needs_card:
        from kiosk.commands.card import read_staff_uid

        uid = read_staff_uid(args, settings)
    result = login.login(_read_pin(), uid)
    print(result.message(), file=sys.stdout if result.ok else sys.stderr)
    return EXIT_CODES[result.outcome]
