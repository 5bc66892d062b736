"""Configuration: a good file loads into typed settings; every kind of bad
file gets one line naming the file and the key, and exit code 2."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

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
    assert "0644" in str(info.value) and "chmod 600" in str(info.value)
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
