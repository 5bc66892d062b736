"""Signed releases installed side by side, switched atomically, rolled back by themselves.

A release bundle is ``kiosk-<version>.tar.gz`` holding one folder with a
``release.toml`` (``version = "..."``), the code, and either ``wheels/``
(everything pip needs, offline) or a ready ``.venv``.  Beside it,
``<bundle>.sig`` is the Ed25519 signature of ``SIGNED_PREFIX + sha256(bundle)``
by the district's release key; the terminal holds the public key in
``/etc/kiosk/release-key.pub`` (hex), provisioned with the terminal.

``install`` verifies the signature before it reads anything inside the
bundle, waits until no resident session or print is in progress (the app's
``app-state.json``), unpacks into ``/opt/kiosk/releases/<version>``, swaps
the ``current`` link (one rename), restarts the kiosk and watches it: when
the new release does not reach READY within ``ready_timeout`` (120 s) or
crashes three times, ``current`` goes back to the previous release, which is
restarted.  A first install (no previous release) has nothing to roll back to.

This module needs only the standard library and ``cryptography``, so a new
terminal can run it from the unpacked bundle itself (``python3 -m
kiosk.ops.updater``; the Ansible playbook does) before any kiosk is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from kiosk.errors import KioskError

SIGNED_PREFIX = b"hut-kiosk-release-v1\n"
READY_TIMEOUT = 120.0
MAX_CRASHES = 3
IDLE_WAIT = 600.0
IDLE_POLL = 2.0
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")


class UpdateRefused(KioskError):
    """The bundle is not installed: unsigned, wrongly signed, malformed, or the kiosk is busy."""


class Supervisor(Protocol):
    """Restarts the kiosk and says whether it came up (systemd on a terminal)."""

    def restart(self) -> None: ...
    def watch(self, timeout: float, max_crashes: int) -> str: ...  # "ready", "crashed" or "timeout"


@dataclass(frozen=True)
class Layout:
    root: Path

    def at(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    @property
    def releases(self) -> Path:
        return self.at("/opt/kiosk/releases")

    @property
    def current(self) -> Path:
        return self.at("/opt/kiosk/current")

    @property
    def public_key(self) -> Path:
        return self.at("/etc/kiosk/release-key.pub")

    @property
    def state_dir(self) -> Path:
        return self.at("/var/lib/kiosk")


# -- signatures ---------------------------------------------------------------------
def _digest(bundle: Path) -> bytes:
    h = hashlib.sha256()
    with bundle.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return SIGNED_PREFIX + h.digest()


def sign(bundle: Path, private_key: bytes) -> Path:
    """Write ``<bundle>.sig`` (the district's build machine does this)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(_digest(bundle))
    out = bundle.with_name(bundle.name + ".sig")
    out.write_text(signature.hex() + "\n", encoding="ascii")
    return out


def verify(bundle: Path, public_key_file: Path) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sig_file = bundle.with_name(bundle.name + ".sig")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_file.read_text(encoding="ascii").strip()))
    except FileNotFoundError:
        raise UpdateRefused(f"{public_key_file}: no release key on this terminal; provision it first") from None
    except ValueError:
        raise UpdateRefused(f"{public_key_file}: not a hex Ed25519 public key (64 hex digits)") from None
    try:
        signature = bytes.fromhex(sig_file.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        raise UpdateRefused(f"{bundle.name} is not signed (no {sig_file.name}); nothing was installed") from None
    except ValueError:
        raise UpdateRefused(f"{sig_file}: not a hex signature; nothing was installed") from None
    try:
        key.verify(signature, _digest(bundle))
    except InvalidSignature:
        raise UpdateRefused(f"{bundle.name}: the signature does not match the release key on this terminal "
                            "(wrong key or a modified bundle); nothing was installed") from None


# -- the bundle ---------------------------------------------------------------------
def read_version(bundle: Path) -> tuple[str, str]:
    """(version, top folder name) from the bundle's release.toml."""
    try:
        with tarfile.open(bundle, "r:*") as tar:
            members = [m for m in tar.getmembers() if m.name.count("/") == 1 and m.name.endswith("/release.toml")]
            if len(members) != 1:
                raise UpdateRefused(f"{bundle.name}: expected one <folder>/release.toml inside")
            fh = tar.extractfile(members[0])
            data = tomllib.loads(fh.read().decode("utf-8")) if fh else {}
    except (tarfile.TarError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UpdateRefused(f"{bundle.name}: not a readable release bundle ({exc})") from None
    version = str(data.get("version", ""))
    if not _VERSION.match(version):
        raise UpdateRefused(f"{bundle.name}: release.toml has no usable version ({version!r})")
    return version, members[0].name.split("/")[0]


def unpack(bundle: Path, top: str, target: Path) -> None:
    """Into ``target`` (absent), via a temporary folder beside it; the
    ``data`` filter refuses absolute paths, ``..`` and links leaving it."""
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with tarfile.open(bundle, "r:*") as tar:
            tar.extractall(staging, filter="data")
        (staging / top).rename(target)
    except (tarfile.TarError, OSError) as exc:
        raise UpdateRefused(f"{bundle.name}: cannot unpack ({exc}); nothing was switched") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    with (layout.state_dir / "updates.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"at": time.time(), **entry}) + "\n")


# -- the whole update ------------------------------------------------------------------
def install(bundle: Path, layout: Layout, supervisor: Supervisor, *, ready_timeout: float = READY_TIMEOUT,
            idle_wait: float = IDLE_WAIT, say: Callable[[str], None] = print) -> str:
    """Install, switch, restart, and roll back when the release does not
    come up.  Returns the outcome: "installed", "already installed" or
    "rolled back" (the last also raises nothing: the terminal is serving on
    the previous release, and the caller reports it)."""
    bundle = Path(bundle)
    verify(bundle, layout.public_key)
    version, top = read_version(bundle)
    previous = current_release(layout)
    if previous == version:
        say(f"{version} already installed and current")
        return "already installed"
    target = layout.releases / version
    if not target.exists():
        unpack(bundle, top, target)
    build_venv(target)
    wait_until_idle(layout, idle_wait)
    switch(layout, target)
    say(f"switched to {version}" + (f" (previous {previous})" if previous else "") + "; restarting")
    supervisor.restart()
    outcome = supervisor.watch(ready_timeout, MAX_CRASHES)
    if outcome == "ready":
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
