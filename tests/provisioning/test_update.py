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


def make_bundle(folder: Path, version: str, app: str, key: Ed25519PrivateKey | None, release: str = "",
                venv: bool = True, name: str = "") -> Path:
    src = folder / f"src-{name or version}" / f"kiosk-{version}"
    (src / ".venv" / "bin").mkdir(parents=True)
    (src / "release.toml").write_text(f'version = "{version}"\n{release}')
    exe = src / ".venv" / "bin" / "kiosk"
    if venv:
        exe.write_text(f"#!{sys.executable}\n{app}")
        exe.chmod(0o755)
    bundle = folder / f"kiosk-{name or version}.tar.gz"
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
    log = (layout.admin_dir / "updates.jsonl").read_text()
    assert '"rolled back: crashed"' in log and '"previous_came_up": "ready"' in log


def test_a_release_that_never_says_ready_is_rolled_back(terminal):
    layout, supervisor, key, folder = terminal
    outcome = install(make_bundle(folder, "2.1.0", SILENT, key), layout, supervisor, ready_timeout=2,
                      say=lambda _m: None)
    assert outcome == "rolled back" and current_release(layout) == "1.0.0"
    assert '"rolled back: timeout"' in (layout.admin_dir / "updates.jsonl").read_text()


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


# -- issue 20: updates that only go forward -------------------------------------------------------
def test_an_older_release_is_refused_unless_a_signed_rollback_says_so(terminal):
    layout, supervisor, key, folder = terminal
    quiet = {"ready_timeout": 20, "say": lambda _m: None}
    assert install(make_bundle(folder, "2.0.0", GOOD, key, 'min_version = "1.2.0"\n'), layout, supervisor,
                   **quiet) == "installed"
    with pytest.raises(UpdateRefused, match="older than the current 2.0.0"):
        install(make_bundle(folder, "1.5.0", GOOD, key), layout, supervisor, **quiet)
    # the old release folder still exists: it is not switched to without its bundle, nor with an unsigned one
    with pytest.raises(UpdateRefused, match="below this terminal's release floor"):
        install(make_bundle(folder, "1.0.0", GOOD, key, name="1.0.0-again"), layout, supervisor, **quiet)
    assert current_release(layout) == "2.0.0"
    with pytest.raises(UpdateRefused, match="below this terminal's release floor 1.2.0"):
        install(make_bundle(folder, "1.1.0", GOOD, key, "rollback = true\n"), layout, supervisor, **quiet)
    assert install(make_bundle(folder, "1.5.0", GOOD, key, "rollback = true\n", name="1.5.0-rollback"), layout,
                   supervisor, **quiet) == "installed"
    assert current_release(layout) == "1.5.0"
    assert install(make_bundle(folder, "1.10.0", GOOD, key), layout, supervisor, **quiet) == "installed"  # 1.10 > 1.9


def test_a_failed_install_does_not_block_its_corrected_bundle(terminal):
    layout, supervisor, key, folder = terminal
    broken = make_bundle(folder, "5.0.0", GOOD, key, venv=False, name="5.0.0-broken")
    with pytest.raises(UpdateRefused, match="neither wheels/ nor .venv/bin/kiosk"):
        install(broken, layout, supervisor)
    assert not (layout.releases / "5.0.0").exists() and current_release(layout) == "1.0.0"
    fixed = make_bundle(folder, "5.0.0", GOOD, key, name="5.0.0-fixed")
    assert install(fixed, layout, supervisor, ready_timeout=20, say=lambda _m: None) == "installed"
    assert current_release(layout) == "5.0.0"


def test_a_release_folder_left_from_before_is_not_trusted(terminal):
    layout, supervisor, key, folder = terminal
    planted = layout.releases / "6.0.0" / ".venv" / "bin"
    planted.mkdir(parents=True)
    (planted / "kiosk").write_text("#!/bin/sh\necho planted\n")
    assert install(make_bundle(folder, "6.0.0", GOOD, key), layout, supervisor, ready_timeout=20,
                   say=lambda _m: None) == "installed"
    assert "planted" not in (layout.releases / "6.0.0" / ".venv" / "bin" / "kiosk").read_text()


def test_a_bundle_swapped_after_it_was_read_is_not_installed(terminal, monkeypatch):
    """The swap window: once the signed bundle is read, replacing the file
    changes nothing, since the signature, release.toml and the unpacking all
    use one private copy."""
    import kiosk.ops.updater as updater

    layout, supervisor, key, folder = terminal
    signed = make_bundle(folder, "7.0.0", GOOD, key)
    evil = make_bundle(folder, "7.0.0", "raise SystemExit('unsigned code ran')\n", None, name="7.0.0-evil")
    real_verify = updater.verify

    def verify_then_swap(bundle, digest, public_key):
        real_verify(bundle, digest, public_key)
        os.replace(evil, bundle)  # the attacker's moment: right after the check

    monkeypatch.setattr(updater, "verify", verify_then_swap)
    assert install(signed, layout, supervisor, ready_timeout=20, say=lambda _m: None) == "installed"
    assert supervisor.proc.poll() is None, "the swapped, unsigned bundle was installed"


def test_an_app_state_from_the_future_does_not_hold_updates_off(terminal):
    from kiosk.ops.updater import busy_reason

    layout, supervisor, key, folder = terminal
    write_app_state(layout.state_dir, AppStats(session_active=True), now=time.time() + 10 * 365 * 86400)
    assert busy_reason(layout) is None
    write_app_state(layout.state_dir, AppStats(session_active=True))
    assert busy_reason(layout) == "a resident session is in progress"
    (layout.state_dir / "app-state.json").unlink()
    os.mkfifo(layout.state_dir / "app-state.json")  # a FIFO would block a plain read forever
    assert busy_reason(layout) is None


def test_a_huge_signature_is_refused_without_reading_it(terminal):
    layout, supervisor, key, folder = terminal
    bundle = make_bundle(folder, "8.0.0", GOOD, key)
    sig = bundle.with_name(bundle.name + ".sig")
    with sig.open("r+b") as fh:
        fh.truncate(512 * 1024 * 1024)  # sparse: 512 MiB on paper, nothing on disk
    # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
    code = ("import sys; from pathlib import Path; from kiosk.ops.updater import Layout, install\n"
            "try:\n    install(Path(sys.argv[1]), Layout(Path(sys.argv[2])), None)\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
            "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))\n")
    done = subprocess.run([sys.executable, "-c", code, str(bundle), str(layout.root)], capture_output=True, text=True,
                          timeout=60)
    refusal, peak_kib = done.stdout.strip().splitlines()
    assert refusal.startswith("UpdateRefused") and "at most 1024 bytes" in refusal, done.stdout + done.stderr
    assert int(peak_kib) < 200 * 1024, f"peak {int(peak_kib) // 1024} MiB: the signature was read whole"
