"""``kiosk idcard decode`` and ``kiosk idcard read`` as a technician runs
them: a subprocess, exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard.codec import encode_reply
from simulators.idcard import cards

pytestmark = pytest.mark.procs

ROOT = Path(__file__).resolve().parents[3]
KEYS = ["card_type", "name", "name_en", "gender", "gender_code", "nation", "nation_code", "birth_date",
        "address", "id_number", "authority", "valid_from", "valid_to", "pass_number", "issue_count",
        "nationality", "photo_bytes", "fingerprint_bytes", "id_number_valid"]


def kiosk(*args: str, timeout: float = 30, config: Path | None = None, **env_extra: str
          ) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_extra)
    if config is not None:
        env["KIOSK_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def frame(name: str, **fields) -> bytes:
    return encode_reply(0x90, cards.base_info(cards.make_card(name, **fields)))


@pytest.mark.parametrize("name", list(cards.CARDS))
def test_decode_raw_frame_of_every_card_type(tmp_path, name):
    path = tmp_path / "reply.bin"
    path.write_bytes(frame(name))
    done = kiosk("idcard", "decode", "--unmasked", str(path))
    assert done.returncode == 0, done.stderr
    assert "unmasked personal data" in done.stderr
    out = json.loads(done.stdout)
    assert list(out) == KEYS
    card = cards.CARDS[name]
    assert out["card_type"] == card["type"]
    assert out["id_number"] == card["id_number"] and out["id_number_valid"] is True
    assert out["photo_bytes"] == 1024 and out["fingerprint_bytes"] == 0


def test_decode_hex_resident(tmp_path):
    path = tmp_path / "reply.hex"
    raw = frame("resident").hex(" ")
    path.write_text("\n".join(raw[i:i + 48] for i in range(0, len(raw), 48)) + "\n")
    done = kiosk("idcard", "decode", "--hex", "--unmasked", str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {
        "card_type": "resident", "name": "李秀英", "name_en": None, "gender": "女", "gender_code": "2",
        "nation": "汉", "nation_code": "01", "birth_date": "1950-01-01",
        "address": "天津市和平区南京路一二三号幸福里5号楼2门301", "id_number": "120101195001011281",
        "authority": "天津市公安局和平分局", "valid_from": "2015-01-01", "valid_to": "长期",
        "pass_number": None, "issue_count": None, "nationality": None, "photo_bytes": 1024,
        "fingerprint_bytes": 0, "id_number_valid": True}


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_decode_masks_by_default_and_writes_utf8_whatever_the_locale(tmp_path, encoding):
    path = tmp_path / "reply.bin"
    path.write_bytes(frame("resident"))
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "idcard", "decode", str(path)], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING=encoding, LC_ALL="C"),
                          capture_output=True, timeout=30)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    out = json.loads(done.stdout.decode("utf-8"))
    assert (out["name"], out["id_number"], out["address"], out["birth_date"]) == (
        "李**", "120101********1281", "***", "***")
    assert out["card_type"] == "resident" and out["id_number_valid"] is True
    assert b"120101195001011281" not in done.stdout + done.stderr
    assert "李秀英".encode() not in done.stdout


def _with_len(raw: bytes, length: int) -> bytes:
    return raw[:5] + length.to_bytes(2, "big") + raw[7:]


@pytest.mark.parametrize("content,reason", [
    (lambda: frame("resident")[:-1] + b"\x00", "checksum mismatch"),
    (lambda: frame("resident")[:700], "length error: LEN says 1288 bytes follow it, the input has 693"),
    (lambda: _with_len(frame("resident"), 1287), "length error: LEN says 1287"),
    (lambda: _with_len(frame("resident"), 0xFFFF), "frame length 65535 out of range"),
    (lambda: encode_reply(0x41), "SW3 41: 读证/卡操作失败 / card read failed"),
    (lambda: encode_reply(0x60), "SW3 60: SAM自检失败"),
    (lambda: encode_reply(0x9F, bytes(4)), "SW3 9F (card found) is not a read-base-info reply"),
    (lambda: encode_reply(0x90, b"\x01\x00\x04\x00" + bytes(100)), "length fields do not match"),
    (lambda: frame("resident") + b"\x00", "not exactly one complete frame"),
    (lambda: b"\x00" * 50, "preamble"),
])
@pytest.mark.parametrize("as_hex", [False, True], ids=["raw", "hex"])
def test_bad_frame_exits_2_with_one_line(tmp_path, content, as_hex, reason):
    path = tmp_path / "bad"
    path.write_bytes(content().hex(" ").encode() if as_hex else content())
    done = kiosk("idcard", "decode", *(["--hex"] if as_hex else []), str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_not_hex_text_with_hex_option(tmp_path):
    path = tmp_path / "bad.hex"
    path.write_bytes(b"zz not hex")
    done = kiosk("idcard", "decode", "--hex", str(path))
    assert done.returncode == 2 and "not hex text" in done.stderr and "Traceback" not in done.stderr


def test_hex_text_without_hex_option_gets_a_hint(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(frame("resident").hex(" "))
    done = kiosk("idcard", "decode", str(path))
    assert done.returncode == 2 and "add --hex" in done.stderr


def test_decode_missing_file(tmp_path):
    done = kiosk("idcard", "decode", str(tmp_path / "nope.bin"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr


def test_read_from_simulated_reader(sim):
    sim.control("place_card", card="foreign_2017")
    done = kiosk("--log-level", "DEBUG", "idcard", "read", "--port", sim.where(), "--json", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["card_type"] == "foreign_2017" and out["id_number_valid"] is True
    assert out["id_number"] == "USA120*****1015"
    # masked in the output and in the log
    assert "USA120061031015" not in done.stdout + done.stderr
    assert "SMITH" not in done.stdout + done.stderr


def test_read_show_prints_unmasked(sim):
    sim.control("place_card", card="resident")
    done = kiosk("idcard", "read", "--port", sim.where(), "--show", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert "李秀英" in done.stdout and "120101195001011281" in done.stdout


def test_read_without_reader_exits_1(tmp_path):
    done = kiosk("idcard", "read", "--port", str(tmp_path / "ttyUSB0"), "--timeout", "1")
    assert done.returncode == 1
    assert "no ID card reader" in done.stderr and "Traceback" not in done.stderr


def test_read_no_card_times_out_with_exit_2(sim):
    done = kiosk("idcard", "read", "--port", sim.where(), "--timeout", "0.5")
    assert done.returncode == 2 and "no card was read" in done.stderr


def test_read_uses_config_when_no_port(tmp_path):
    from simulators.hut import Hut

    with Hut(tmp_path / "hut", only=["idcard"]) as hut:
        hut.control("idcard", "place_card", card="hk_mo_tw")
        done = kiosk("idcard", "read", "--json", "--timeout", "10", config=hut.config_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["card_type"] == "hk_mo_tw"
