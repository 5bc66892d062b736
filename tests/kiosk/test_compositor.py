"""kiosk run --compositor: which compositor, its command line, the app's environment."""

from __future__ import annotations

import pytest

from kiosk.errors import KioskError
from kiosk.ops.compositor import app_command, app_environment, choose, compositor_command


def test_auto_prefers_cage_then_x():
    assert choose("auto", {"cage": "/usr/bin/cage", "xinit": "/usr/bin/xinit"}.get) == "cage"
    assert choose("auto", {"xinit": "/usr/bin/xinit"}.get) == "x11"
    with pytest.raises(KioskError, match="install cage"):
        choose("auto", {}.get)


def test_the_app_inside_runs_without_a_compositor_and_the_cli_accepts_it():
    from kiosk.cli import build_parser

    argv = app_command("/etc/kiosk/kiosk.toml", python="/opt/kiosk/current/.venv/bin/python")
    assert argv[:3] == ["/opt/kiosk/current/.venv/bin/python", "-m", "kiosk.cli"]
    args = build_parser().parse_args(argv[3:])
    assert args.compositor == "none" and args.config == "/etc/kiosk/kiosk.toml"
    assert compositor_command("cage", argv)[-len(argv):] == argv
    x = compositor_command("x11", argv)
    assert x[0] == "xinit" and x[x.index("--") + 1] == "/usr/bin/Xorg"


def test_the_app_gets_the_notify_socket_but_not_the_waiting_process_pid():
    env = app_environment({"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000",
                           "WATCHDOG_PID": "1234"}, "cage")
    assert env["NOTIFY_SOCKET"] == "/run/systemd/notify" and env["WATCHDOG_USEC"] == "30000000"
    assert "WATCHDOG_PID" not in env
    assert env["SDL_VIDEODRIVER"].startswith("wayland")
