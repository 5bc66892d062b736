"""kiosk update in a temporary root: a signed bundle installs and switches;
an unsigned or wrongly signed one is refused before anything changes; a
broken one (crashes, or never says READY) is rolled back by itself; no
restart while a resident session is in progress.

systemd cannot run here, so ``ProcessSupervisor`` plays its part for
kiosk.service as the unit declares it: it starts
``/opt/kiosk/current/.venv/bin/kiosk run`` under the root with its own
notify socket, counts the process as started on READY=1, and restarts it
when it exits (Restart=always)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.ops.app_state import AppStats, write_app_state
from kiosk.ops.updater import Layout, UpdateRefused, current_release, install, sign

pytestmark = pytest.mark.procs

GOOD = """
import os, signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
    s.sendto(b"READY=1\\nSTATUS=serving", os.environ["NOTIFY_SOCKET"])
while True:
    time.sleep(1)
"""
CRASHING = 'raise SystemExit("ImportError: cannot import name App from kivy.app")\n'
SILENT = "import time\nwhile True:\n    time.sleep(1)\n"


class ProcessSupervisor:
    def __init__(self, layout: Layout, folder: Path):
        self.layout = layout
        self.address = str(folder / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.address)
        self.sock.settimeout(0.1)
        self.proc: subprocess.Popen | None = None
        self.starts: list[str] = []

    def _spawn(self) -> None:
        exe = self.layout.current / ".venv" / "bin" / "kiosk"
        self.starts.append(current_release(self.layout) or "")
        self.proc = subprocess.Popen([str(exe), "run"], env=dict(os.environ, NOTIFY_SOCKET=self.address),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self._spawn()

    def watch(self, timeout: float, max_crashes: int) -> str:
        deadline, crashes = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            try:
                if b"READY=1" in self.sock.recv(4096).split(b"\n"):
                    return "ready"
            except socket.timeout:
                pass
            if self.proc is not None and self.proc.poll() is not None:
                crashes += 1
                if crashes >= max_crashes:
                    return "crashed"
                self._spawn()
        return "timeout"

    def close(self) -> None:
        self.stop()
        self.sock.close()


def make_bundle(folder: Path, version: str, app: str, key: Ed25519PrivateKey | None) -> Path:
    src = folder / f"src-{version}" / f"kiosk-{version}"
    (src / ".venv" / "bin").mkdir(parents=True)
    (src / "release.toml").write_text(f'version = "{version}"\n')
    exe = src / ".venv" / "bin" / "kiosk"
    exe.write_text(f"#!{sys.executable}\n{app}")
    exe.chmod(0o755)
    bundle = folder / f"kiosk-{version}.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(src, arcname=src.name)
    if key is not None:
        sign(bundle, key.private_bytes_raw())
    return bundle


@pytest.fixture
def terminal(tmp_path):
    key = Ed25519PrivateKey.generate()
    layout = Layout(tmp_path / "root")
    layout.public_key.parent.mkdir(parents=True)
    layout.public_key.write_text(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex() + "\n")
    supervisor = ProcessSupervisor(layout, tmp_path)
    install(make_bundle(tmp_path, "1.0.0", GOOD, key), layout, supervisor, ready_timeout=20, say=lambda _m: None)
    yield layout, supervisor, key, tmp_path
    supervisor.close()


def test_a_signed_bundle_installs_side_by_side_and_switches(terminal):
    layout, supervisor, key, folder = terminal
    assert current_release(layout) == "1.0.0"
    outcome = install(make_bundle(folder, "1.1.0", GOOD, key), layout, supervisor, ready_timeout=20,
                      say=lambda _m: None)
    assert outcome == "installed" and current_release(layout) == "1.1.0"
    assert sorted(p.name for p in layout.releases.iterdir()) == ["1.0.0", "1.1.0"]
    assert supervisor.starts[-1] == "1.1.0" and supervisor.proc.poll() is None
    again = install(folder / "kiosk-1.1.0.tar.gz", layout, supervisor, say=lambda _m: None)
    assert again == "already installed"


def test_unsigned_and_wrongly_signed_bundles_are_refused_before_anything_changes(terminal):
    layout, supervisor, _key, folder = terminal
    unsigned = make_bundle(folder, "1.2.0", GOOD, None)
    with pytest.raises(UpdateRefused, match="not signed"):
        install(unsigned, layout, supervisor)
    impostor = make_bundle(folder, "1.3.0", GOOD, Ed25519PrivateKey.generate())
    with pytest.raises(UpdateRefused, match="does not match the release key"):
        install(impostor, layout, supervisor)
    # Signed, then modified: the signature no longer matches.
    good = make_bundle(folder, "1.4.0", GOOD, terminal[2])
    with good.open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(UpdateRefused, match="does not match"):
        install(good, layout, supervisor)
    assert sorted(p.name for p in layout.releases.iterdir()) == ["1.0.0"]
    assert current_release(layout) == "1.0.0" and supervisor.starts == ["1.0.0"]


def test_a_release_that_crashes_three_times_is_rolled_back(terminal):
    layout, supervisor, key, folder = terminal
    outcome = install(make_bundle(folder, "2.0.0", CRASHING, key), layout, supervisor, ready_timeout=20,
                      say=lambda _m: None)
    assert outcome == "rolled back" and current_release(layout) == "1.0.0"
    assert supervisor.starts == ["1.0.0", "2.0.0", "2.0.0", "2.0.0", "1.0.0"]
    assert supervisor.proc.poll() is None, "the previous release is not running again"
    log = (layout.state_dir / "updates.jsonl").read_text()
    assert '"rolled back: crashed"' in log and '"previous_came_up": "ready"' in log


def test_a_release_that_never_says_ready_is_rolled_back(terminal):
    layout, supervisor, key, folder = terminal
    outcome = install(make_bundle(folder, "2.1.0", SILENT, key), layout, supervisor, ready_timeout=2,
                      say=lambda _m: None)
    assert outcome == "rolled back" and current_release(layout) == "1.0.0"
    assert '"rolled back: timeout"' in (layout.state_dir / "updates.jsonl").read_text()


def test_never_while_a_resident_session_is_in_progress(terminal):
    layout, supervisor, key, folder = terminal
    busy = AppStats(session_active=True)
    write_app_state(layout.state_dir, busy)
    with pytest.raises(UpdateRefused, match="resident session is in progress"):
        install(make_bundle(folder, "3.0.0", GOOD, key), layout, supervisor, idle_wait=0)
    assert current_release(layout) == "1.0.0" and supervisor.starts == ["1.0.0"]
    write_app_state(layout.state_dir, AppStats(printing=True))
    with pytest.raises(UpdateRefused, match="print is in progress"):
        install(folder / "kiosk-3.0.0.tar.gz", layout, supervisor, idle_wait=0)
    write_app_state(layout.state_dir, AppStats())
    assert install(folder / "kiosk-3.0.0.tar.gz", layout, supervisor, ready_timeout=20,
                   say=lambda _m: None) == "installed"


def test_the_cli_refuses_an_unsigned_bundle_with_one_line(terminal):
    layout, _supervisor, _key, folder = terminal
    unsigned = make_bundle(folder, "4.0.0", GOOD, None)
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "update", str(unsigned), "--root", str(layout.root)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not signed" in proc.stderr and "Traceback" not in proc.stderr


def test_a_bundle_escaping_its_folder_is_refused(terminal):
    layout, supervisor, key, folder = terminal
    evil = folder / "kiosk-6.6.6.tar.gz"
    src = folder / "evil"
    src.mkdir()
    (src / "release.toml").write_text('version = "6.6.6"\n')
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(src / "release.toml", arcname="kiosk-6.6.6/release.toml")
        tar.add(src / "release.toml", arcname="kiosk-6.6.6/../../../etc/evil")
    sign(evil, key.private_bytes_raw())
    with pytest.raises(UpdateRefused, match="cannot unpack"):
        install(evil, layout, supervisor)
    assert not (layout.root / "etc" / "evil").exists() and current_release(layout) == "1.0.0"


class Systemctl:
    """What `systemctl show` says, one answer per poll (systemd is not PID 1 here)."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def __call__(self, argv, **_kw):
        self.calls.append(argv)
        out = self.answers.pop(0) if argv[1] == "show" and len(self.answers) > 1 else self.answers[0]
        return subprocess.CompletedProcess(argv, 0, stdout=out if argv[1] == "show" else "", stderr="")


def _show(active, sub, restarts):
    return f"ActiveState={active}\nSubState={sub}\nNRestarts={restarts}\n"


def test_systemd_supervisor_reads_ready_crashes_and_timeouts():
    from kiosk.ops.updater import SystemdSupervisor

    clock = iter(range(1000))
    ready = Systemctl([_show("active", "running", 2), _show("activating", "start", 2), _show("active", "running", 2)])
    sup = SystemdSupervisor(run=ready, sleep=lambda _s: None, clock=lambda: next(clock))
    sup.restart()
    assert ["systemctl", "--no-block", "restart", *SystemdSupervisor.UNITS] in ready.calls
    assert sup.watch(120, 3) == "ready"

    crashing = Systemctl([_show("active", "running", 5), _show("activating", "auto-restart", 6),
                          _show("activating", "auto-restart", 8)])
    sup = SystemdSupervisor(run=crashing, sleep=lambda _s: None, clock=lambda: next(clock))
    sup.restart()
    assert sup.watch(120, 3) == "crashed"

    failed = Systemctl([_show("inactive", "dead", 0), _show("failed", "failed", 0)])
    sup = SystemdSupervisor(run=failed, sleep=lambda _s: None, clock=lambda: next(clock))
    sup.restart()
    assert sup.watch(120, 3) == "crashed"

    stuck = Systemctl([_show("activating", "start", 0)])
    sup = SystemdSupervisor(run=stuck, sleep=lambda _s: None, clock=lambda: next(clock))
    sup.restart()
    assert sup.watch(10, 3) == "timeout"
