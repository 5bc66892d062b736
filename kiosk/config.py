"""The terminal's configuration: one TOML file plus a secrets file.

Validated once at start-up into typed, frozen settings.  A mistake gets one
message that names the file, the key and what is expected (a technician at a
new site fixes it from that line alone), never a traceback.  Secrets live in
separate files by who may read them (kiosk/secrets_file.py): the services'
keys in ``secrets.toml`` (root:kiosk 0640), the maintenance PIN hash in
``maintenance.toml`` beside it (root only).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping, get_args

from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, model_validator

from drivers.options import DriverOptions, Name, OptionError, Text, no_control_characters, shorten, validate
from kiosk.errors import KioskError
from kiosk.face import DEFAULT_THRESHOLD
from kiosk.privacy import IdHashKeys
from kiosk.secrets_file import MaintenanceSecrets, Secrets, load_maintenance, load_secrets
from kiosk.secrets_file import write_secrets_file as write_secrets_file  # the one writer, where callers look
from kiosk.tomlfile import ConfigError as ConfigError  # every caller catches it from here
from kiosk.tomlfile import fail, read_toml

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")
DEFAULT_SECRETS = Path("/etc/kiosk/secrets.toml")
DEFAULT_STATE_DIR = Path("/var/lib/kiosk")


# Transports a device's ``url`` can name, and those its ``port`` names (a
# serial device node, a PC/SC reader's name, or a V4L2 camera node).
URL_TRANSPORTS = frozenset({"network", "ble"})
PORT_TRANSPORTS = frozenset({"serial", "pcsc", "video"})


# -- typed settings ----------------------------------------------------------
class _Section(DriverOptions):
    """A table of the file, under the drivers' option rules (drivers/options.py):
    unknown keys refused, no coercion, no NaN, bounded text without control
    characters, frozen once read; `validate` turns the first mistake into
    "key: expected ... (found ...)"."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a non-empty string")
    return value


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < 10:
        raise ValueError('an http:// or https:// URL, such as "https://platform.example.gov.cn"')
    return value.rstrip("/")


def _path(value: object) -> object:
    """A path is written as text in the file; relative ones are resolved
    against the file's folder by `load`."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError('a file or folder path, such as "/var/lib/kiosk"')
    if len(value) > PATH_MAX:
        raise ValueError(f"a path of at most {PATH_MAX} characters")
    return Path(no_control_characters(value))


def _optional_path(value: object) -> object:
    return None if value == "" else _path(value)


PATH_MAX = 4096
FilePath = Annotated[Path, BeforeValidator(_path)]
OptionalPath = Annotated[Path | None, BeforeValidator(_optional_path)]
Url = Annotated[Text, AfterValidator(_url)]
Language = Literal["zh_CN", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)


class TerminalSettings(_Section):
    id: Annotated[Name, AfterValidator(_not_blank)]
    name: Text = ""          # the hut's name as residents know it (home screen, slips)
    name_en: Text = ""       # the same in English, under it on the home screen


_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{1,22}[0-9]")


def _opening_hours(value: str) -> str:
    """``"08:30-17:30"`` (24-hour clock, opening before closing; ``"00:00-24:00"``
    for a hut that never closes), or ``""`` to say nothing about hours."""
    if value == "":
        return value
    match = _HOURS.fullmatch(value)
    if match is None or (match.group(3) == "24" and match.group(4) != "00") \
            or match.group(1, 2) >= match.group(3, 4):
        raise ValueError('opening and closing time as "08:30-17:30" (24-hour clock, opening first), '
                         'or "" to show no hours')
    return value


_COMMUNITY = re.compile(r"[A-Za-z0-9_-]{0,32}")


def _phone(value: str) -> str:
    if value and _PHONE.fullmatch(value) is None:
        raise ValueError('a telephone number of digits, spaces and "-", such as "0451-8651 2345" or "12345"')
    return value


def _community(value: str) -> str:
    if _COMMUNITY.fullmatch(value) is None:
        raise ValueError('a community code of the request catalog, such as "xinmu" (letters, digits, "_" and "-"), '
                         'or "" to let the resident pick')
    return value


def _day_hours(value: str) -> str:
    from kiosk.terminal.hours import parse_day

    parse_day(value)   # raises ValueError with what is expected
    return value


def _date(value: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
        if len(value) != 10:
            raise ValueError(value)
    except ValueError:
        raise ValueError('a date as "2026-10-01"') from None
    return value


DayHours = Annotated[Text, AfterValidator(_day_hours)]


class HoursSettings(_Section):
    """``[hut.hours]``: when the hut serves residents (kiosk/terminal/hours.py).
    Outside them the kiosk shows the closed screen and turns the backlight off
    after ``screen_off_minutes``; a weekday left out is a day the hut is closed."""

    monday: DayHours = ""
    tuesday: DayHours = ""
    wednesday: DayHours = ""
    thursday: DayHours = ""
    friday: DayHours = ""
    saturday: DayHours = ""
    sunday: DayHours = ""
    days_off: list[Annotated[str, AfterValidator(_date)]] = Field(default_factory=list, max_length=400)
    screen_off_minutes: float = Field(default=5.0, ge=0.5, le=240)

    @model_validator(mode="after")
    def _open_some_day(self) -> "HoursSettings":
        if not any((self.monday, self.tuesday, self.wednesday, self.thursday, self.friday, self.saturday,
                    self.sunday)):
            raise OptionError("monday", 'the hours of at least one weekday, such as monday = "08:30-17:30" '
                                        "(a hut closed every day would never serve)")
        return self


class HutSettings(_Section):
    """What the home screen tells a resident about the hut besides its name
    (``terminal.name``): when it is open and whom to call for help.
    ``opening_hours``/``opening_days`` are only a line on the home screen;
    ``[hut.hours]`` makes the kiosk close outside them (and its line is derived from them)."""

    opening_hours: Annotated[Text, AfterValidator(_opening_hours)] = ""
    opening_days: Literal["daily", "weekdays", "monday_to_saturday"] = "daily"
    # The government service hotline answers everywhere in the country; a hut
    # with its own staff line puts that here.
    help_phone: Annotated[Text, AfterValidator(_phone)] = "12345"
    # The community the hut serves: a community code of the platform's request
    # catalog (GET /v1/request-catalog, communities[].code), which the request
    # service preselects as where a problem is.  "": the resident picks one.
    community: Annotated[str, AfterValidator(_community)] = ""
    hours: HoursSettings | None = None

    @model_validator(mode="after")
    def _one_source_of_hours(self) -> "HutSettings":
        if self.hours is not None and self.opening_hours:
            raise OptionError("opening_hours", 'no opening_hours when [hut.hours] is set (the home screen shows the '
                                               'hours of [hut.hours]); remove one')
        return self


class PlatformSettings(_Section):
    url: Url
    ca_file: OptionalPath = None
    # The district's e-seal CA (PEM): the trust store a certificate's signature is checked against
    # before the terminal prints it (证明打印; docs/certificates.md).
    seal_ca_file: OptionalPath = None
    client_cert: OptionalPath = None
    client_key: OptionalPath = None
    connect_timeout: float = Field(default=3.0, ge=0.1, le=120)
    read_timeout: float = Field(default=10.0, ge=0.1, le=600)
    heartbeat_seconds: float = Field(default=60.0, ge=5, le=3600)


class PathSettings(_Section):
    state_dir: FilePath = DEFAULT_STATE_DIR
    secrets_file: FilePath = DEFAULT_SECRETS


class ScreenSettings(_Section):
    fullscreen: bool = True
    show_cursor: bool = False
    language: Language = "zh_CN"
    high_contrast: bool = False   # the hut's default; a resident's switch lasts until the visit ends
    width: int = Field(default=1920, ge=320, le=10000)
    height: int = Field(default=1080, ge=240, le=10000)


class TimeoutSettings(_Section):
    idle_seconds: float = Field(default=60.0, ge=1, le=3600)
    idle_warning_seconds: float = Field(default=45.0, ge=0, le=3600)
    status_query_seconds: float = Field(default=3.0, ge=0.1, le=60)

    @model_validator(mode="after")
    def _warning_comes_first(self) -> "TimeoutSettings":
        if self.idle_warning_seconds >= self.idle_seconds:
            raise OptionError("idle_warning_seconds", f"less than timeouts.idle_seconds ({self.idle_seconds:g})")
        return self


class FaceCheckSettings(_Section):
    """人证核验 (kiosk/face): the distance threshold and the liveness time limit."""

    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.3, le=1.0)  # see docs/PERFORMANCE.md before changing
    time_limit_seconds: float = Field(default=12.0, ge=3, le=60)          # for blink + turn, per attempt


class HealthSettings(_Section):
    """健康自测 (kiosk/services/health): the guideline's rest and interval, and the reference table."""

    # The 2018 Chinese hypertension guideline: sit quietly for at least 5 minutes
    # before measuring; repeat after 1-2 minutes.
    rest_seconds: float = Field(default=300.0, ge=0, le=900)
    interval_seconds: float = Field(default=60.0, ge=0, le=300)
    reference_table: OptionalPath = None   # a technician's copy of kiosk/checkup/references.toml


class OutboxSettings(_Section):
    retention_days: int = Field(default=30, ge=1, le=3650)
    max_backoff_seconds: float = Field(default=600.0, ge=1, le=86400)


def _device_name(value: str) -> str:
    """The name becomes a file name (counters/<name>.json) and a label on
    the maintenance screen."""
    if not _DEVICE_NAME.fullmatch(value):
        raise ValueError('a device name of letters, digits, "_" and "-", such as "printer"')
    return value


_DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
DeviceName = Annotated[str, AfterValidator(_device_name)]


class DeviceTable(_Section):
    """One ``[devices.<name>]`` table as written; its ``options`` are the
    driver's own model, checked once the driver is known."""

    driver: Name
    port: Annotated[Name, AfterValidator(_not_blank)] | None = None
    url: Annotated[Name, AfterValidator(_not_blank)] | None = None
    enabled: bool = True
    options: dict[str, Any] = {}
    _options: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _fits_its_driver(self) -> "DeviceTable":
        from kiosk.devices.kinds import driver_class, drivers_by_name

        known = drivers_by_name()
        if self.driver not in known:
            raise OptionError("driver", "one of " + ", ".join(f'"{d}"' for d in sorted(known)))
        try:
            cls = driver_class(self.driver)
        except KioskError as exc:
            raise OptionError("driver", f"a driver that loads ({exc})") from None
        self._check_transport(getattr(cls, "transports", frozenset({"serial"})))
        try:
            self._options = cls.check_options(self.options)
        except OptionError as exc:
            raise OptionError(f"options.{exc.key}" if exc.key else "options", exc.expected) from None
        return self

    def _check_transport(self, transports: frozenset[str]) -> None:
        """``port`` names a local device (a serial node, a PC/SC reader), ``url``
        an address (tcp://, http://, ble://): which a driver takes is its ``transports``."""
        if not self.enabled:
            return
        port, url, driver = self.port, self.url, self.driver
        by_url = transports & URL_TRANSPORTS
        if port is None and url is None:
            if transports == {"pcsc"}:
                raise OptionError("port", 'the PC/SC reader name as pcsc_scan lists it, such as "Virtual PCD 00 00" '
                                          "(missing)")
            if transports == {"serial"}:
                raise OptionError("port", 'the serial port of the device, such as "/dev/ttyUSB0" (missing)')
            if "video" in transports:
                raise OptionError("port", 'the camera, such as "/dev/video0" (or url = "http://…" for a network '
                                          "camera); neither is set")
            if transports == {"network"}:
                raise OptionError("url", 'the device address, such as "tcp://192.168.1.50:9100" (missing)')
            if transports == {"ble"}:
                raise OptionError("url", 'the device address, such as "ble://C4:7C:8D:6A:2B:11" (missing)')
            raise OptionError("port", 'a serial port ("/dev/ttyUSB0") or a url ("tcp://host:9100"); neither is set')
        if url is not None and not by_url:
            raise OptionError("url", f"no url: the {driver} driver talks over a serial port (set port)")
        if port is not None and url is None and not transports & PORT_TRANSPORTS:
            raise OptionError("port", f"no port: the {driver} driver talks over the network (set url)")

    def config(self, name: str) -> "DeviceConfig":
        return DeviceConfig(name=name, driver=self.driver, port=self.port, url=self.url, enabled=self.enabled,
                            options=MappingProxyType(self._options))


class _ConfigFile(_Section):
    """The whole kiosk.toml."""

    terminal: TerminalSettings = Field(description='a table [terminal] with id = "<the terminal id>"')
    platform: PlatformSettings = Field(description='a table [platform] with url = "https://..."')
    paths: PathSettings = PathSettings()
    screen: ScreenSettings = ScreenSettings()
    timeouts: TimeoutSettings = TimeoutSettings()
    outbox: OutboxSettings = OutboxSettings()
    face_check: FaceCheckSettings = FaceCheckSettings()
    health: HealthSettings = HealthSettings()
    hut: HutSettings = HutSettings()
    devices: dict[DeviceName, DeviceTable] = Field(default={}, description="a set of tables [devices.<name>]")


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
    face_check: FaceCheckSettings = FaceCheckSettings()
    health: HealthSettings = HealthSettings()
    hut: HutSettings = HutSettings()

    @property
    def state_dir(self) -> Path:
        return self.paths.state_dir

    @property
    def admin_dir(self) -> Path:
        """Where root's own records live (maintenance audit and lockout, update
        log, provisioning report, release floor): beside the state folder, a
        folder the kiosk user cannot change (/var/lib/kiosk-admin)."""
        return admin_dir_for(self.paths.state_dir)

    @property
    def id_hash_keys(self) -> IdHashKeys:
        """The district's ID hash keys (current and previous versions)."""
        return self.secrets.id_hash_keys

    def maintenance_secrets(self) -> MaintenanceSecrets:
        """The maintenance PIN hash and staff cards: readable by root only."""
        return load_maintenance(self.paths.secrets_file)

    def counters_path(self, device: str) -> Path:
        return self.paths.state_dir / "counters" / f"{device}.json"


def _health_relative_to(health: HealthSettings, base: Path) -> HealthSettings:
    table = health.reference_table
    return health if table is None else health.model_copy(update={"reference_table": base / table})


def admin_dir_for(state_dir: Path) -> Path:
    return Path(state_dir).with_name(Path(state_dir).name + "-admin")


def load(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load and validate the configuration; raise ConfigError with one clear line."""
    path = Path(path) if path else Path(os.environ.get("KIOSK_CONFIG") or DEFAULT_PATH)
    data = read_toml(path, "configuration file")
    for name in data:
        if name not in _ConfigFile.model_fields:
            known = ", ".join(sorted(_ConfigFile.model_fields))
            raise fail(path, OptionError(_key_words(name), f"no such section; known sections: {known}"))
    try:
        file = validate(_ConfigFile, data)
    except OptionError as exc:
        raise fail(path, exc) from None
    base = path.parent
    # Relative paths in the file are relative to the file (the simulated profile
    # and a technician's test copy work from any folder).
    paths = PathSettings(state_dir=base / file.paths.state_dir, secrets_file=base / file.paths.secrets_file)
    return Settings(source=path, terminal=file.terminal, platform=file.platform, paths=paths,
                    screen=file.screen, timeouts=file.timeouts, outbox=file.outbox, face_check=file.face_check,
                    health=_health_relative_to(file.health, base), hut=file.hut,
                    devices=MappingProxyType({name: table.config(name) for name, table in file.devices.items()}),
                    secrets=load_secrets(paths.secrets_file))


def _key_words(key: str) -> str:
    return shorten(key, 64) if len(key) > 64 or not key.isprintable() else key
