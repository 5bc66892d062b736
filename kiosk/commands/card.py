"""``kiosk card read`` and ``kiosk card uid``: the technician's tools for the
PC/SC readers.

``read`` prints the social security card's record with the ID card's JSON
keys (plus card number, issue and expiry dates, region), masked unless
``--show``: the output may end up in a terminal log.  ``uid`` prints the
keyed hash of a staff card's UID, the line that goes into the secrets
file's staff card allow-list; the UID itself is never printed.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from typing import Any

from kiosk.errors import KioskError

DRIVER = "smartcard.pcsc"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("card", help="smart card readers (社保卡, staff card): read a card, print a UID hash")
    sub = p.add_subparsers(dest="card_command", metavar="ACTION", required=True)

    r = sub.add_parser("read", help="read a social security card (社会保障卡) and print its record")
    r.add_argument("--reader", metavar="NAME",
                   help="PC/SC reader name (default: the configured social security reader)")
    r.add_argument("--json", action="store_true", help="print the record as JSON")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    r.add_argument("--show", action="store_true", help="print name, numbers and birth date unmasked")
    r.set_defaults(func=cmd_read)

    u = sub.add_parser("uid", help="print the keyed hash of a staff card's UID (for the secrets file allow-list)")
    u.add_argument("--reader", metavar="NAME", help="PC/SC reader name (default: the configured staff card reader)")
    u.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    u.add_argument("--enrol", action="store_true",
                   help="also add the card to this terminal's staff cards (the secrets file)")
    u.set_defaults(func=cmd_uid)


def _positive(timeout: float) -> float:
    if not timeout > 0 or timeout > 3600:
        raise KioskError(f"--timeout: expected seconds from 0 to 3600, got {timeout:g}")
    return timeout


def _open_reader(args: argparse.Namespace, reads: str, settings: Any | None) -> Any:
    from drivers.smartcard.device import SmartCardReader

    if args.reader:
        return SmartCardReader("card", args.reader, options={"reads": reads})
    if settings is None:
        from kiosk import config as config_mod

        settings = config_mod.load(args.config)
    from kiosk.devices.registry import build_device, configured_device

    what = ("social security card reader" if reads == "social_security" else "staff card reader") + \
        " (or pass --reader)"
    name = configured_device(settings, {DRIVER}, what, where=lambda cfg: cfg.options.get("reads") == reads)
    return build_device(settings, name)


def _wait_for(reader: Any, wanted: str, timeout: float, prompt: str) -> Any:
    """Open the reader, wait for the ``wanted`` event (or a read error), close."""
    from drivers.base import DeviceError, DeviceEvent, DeviceFailure, Status

    events: queue.Queue[Any] = queue.Queue()

    def on_event(event: Any) -> None:
        if isinstance(event, DeviceEvent) and event.kind == wanted or isinstance(event, DeviceError):
            events.put(event)

    reader.subscribe(on_event)
    reader.open()
    try:
        if reader.status != Status.ONLINE:
            raise DeviceFailure(f"读卡器不可用 / reader {reader.reader!r} is {reader.status.value}: "
                                f"{reader.check_health('internal')}")
        if not reader.card_present:
            print(prompt, file=sys.stderr, flush=True)
        try:
            event = events.get(timeout=timeout)
        except queue.Empty:
            raise KioskError(f"no card was read within {timeout:g} s (插卡后重试 / insert a card and retry)") from None
    finally:
        reader.close()
    if isinstance(event, DeviceError):
        raise KioskError(event.what)
    return event.data


def masked(out: dict[str, Any]) -> dict[str, Any]:
    from kiosk.privacy import mask_id, mask_name

    out = dict(out)
    out["name"] = mask_name(out["name"])
    out["id_number"] = mask_id(out["id_number"])
    for key in ("birth_date", "card_number"):
        if out.get(key):
            out[key] = "***"
    return out


def cmd_read(args: argparse.Namespace) -> int:
    timeout = _positive(args.timeout)
    reader = _open_reader(args, "social_security", None)
    record = _wait_for(reader, "record", timeout, "请插入社保卡 / insert the social security card …")
    out = record.as_json()
    if not args.show:
        out = masked(out)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for key, value in out.items():
            print(f"{key:18} {value}")
    return 0


def read_staff_uid(args: argparse.Namespace, settings: Any) -> bytes:
    """Wait for a staff card on the configured (or ``--reader``) staff card
    reader and return its UID (also for ``kiosk maintenance login --card``)."""
    reader = _open_reader(args, "staff_uid", settings)
    uid: bytes = _wait_for(reader, "staff_card", _positive(args.timeout), "请刷工作卡 / present the staff card …")
    return uid


def cmd_uid(args: argparse.Namespace) -> int:
    from kiosk import config as config_mod
    from kiosk.ops.staff import staff_card_hash
    from kiosk.secrets_file import write_secrets_file

    settings = config_mod.load(args.config)
    keys = settings.maintenance_secrets()  # the card key and list live in root's maintenance file
    digest = staff_card_hash(read_staff_uid(args, settings), keys.staff_card_key)
    print(digest)
    if args.enrol:
        cards = keys.staff_cards
        if digest in cards:
            print("已登记 / already enrolled", file=sys.stderr)
        else:
            write_secrets_file(settings.paths.secrets_file, staff_cards=(*cards, digest))
            print(f"已登记工作卡 / staff card enrolled ({len(cards) + 1} on this terminal)", file=sys.stderr)
    return 0
