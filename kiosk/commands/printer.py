"""``kiosk printer status|test``: ask the configured receipt printer what is
wrong with it, or make it print the test slip (drivers/printer/testslip.py).

Status comes from DLE EOT 1-4, decoded; a printer that does not answer is
reported as not answering, never as out of paper.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from kiosk.errors import KioskError

DRIVER = "printer.escpos"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("printer", help="receipt printer: decoded status, test slip")
    actions = p.add_subparsers(dest="printer_command", metavar="ACTION", required=True)
    s = actions.add_parser("status", help="query the printer (DLE EOT 1-4) and print the decoded status",
                           description="Query the printer (DLE EOT 1-4) and print every decoded bit, what is "
                                       "wrong and who has to act. A printer that does not answer is reported "
                                       "as not answering (offline, paper unknown), never as out of paper. "
                                       "Exit status: 0 ready to print, 1 not ready, 2 bad configuration.")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--device", default=None, help="device name in the config (default: the first receipt printer)")
    s.set_defaults(func=cmd_status)
    t = actions.add_parser("test", help="print the maintenance test slip",
                           description="Print the maintenance test slip (Chinese, aligned rows, QR, cut) "
                                       "with status checks before, during and after. Exit status: 0 printed, "
                                       "1 not printed (the message says why and what to do), 2 bad configuration.")
    t.add_argument("--device", default=None, help="device name in the config (default: the first receipt printer)")
    t.set_defaults(func=cmd_test)


def _printer(args: argparse.Namespace):
    from drivers.base import OptionError
    from kiosk import config
    from kiosk.devices.registry import build_device, configured_device

    settings = config.load(args.config)
    name = configured_device(settings, {DRIVER}, "receipt printer", args.device)
    try:
        return settings, build_device(settings, name)
    except OptionError as exc:  # the url/port pair is checked when the driver is built
        raise KioskError(f"{settings.source}: devices.{name}.{exc.key}: expected {exc.expected}") from None


def cmd_status(args: argparse.Namespace) -> int:
    _, printer = _printer(args)
    with printer:
        status = printer.last_status
        report = {"device": printer.name, "where": printer.where, "profile": printer.profile.name,
                  "info": printer.info.as_dict(), **status.as_dict(), "counters": printer.counters_view()}
        for key in ("link", "hint"):
            if printer.state.detail.get(key):
                report[key] = printer.state.detail[key]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        info = report["info"]
        print(f"{printer.name} at {printer.where} ({printer.profile.name}): {report['status']}")
        print(f"  model {info['model']}, firmware {info['firmware']}, serial {info['serial']}")
        print(f"  {report['summary']}")
        for key in ("link", "hint"):
            if report.get(key):
                print(f"  {key}: {report[key]}")
        for problem in report["problems"]:
            print(f"  - {problem['what']} / {problem['what_zh']} -> action: {problem['action']}")
        flags = report["flags"]
        shown = ", ".join(f"{k}={'?' if v is None else ('yes' if v else 'no')}" for k, v in flags.items())
        print(f"  bits: {shown}")
        print("  raw replies (DLE EOT 1-4): " + " ".join(f"{n}:{v or 'none'}" for n, v in report["raw"].items()))
        print("  counters: " + ", ".join(f"{k}={v}" for k, v in report["counters"].items()))
    return 0 if status.printable else 1


def cmd_test(args: argparse.Namespace) -> int:
    from drivers.printer.device import PrintJobFailed
    from drivers.printer.testslip import printer_test_slip

    settings, printer = _printer(args)
    with printer:
        before = printer.last_status
        slip = printer_test_slip(printer.name, printer.profile, before.summary(), printer.counters_view(),
                                 [("终端 Terminal", settings.terminal.id),
                                  ("时间 Time", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))])
        try:
            result = printer.print_receipt(slip, holder="maintenance test")
        except PrintJobFailed as failed:
            # Say what to do, then how to try again.
            result = failed.result
            todo = "; ".join(f"{p['what_zh']} {p['what']} [{p['action']}]"
                             for p in result.status.get("problems", [])) or result.reason
            print(f"test slip NOT printed on {printer.name} (stopped {result.stage}, {result.lines_sent} of "
                  f"{result.lines_total} lines sent): {todo}; then run `kiosk printer test` again",
                  file=sys.stderr)
            return 1
    print(f"test slip printed on {printer.name}: {result.lines_sent} lines"
          + (", cut" if result.cut else "") + f"; status {printer.status.value}")
    return 0
