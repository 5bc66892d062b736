"""Configuration: a good file loads into typed settings; every kind of bad
file gets one line naming the file and the key, and exit code 2."""

from __future__ import annotations

import math
import os
import subprocess
import textwrap
import tomllib
import typing
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard.device import IdCardOptions
from drivers.printer.device import PrinterOptions
from kiosk import config
from kiosk.config import ConfigError

SECRETS = textwrap.dedent("""\
    terminal_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    outbox_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    id_hash_key = "0102030405060708"
    maintenance_pin_hash = ""
    """)

GOOD = textwrap.dedent("""\
    [terminal]
    id = "DL-XY-0007"
    name = "新阳路社区服务小屋"

    [platform]
    url = "https://platform.example.gov.cn/"
    connect_timeout = 2

    [paths]
    state_dir = "state"
    secrets_file = "secrets.toml"

    [screen]
    language = "en"

    [timeouts]
    idle_seconds = 90
    idle_warning_seconds = 70

    [devices.idcard]
    driver = "idcard.sam"
    port = "/dev/ttyUSB0"
    """)


def write(tmp_path: Path, text: str, secrets: str = SECRETS, mode: int = 0o600) -> Path:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(text, encoding="utf-8")
    sec = tmp_path / "secrets.toml"
    sec.write_text(secrets, encoding="utf-8")
    os.chmod(sec, mode)
    return cfg


def test_good_file_loads_into_typed_settings(tmp_path):
    s = config.load(write(tmp_path, GOOD))
    assert s.terminal.id == "DL-XY-0007"
    assert s.platform.url == "https://platform.example.gov.cn"
    assert s.platform.connect_timeout == 2.0 and isinstance(s.platform.connect_timeout, float)
    assert s.platform.read_timeout == 10.0
    assert s.paths.state_dir == tmp_path / "state"
    assert s.screen.language == "en" and s.screen.fullscreen is True and s.screen.show_cursor is False
    assert s.timeouts.idle_seconds == 90 and s.timeouts.idle_warning_seconds == 70
    assert s.outbox.retention_days == 30
    dev = s.devices["idcard"]
    assert (dev.driver, dev.port, dev.url, dev.enabled) == ("idcard.sam", "/dev/ttyUSB0", None, True)
    assert s.secrets.outbox_key == bytes(range(32))
    assert len(s.secrets.terminal_key) == 32
    assert "0011" not in repr(s.secrets)


def test_defaults_when_optional_sections_are_absent(tmp_path):
    text = '[terminal]\nid = "T1"\n[platform]\nurl = "http://127.0.0.1:8000"\n[paths]\nsecrets_file = "secrets.toml"\n'
    s = config.load(write(tmp_path, text))
    assert s.timeouts.idle_seconds == 60 and s.timeouts.idle_warning_seconds == 45
    assert s.devices == {}
    # The home screen says nothing about hours nobody configured; the help line is the national 12345.
    assert (s.hut.opening_hours, s.hut.opening_days, s.hut.help_phone) == ("", "daily", "12345")


def test_the_huts_hours_and_help_line(tmp_path):
    text = GOOD + '\n[hut]\nopening_hours = "08:30-17:30"\nopening_days = "weekdays"\nhelp_phone = "0451-8651 2345"\n'
    text = text.replace('name = "新阳路社区服务小屋"', 'name = "新阳路社区服务小屋"\nname_en = "Xinyang Road Hut"')
    s = config.load(write(tmp_path, text))
    assert (s.hut.opening_hours, s.hut.opening_days, s.hut.help_phone) == ("08:30-17:30", "weekdays", "0451-8651 2345")
    assert s.terminal.name_en == "Xinyang Road Hut"
    s = config.load(write(tmp_path, GOOD + '\n[hut]\nopening_hours = "00:00-24:00"\ncommunity = "xinmu"\n'))
    assert (s.hut.opening_hours, s.hut.community) == ("00:00-24:00", "xinmu")


BAD_CASES = {
    "syntax error": (GOOD.replace('id = "DL-XY-0007"', 'id = "DL-XY-0007'), ["TOML syntax error", "line"]),
    "unknown key": (GOOD.replace("[screen]\n", "[screen]\nbrightness = 3\n"), ["screen.brightness", "no such key"]),
    "unknown section": (GOOD + "\n[printer]\nx = 1\n", ["printer", "no such section"]),
    "wrong type": (GOOD.replace("idle_seconds = 90", 'idle_seconds = "ninety"'), ["timeouts.idle_seconds", "a number"]),
    "wrong choice": (GOOD.replace('language = "en"', 'language = "fr"'), ["screen.language", '"zh_CN"']),
    "missing port": (GOOD.replace('port = "/dev/ttyUSB0"\n', ""), ["devices.idcard.port", "serial port"]),
    "unknown driver": (GOOD.replace('driver = "idcard.sam"', 'driver = "idcard.magic"'), ["devices.idcard.driver"]),
    "missing required": (GOOD.replace('id = "DL-XY-0007"\n', ""), ["terminal.id", "required"]),
    "bad url": (GOOD.replace("https://platform.example.gov.cn/", "platform.example"), ["platform.url", "http"]),
    "warning after timeout": (GOOD.replace("idle_warning_seconds = 70", "idle_warning_seconds = 95"),
                              ["timeouts.idle_warning_seconds", "less than"]),
    "hours one digit": (GOOD + '[hut]\nopening_hours = "8:30-17:30"\n', ["hut.opening_hours", '"08:30-17:30"']),
    "hours backwards": (GOOD + '[hut]\nopening_hours = "18:00-08:00"\n', ["hut.opening_hours", "opening first"]),
    "hours past midnight": (GOOD + '[hut]\nopening_hours = "08:00-24:30"\n', ["hut.opening_hours"]),
    "phone words": (GOOD + '[hut]\nhelp_phone = "ask at the desk"\n', ["hut.help_phone", "telephone number"]),
    "phone as number": (GOOD + '[hut]\nhelp_phone = 12345\n', ["hut.help_phone", "a string"]),
    "unknown days": (GOOD + '[hut]\nopening_days = "sundays"\n', ["hut.opening_days", '"weekdays"']),
    "community by name": (GOOD + '[hut]\ncommunity = "新牧社区"\n', ["hut.community", '"xinmu"']),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_names_file_and_key(tmp_path, case):
    text, needles = BAD_CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_secrets_file_readable_by_others_is_refused(tmp_path):
    path = write(tmp_path, GOOD, mode=0o644)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert "0644" in str(info.value) and "chmod 640" in str(info.value)
    assert str(tmp_path / "secrets.toml") in str(info.value)


def test_bad_outbox_key_is_named(tmp_path):
    path = write(tmp_path, GOOD, secrets=SECRETS.replace("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAEC"))
    with pytest.raises(ConfigError, match="outbox_key: expected 32 bytes"):
        config.load(path)


@pytest.mark.parametrize("case", ["syntax error", "unknown key", "wrong type", "missing port"])
def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path, kiosk_cmd, case):
    path = write(tmp_path, BAD_CASES[case][0])
    proc = subprocess.run([*kiosk_cmd, "--config", str(path), "doctor"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path) in lines[0]


def test_cli_refuses_world_readable_secrets(tmp_path, kiosk_cmd):
    path = write(tmp_path, GOOD, mode=0o644)
    proc = subprocess.run([*kiosk_cmd, "--config", str(path), "doctor"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "secrets file has mode 0644" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_config_file_is_explained(tmp_path, kiosk_cmd):
    env = dict(os.environ, KIOSK_CONFIG=str(tmp_path / "nope.toml"))
    proc = subprocess.run([*kiosk_cmd, "doctor"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "nope.toml: configuration file not found" in proc.stderr


# -- hardening: whatever the file holds, one short line naming file and key ---
PRINTER = '[devices.printer]\ndriver = "printer.escpos"\nurl = "tcp://10.0.0.5:9100"\n'
HOSTILE = {
    "nan timeout": (GOOD.replace("connect_timeout = 2", "connect_timeout = nan"), "platform.connect_timeout"),
    "nan heartbeat": (GOOD.replace("connect_timeout = 2", "heartbeat_seconds = nan"), "platform.heartbeat_seconds"),
    "nan backoff": (GOOD + "[outbox]\nmax_backoff_seconds = nan\n", "outbox.max_backoff_seconds"),
    "inf idle": (GOOD.replace("idle_seconds = 90", "idle_seconds = inf"), "timeouts.idle_seconds"),
    "true as a number": (GOOD.replace('language = "en"', "width = true"), "screen.width"),
    "date as a number": (GOOD.replace("connect_timeout = 2", "connect_timeout = 1979-05-27"),
                         "platform.connect_timeout"),
    "fraction as a whole number": (GOOD + "[outbox]\nretention_days = 1.5\n", "outbox.retention_days"),
    "NUL in secrets_file": (GOOD.replace('"secrets.toml"', '"secrets\\u0000.toml"'), "paths.secrets_file"),
    "control character in state_dir": (GOOD.replace('"state"', '"st\\u001bate"'), "paths.state_dir"),
    "newline in a name": (GOOD.replace("新阳路社区服务小屋", "a\\nb"), "terminal.name"),
    "NUL in the url": (GOOD.replace("example.gov.cn/", "example.gov.cn\\u0000/"), "platform.url"),
    "over-long string": (GOOD.replace("新阳路社区服务小屋", "x" * 5000), "terminal.name"),
    "blank terminal id": (GOOD.replace('id = "DL-XY-0007"', 'id = "   "'), "terminal.id"),
    "array as a path": (GOOD.replace('"state"', '["state"]'), "paths.state_dir"),
    "section as a value": ("screen = 3\n" + GOOD.replace('[screen]\nlanguage = "en"\n', ""), "screen"),
    "key with a newline": (GOOD.replace("[screen]\n", '[screen]\n"a\\nb" = 1\n'), "screen.'a\\nb'"),
    "deep array": (GOOD.replace("connect_timeout = 2", "connect_timeout = " + "[" * 5000 + "]" * 5000),
                   "platform.connect_timeout"),
    "deep inline table": (GOOD.replace("[screen]\n", "[screen]\nwidth = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n"),
                          "screen.width"),
    "deep but parsed": (GOOD.replace("connect_timeout = 2", "connect_timeout = " + "[" * 200 + "]" * 200),
                        "platform.connect_timeout"),
    "device name with a slash": (GOOD.replace("[devices.idcard]", '[devices."../etc/x"]'), "devices.../etc/x"),
    "device port with NUL": (GOOD.replace('"/dev/ttyUSB0"', '"/dev/tty\\u0000"'), "devices.idcard.port"),
    "device option nan": (GOOD + "options = { poll_interval = nan }\n", "devices.idcard.options.poll_interval"),
    "device option unknown": (GOOD + "options = { speed = 1 }\n", "devices.idcard.options.speed"),
    "device options not a table": (GOOD + "options = 3\n", "devices.idcard.options"),
    "printer grid": (GOOD + PRINTER + 'options = { paper_width = "58mm", columns = 48 }\n',
                     "devices.printer.options.columns"),
    "printer status_interval": (GOOD + PRINTER + "options = { status_interval = 0.1 }\n",
                                "devices.printer.options.status_interval"),
}


def one_line_naming(message: str, path: Path, key: str) -> None:
    assert "\n" not in message and message.startswith(f"{path}: {key}: expected ")
    assert len(message) < 400  # the bad value is quoted, never whole


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_value_gets_one_line_naming_the_key(tmp_path, case):
    text, key = HOSTILE[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    one_line_naming(str(info.value), path, key)


@pytest.mark.slow
def test_a_20_mb_value_is_quoted_in_at_most_80_characters(tmp_path):
    path = write(tmp_path, GOOD.replace("新阳路社区服务小屋", "名" * 20_000_000))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    one_line_naming(str(info.value), path, "terminal.name")
    found = str(info.value).split("(found ", 1)[1]
    assert found.startswith("'名名名") and "(20000002 characters)" in found and len(found) < 130


@pytest.mark.parametrize("case", ["nan timeout", "NUL in secrets_file", "deep array", "device option nan"])
def test_cli_exits_2_on_hostile_values(tmp_path, kiosk_cmd, case):
    text, key = HOSTILE[case]
    path = write(tmp_path, text)
    proc = subprocess.run([*kiosk_cmd, "--config", str(path), "doctor"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"kiosk: {path}: {key}: expected ")


def test_settings_are_frozen_and_typed(tmp_path):
    s = config.load(write(tmp_path, GOOD + PRINTER + 'options = { encoding = "GBK", paper_width = "58mm" }\n'))
    with pytest.raises(ValueError):
        s.platform.connect_timeout = 5.0  # type: ignore[misc]  # the point: it is refused
    with pytest.raises(TypeError):
        s.devices["printer"].options["baudrate"] = 1  # type: ignore[index]  # the point: read-only
    assert s.screen.width == 1920 and isinstance(s.paths.secrets_file, Path)
    printer = s.devices["printer"]
    assert (printer.options["encoding"], printer.options["paper_width"]) == ("gbk", 58)
    assert printer.options["status_interval"] == 2.0


def test_empty_certificate_path_means_none(tmp_path):
    s = config.load(write(tmp_path, GOOD.replace("connect_timeout = 2", 'ca_file = ""\nclient_cert = "c.pem"')))
    assert s.platform.ca_file is None and s.platform.client_cert == Path("c.pem")


SECRET_CASES = {
    "NUL in a key": ('maintenance_pin_hash = ""', 'maintenance_pin_hash = "s3cr3t\\u0000s3cr3t"', "maintenance_pin_hash"),
    "number as a key": ('id_hash_key = "0102030405060708"', "id_hash_key = 258", "id_hash_key"),
    "unknown key": ('maintenance_pin_hash = ""', 'maintenance_pin_hash = ""\nmaster_key = "00"', "master_key"),
    "not hex": ('id_hash_key = "0102030405060708"', 'id_hash_key = "01zz"', "id_hash_key"),
}


@pytest.mark.parametrize("case", sorted(SECRET_CASES))
def test_bad_secrets_name_the_key_and_never_quote_it(tmp_path, case):
    old, new, key = SECRET_CASES[case]
    path = write(tmp_path, GOOD, secrets=SECRETS.replace(old, new))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'secrets.toml'}: {key}: expected ") and "\n" not in message
    assert "(found" not in message and "s3cr3t" not in message and "zz" not in message


# -- property: any TOML at any key gives Settings or one ConfigError line -----
SCALARS = st.one_of(st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
                    st.floats(), st.text(max_size=40), st.dates(), st.times(), st.datetimes())
TOML_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3), max_leaves=6)
SECTIONS = {"terminal": config.TerminalSettings, "platform": config.PlatformSettings, "paths": config.PathSettings,
            "screen": config.ScreenSettings, "timeouts": config.TimeoutSettings, "outbox": config.OutboxSettings,
            "devices.idcard": config.DeviceTable}
MODELS = {**SECTIONS, "devices.idcard.options": IdCardOptions, "devices.printer.options": PrinterOptions}
WORDS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=20)


def plausible(model, key):
    """Values of the right kind, in range half the time: without them
    nearly every example would stop at its first wrong value."""
    field = model.model_fields[key]
    bounds = {k: getattr(m, k) for m in field.metadata for k in ("ge", "le") if hasattr(m, k)}
    lo, hi = bounds.get("ge", -1e6), bounds.get("le", 1e6)
    kinds = typing.get_args(field.annotation) or (field.annotation,)
    if typing.get_origin(field.annotation) is typing.Literal:
        return st.sampled_from(kinds)
    if bool in kinds:
        return st.booleans()
    if int in kinds:
        return st.integers(min_value=int(lo) - 2, max_value=int(hi) + 2)
    if float in kinds:
        return st.floats(min_value=lo - 1, max_value=hi + 1) | st.integers(min_value=int(lo), max_value=int(hi))
    if key == "url":
        return st.builds("https://{}".format, WORDS)
    return WORDS


EVERY_KEY = [(section, key, plausible(model, key)) for section, model in MODELS.items() for key in model.model_fields]
EVERY_KEY += [("screen", "brightness", WORDS), ("devices.printer", "port", WORDS)]
CHANGES = st.lists(st.sampled_from(EVERY_KEY).flatmap(
    lambda where: st.tuples(st.just(where[:2]), where[2] | where[2] | TOML_VALUES)), min_size=1, max_size=4)


@pytest.fixture(scope="module")
def hut_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("property")
    write(folder, "")
    return folder


@settings(max_examples=150, deadline=None)
@given(changes=CHANGES)
def test_any_toml_value_at_any_key_gives_settings_or_one_config_error_line(hut_dir, changes):
    data = tomllib.loads(GOOD + PRINTER)
    for (section, key), value in changes:
        table = data
        for part in section.split("."):  # a later change may replace an earlier one's table
            if not isinstance(table.get(part), dict):
                table[part] = {}
            table = table[part]
        table[key] = value
    path = hut_dir / "kiosk.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    try:
        loaded = config.load(path)
    except ConfigError as exc:
        message = str(exc)
        secrets = data["paths"].get("secrets_file")
        files = (path, hut_dir / secrets) if isinstance(secrets, str) else (path,)
        assert message.startswith(tuple(f"{f}: " for f in files)) and "\n" not in message and len(message) < 600
        return
    for name, model in SECTIONS.items():
        if "." not in name:
            assert isinstance(getattr(loaded, name), model)
    numbers = [v for section in (loaded.platform, loaded.timeouts, loaded.outbox, loaded.screen)
               for v in section.model_dump().values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
    for device in loaded.devices.values():
        assert all(not isinstance(v, float) or math.isfinite(v) for v in device.options.values())
