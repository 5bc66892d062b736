"""``kiosk secrets``: the terminal's key files (kiosk/secrets_file.py).

``init`` writes fresh files for a new terminal (the signing key and the
district's ID hash keys arrive with enrolment).  ``upgrade`` brings a
terminal already in the field to the current shape: secrets.toml root:kiosk
0640 (the services can read it), the PIN hash and staff cards moved to the
root-only maintenance.toml, and the district's ID hash keys fetched from the
platform; rerun it after the district rotates its ID hash key.  ``pin`` sets
a new maintenance PIN.  All three run as root on a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.secrets_file import write_secrets_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("secrets", help="the terminal's key files (keys, maintenance PIN hash)")
    actions = p.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write new key files with fresh keys")
    init.add_argument("--out", default="/etc/kiosk/secrets.toml", help="where to write it")
    init.add_argument("--pin-stdin", action="store_true", help="read the maintenance PIN from standard input")
    init.add_argument("--force", action="store_true", help="replace an existing file (loses queued submissions' key!)")
    init.add_argument("--service-user", default="", help="user (or UID:GID) whose group may read secrets.toml")
    init.set_defaults(func=cmd_init)
    upgrade = actions.add_parser("upgrade", help="bring the key files to the current shape and fetch the district's "
                                                 "ID hash keys (after an upgrade or a key rotation)")
    upgrade.add_argument("--service-user", default="kiosk", help="user (or UID:GID) the services run as")
    upgrade.add_argument("--offline", action="store_true", help="do not ask the platform for the ID hash keys")
    upgrade.set_defaults(func=cmd_upgrade)
    pin = actions.add_parser("pin", help="set a new maintenance PIN")
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    pin.set_defaults(func=cmd_pin)


def read_pin(from_stdin: bool) -> str:
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
    from kiosk.ops.provision import service_ids

    out = Path(args.out)
    if out.exists() and not args.force:
        raise KioskError(f"{out} exists; it holds the key of queued submissions. Use --force only on a new terminal")
    pin = read_pin(args.pin_stdin)
    group = service_ids(args.service_user)[1] if args.service_user else None
    write_secrets_file(out, pin=pin, fresh_keys=True, group=group)
    print(f"wrote {out} (mode {'0640' if group is not None else '0600'}) and its maintenance.toml (0600)"
          + ("" if pin else "; no maintenance PIN set yet"))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from kiosk import config as config_mod
    from kiosk.central.client import CentralClient, CentralError
    from kiosk.ops.provision import service_ids

    settings = config_mod.load(args.config)
    _uid, gid = service_ids(args.service_user)
    keys = None
    if not args.offline and settings.secrets.terminal_key:
        client = CentralClient.from_settings(settings)
        try:
            keys = client.id_hash_keys()
        except CentralError as exc:
            raise KioskError(f"the platform did not give the ID hash keys ({exc}); nothing was written "
                             "(--offline upgrades the files without them)") from None
        finally:
            client.close()
    done = write_secrets_file(settings.paths.secrets_file, id_hash_keys=keys, group=gid)
    for what, outcome in done.items():
        print(f"{what}: {outcome}")
    now = config_mod.load(args.config).id_hash_keys
    print(f"ID hash key version {now.version}" + (f" (also kept: {[v for v, _ in now.previous]})" if now.previous else ""))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    from kiosk import config as config_mod

    settings = config_mod.load(args.config)
    pin = read_pin(args.pin_stdin)
    if not pin:
        raise KioskError("no PIN given (type it at the prompt, or --pin-stdin)")
    write_secrets_file(settings.paths.secrets_file, pin=pin)
    print("maintenance PIN set")
    return 0
