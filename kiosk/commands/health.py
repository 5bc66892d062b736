"""``kiosk health decode|classify|measure``: the technician's tools for the
health-check devices.

``decode`` turns one captured characteristic value or serial capture into
records; ``classify`` shows the words a value gets; ``measure`` runs one
measurement on a configured device and, given the resident's consent, drives
the whole path: classification, the encrypted outbox, the slip, the FHIR
export; ``fhir`` turns a saved health record into a FHIR R4 bundle.  Values
go to stdout only (the command's answer), never to the log.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.errors import KioskError

CODECS = ("gatt-bp", "gatt-weight", "gatt-temperature", "gatt-plx-spot", "gatt-glucose", "cms50d")
HEALTH_DRIVERS = ("health.line", "health.cms50d")

if TYPE_CHECKING:
    from kiosk.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("health", help="health-check devices (自助健康体检): decode, classify, measure, fhir")
    sub = p.add_subparsers(dest="health_command", metavar="ACTION", required=True)

    d = sub.add_parser("decode", help="decode one captured value (hex) and print its records as JSON")
    d.add_argument("--codec", required=True, choices=CODECS, help="which protocol the bytes are in")
    d.add_argument("hex", nargs="+", metavar="HEX", help="the bytes as hex (spaces, 0x and : allowed)")
    d.set_defaults(func=cmd_decode)

    c = sub.add_parser("classify", help="the words a reading gets against the reference table")
    c.add_argument("--systolic", type=float)
    c.add_argument("--diastolic", type=float)
    c.add_argument("--bmi", type=float)
    c.add_argument("--spo2", type=float)
    c.add_argument("--temperature", type=float, help="°C")
    c.add_argument("--waist", type=float, help="cm, with --sex")
    c.add_argument("--sex", choices=("male", "female"), help="for --waist: the cut-offs differ")
    c.add_argument("--glucose", type=float, help="mmol/L, with --fasting, --after-meal or --random")
    _glucose_context_options(c)
    c.add_argument("--table", help="a reference table (TOML) instead of the shipped one")
    c.set_defaults(func=cmd_classify)

    m = sub.add_parser("measure", help="run one measurement on a configured health device")
    m.add_argument("device", metavar="DEVICE", help="the [devices.<name>] of a health device")
    m.add_argument("--timeout", type=float, help="seconds (default: the device's measure_timeout)")
    m.add_argument("--consent", action="store_true",
                   help="the resident gave separate consent to send the record (PIPL art. 29)")
    m.add_argument("--resident-ref", help="the resident's keyed ID hash (64 hex digits)")
    _glucose_context_options(m)
    m.add_argument("--submit", action="store_true", help="put the record into the outbox (needs --consent)")
    m.add_argument("--slip", action="store_true", help="add the health slip's text to the output")
    m.add_argument("--fhir", action="store_true",
                   help="add the record as a FHIR R4 bundle to the output (needs --consent)")
    m.add_argument("--table", help="a reference table (TOML) instead of the shipped one")
    m.set_defaults(func=cmd_measure)

    f = sub.add_parser("fhir", help="a health record (the contract's JSON) as a FHIR R4 Observation bundle")
    f.add_argument("record", metavar="RECORD", help="a JSON file with the record, or - for stdin")
    f.set_defaults(func=cmd_fhir)


def _glucose_context_options(p: argparse.ArgumentParser) -> None:
    when = p.add_mutually_exclusive_group()
    when.add_argument("--fasting", action="store_const", dest="glucose_context", const="fasting",
                      help="the glucose sample was taken fasting")
    when.add_argument("--after-meal", action="store_const", dest="glucose_context", const="after_meal",
                      help="the glucose sample was taken 2 hours after a meal")
    when.add_argument("--random", action="store_const", dest="glucose_context", const="random",
                      help="the glucose sample was taken at any time (measure's default)")


def _hex(parts: list[str]) -> bytes:
    text = re.sub(r"0[xX]", "", " ".join(parts))
    text = re.sub(r"[\s:,]", "", text)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise KioskError("HEX: not hex digits (e.g. 1E 78 00 50 00 5D 00)") from None


def cmd_decode(args: argparse.Namespace) -> int:
    from drivers.health import cms50d, gatt
    from drivers.health.records import CodecError

    data = _hex(args.hex)
    try:
        records = cms50d.decode(data) if args.codec == "cms50d" else gatt.CODECS[args.codec](data)
    except CodecError as exc:
        raise KioskError(f"cannot decode as {args.codec}: {exc.what}") from None
    print(json.dumps([r.as_json() for r in records], ensure_ascii=False))
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from kiosk.checkup import classify

    given = [k for k in ("systolic", "diastolic", "bmi", "waist", "spo2", "temperature", "glucose")
             if getattr(args, k) is not None]
    groups = {("diastolic", "systolic"), ("bmi",), ("waist",), ("spo2",), ("temperature",), ("glucose",)}
    if tuple(sorted(given)) not in groups:
        raise KioskError("give one reading: --systolic N --diastolic N, --bmi X, --waist X with --sex, --spo2 N, "
                         "--temperature X, or --glucose X with --fasting, --after-meal or --random")
    if given == ["glucose"] and not args.glucose_context:
        raise KioskError("--glucose needs --fasting, --after-meal or --random (the ranges differ)")
    if given == ["waist"] and not args.sex:
        raise KioskError("--waist needs --sex male or --sex female (the cut-offs differ)")
    table = classify.load_table(args.table)
    try:
        if "systolic" in given:
            result = classify.blood_pressure(args.systolic, args.diastolic, table)
        elif given == ["bmi"]:
            result = classify.bmi(args.bmi, table)
        elif given == ["waist"]:
            result = classify.waist(args.waist, args.sex, table)
        elif given == ["spo2"]:
            result = classify.spo2(args.spo2, table)
        elif given == ["temperature"]:
            result = classify.temperature(args.temperature, table)
        else:
            result = classify.glucose(args.glucose, classify.GlucoseContext(args.glucose_context), table)
    except KioskError as exc:
        raise KioskError(f"{exc} (got {', '.join(given)})") from None
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0


def _health_device(settings: "Settings", name: str) -> Any:
    from kiosk.devices.registry import build_device, configured_device

    return build_device(settings, configured_device(settings, HEALTH_DRIVERS, "health device", name))


def _test_of(kinds: Any) -> str:
    """Which health test a device serves (the kinds it measures decide)."""
    from kiosk.checkup.session import TESTS

    for test, (needed, _, _) in TESTS.items():
        if needed & kinds:
            return test
    raise KioskError("the device measures nothing a health test uses")


def cmd_measure(args: argparse.Namespace) -> int:
    from drivers.base import DeviceEvent, DeviceFailure
    from drivers.printer.slip import layout, plain_text
    from kiosk import config as config_mod
    from kiosk import slips
    from kiosk.checkup import classify
    from kiosk.checkup.visit import Visit, results_of, slip_data_of

    for option in ("submit", "fhir"):
        if getattr(args, option) and not args.consent:
            raise KioskError(f"--{option} needs --consent: a health record is only made with the resident's "
                             "separate consent (PIPL art. 29)")
    if args.timeout is not None and not 0 < args.timeout <= 600:
        raise KioskError("--timeout: seconds from 0 to 600")
    settings = config_mod.load(args.config)
    table = classify.load_table(args.table)
    context = classify.GlucoseContext(args.glucose_context) if args.glucose_context else None
    visit = Visit(args.resident_ref, glucose_context=context)
    device = _health_device(settings, args.device)

    session = None
    if args.consent:
        visit.give_consent()
        session = visit.session(_test_of(device.measures))
        session.start()

    def show_progress(event: Any) -> None:
        if isinstance(event, DeviceEvent) and event.kind == "progress":
            if session is not None:
                session.progress(event.data.text_zh, event.data.text_en)
            print(f"{event.data.text_zh} / {event.data.text_en}", file=sys.stderr, flush=True)

    device.subscribe(show_progress)
    device.open()
    try:
        records = device.measure(args.timeout)
    except DeviceFailure as exc:
        raise KioskError(f"{args.device}: {exc} [{exc.code}]") from None
    finally:
        device.close()
    out: dict[str, Any] = {"device": args.device, "measurements": [r.as_json() for r in records]}
    if session is not None:
        session.result(records)
        if session.records:
            visit.keep(session)
    # Without consent the reading is a technician's device check: shown here, never kept or sent.
    results = visit.results(table) if args.consent else results_of(records, table, visit.glucose_context)
    out["classification"] = [{"test": r.test, **r.classification.as_json()} for r in results]
    out["note"] = {"zh": table.note_zh, "en": table.note_en}
    known = {k: v for k, v in (("model", device.info.model), ("serial", device.info.serial)) if v and v != "unknown"}
    devices = {r.device: known for r in records}
    if args.submit:
        from kiosk.outbox import Outbox

        outbox = Outbox.from_settings(settings)
        try:
            out["serial"] = visit.submit(outbox, table, devices).serial
        finally:
            outbox.close()
    if args.fhir and visit.measurements:
        from kiosk.checkup.fhir import bundle

        out["fhir"] = bundle(visit.contract_body(table, devices))
    if args.slip:
        from kiosk.checkup.record import qr_text

        receipt = slips.health_report(slip_data_of(results, qr=qr_text(records, visit.glucose_context)))
        out["slip"] = plain_text(layout(receipt, 48), 48)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_fhir(args: argparse.Namespace) -> int:
    from kiosk.checkup.fhir import bundle

    try:
        text = sys.stdin.read() if args.record == "-" else Path(args.record).read_text(encoding="utf-8")
    except OSError as exc:
        raise KioskError(f"{args.record}: cannot read the record: {exc.strerror or exc}") from None
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise KioskError(f"{args.record}: not JSON ({exc})") from None
    print(json.dumps(bundle(record), ensure_ascii=False, indent=2))
    return 0
