"""The app tells systemd READY=1 once the home screen is up, and its main
loop's WATCHDOG=1 pings stop while the loop is frozen (so systemd's watchdog
restarts a hung UI).  The test is systemd here: it owns the notify socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.screens.conftest import HERE, ROOT, WAIT_SCALE

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def notified(display, kiosk_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("watchdog")
    config = kiosk_config(folder, screen="fullscreen = false")
    address = str(folder / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(0.2)
    received: list[tuple[float, str]] = []
    done = threading.Event()

    def listen() -> None:
        while True:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                if done.is_set():   # the app has exited and all it sent has been read
                    return
                continue
            now = time.time()
            received.extend((now, line) for line in data.decode().splitlines())

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    out = folder / "facts.json"
    env = dict(os.environ, DISPLAY=display, KIVY_NO_ARGS="1", KIVY_HOME=str(folder / "kivy-home"),
               KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT), NOTIFY_SOCKET=address, WATCHDOG_USEC="1000000",
               HUT_WAIT_SCALE=WAIT_SCALE)
    env.pop("WATCHDOG_PID", None)
    try:
        proc = subprocess.run([sys.executable, str(HERE / "apps" / "probe_watchdog.py"), str(config), str(out)],
                              env=env, cwd=str(folder), capture_output=True, text=True, timeout=120)
    finally:
        done.set()
        listener.join()
        sock.close()
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8")), received


def test_ready_once_after_the_home_screen_and_a_status_line(notified):
    facts, received = notified
    lines = [line for _, line in received]
    assert lines.count("READY=1") == 1
    assert any(line.startswith("STATUS=serving") for line in lines), lines
    first_ping = next(i for i, line in enumerate(lines) if line == "WATCHDOG=1")
    assert lines.index("READY=1") < first_ping, "pinged before saying READY"


def test_pings_at_half_the_interval_and_none_while_the_loop_is_frozen(notified):
    facts, received = notified
    pings = [t for t, line in received if line == "WATCHDOG=1"]
    before = [t for t in pings if t < facts["freeze_start"]]
    during = [t for t in pings if facts["freeze_start"] + 0.05 < t < facts["freeze_end"]]
    after = [t for t in pings if t > facts["freeze_end"]]
    assert len(before) >= 4, f"expected a ping every 0.5 s for 3 s, got {len(before)}"
    assert during == [], "the watchdog was fed while the UI was frozen"
    # 4 s without a ping is four times WATCHDOG_USEC: systemd would have restarted it.
    assert after, "pings did not resume when the loop did"


def test_stopping_is_said_on_exit(notified):
    _facts, received = notified
    assert received[-2][1] == "STOPPING=1"
