"""The one secrets writer: `kiosk secrets init` makes fresh keys, enrolment
and the virtual hut replace only what they give (the outbox key of queued
submissions survives), always mode 0600."""

from __future__ import annotations

import os
import stat
import subprocess

from kiosk import config
from kiosk.ops.pin import verify_pin


def test_a_new_file_gets_fresh_keys_and_mode_0600(tmp_path):
    path = tmp_path / "etc" / "secrets.toml"
    config.write_secrets_file(path, pin="135790")
    s = config.load_secrets(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(s.outbox_key) == 32 and len(s.id_hash_key) == 32 and s.terminal_key == b""
    assert verify_pin("135790", s.maintenance_pin_hash) and not verify_pin("135791", s.maintenance_pin_hash)


def test_enrolment_replaces_the_terminal_key_and_keeps_everything_else(tmp_path):
    path = tmp_path / "secrets.toml"
    config.write_secrets_file(path, pin="135790")
    before = config.load_secrets(path)
    config.write_secrets_file(path, terminal_key=b"\x01" * 32)
    after = config.load_secrets(path)
    assert after.terminal_key == b"\x01" * 32
    assert (after.outbox_key, after.id_hash_key, after.maintenance_pin_hash) == \
        (before.outbox_key, before.id_hash_key, before.maintenance_pin_hash)
    assert os.listdir(tmp_path) == ["secrets.toml"]


def test_a_file_without_keys_gets_them(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("")
    path.chmod(0o600)
    config.write_secrets_file(path, terminal_key=b"\x03" * 32)
    s = config.load_secrets(path)
    assert len(s.outbox_key) == 32 and len(s.id_hash_key) == 32 and s.terminal_key == b"\x03" * 32


def test_fresh_keys_replace_the_old_ones(tmp_path):
    path = tmp_path / "secrets.toml"
    config.write_secrets_file(path, terminal_key=b"\x02" * 32)
    before = config.load_secrets(path)
    config.write_secrets_file(path, fresh_keys=True)
    after = config.load_secrets(path)
    assert after.outbox_key != before.outbox_key and after.terminal_key == b""


def test_secrets_init_cli(tmp_path, kiosk_cmd):
    out = tmp_path / "secrets.toml"

    def run(*extra: str, pin: str) -> subprocess.CompletedProcess:
        return subprocess.run([*kiosk_cmd, "secrets", "init", "--out", str(out), "--pin-stdin", *extra],
                              input=pin + "\n", capture_output=True, text=True, timeout=30)

    done = run(pin="246810")
    assert done.returncode == 0, done.stderr
    assert verify_pin("246810", config.load_secrets(out).maintenance_pin_hash)
    refused = run(pin="246810")
    assert refused.returncode == 2 and "exists" in refused.stderr
    short = run("--force", pin="12")
    assert short.returncode == 2 and "6 to 12 digits" in short.stderr

