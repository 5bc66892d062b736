"""``kiosk card read`` and ``kiosk card uid`` against the virtual hut's readers."""

from __future__ import annotations

import json
import subprocess

import pytest

from kiosk import config
from kiosk.ops.staff import staff_card_hash, staff_card_matches
from simulators.smartcard.cards import DEFAULT_PERSON

pytestmark = pytest.mark.pcsc


@pytest.fixture(scope="module")
def card_hut(tmp_path_factory):
    from simulators.hut import Hut
    from simulators.smartcard.pcscd import PcscdUnavailable

    hut = Hut(tmp_path_factory.mktemp("hut"), only=["smartcard"])
    try:
        hut.start()
    except PcscdUnavailable as exc:
        pytest.skip(f"pcscd with the vpcd driver cannot be started here: {exc}")
    try:
        yield hut
    finally:
        hut.stop()


def kiosk(kiosk_cmd, hut, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*kiosk_cmd, "--config", str(hut.config_path), *args], capture_output=True, text=True,
                          timeout=60)


def test_read_prints_the_masked_record(kiosk_cmd, card_hut):
    card_hut.control("smartcard", "insert", card="social_security")
    try:
        done = kiosk(kiosk_cmd, card_hut, "card", "read", "--json", "--timeout", "10")
        shown = kiosk(kiosk_cmd, card_hut, "card", "read", "--json", "--show", "--reader", "Virtual PCD 00 00")
    finally:
        card_hut.control("smartcard", "remove")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["card_type"] == "social_security"
    assert out["id_number"] == "110105********002X" and out["name"] == "王**"
    assert out["card_number"] == "***" and out["birth_date"] == "***"
    assert (out["issue_date"], out["expiry_date"], out["region_code"]) == ("2020-01-15", "2030-01-15", "110100")
    assert DEFAULT_PERSON["id_number"] not in done.stdout + done.stderr
    assert shown.returncode == 0, shown.stderr
    full = json.loads(shown.stdout)
    assert (full["id_number"], full["name"], full["card_number"]) == \
        (DEFAULT_PERSON["id_number"], "王秀英", "A12345678")


def test_read_of_an_expired_card_fails_with_one_line(kiosk_cmd, card_hut):
    card_hut.control("smartcard", "insert", card="social_security_expired")
    try:
        done = kiosk(kiosk_cmd, card_hut, "card", "read", "--timeout", "10")
    finally:
        card_hut.control("smartcard", "remove")
    assert done.returncode == 2
    assert "expired on" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_read_without_a_card_times_out_clearly(kiosk_cmd, card_hut):
    done = kiosk(kiosk_cmd, card_hut, "card", "read", "--timeout", "0.5")
    assert done.returncode == 2 and "no card was read within 0.5 s" in done.stderr


def test_unknown_reader_is_reported(kiosk_cmd, card_hut):
    done = kiosk(kiosk_cmd, card_hut, "card", "read", "--reader", "No Such Reader", "--timeout", "1")
    assert done.returncode != 0 and "not found" in done.stderr and "Virtual PCD 00 00" in done.stderr
    assert "Traceback" not in done.stderr


def test_uid_prints_the_allow_list_entry(kiosk_cmd, card_hut):
    card_hut.control("smartcard", "insert", card="staff", uid="04112233445566")
    try:
        done = kiosk(kiosk_cmd, card_hut, "card", "uid", "--timeout", "10")
    finally:
        card_hut.control("smartcard", "remove", reader="staff")
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip()
    key = config.load(card_hut.config_path).maintenance_secrets().staff_card_key
    assert printed == staff_card_hash(bytes.fromhex("04112233445566"), key)
    assert "04112233445566" not in done.stdout.lower()
    assert staff_card_matches(bytes.fromhex("04112233445566"), ["0" * 64, printed.upper()], key)
