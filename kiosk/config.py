"""The terminal's configuration: one TOML file plus a secrets file.

Validated once at start-up into typed, frozen settings.  A mistake gets one
message that names the file, the key and what is expected (a technician at a
new site fixes it from that line alone), never a traceback.  Secrets (the
terminal's signing key, the outbox key, the maintenance PIN hash) live in a
separate file that must be readable by its owner only.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from kiosk.errors import KioskError

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")
DEFAULT_SECRETS = Path("/etc/kiosk/secrets.toml")
DEFAULT_STATE_DIR = Path("/var/lib/kiosk")
LANGUAGES = ("zh_CN", "en")


class ConfigError(KioskError):
    """The configuration cannot be used; the message names file and key."""


# -- typed settings ----------------------------------------------------------
@dataclass(frozen=True)
class TerminalSettings:
    id: str
    name: str = ""


@dataclass(frozen=True)
class PlatformSettings:
    url: str
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    heartbeat_seconds: float = 60.0


@dataclass(frozen=True)
class PathSettings:
    state_dir: Path = DEFAULT_STATE_DIR
    secrets_file: Path = DEFAULT_SECRETS


@dataclass(frozen=True)
class ScreenSettings:
    fullscreen: bool = True
    show_cursor: bool = False
    language: str = "zh_CN"
    width: int = 1920
    height: int = 1080


@dataclass(frozen=True)
class TimeoutSettings:
    idle_seconds: float = 60.0
    idle_warning_seconds: float = 45.0
    status_query_seconds: float = 3.0


@dataclass(frozen=True)
class OutboxSettings:
    retention_days: int = 30
    max_backoff_seconds: float = 600.0


@dataclass(frozen=True)
class DeviceConfig:
    """One ``[devices.<name>]`` table; ``options`` is already normalised by
    the driver's ``check_options``."""

    name: str
    driver: str
    port: str | None = None
    url: str | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Secrets:
    terminal_key: bytes = b""
    outbox_key: bytes = b""
    id_hash_key: bytes = b""
    maintenance_pin_hash: str = ""

    def __repr__(self) -> str:  # never print key material
        return "Secrets(<redacted>)"


@dataclass(frozen=True)
class Settings:
    source: Path
    terminal: TerminalSettings
    platform: PlatformSettings
    paths: PathSettings
    screen: ScreenSettings
    timeouts: TimeoutSettings
    outbox: OutboxSettings
    devices: Mapping[str, DeviceConfig]
    secrets: Secrets

    @property
    def state_dir(self) -> Path:
        return self.paths.state_dir

    def counters_path(self, device: str) -> Path:
        return self.paths.state_dir / "counters" / f"{device}.json"


# -- field checkers: each returns the value or raises _Bad(expected) ----------
class _Bad(Exception):
    def __init__(self, expected: str):
        self.expected = expected


def _str(nonempty: bool = False) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or (nonempty and not v.strip()):
            raise _Bad("a non-empty string" if nonempty else "a string")
        return v
    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad("true or false")
    return v


def _number(minimum: float, maximum: float | None = None, integer: bool = False) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        ok_type = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok_type or v < minimum or (maximum is not None and v > maximum):
            kind = "a whole number" if integer else "a number"
            limits = f" from {minimum:g} to {maximum:g}" if maximum is not None else f" of at least {minimum:g}"
            raise _Bad(kind + limits)
        return int(v) if integer else float(v)
    return check


def _path(v: Any) -> Path:
    if not isinstance(v, str) or not v.strip():
        raise _Bad("a file or folder path")
    return Path(v)


def _optional_path(v: Any) -> Path | None:
    if v == "":
        return None
    return _path(v)


def _url(v: Any) -> str:
    if not isinstance(v, str) or not v.startswith(("http://", "https://")) or len(v) < 10:
        raise _Bad("an http:// or https:// URL, such as \"https://platform.example.gov.cn\"")
    return v.rstrip("/")


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in choices:
            raise _Bad("one of " + ", ".join(f'"{c}"' for c in choices))
        return v
    return check


# section -> key -> (checker, required)
_SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], bool]]] = {
    "terminal": {"id": (_str(nonempty=True), True), "name": (_str(), False)},
    "platform": {
        "url": (_url, True),
        "ca_file": (_optional_path, False),
        "client_cert": (_optional_path, False),
        "client_key": (_optional_path, False),
        "connect_timeout": (_number(0.1, 120), False),
        "read_timeout": (_number(0.1, 600), False),
        "heartbeat_seconds": (_number(5, 3600), False),
    },
    "paths": {"state_dir": (_path, False), "secrets_file": (_path, False)},
    "screen": {
        "fullscreen": (_bool, False),
        "show_cursor": (_bool, False),
        "language": (_choice(*LANGUAGES), False),
        "width": (_number(320, 10000, integer=True), False),
        "height": (_number(240, 10000, integer=True), False),
    },
    "timeouts": {
        "idle_seconds": (_number(1, 3600), False),
        "idle_warning_seconds": (_number(0, 3600), False),
        "status_query_seconds": (_number(0.1, 60), False),
    },
    "outbox": {
        "retention_days": (_number(1, 3650, integer=True), False),
        "max_backoff_seconds": (_number(1, 86400), False),
    },
}
_REQUIRED_SECTIONS = ("terminal", "platform")
_SECTION_TYPES = {
    "terminal": TerminalSettings, "platform": PlatformSettings, "paths": PathSettings,
    "screen": ScreenSettings, "timeouts": TimeoutSettings, "outbox": OutboxSettings,
}


class _Loader:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, expected: str, got: Any = None, *, show_got: bool = True) -> ConfigError:
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        tail = f" (found {got!r})" if show_got and got is not None else ""
        return ConfigError(f"{where}expected {expected}{tail}")

    def section(self, data: Mapping[str, Any], name: str) -> Any:
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise self.fail(name, "a table [" + name + "]", type(raw).__name__)
        schema = _SCHEMA[name]
        for key in raw:
            if key not in schema:
                raise self.fail(f"{name}.{key}", "no such key; known keys: " + ", ".join(schema), show_got=False)
        values: dict[str, Any] = {}
        for key, (check, required) in schema.items():
            if key not in raw:
                if required:
                    raise self.fail(f"{name}.{key}", "this key to be set (it is required)", show_got=False)
                continue
            try:
                values[key] = check(raw[key])
            except _Bad as bad:
                raise self.fail(f"{name}.{key}", bad.expected, raw[key]) from None
        return _SECTION_TYPES[name](**values)

    def device(self, name: str, raw: Any) -> DeviceConfig:
        from kiosk.devices import driver_class, DRIVERS
        from drivers.base import OptionError

        key = f"devices.{name}"
        if not isinstance(raw, dict):
            raise self.fail(key, f"a table [devices.{name}]", type(raw).__name__)
        allowed = {"driver", "port", "url", "enabled", "options"}
        for k in raw:
            if k not in allowed:
                raise self.fail(f"{key}.{k}", "no such key; known keys: " + ", ".join(sorted(allowed)), show_got=False)
        driver = raw.get("driver")
        if driver not in DRIVERS:
            raise self.fail(f"{key}.driver", "one of " + ", ".join(f'"{d}"' for d in sorted(DRIVERS)), driver)
        try:
            enabled = _bool(raw.get("enabled", True))
        except _Bad as bad:
            raise self.fail(f"{key}.enabled", bad.expected, raw.get("enabled")) from None
        port, url = raw.get("port"), raw.get("url")
        for k, v in (("port", port), ("url", url)):
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise self.fail(f"{key}.{k}", "a non-empty string", v)
        try:
            cls = driver_class(driver)
        except KioskError as exc:
            raise self.fail(f"{key}.driver", f"a driver that loads ({exc})", show_got=False) from None
        transports = getattr(cls, "transports", frozenset({"serial"}))
        if enabled:
            if port is None and url is None:
                if transports == {"pcsc"}:
                    raise self.fail(f"{key}.port", 'the PC/SC reader name as pcsc_scan lists it, such as '
                                                   '"Virtual PCD 00 00" (missing)', show_got=False)
                if transports == {"serial"}:
                    raise self.fail(f"{key}.port", 'the serial port of the device, such as "/dev/ttyUSB0" (missing)',
                                    show_got=False)
                if transports == {"network"}:
                    raise self.fail(f"{key}.url", 'the device address, such as "tcp://192.168.1.50:9100" (missing)',
                                    show_got=False)
                raise self.fail(f"{key}.port", 'a serial port ("/dev/ttyUSB0") or a url ("tcp://host:9100"); '
                                               "neither is set", show_got=False)
            if url is not None and "network" not in transports:
                raise self.fail(f"{key}.url", f"no url: the {driver} driver talks over a serial port (set port)",
                                show_got=False)
            if port is not None and url is None and not transports & {"serial", "pcsc"}:
                raise self.fail(f"{key}.port", f"no port: the {driver} driver talks over the network (set url)",
                                show_got=False)
        options = raw.get("options", {})
        if not isinstance(options, dict):
            raise self.fail(f"{key}.options", f"a table [devices.{name}.options]", type(options).__name__)
        try:
            normalised = cls.check_options(options)
        except OptionError as exc:
            raise self.fail(f"{key}.options.{exc.key}", exc.expected, options.get(exc.key)) from None
        return DeviceConfig(name=name, driver=driver, port=port, url=url, enabled=enabled, options=normalised)


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found (set --config or KIOSK_CONFIG, "
                          f"or install one from provisioning/)") from None
    except PermissionError:
        raise ConfigError(f"{path}: {what} is not readable by this user") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: expected a {what}, found a folder") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None


def _decode_key(path: Path, key: str, value: Any, kind: str, length: int | None) -> bytes:
    if value in (None, ""):
        return b""
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key}: expected a {kind} string")
    try:
        raw = bytes.fromhex(value) if kind == "hex" else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{path}: {key}: expected a {kind} string (it does not decode)") from None
    if length is not None and len(raw) != length:
        raise ConfigError(f"{path}: {key}: expected {length} bytes, found {len(raw)}")
    return raw


def load_secrets(path: Path) -> Secrets:
    """Read the secrets file; it must be a regular file of mode 0600 (or 0400)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: secrets file not found (paths.secrets_file); "
                          "the technician creates it with `kiosk provision` or by hand, mode 0600") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path}: secrets file must be a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path}: secrets file has mode {mode:04o}; expected 0600 "
                          f"(readable by its owner only). Fix with: chmod 600 {path}")
    data = _read_toml(path, "secrets file")
    known = {"terminal_key", "outbox_key", "id_hash_key", "maintenance_pin_hash"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: {key}: no such key; known keys: " + ", ".join(sorted(known)))
    pin = data.get("maintenance_pin_hash", "")
    if not isinstance(pin, str):
        raise ConfigError(f"{path}: maintenance_pin_hash: expected a string")
    return Secrets(
        terminal_key=_decode_key(path, "terminal_key", data.get("terminal_key"), "hex", None),
        outbox_key=_decode_key(path, "outbox_key", data.get("outbox_key"), "base64", 32),
        id_hash_key=_decode_key(path, "id_hash_key", data.get("id_hash_key"), "hex", None),
        maintenance_pin_hash=pin,
    )


def load(path: str | os.PathLike | None = None) -> Settings:
    """Load and validate the configuration; raise ConfigError with one clear line."""
    path = Path(path) if path else Path(os.environ.get("KIOSK_CONFIG") or DEFAULT_PATH)
    data = _read_toml(path, "configuration file")
    loader = _Loader(path)
    known = set(_SCHEMA) | {"devices"}
    for name in data:
        if name not in known:
            raise loader.fail(name, "no such section; known sections: " + ", ".join(sorted(known)), show_got=False)
    for name in _REQUIRED_SECTIONS:
        if name not in data:
            raise loader.fail(f"[{name}]", "this section to be present (it is required)", show_got=False)
    sections = {name: loader.section(data, name) for name in _SCHEMA}
    timeouts: TimeoutSettings = sections["timeouts"]
    if timeouts.idle_warning_seconds >= timeouts.idle_seconds:
        raise loader.fail("timeouts.idle_warning_seconds",
                          f"less than timeouts.idle_seconds ({timeouts.idle_seconds:g})",
                          timeouts.idle_warning_seconds)
    devices_raw = data.get("devices", {})
    if not isinstance(devices_raw, dict):
        raise loader.fail("devices", "a set of tables [devices.<name>]", type(devices_raw).__name__)
    devices = {name: loader.device(name, raw) for name, raw in devices_raw.items()}

    paths: PathSettings = sections["paths"]
    base = path.parent
    # Relative paths in the file are relative to the file (the simulated profile
    # and a technician's test copy work from any folder).
    paths = PathSettings(
        state_dir=paths.state_dir if paths.state_dir.is_absolute() else base / paths.state_dir,
        secrets_file=paths.secrets_file if paths.secrets_file.is_absolute() else base / paths.secrets_file,
    )
    secrets = load_secrets(paths.secrets_file)
    return Settings(source=path, terminal=sections["terminal"], platform=sections["platform"], paths=paths,
                    screen=sections["screen"], timeouts=timeouts, outbox=sections["outbox"],
                    devices=devices, secrets=secrets)


def write_secrets_file(path: Path, *, terminal_key: bytes = b"", pin: str = "") -> None:
    """Write a new secrets file with fresh outbox and look-up keys, mode 0600
    from the first byte (never briefly world-readable)."""
    import secrets as token

    import tomli_w

    from kiosk.pin import hash_pin

    data = {
        "terminal_key": terminal_key.hex(),
        "outbox_key": base64.b64encode(token.token_bytes(32)).decode(),
        "id_hash_key": token.token_bytes(32).hex(),
        "maintenance_pin_hash": hash_pin(pin) if pin else "",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# Terminal secrets. Mode 0600. terminal_key is filled in by enrolment.\n")
        fh.write(tomli_w.dumps(data))
    os.chmod(path, 0o600)
