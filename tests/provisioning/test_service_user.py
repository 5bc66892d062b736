"""A provisioned terminal as its services see it: the real service user,
simulated by an unprivileged uid/gid (setpriv) against a ``--root`` layout
that ``kiosk provision`` wrote as root.  The services read their keys
(secrets.toml root:kiosk 0640) and not the maintenance PIN hash
(maintenance.toml root 0600); a terminal provisioned before (one 0600 file)
moves over with ``kiosk secrets upgrade``; root's own files never follow a
link the service user planted in its state folder."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import tomli_w

from simulators.hut import Hut

UID = GID = 4242  # the kiosk user
PIN = "135790"
pytestmark = [pytest.mark.procs,
              pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                 reason="needs root (to become the service user) and setpriv")]


def kiosk(*argv: str, stdin: str = "", user: bool = False, home: Path | None = None) -> subprocess.CompletedProcess:
    prefix = ["setpriv", f"--reuid={UID}", f"--regid={GID}", "--clear-groups"] if user else []
    env = dict(os.environ, HOME=str(home or "/"), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([*prefix, sys.executable, "-m", "kiosk.cli", *argv], input=stdin, capture_output=True,
                          text=True, timeout=120, env=env, cwd="/")


@pytest.fixture(scope="module")
def terminal():
    base = Path(tempfile.mkdtemp(prefix="kiosk-service-user-"))
    base.chmod(0o755)  # the service user must reach the root folder (pytest's tmp_path is root's only)
    try:
        with Hut(base / "hut", only=["platform"]) as hut:
            root = base / "root"
            platform = hut["platform"]
            code = platform.control("enrolment_code")["enrolment_code"]
            done = kiosk("provision", "--root", str(root), "--no-scan", "--skip-checks", "--non-interactive",
                         "--platform", platform.where(), "--enrolment-code", code, "--pin-stdin",
                         "--service-user", f"{UID}:{GID}", stdin=PIN + "\n")
            assert done.returncode == 0, done.stdout + done.stderr
            yield root, hut, base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_services_read_their_keys_as_the_service_user(terminal):
    root, _hut, base = terminal
    secrets = root / "etc/kiosk/secrets.toml"
    st = secrets.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, GID, 0o640)
    state = (root / "var/lib/kiosk").stat()
    assert (state.st_uid, state.st_gid) == (UID, GID)
    status = kiosk("outbox", "status", "--config", str(root / "etc/kiosk/kiosk.toml"), user=True, home=base)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("pending    0"), status.stdout


def test_the_service_user_cannot_read_the_maintenance_pin(terminal):
    root, _hut, base = terminal
    maintenance = root / "etc/kiosk/maintenance.toml"
    st = maintenance.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    config = str(root / "etc/kiosk/kiosk.toml")
    theirs = kiosk("maintenance", "login", "--config", config, stdin=PIN + "\n", user=True, home=base)
    assert theirs.returncode == 2 and "not readable by this user" in theirs.stderr, theirs.stderr
    assert "Traceback" not in theirs.stderr
    assert PIN not in secrets_text(root) and "maintenance_pin_hash" not in secrets_text(root)
    mine = kiosk("maintenance", "login", "--config", config, stdin=PIN + "\n")
    assert mine.returncode == 0, mine.stderr


def secrets_text(root: Path) -> str:
    return (root / "etc/kiosk/secrets.toml").read_text()


def test_root_follows_no_link_the_service_user_planted(terminal):
    """The kiosk user owns its state folder: links to root-only files in it
    must not make provision, update or maintenance write through them."""
    root, hut, base = terminal
    victim = base / "root-only.txt"
    victim.write_text("root's\n")
    victim.chmod(0o600)
    state = root / "var/lib/kiosk"
    for name in ("provision-report.txt", "maintenance-audit.jsonl", "updates.jsonl"):
        plant = subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={GID}", "--clear-groups", "ln", "-sf",
                                str(victim), str(state / name)], capture_output=True, text=True)
        assert plant.returncode == 0, plant.stderr
    assert subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={GID}", "--clear-groups", "touch",
                           str(root / "var/lib/kiosk-admin/x")], capture_output=True).returncode != 0, \
        "the service user can write into root's admin folder"
    config = str(root / "etc/kiosk/kiosk.toml")
    again = kiosk("provision", "--root", str(root), "--no-scan", "--skip-checks", "--non-interactive",
                  "--service-user", f"{UID}:{GID}")
    assert again.returncode == 0, again.stdout + again.stderr
    listed = kiosk("maintenance", "dead-letters", "--config", config, stdin=PIN + "\n")
    assert listed.returncode == 0, listed.stderr
    update = kiosk("update", str(base / "missing.tar.gz"), "--root", str(root))
    assert update.returncode == 2
    assert victim.read_text() == "root's\n"
    admin = root / "var/lib/kiosk-admin"
    assert stat.S_IMODE(admin.stat().st_mode) == 0o700 and admin.stat().st_uid == 0
    assert (admin / "provision-report.txt").is_file() and "dead_letters" in (admin / "maintenance-audit.jsonl").read_text()


def test_a_terminal_provisioned_before_moves_over_with_secrets_upgrade(terminal):
    """Format 1: one root 0600 file with the terminal's own id_hash_key and
    a PBKDF2 PIN hash.  The services cannot read it; `kiosk secrets upgrade`
    makes both files, fetches the district's keys and keeps the old PIN."""
    import hashlib

    root, hut, base = terminal
    config = root / "etc/kiosk/kiosk.toml"
    secrets = root / "etc/kiosk/secrets.toml"
    from kiosk import config as config_mod

    now = config_mod.load(config).secrets
    salt = bytes(range(16))
    legacy_pin = f"pbkdf2_sha256$1000${salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'246810', salt, 1000).hex()}"
    own_key = os.urandom(32)
    old = {"terminal_key": now.terminal_key.hex(), "outbox_key": __import__("base64").b64encode(now.outbox_key).decode(),
           "id_hash_key": own_key.hex(), "maintenance_pin_hash": legacy_pin, "staff_cards": []}
    (root / "etc/kiosk/maintenance.toml").unlink()
    secrets.write_text(tomli_w.dumps(old))
    os.chown(secrets, 0, 0)
    secrets.chmod(0o600)
    before = kiosk("outbox", "status", "--config", str(config), user=True, home=base)
    assert before.returncode == 2 and "kiosk secrets upgrade" in before.stderr, before.stderr

    upgraded = kiosk("secrets", "upgrade", "--config", str(config), "--service-user", f"{UID}:{GID}")
    assert upgraded.returncode == 0, upgraded.stderr
    after = kiosk("outbox", "status", "--config", str(config), user=True, home=base)
    assert after.returncode == 0, after.stderr
    keys = config_mod.load(config).id_hash_keys
    district = hut["platform"].server.store.id_hash_keys()[0]
    assert (keys.version, keys.key.hex()) == (district["version"], district["key"])
    assert (0, own_key) in keys.previous, "the terminal's own key (its earlier filings) was dropped"
    login = kiosk("maintenance", "login", "--config", str(config), stdin="246810\n")
    assert login.returncode == 0, login.stderr
    stored = (root / "etc/kiosk/maintenance.toml").read_text()
    assert "$argon2id$" in stored and "pbkdf2" not in stored, "the legacy PIN hash was not replaced at login"
