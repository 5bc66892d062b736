"""``kiosk idcard read`` and ``kiosk idcard decode``: the technician's tools
for the ID card reader.

``read`` prints masked name and number unless ``--show`` is given, and
``decode`` unless ``--unmasked`` is: the command's output may end up in a
terminal log or the journal, and a technician checking a reader rarely needs
the full number.  Output is UTF-8 whatever the locale (a service shell with
``LANG=C`` must not turn a card's Chinese name into a traceback).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
from pathlib import Path

from kiosk.errors import KioskError

_HEX_TEXT = re.compile(rb"(?:0[xX])?[0-9A-Fa-f]{2}(?:[\s:,]*(?:0[xX])?[0-9A-Fa-f]{2})*\s*")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("idcard", help="ID card reader (二代身份证阅读器): read a card, decode a reply frame")
    sub = p.add_subparsers(dest="idcard_command", metavar="ACTION", required=True)

    r = sub.add_parser("read", help="read one card from the configured reader (or --port)")
    r.add_argument("--port", help="serial port of the reader (default: the idcard.sam device in the config)")
    r.add_argument("--json", action="store_true", help="print the record as JSON")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    r.add_argument("--show", action="store_true", help="print name and ID number unmasked")
    r.set_defaults(func=cmd_read)

    d = sub.add_parser("decode", help="decode one read-base-info reply frame from a file and print JSON")
    d.add_argument("file", metavar="FILE", help="the frame: raw bytes, or hex text with --hex ('-' = stdin)")
    d.add_argument("--hex", action="store_true", help="FILE holds hex text (spaces, newlines, 0x and : allowed)")
    d.add_argument("--unmasked", action="store_true",
                   help="print name, ID number, address and birth date in full (personal data: "
                        "technicians only, never into a ticket or log)")
    d.set_defaults(func=cmd_decode)


def _read_input(name: str, as_hex: bool) -> bytes:
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise KioskError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if not as_hex:
        return raw
    text = raw.decode("ascii", errors="replace")
    text = re.sub(r"0[xX]", "", text)
    text = re.sub(r"[\s:,]", "", text)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise KioskError(f"{name}: not hex text (use hex digits, optionally separated by spaces)") from None


def cmd_decode(args: argparse.Namespace) -> int:
    from drivers.idcard import cardtext, codec

    raw = _read_input(args.file, args.hex)
    try:
        reply = codec.decode_one_reply(raw).raise_for_status()
        if reply.sw3 != codec.SW3_OK:  # 9F: a find-card reply is a success, but carries no card
            zh, en = codec.sw3_meaning(reply.sw3)
            raise codec.ProtocolError("format", f"这是“{zh}”应答，不是读基本信息应答",
                                      f"SW3 {reply.sw3:02X} ({en}) is not a read-base-info reply", reply.sw3)
        record = cardtext.parse_base_info(reply.data)
    except codec.ProtocolError as exc:
        hint = ""
        if not args.hex and _HEX_TEXT.fullmatch(raw):
            hint = " (the file looks like hex text: add --hex)"
        raise KioskError(f"{args.file}: bad frame: {exc}{hint}") from None
    if args.unmasked:
        print("注意：以下为未遮蔽的个人信息 / unmasked personal data: do not paste it into a ticket or log",
              file=sys.stderr, flush=True)
    out = record.as_json() if args.unmasked else _masked(record.as_json())
    _print_utf8(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _masked(out: dict) -> dict:
    """What a technician needs to judge a reader (card type, validity,
    sizes) without the resident's identity."""
    from kiosk.privacy import mask_id, mask_name

    out = dict(out)
    out["name"] = mask_name(out["name"])
    out["name_en"] = mask_name(out["name_en"]) if out["name_en"] else None
    out["id_number"] = mask_id(out["id_number"])
    for key in ("address", "pass_number", "birth_date"):
        if out[key]:
            out[key] = "***"
    return out


def _print_utf8(text: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write((text + "\n").encode("utf-8"))
    sys.stdout.buffer.flush()


def _open_reader(args: argparse.Namespace):
    from drivers.idcard.device import IdCardReader

    if args.port:
        return IdCardReader("idcard", args.port)
    from kiosk import config as config_mod
    from kiosk.devices.registry import build_device, configured_device

    settings = config_mod.load(args.config)
    return build_device(settings, configured_device(settings, {"idcard.sam"}, "ID card reader (or pass --port)"))


def cmd_read(args: argparse.Namespace) -> int:
    from drivers.base import Action, DeviceEvent, DeviceFailure, Status

    reader = _open_reader(args)
    got: list = []
    done = threading.Event()

    def on_event(event) -> None:
        if isinstance(event, DeviceEvent) and event.kind == "record":
            got.append(event.data)
            done.set()

    reader.subscribe(on_event)
    reader.open()
    try:
        if reader.status == Status.NO_DEVICE:
            raise DeviceFailure(f"未找到身份证阅读器 / no ID card reader at {reader.port}", Action.MAINTENANCE)
        if reader.status != Status.ONLINE:
            raise DeviceFailure(f"身份证阅读器不可用 / ID card reader is {reader.status.value}: "
                                f"{reader.check_health('internal')}", Action.MAINTENANCE)
        print("请放置身份证 / place the ID card on the reader …", file=sys.stderr, flush=True)
        if not done.wait(args.timeout):
            raise KioskError(f"no card was read within {args.timeout:g} s (放置身份证后重试 / place a card and retry)")
    finally:
        reader.close()
    record = got[0]
    out = record.as_json() if args.show else _masked(record.as_json())
    if args.json:
        _print_utf8(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_utf8("\n".join(f"{key:18} {value}" for key, value in out.items()))
    return 0
