"""``kiosk enrol CODE``: the technician's one-time code becomes this
terminal's identity (terminal ID) and signing key.

The key and the district's ID hash keys go into the secrets file (its owner,
group and mode kept, the other keys untouched); the
terminal ID replaces ``[terminal] id`` in the config by editing that one line,
so the technician's comments and layout survive.
"""

from __future__ import annotations

import argparse
import re
import stat
from pathlib import Path

from drivers.storage import atomic_write
from kiosk import config as config_mod
from kiosk.central.client import CentralClient
from kiosk.errors import KioskError
from kiosk.secrets_file import write_secrets_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrol", help="enrol this terminal with the platform using the technician's one-time code")
    p.add_argument("code", help="the one-time enrolment code from the district")
    p.set_defaults(func=cmd_enrol)


def cmd_enrol(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    p = settings.platform
    client = CentralClient(p.url, settings.terminal.id, b"", ca_file=p.ca_file, client_cert=p.client_cert,
                           client_key=p.client_key, connect_timeout=p.connect_timeout, read_timeout=p.read_timeout)
    try:
        terminal_id, key, id_hash_keys = client.enrol(args.code.strip(), settings.terminal.name)
    finally:
        client.close()
    write_secrets_file(settings.paths.secrets_file, terminal_key=key, id_hash_keys=id_hash_keys)
    changed = set_terminal_id(settings.source, terminal_id)
    print(f"enrolled as terminal {terminal_id}; key stored in {settings.paths.secrets_file}")
    if changed:
        print(f"{settings.source}: [terminal] id set to {terminal_id!r}")
    config_mod.load(settings.source)  # the files still load together
    return 0


_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")
_ID_LINE = re.compile(r'^(\s*id\s*=\s*)"[^"]*"(.*)$')


def set_terminal_id(path: Path, terminal_id: str) -> bool:
    """Set ``id`` in the ``[terminal]`` table by editing its line only."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    section = None
    for i, line in enumerate(lines):
        m = _SECTION.match(line)
        if m:
            section = m.group(1).strip()
            continue
        if section == "terminal":
            m = _ID_LINE.match(line.rstrip("\n"))
            if m:
                new = f'{m.group(1)}"{terminal_id}"{m.group(2)}\n'
                if new == line:
                    return False
                lines[i] = new
                atomic_write(path, "".join(lines).encode("utf-8"), mode=stat.S_IMODE(path.stat().st_mode))
                return True
    raise KioskError(f"{path}: no line id = \"...\" in [terminal]; add id = \"{terminal_id}\" there by hand")
