"""The one secrets writer: `kiosk secrets init` makes fresh keys, enrolment
and the virtual hut replace only what they give (the outbox key of queued
submissions survives); the services' keys and the maintenance PIN hash go to
two files; a secrets file of format 1 still loads and is upgraded."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
import tomli_w

from kiosk import config
from kiosk.ops.pin import hash_pin, verify_pin
from kiosk.privacy import IdHashKeys, id_lookup_hash
from kiosk.secrets_file import load_maintenance, maintenance_path


def test_a_new_file_gets_fresh_keys_and_mode_0600(tmp_path):
    path = tmp_path / "etc" / "secrets.toml"
    config.write_secrets_file(path, pin="135790")
    s = config.load_secrets(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(s.outbox_key) == 32 and len(s.id_hash_keys.key) == 32 and s.terminal_key == b""
    assert s.id_hash_keys.version == 0 and s.legacy_maintenance is None
    m = load_maintenance(path)
    assert stat.S_IMODE(os.stat(maintenance_path(path)).st_mode) == 0o600
    assert verify_pin("135790", m.pin_hash) and not verify_pin("135791", m.pin_hash)
    assert m.pin_hash.startswith("$argon2id$") and len(m.staff_card_key) == 32
    assert "maintenance_pin_hash" not in path.read_text(), "the PIN hash is in the file the services read"


def test_enrolment_replaces_the_terminal_key_and_keeps_everything_else(tmp_path):
    path = tmp_path / "secrets.toml"
    config.write_secrets_file(path, pin="135790")
    before, before_m = config.load_secrets(path), load_maintenance(path)
    district = IdHashKeys(3, b"\x07" * 32, ((2, b"\x06" * 32),))
    done = config.write_secrets_file(path, terminal_key=b"\x01" * 32, id_hash_keys=district)
    assert done == {"secrets": "changed", "maintenance": "unchanged"}
    after = config.load_secrets(path)
    assert after.terminal_key == b"\x01" * 32 and after.outbox_key == before.outbox_key
    assert after.id_hash_keys.entries() == [(3, b"\x07" * 32), (2, b"\x06" * 32), (0, before.id_hash_keys.key)]
    assert load_maintenance(path) == before_m
    assert sorted(os.listdir(tmp_path)) == ["maintenance.toml", "secrets.toml"]
    again = config.write_secrets_file(path, terminal_key=b"\x01" * 32, id_hash_keys=district, pin="135790")
    assert again == {"secrets": "unchanged", "maintenance": "unchanged"}, "an unchanged file was rewritten"


def test_a_file_without_keys_gets_them(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("")
    path.chmod(0o600)
    config.write_secrets_file(path, terminal_key=b"\x03" * 32)
    s = config.load_secrets(path)
    assert len(s.outbox_key) == 32 and len(s.id_hash_keys.key) == 32 and s.terminal_key == b"\x03" * 32


def test_fresh_keys_replace_the_old_ones(tmp_path):
    path = tmp_path / "secrets.toml"
    config.write_secrets_file(path, terminal_key=b"\x02" * 32)
    before = config.load_secrets(path)
    config.write_secrets_file(path, fresh_keys=True)
    after = config.load_secrets(path)
    assert after.outbox_key != before.outbox_key and after.terminal_key == b""


def test_the_services_group_may_read_secrets_but_not_the_maintenance_file(tmp_path):
    path = tmp_path / "secrets.toml"
    config.write_secrets_file(path, pin="135790", group=os.getgid())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(maintenance_path(path)).st_mode) == 0o600
    config.write_secrets_file(path, terminal_key=b"\x01" * 32)  # enrolment keeps group and mode
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and config.load_secrets(path).terminal_key
    os.chmod(maintenance_path(path), 0o640)
    with pytest.raises(config.ConfigError, match="maintenance file has mode 0640"):
        load_maintenance(path)
    os.chmod(path, 0o660)
    with pytest.raises(config.ConfigError, match="mode 0660"):
        config.load_secrets(path)


def test_a_format_1_file_still_loads_and_is_upgraded(tmp_path):
    """A terminal in the field: one 0600 file with its own id_hash_key, a
    PBKDF2 PIN hash and staff cards hashed under that key."""
    import hashlib
    import hmac
    import secrets as token

    path = tmp_path / "secrets.toml"
    own_key = token.token_bytes(32)
    card = hmac.new(own_key, b"\x04\xa1", hashlib.sha256).hexdigest()
    salt = token.token_bytes(16)
    legacy_pin = f"pbkdf2_sha256$1000${salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'246810', salt, 1000).hex()}"
    path.write_text(tomli_w.dumps({"terminal_key": "11" * 32, "outbox_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                   "id_hash_key": own_key.hex(), "maintenance_pin_hash": legacy_pin,
                                   "staff_cards": [card]}))
    path.chmod(0o600)
    old = config.load_secrets(path)
    assert old.format == 1 and old.id_hash_keys == IdHashKeys(0, own_key)
    assert verify_pin("246810", load_maintenance(path).pin_hash), "root reads the old PIN hash until the upgrade"

    district = IdHashKeys(1, b"\x09" * 32)
    config.write_secrets_file(path, id_hash_keys=district, group=os.getgid())
    new = config.load_secrets(path)
    assert new.format == 2 and new.terminal_key == old.terminal_key and new.outbox_key == old.outbox_key
    assert new.id_hash_keys.version == 1 and new.id_hash_keys.previous == ((0, own_key),)
    assert id_lookup_hash("230108195001011234", own_key) in new.id_hash_keys.lookup_hashes("230108195001011234")
    m = load_maintenance(path)
    assert m.pin_hash == legacy_pin and m.staff_cards == (card,) and m.staff_card_key == own_key
    assert "246810" not in path.read_text() and "pbkdf2" not in path.read_text()


def test_id_hash_keys_file_then_lookup(tmp_path):
    keys = IdHashKeys.from_entries([(1, b"\x01" * 32), (3, b"\x03" * 32), (2, b"\x02" * 32)])
    assert keys.version == 3 and [v for v, _ in keys.previous] == [2, 1]
    number = "230108195001011234"
    assert keys.filing_hash(number) == (id_lookup_hash(number, b"\x03" * 32), 3)
    assert keys.lookup_hashes(number) == [id_lookup_hash(number, bytes([v]) * 32) for v in (3, 2, 1)]
    assert "\\x03" not in repr(keys) and "03030303" not in repr(keys)


def test_secrets_init_cli(tmp_path, kiosk_cmd):
    out = tmp_path / "secrets.toml"

    def run(*extra: str, pin: str) -> subprocess.CompletedProcess:
        return subprocess.run([*kiosk_cmd, "secrets", "init", "--out", str(out), "--pin-stdin", *extra],
                              input=pin + "\n", capture_output=True, text=True, timeout=30)

    done = run(pin="246810")
    assert done.returncode == 0, done.stderr
    assert verify_pin("246810", load_maintenance(out).pin_hash)
    refused = run(pin="246810")
    assert refused.returncode == 2 and "exists" in refused.stderr
    short = run("--force", pin="12")
    assert short.returncode == 2 and "6 to 12 digits" in short.stderr


def test_pin_hash_is_argon2id_and_legacy_hashes_still_verify():
    from argon2 import PasswordHasher

    from kiosk.ops.pin import needs_rehash

    stored = hash_pin("246810", PasswordHasher(time_cost=1, memory_cost=8192))
    assert stored.startswith("$argon2id$") and verify_pin("246810", stored) and not verify_pin("246811", stored)
    assert needs_rehash("pbkdf2_sha256$1000$00$00") and not needs_rehash(hash_pin("246810"))
    assert not verify_pin("246810", "garbage") and not verify_pin("246810", "")
