"""``kiosk update BUNDLE``: install a signed release, with rollback.

Verifies the bundle against the terminal's release key, waits until no
resident session or print is in progress, installs it beside the others in
/opt/kiosk/releases, switches, restarts and rolls back by itself when the
new release does not reach READY within 120 s or crashes three times (see
kiosk/ops/updater.py; only forward, unless the signed release says `rollback = true`).
Exit 0 installed (or already current), 1 rolled back,
2 refused (unsigned, wrongly signed, busy, malformed).

``kiosk release keygen|sign`` are for the district's build machine.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("update", help="install a signed release bundle (rolls back if it does not come up)")
    p.add_argument("bundle", help="kiosk-<version>.tar.gz (its signature beside it, .sig)")
    p.add_argument("--root", default="/", help="install under this folder instead of / (tests, image builds)")
    p.add_argument("--ready-timeout", type=float, default=120.0, help="seconds the new release has to say READY")
    p.add_argument("--idle-wait", type=float, default=600.0,
                   help="seconds to wait for the resident session or print in progress to end")
    p.set_defaults(func=cmd_update)

    r = sub.add_parser("release", help="make the release signing key and sign bundles (build machine)")
    actions = r.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    keygen = actions.add_parser("keygen", help="new Ed25519 key: KEY (private, 0600) and KEY.pub (for terminals)")
    keygen.add_argument("key", help="where to write the private key")
    keygen.set_defaults(func=cmd_keygen)
    sign = actions.add_parser("sign", help="write BUNDLE.sig")
    sign.add_argument("bundle")
    sign.add_argument("--key", required=True, help="the private key file from keygen")
    sign.set_defaults(func=cmd_sign)


def cmd_update(args: argparse.Namespace) -> int:
    from kiosk.ops.updater import Layout, SystemdSupervisor, install

    outcome = install(Path(args.bundle), Layout(Path(args.root)), SystemdSupervisor(),
                      ready_timeout=args.ready_timeout, idle_wait=args.idle_wait)
    return 1 if outcome == "rolled back" else 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.generate()
    path = Path(args.key)
    if path.exists():
        raise KioskError(f"{path} exists; not overwriting a signing key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.private_bytes_raw().hex() + "\n")
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    path.with_name(path.name + ".pub").write_text(public + "\n", encoding="ascii")
    print(f"wrote {path} (keep it off the terminals) and {path}.pub (install as /etc/kiosk/release-key.pub)")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from kiosk.ops.updater import sign

    try:
        private = bytes.fromhex(Path(args.key).read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise KioskError(f"{args.key}: not a key from `kiosk release keygen` ({exc})") from None
    print(f"wrote {sign(Path(args.bundle), private)}")
    return 0
