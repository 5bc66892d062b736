"""The ``kiosk`` command: the appliance's one entry point.

The built-in subcommand is ``version``; every module in
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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command, or (``command``: the word the command line starts with)
    only the module of that name in ``kiosk/commands/`` when there is one: a
    start reads one command module, not all of them and the plug-ins (0.28 s
    of CPU at every ``kiosk`` start, half of one; ``main`` falls back to all)."""
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

    p = sub.add_parser("version", help="print the software version")
    p.set_defaults(func=lambda args: print(f"hut-kiosk {kiosk.__version__}") or 0)

    names = sorted(m.name for m in pkgutil.iter_modules(kiosk.commands.__path__))
    everything = command not in names
    for name in names if everything else [command]:
        module = importlib.import_module(f"kiosk.commands.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    # Layers above kiosk/ (the screens' `run`, the virtual hut's `sim`, `demo`,
    # `platform serve`) plug in here; kiosk/ never imports them itself.
    if everything:
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


def _command_word(argv: Sequence[str]) -> str | None:
    """The command a command line names: its first word that is neither an
    option nor the value of ``--config`` / ``--log-level`` (None: none, or help)."""
    taking_value = False
    for arg in argv:
        if taking_value:
            taking_value = False
        elif arg in ("--config", "--log-level"):
            taking_value = True
        elif arg in ("-h", "--help"):
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return {name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices}


# -- entry point ------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    from drivers.base import DeviceFailure
    from kiosk import logsetup

    argv = sys.argv[1:] if argv is None else list(argv)
    word = _command_word(argv)
    parser = build_parser(word)
    if word is not None and word not in _commands(parser):
        parser = build_parser()   # a command module registers a command of another name
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
