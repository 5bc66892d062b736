"""``kiosk run``: the touchscreen app, registered into the kiosk CLI.

The CLI lives in ``kiosk/`` and may not import the screen layer; the screen
layer plugs its command in through the ``hut_kiosk.commands`` entry point
(pyproject.toml).  Kivy is imported only when the command runs, so every
other ``kiosk`` command works on a machine without a display.
"""

from __future__ import annotations

import argparse

from kiosk import config as config_mod


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the kiosk app on this terminal's screen and devices")
    p.set_defaults(func=cmd_run, service=True)


def cmd_run(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    from screens.app import main as app_main

    return app_main(settings) or 0
