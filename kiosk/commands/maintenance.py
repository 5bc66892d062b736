"""``kiosk maintenance``: staff at the terminal's shell.

``login`` checks the staff card (where cards are enrolled) and the PIN: exit
0 when right, 1 when wrong (tries are left), 3 while maintenance is locked
after five wrong tries; one line each, Chinese first.  ``selftest``,
``dead-letters`` and ``requeue`` log in the same way first and write every
action to the audit log in root's admin folder (kiosk/ops/maintenance_tasks.py).
They run as root: the PIN hash (maintenance.toml) and the lockout count are
root's, out of the kiosk user's reach.  The PIN is read
without echo when a person types it, or as one line from standard input
when a script pipes it in.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time

from kiosk import config as config_mod
from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.ops.maintenance import LoginResult, MaintenanceLogin, Outcome
from kiosk.ops.staff import staff_card_hash

EXIT_CODES = {Outcome.OK: 0, Outcome.WRONG: 1, Outcome.LOCKED: 3}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maintenance", help="maintenance staff: PIN login (locks for 5 minutes after 5 wrong PINs)")
    actions = p.add_subparsers(dest="maintenance_command", metavar="ACTION", required=True)
    login = actions.add_parser("login", help="check the staff card (where enrolled) and the maintenance PIN",
                               description="Exit 0: right; 1: wrong PIN or card, tries left; 3: locked, minutes left. "
                                           "The PIN is typed without echo, or one line on stdin.")
    _card_options(login)
    login.set_defaults(func=cmd_login)
    selftest = actions.add_parser("selftest", help="log in, then run each device's external self-test "
                                                   "(prints a test slip, grabs a frame...)")
    selftest.add_argument("devices", nargs="*", metavar="DEVICE", help="device names (default: every enabled one)")
    selftest.set_defaults(func=cmd_selftest)
    dead = actions.add_parser("dead-letters", help="log in, then list the submissions the outbox gave up on")
    dead.set_defaults(func=cmd_dead_letters)
    requeue = actions.add_parser("requeue", help="log in, then send one dead letter again")
    requeue.add_argument("serial", help="the submission's local serial (from dead-letters)")
    requeue.set_defaults(func=cmd_requeue)
    for parser in (selftest, dead, requeue):
        _card_options(parser)
    gate = actions.add_parser("gate", help="(root, started by kiosk-staff-gate.socket) check staff cards and PINs "
                                           "for the touchscreen's staff screen and write its audit lines")
    gate.add_argument("--socket", metavar="PATH",
                      help="listen on this Unix socket instead of the one systemd passes (the virtual hut, tests)")
    gate.set_defaults(func=cmd_gate)


def _read_pin() -> str:
    if sys.stdin.isatty():
        pin = getpass.getpass("维护PIN / maintenance PIN: ")
    else:
        pin = sys.stdin.readline()
    pin = pin.strip()
    if not pin:
        raise KioskError("no PIN given (type it at the prompt, or pipe one line to standard input)")
    return pin


def _card_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--card", action="store_true",
                        help="read the staff card first (required once staff cards are enrolled)")
    parser.add_argument("--reader", metavar="NAME",
                        help="PC/SC reader name (default: the configured staff card reader)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the card (default 30)")


def _login(args: argparse.Namespace, settings: Settings) -> tuple[LoginResult, str]:
    """The login every maintenance action starts with, and who logged in
    (for the audit log: the staff card's keyed hash, shortened, or "PIN")."""
    from kiosk.secrets_file import write_secrets_file

    keys = settings.maintenance_secrets()  # root only: the touchscreen app never reads it
    login = MaintenanceLogin(keys.pin_hash, settings.admin_dir, clock=time.time, staff_cards=keys.staff_cards,
                             card_key=keys.staff_card_key,
                             rehash=lambda pin: write_secrets_file(settings.paths.secrets_file, pin=pin))
    uid = None
    if args.card or login.needs_card:
        from kiosk.commands.card import read_staff_uid

        uid = read_staff_uid(args, settings)
    result = login.login(_read_pin(), uid)
    operator = "PIN" if uid is None else "card " + staff_card_hash(uid, keys.staff_card_key)[:12]
    return result, operator


def _refused(result: LoginResult) -> int | None:
    if result.ok:
        return None
    print(result.message(), file=sys.stderr)
    return EXIT_CODES[result.outcome]


def cmd_login(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    result, _operator = _login(args, settings)
    print(result.message(), file=sys.stdout if result.ok else sys.stderr)
    return EXIT_CODES[result.outcome]


def cmd_selftest(args: argparse.Namespace) -> int:
    """Exit 0 when every self-test said OK, 1 otherwise (each result printed)."""
    from drivers.base import HealthLevel
    from kiosk.devices.owner import DeviceOwner
    from kiosk.ops.maintenance_tasks import AuditLog, run_self_tests

    settings = config_mod.load(args.config)
    result, operator = _login(args, settings)
    if (code := _refused(result)) is not None:
        return code
    with DeviceOwner(settings) as owner:
        owner.wait_settled()
        results = run_self_tests(owner, AuditLog(settings.admin_dir), operator, args.devices or None,
                                 HealthLevel.EXTERNAL)
    for name, line in results.items():
        print(f"{name}: {line}")
    return 0 if all(line.startswith("OK") for line in results.values()) else 1


def cmd_dead_letters(args: argparse.Namespace) -> int:
    from kiosk.ops.maintenance_tasks import AuditLog, dead_letters

    settings = config_mod.load(args.config)
    result, operator = _login(args, settings)
    if (code := _refused(result)) is not None:
        return code
    letters = dead_letters(settings)
    AuditLog(settings.admin_dir).record(operator, "dead_letters", "outbox", f"{len(letters)} listed")
    print(json.dumps(letters, ensure_ascii=False, indent=2))
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    from kiosk.ops.maintenance_tasks import AuditLog, requeue

    settings = config_mod.load(args.config)
    result, operator = _login(args, settings)
    if (code := _refused(result)) is not None:
        return code
    if not requeue(settings, args.serial, AuditLog(settings.admin_dir), operator):
        raise KioskError(f"{args.serial} is not a dead letter in this terminal's outbox (see dead-letters)")
    print(f"已重新排队 / requeued {args.serial}")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    """The root helper of the staff screen (kiosk/ops/staff_gate.py): the app
    runs as ``kiosk`` and cannot read the maintenance file nor write root's
    audit log, so it asks here.  Runs until stopped."""
    import os
    import socket

    from kiosk.ops.staff_gate import LocalGate, serve

    settings = config_mod.load(args.config)
    gate = LocalGate(settings, check_revocations=False)
    if args.socket:
        path = args.socket
        if os.path.exists(path):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, 0o660)
        listener.listen(4)
    elif os.environ.get("LISTEN_PID") == str(os.getpid()) and os.environ.get("LISTEN_FDS") == "1":
        listener = socket.socket(fileno=3)   # SD_LISTEN_FDS_START: the socket kiosk-staff-gate.socket opened
    else:
        raise KioskError("no socket: start it through kiosk-staff-gate.socket (systemd), or give --socket PATH")
    serve(gate, listener)
    return 0
