"""Starting the touchscreen app inside a kiosk compositor.

On a terminal ``kiosk.service`` runs ``kiosk run --compositor auto``: this
process starts cage (a Wayland kiosk compositor: one full-screen app, no
desktop, no way out) with the app as its only client, or X through xinit when
cage is missing, and waits for it.  Systemd's notify socket and watchdog
interval are handed down to the app inside (``NotifyAccess=all`` in the unit
lets it talk), with ``WATCHDOG_PID`` dropped: the pings come from the app's
main loop, not from this waiting process, and a frozen UI must stop them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Mapping, Sequence

from kiosk.errors import KioskError

COMPOSITORS = ("none", "auto", "cage", "x11")


def choose(wanted: str, which: Callable[[str], str | None] = shutil.which) -> str:
    """``auto`` -> cage when installed, else X (xinit), else an error a technician can act on."""
    if wanted != "auto":
        return wanted
    if which("cage"):
        return "cage"
    if which("xinit"):
        return "x11"
    raise KioskError("no kiosk compositor: install cage (apt-get install cage) or xinit and xserver-xorg")


def app_command(config: str | None, python: str = sys.executable) -> list[str]:
    """The app itself, as the compositor's only client."""
    argv = [python, "-m", "kiosk.cli", "run", "--compositor", "none"]
    return argv + (["--config", config] if config else [])


def compositor_command(kind: str, app: Sequence[str], vt: int = 7) -> list[str]:
    if kind == "cage":
        # -d: no client-side decorations; -s: allow VT switching for a technician's Ctrl+Alt+F2.
        return ["cage", "-d", "-s", "--", *app]
    if kind == "x11":
        return ["xinit", *app, "--", "/usr/bin/Xorg", ":0", f"vt{vt}", "-nolisten", "tcp", "-nocursor",
                "-keeptty"]
    raise KioskError(f"unknown compositor {kind!r}; one of: {', '.join(COMPOSITORS)}")


def app_environment(env: Mapping[str, str], kind: str) -> dict[str, str]:
    """The app's environment: systemd's notify variables without WATCHDOG_PID,
    and the display backend SDL should use."""
    out = {k: v for k, v in env.items() if k != "WATCHDOG_PID"}
    if kind == "cage":
        out["SDL_VIDEODRIVER"] = "wayland,x11"
    out.setdefault("KIVY_HOME", str(Path(env.get("STATE_DIRECTORY", "/var/lib/kiosk")) / "kivy"))
    return out


def run_in_compositor(wanted: str, config: str | None) -> int:
    """Start the compositor with the app and return its exit status."""
    kind = choose(wanted)
    argv = compositor_command(kind, app_command(config))
    try:
        return subprocess.call(argv, env=app_environment(os.environ, kind))
    except FileNotFoundError:
        raise KioskError(f"{argv[0]} is not installed (kiosk run --compositor {wanted})") from None
