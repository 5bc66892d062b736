"""The ``kiosk`` command: the appliance's one entry point.

Built-in subcommands live here (run, demo, sim, doctor, version); every module
in ``kiosk/commands/`` adds its own through ``register(subparsers)``, so a
device issue brings its CLI without touching this file.

This module is the composition root: ``run`` and ``demo`` import ``screens``
(Kivy) lazily, inside the command, so the rest of the CLI works on a machine
without a display and ``kiosk/`` itself stays free of Kivy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Sequence

import kiosk
import kiosk.commands
from kiosk import config as config_mod
from kiosk.errors import KioskError


SERVICES = ("run", "sim", "demo")


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

    p = sub.add_parser("run", help="run the kiosk app on this terminal's screen and devices")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="start the virtual hut and run the kiosk in it (headless: screenshots to demo-out/)")
    p.add_argument("--out", default="demo-out", help="folder for screenshots (default demo-out)")
    p.add_argument("--dir", default=None, help="folder for the virtual hut's files (default: a temporary folder)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sim", help="start the virtual hut (every simulated device) and print where each one is")
    p.add_argument("--dir", default="hut", help="folder for the hut's config, state and outputs (default ./hut)")
    p.add_argument("--control-port", type=int, default=0, help="port of the control API (default: any free port)")
    p.add_argument("--printer-port", type=int, default=9100,
                   help="TCP port of the network printer (default 9100, the JetDirect port; any free one if taken)")
    p.set_defaults(func=cmd_sim)

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
def cmd_run(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    from screens.app import main as app_main  # Kivy only here

    return app_main(settings) or 0


def cmd_sim(args: argparse.Namespace) -> int:
    from simulators.hut import Hut

    workdir = Path(args.dir).resolve()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    options = {}
    if args.printer_port and _port_free(args.printer_port):
        options["printer"] = {"port": args.printer_port}
    elif args.printer_port:
        print(f"port {args.printer_port} is taken; the printer simulator takes any free port", file=sys.stderr)
    with Hut(workdir, control_port=args.control_port, options=options) as hut:
        print(hut.describe(), flush=True)
        stop.wait()
    return 0


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _have_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_demo(args: argparse.Namespace) -> int:
    if not _have_display() and not os.environ.get("KIOSK_DEMO_UNDER_XVFB"):
        xvfb = shutil.which("xvfb-run")
        if not xvfb:
            raise KioskError("no display and no xvfb-run: install the xvfb package (make demo does)")
        env = dict(os.environ, KIOSK_DEMO_UNDER_XVFB="1")
        cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "kiosk.cli", *sys.argv[1:]]
        return subprocess.call(cmd, env=env)
    from simulators.hut import Hut

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    headless = bool(os.environ.get("KIOSK_DEMO_UNDER_XVFB"))
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        workdir = Path(args.dir).resolve() if args.dir else Path(tmp)
        with Hut(workdir) as hut:
            print(hut.describe(), flush=True)
            settings = config_mod.load(hut.config_path)
            from screens.demo import main as demo_main  # Kivy only here

            return demo_main(settings, hut.control_url, out, headless=headless) or 0


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
    service = args.command in SERVICES or getattr(args, "service", False)
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
