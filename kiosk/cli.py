"""The ``kiosk`` command: the appliance's one entry point.

Built-in subcommands live here (doctor, version); every module in
``kiosk/commands/`` adds its own through ``register(subparsers)``, so a device
issue brings its CLI without touching this file.  The layers above kiosk/
register theirs through the ``hut_kiosk.commands`` entry point group:
``screens.commands`` (run) and ``simulators.commands`` (sim, demo, platform
serve).  So kiosk/ imports neither Kivy nor the simulators, and the commands
that need them load them only when they run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from importlib.metadata import entry_points
from typing import Sequence

import kiosk
import kiosk.commands
from kiosk import config as config_mod
from kiosk.errors import KioskError


PLUGIN_GROUP = "hut_kiosk.commands"


def _default_config() -> str:
    return os.environ.get("KIOSK_CONFIG") or str(config_mod.DEFAULT_PATH)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Hut kiosk: self-service terminal software for community service huts (居民自助服务小屋).",
    )
    parser.add_argument("--config", default=_default_config(), metavar="PATH",
                        help="configuration file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml)")
    parser.add_argument("--log-level", default=os.environ.get("KIOSK_LOG_LEVEL"),
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="log level (default: INFO for services, WARNING for one-shot commands)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("doctor", help="list each configured device and its status")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("-v", "--verbose", action="store_true", help="add each device's model and detail to the table")
    p.add_argument("--level", default="internal", choices=["internal", "external"],
                   help="health check level (external may print a slip)")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("version", help="print the software version")
    p.set_defaults(func=lambda args: print(f"hut-kiosk {kiosk.__version__}") or 0)

    for info in sorted(pkgutil.iter_modules(kiosk.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    # Layers above kiosk/ (the screens' `run`, the virtual hut's `sim`, `demo`,
    # `platform serve`) plug in here; kiosk/ never imports them itself.
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        entry.load()(sub)
    _accept_config_everywhere(parser)
    return parser


def _accept_config_everywhere(parser: argparse.ArgumentParser) -> None:
    """``kiosk run --config X`` as well as ``kiosk --config X run``: technicians
    (and systemd units) put the option after the command as often as before it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if "--config" not in child._option_string_actions:
                    child.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH",
                                       help="configuration file (as the global --config)")
                _accept_config_everywhere(child)


# -- built-in commands ------------------------------------------------------
def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.health import doctor_report

    settings = config_mod.load(args.config)
    rows = doctor_report(settings, level=args.level)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(rows, verbose=args.verbose))
    return 0 if all(r["status"] == "online" or not r["enabled"] for r in rows) else 1


def _table(rows: list[dict], verbose: bool = False) -> str:
    headers = ["device", "driver", "where", "status", "health"] + (["model", "detail"] if verbose else [])
    body = [[str(r["name"]), r["driver"], r["where"], r["status"] if r["enabled"] else "disabled", r["health"]]
            + ([r["info"]["model"], ", ".join(f"{k}={v}" for k, v in r["detail"].items())] if verbose else [])
            for r in rows]
    if not body:
        return "no devices configured"
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(line.rstrip() for line in lines)


# -- entry point ------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    from drivers.base import DeviceFailure
    from kiosk import logsetup

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # A long-running subcommand says so with set_defaults(service=True).
    service = getattr(args, "service", False)
    # Services log INFO to stdout (journald); one-shot commands keep stdout for
    # their output (tables, JSON) and log only warnings, to stderr.
    logsetup.configure(args.log_level or ("INFO" if service else "WARNING"),
                       stream=None if service else sys.stderr)
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.exit_code
    except DeviceFailure as exc:
        print(f"kiosk: device: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kiosk ... | head`: the reader left; say nothing more (Python's
        # documented recipe: point stdout at devnull so the exit flush is quiet).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
