"""Signed releases installed side by side, switched atomically, rolled back by themselves.

A release bundle (kiosk/ops/bundle.py) is checked from one private copy:
its signature by the district's release key (``/etc/kiosk/release-key.pub``),
then its ``release.toml``.  Only forward: a version older than the current
release is refused unless the signed ``release.toml`` says ``rollback =
true``, and never below the floor that installed releases' ``min_version``
raised (root's admin folder, ``release-floor``).  Then ``install`` waits
until no resident session or print is in progress (the app's
``app-state.json``), unpacks into ``/opt/kiosk/releases/<version>`` (always
afresh: a folder left from before is not trusted), swaps the ``current``
link (one rename), restarts the kiosk and watches it: when the new release
does not reach READY within ``ready_timeout`` (120 s) or crashes three
times, ``current`` goes back to the previous release, which is restarted.
A failed install leaves no release folder behind, so the corrected bundle
of the same version installs.  The update log is root's
(``/var/lib/kiosk-admin/updates.jsonl``), never in the kiosk user's state folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Protocol

from kiosk.errors import KioskError
from kiosk.ops.admin_files import AdminFolderError, append_line, read_file, replace_file
from kiosk.ops.bundle import (
    SIGNED_PREFIX,
    Release,
    UpdateRefused,
    parse_version,
    private_copy,
    read_release,
    sign,
    unpack,
    verify,
)
from kiosk.ops.layout import Layout

__all__ = ["SIGNED_PREFIX", "UpdateRefused", "sign", "install", "Layout", "SystemdSupervisor", "current_release"]
READY_TIMEOUT = 120.0
MAX_CRASHES = 3
IDLE_WAIT = 600.0
IDLE_POLL = 2.0
FLOOR_NAME = "release-floor"


class Supervisor(Protocol):
    """Restarts the kiosk and says whether it came up (systemd on a terminal)."""

    def restart(self) -> None: ...
    def watch(self, timeout: float, max_crashes: int) -> str: ...  # "ready", "crashed" or "timeout"


# -- the bundle ---------------------------------------------------------------------
def build_venv(release: Path, run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> None:
    """An offline virtualenv from the bundle's wheels; a bundle without
    wheels must bring its ``.venv`` (an image build, the tests' bundles)."""
    if (release / ".venv" / "bin" / "kiosk").exists():
        return
    if not (release / "wheels").is_dir():
        raise UpdateRefused(f"{release.name}: neither wheels/ nor .venv/bin/kiosk in the bundle")
    venv = release / ".venv"
    for argv in ([sys.executable, "-m", "venv", str(venv)],
                 [str(venv / "bin" / "pip"), "install", "--no-index", "--find-links", str(release / "wheels"),
                  str(release)]):
        done = run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise UpdateRefused(f"installing {release.name} failed: {argv[0]} said "
                                f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")


def switch(layout: Layout, release: Path) -> None:
    """Point ``current`` at ``release`` with one rename (never half-switched)."""
    tmp = layout.current.with_name(".current.new")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path("releases") / release.name)
    os.replace(tmp, layout.current)


def current_release(layout: Layout) -> str | None:
    try:
        return Path(os.readlink(layout.current)).name
    except OSError:
        return None


# -- waiting for a quiet moment --------------------------------------------------------
def busy_reason(layout: Layout, max_age: float = 30.0) -> str | None:
    """Why not now: a resident session or a print in progress (as the app last
    said; an app that has not said so for ``max_age`` is not serving)."""
    from kiosk.ops.app_state import read_app_state

    report = read_app_state(layout.state_dir, max_age)
    if report is None:
        return None
    stats, _age = report
    if stats.session_active:
        return "a resident session is in progress"
    if stats.printing:
        return "a print is in progress"
    return None


def wait_until_idle(layout: Layout, timeout: float, sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> None:
    deadline = clock() + timeout
    while (reason := busy_reason(layout)) is not None:
        if clock() >= deadline:
            raise UpdateRefused(f"not updated: {reason} (waited {timeout:g} s); try again later")
        sleep(IDLE_POLL)


def _record(layout: Layout, entry: dict[str, object]) -> None:
    append_line(layout.admin_dir, "updates.jsonl", json.dumps({"at": time.time(), **entry}))


def release_floor(layout: Layout) -> str | None:
    """The lowest version this terminal may run (raised by ``min_version``)."""
    try:
        raw = read_file(layout.admin_dir, FLOOR_NAME, 128)
    except AdminFolderError as exc:
        raise UpdateRefused(f"the release floor cannot be read ({exc}); nothing was installed") from None
    return None if raw is None else raw.decode("ascii", "replace").strip() or None


def check_direction(release: Release, current: str | None, floor: str | None, name: str) -> None:
    """Only forward, unless the signed release says it is a rollback; never below the floor."""
    new = parse_version(release.version, name)
    if floor is not None and new < parse_version(floor, "release floor"):
        raise UpdateRefused(f"{name}: {release.version} is below this terminal's release floor {floor} "
                            "(a later release raised it); nothing was installed")
    if current is None:
        return
    try:
        older = new < parse_version(current, "current release")
    except UpdateRefused:
        return  # a current release named outside the rules (a developer's install): nothing to compare with
    if older and not release.rollback:
        raise UpdateRefused(f"{name}: {release.version} is older than the current {current}; a downgrade needs a "
                            "signed rollback release (rollback = true in its release.toml); nothing was installed")


# -- the whole update ------------------------------------------------------------------
def install(bundle: Path, layout: Layout, supervisor: Supervisor, *, ready_timeout: float = READY_TIMEOUT,
            idle_wait: float = IDLE_WAIT, say: Callable[[str], None] = print) -> str:
    """Install, switch, restart, and roll back when the release does not
    come up.  Returns the outcome: "installed", "already installed" or
    "rolled back" (the last also raises nothing: the terminal is serving on
    the previous release, and the caller reports it)."""
    bundle = Path(bundle)
    previous = current_release(layout)
    with private_copy(bundle, layout.releases) as copy:
        verify(bundle, copy.digest, layout.public_key)
        release = read_release(copy.path, bundle.name)
        version = release.version
        if previous == version:
            say(f"{version} already installed and current")
            return "already installed"
        check_direction(release, previous, release_floor(layout), bundle.name)
        target = layout.releases / version
        if target.exists() or target.is_symlink():  # left from before: not this bundle's, not trusted
            _remove(target)
        try:
            unpack(copy.path, bundle.name, release.top, target)
            build_venv(target)
        except BaseException:
            _remove(target)  # a failed install leaves nothing that blocks the corrected bundle
            raise
    wait_until_idle(layout, idle_wait)
    switch(layout, target)
    say(f"switched to {version}" + (f" (previous {previous})" if previous else "") + "; restarting")
    supervisor.restart()
    outcome = supervisor.watch(ready_timeout, MAX_CRASHES)
    if outcome == "ready":
        if release.min_version is not None:
            replace_file(layout.admin_dir, FLOOR_NAME, release.min_version.encode("ascii") + b"\n")
        _record(layout, {"version": version, "previous": previous, "outcome": "installed"})
        say(f"{version} is up (READY)")
        return "installed"
    if previous is None:
        _record(layout, {"version": version, "outcome": f"failed: {outcome}"})
        raise KioskError(f"{version} did not come up ({outcome}) and there is no previous release to go back to")
    switch(layout, layout.releases / previous)
    supervisor.restart()
    back = supervisor.watch(ready_timeout, MAX_CRASHES)
    _record(layout, {"version": version, "previous": previous, "outcome": f"rolled back: {outcome}",
                     "previous_came_up": back})
    say(f"{version} did not come up ({outcome}); rolled back to {previous}"
        + ("" if back == "ready" else f", which is not up either ({back}): call an engineer"))
    return "rolled back"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


class SystemdSupervisor:
    """The kiosk's units under systemd: ``kiosk.service`` counts as up when
    systemd says active/running, which for a Type=notify unit means the app
    sent READY=1 (its home screen is up); each automatic restart is a crash."""

    UNITS = ("kiosk.service", "kiosk-outbox.service", "kiosk-metrics.service")

    def __init__(self, run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self._run, self._sleep, self._clock = run, sleep, clock
        self._base_restarts = 0

    def _show(self) -> dict[str, str]:
        done = self._run(["systemctl", "show", self.UNITS[0], "--property=ActiveState,SubState,NRestarts"],
                         capture_output=True, text=True)
        return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)

    def restart(self) -> None:
        self._run(["systemctl", "daemon-reload"], capture_output=True)
        self._run(["systemctl", "reset-failed", *self.UNITS], capture_output=True)
        # --no-block: a Type=notify restart would otherwise wait for READY here.
        self._run(["systemctl", "--no-block", "restart", *self.UNITS], capture_output=True)
        self._base_restarts = int(self._show().get("NRestarts", "0") or 0)

    def watch(self, timeout: float, max_crashes: int) -> str:
        deadline = self._clock() + timeout
        while self._clock() < deadline:
            state = self._show()
            if int(state.get("NRestarts", "0") or 0) - self._base_restarts >= max_crashes:
                return "crashed"
            if state.get("ActiveState") == "failed":
                return "crashed"
            if state.get("ActiveState") == "active" and state.get("SubState") == "running":
                return "ready"
            self._sleep(1.0)
        return "timeout"


def main(argv: list[str] | None = None) -> int:
    """``python3 -m kiosk.ops.updater BUNDLE``: the first install on a new terminal."""
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m kiosk.ops.updater", description="install a signed kiosk release")
    parser.add_argument("bundle")
    parser.add_argument("--root", default="/")
    args = parser.parse_args(argv)
    try:
        outcome = install(Path(args.bundle), Layout(Path(args.root)), SystemdSupervisor())
    except KioskError as exc:
        print(f"kiosk update: {exc}", file=sys.stderr)
        return exc.exit_code
    return 1 if outcome == "rolled back" else 0


if __name__ == "__main__":
    sys.exit(main())
