"""The terminal's keys on disk, in two files, by who may read them.

``secrets.toml`` (root:kiosk 0640, format 2): what the services running as
the ``kiosk`` user need: the terminal's signing key, the outbox key and the
district's ID hash keys (``id_hash_keys``, one entry per version, delivered
at enrolment and by ``kiosk secrets upgrade`` after a rotation).

``maintenance.toml`` (root:root 0600, beside it): the maintenance PIN's
Argon2id hash, the staff cards' allow-list and the key it is hashed under.
The touchscreen app never reads it; the maintenance commands run as root.

Format 1 (one 0600 file with a random ``id_hash_key`` of this terminal, the
PIN hash and the staff cards) still loads: its key becomes version 0 of the
key set (it finds what this terminal filed), and root reads the PIN hash and
cards from it until ``kiosk secrets upgrade`` (or a rerun of ``kiosk
provision``) writes both files in the new shape.

``write_secrets_file`` is the one writer (provisioning, enrolment, ``kiosk
secrets``, staff card enrolment, the virtual hut): what is not given is kept,
an unchanged file is not rewritten (a second provisioning changes nothing).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets as token
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from drivers.options import DriverOptions, OptionError, Text, validate
from kiosk.privacy import MAX_ID_HASH_KEYS, IdHashKeys
from kiosk.tomlfile import ConfigError, fail, read_toml

FORMAT = 2
MAINTENANCE_NAME = "maintenance.toml"
SECRETS_HEADER = ("# Terminal secrets, format 2: root:kiosk 0640, read by the kiosk services.\n"
                  "# The maintenance PIN hash and staff cards are in maintenance.toml (root only).\n")
MAINTENANCE_HEADER = "# Maintenance login: root only (0600). Never read by the touchscreen app.\n"
UPGRADE_HINT = " (as root run `kiosk secrets upgrade`: it makes the file root:kiosk 0640)"
CardHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _IdHashKey(DriverOptions):
    version: int = Field(ge=0, le=2**31)
    key: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64,128}$")]


class _SecretsFile(DriverOptions):
    """secrets.toml as written (either format); errors never quote a value."""

    format: Literal[1, 2] = 1
    terminal_key: Text = ""
    outbox_key: Text = ""
    id_hash_keys: list[_IdHashKey] = Field(default_factory=list, max_length=MAX_ID_HASH_KEYS,
                                           description="a list of {version, key} tables")
    # format 1 only
    id_hash_key: Text = ""
    maintenance_pin_hash: Text = ""
    staff_cards: list[CardHash] = Field(default_factory=list, max_length=200,
                                        description="a list of 64-hex-digit staff card hashes")


class _MaintenanceFile(DriverOptions):
    maintenance_pin_hash: Text = ""
    staff_card_key: Text = ""
    staff_cards: list[CardHash] = Field(default_factory=list, max_length=200,
                                        description="a list of 64-hex-digit staff card hashes (kiosk card uid prints one)")


@dataclass(frozen=True, repr=False)
class MaintenanceSecrets:
    """What the maintenance login checks: root's only."""

    pin_hash: str = ""
    staff_card_key: bytes = b""
    staff_cards: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return "MaintenanceSecrets(<redacted>)"


@dataclass(frozen=True, repr=False)
class Secrets:
    terminal_key: bytes = b""
    outbox_key: bytes = b""
    id_hash_keys: IdHashKeys = field(default_factory=IdHashKeys)
    format: int = FORMAT
    legacy_maintenance: MaintenanceSecrets | None = None  # format 1: the PIN hash still lives here

    def __repr__(self) -> str:  # never print key material
        return "Secrets(<redacted>)"


def _decode(path: Path, key: str, value: str, kind: str, length: int | None) -> bytes:
    if not value:
        return b""
    try:
        raw = bytes.fromhex(value) if kind == "hex" else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{path}: {key}: expected a {kind} string (it does not decode)") from None
    if length is not None and len(raw) != length:
        raise ConfigError(f"{path}: {key}: expected {length} bytes, found {len(raw)}")
    return raw


def _check_mode(path: Path, what: str, allowed: int, expected: str) -> os.stat_result:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found (paths.secrets_file); "
                          "the technician creates it with `kiosk provision` or `kiosk secrets init`") from None
    except PermissionError:
        raise ConfigError(f"{path}: {what} is not readable by this user{UPGRADE_HINT}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path}: {what} must be a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & ~allowed & 0o777:
        raise ConfigError(f"{path}: {what} has mode {mode:04o}; expected {expected}. Fix with: "
                          f"chmod {'640' if allowed & 0o040 else '600'} {path}")
    return st


def load_secrets(path: Path) -> Secrets:
    """Read secrets.toml: a regular file, no access for others and no group
    write (0640 root:kiosk on a terminal, 0600 where the owner is the service user)."""
    _check_mode(path, "secrets file", 0o640, "0640 (root:kiosk) or 0600, never readable by others")
    try:
        data = validate(_SecretsFile, read_toml(path, "secrets file", UPGRADE_HINT))
    except OptionError as exc:
        raise fail(path, exc, quote=False) from None  # a quote of a bad key is a piece of the key
    entries = [(e.version, _decode(path, f"id_hash_keys.{e.version}", e.key, "hex", None)) for e in data.id_hash_keys]
    legacy_key = _decode(path, "id_hash_key", data.id_hash_key, "hex", None)
    if legacy_key:
        entries.append((0, legacy_key))
    legacy = None
    if data.format == 1:
        legacy = MaintenanceSecrets(data.maintenance_pin_hash, legacy_key, tuple(data.staff_cards))
    return Secrets(terminal_key=_decode(path, "terminal_key", data.terminal_key, "hex", None),
                   outbox_key=_decode(path, "outbox_key", data.outbox_key, "base64", 32),
                   id_hash_keys=IdHashKeys.from_entries(entries), format=data.format, legacy_maintenance=legacy)


def maintenance_path(secrets_path: Path) -> Path:
    return Path(secrets_path).with_name(MAINTENANCE_NAME)


def load_maintenance(secrets_path: Path) -> MaintenanceSecrets:
    """The maintenance file beside ``secrets_path`` (root only, 0600); before
    ``kiosk secrets upgrade``, the PIN hash and cards of a format 1 secrets file."""
    path = maintenance_path(secrets_path)
    if not path.exists() and not path.is_symlink():
        try:
            legacy = load_secrets(secrets_path).legacy_maintenance
        except ConfigError:
            legacy = None
        if legacy is not None:
            return legacy
        raise ConfigError(f"{path}: maintenance file not found; set the PIN with `kiosk secrets pin` (as root)")
    _check_mode(path, "maintenance file", 0o600, "0600, readable by root only")
    try:
        data = validate(_MaintenanceFile, read_toml(path, "maintenance file", " (maintenance commands run as root)"))
    except OptionError as exc:
        raise fail(path, exc, quote=False) from None
    return MaintenanceSecrets(data.maintenance_pin_hash, _decode(path, "staff_card_key", data.staff_card_key, "hex", None),
                              tuple(data.staff_cards))


# -- the one writer ----------------------------------------------------------------------
def _same(path: Path, data: bytes, mode: int, gid: int | None) -> bool:
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != mode or (gid is not None and st.st_gid != gid):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _put(path: Path, data: bytes, mode: int, gid: int | None, dry_run: bool) -> str:
    """Write when different: "changed", "unchanged" or "would change"."""
    from drivers.storage import atomic_write

    if _same(path, data, mode, gid):
        return "unchanged"
    if dry_run:
        return "would change"
    atomic_write(path, data, mode=mode, owner=None if gid is None else (-1, gid))
    return "changed"


def _toml(header: str, data: dict[str, Any]) -> bytes:
    import tomli_w

    return (header + tomli_w.dumps(data)).encode("utf-8")


def write_secrets_file(path: Path, *, terminal_key: bytes | None = None, id_hash_keys: IdHashKeys | None = None,
                       pin: str | None = None, staff_cards: tuple[str, ...] | None = None, fresh_keys: bool = False,
                       group: int | None = None, dry_run: bool = False) -> dict[str, str]:
    """Write secrets.toml (format 2) and, when it has anything, maintenance.toml
    beside it; returns each file's outcome ("changed", "unchanged", "would change").

    Kept from the files already there unless given: the terminal key, the
    outbox key (queued submissions need it), the ID hash keys (a format 1 key
    stays as version 0), the PIN hash (``pin=""`` clears it), the staff cards
    and their key.  ``fresh_keys`` starts over.  ``group``: the service
    user's group, which may read secrets.toml (0640); without it an existing
    file keeps its group and mode, and a new one is 0600."""
    from kiosk.ops.pin import hash_pin, needs_rehash, verify_pin

    path = Path(path)
    old = load_secrets(path) if path.exists() and not fresh_keys else Secrets()
    old_maintenance = MaintenanceSecrets()
    if not fresh_keys and (maintenance_path(path).exists() or old.legacy_maintenance is not None):
        old_maintenance = load_maintenance(path)
    keys = old.id_hash_keys
    if id_hash_keys is not None:
        keys = IdHashKeys.from_entries([*id_hash_keys.entries(), *((v, k) for v, k in keys.entries() if v == 0)])
    if not keys:  # not enrolled yet: a key of its own until the district's arrives
        keys = IdHashKeys(0, token.token_bytes(32))
    mode = 0o600
    if group is not None:
        mode = 0o640
    elif path.exists():
        st = path.stat()
        mode, group = (0o640, st.st_gid) if st.st_mode & 0o040 else (0o600, None)
    secrets = {"format": FORMAT,
               "terminal_key": (old.terminal_key if terminal_key is None else terminal_key).hex(),
               "outbox_key": base64.b64encode(old.outbox_key or token.token_bytes(32)).decode(),
               "id_hash_keys": [{"version": v, "key": k.hex()} for v, k in keys.entries()]}
    outcome = {"secrets": _put(path, _toml(SECRETS_HEADER, secrets), mode, group, dry_run)}

    pin_hash = old_maintenance.pin_hash
    if pin == "":
        pin_hash = ""
    elif pin is not None and (needs_rehash(pin_hash) or not verify_pin(pin, pin_hash)):
        pin_hash = hash_pin(pin)
    maintenance = {"maintenance_pin_hash": pin_hash,
                   "staff_card_key": (old_maintenance.staff_card_key or token.token_bytes(32)).hex(),
                   "staff_cards": list(old_maintenance.staff_cards if staff_cards is None else staff_cards)}
    outcome["maintenance"] = _put(maintenance_path(path), _toml(MAINTENANCE_HEADER, maintenance), 0o600, None, dry_run)
    return outcome
