"""``kiosk run``: the touchscreen app, registered into the kiosk CLI.

The CLI lives in ``kiosk/`` and may not import the screen layer; the screen
layer plugs its command in through the ``hut_kiosk.commands`` entry point
(pyproject.toml).  Kivy is imported only when the command runs, so every
other ``kiosk`` command works on a machine without a display.
"""

from __future__ import annotations

import argparse

from kiosk import config as config_mod
from kiosk.ops.compositor import COMPOSITORS, run_in_compositor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the kiosk app on this terminal's screen and devices")
    p.add_argument("--compositor", default="none", choices=COMPOSITORS,
                   help="start the app inside a kiosk compositor: cage, X (x11), or auto "
                        "(cage when installed); none runs it on the current display")
    p.set_defaults(func=cmd_run, service=True)


def cmd_run(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    if args.compositor != "none":
        # This process only waits; the app runs inside the compositor.
        return run_in_compositor(args.compositor, str(settings.source))
    from screens.app import main as app_main

    return app_main(settings) or 0
