"""Maintenance login: five wrong PINs lock it for five minutes, a restart
does not reset the count, a right PIN does; the CLI's exit codes and lines."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
from argon2 import PasswordHasher

from kiosk.errors import KioskError
from kiosk.ops.admin_files import AdminFolderError
from kiosk.ops.maintenance import LOCKOUT_SECONDS, MaintenanceLogin, Outcome, PinLockout
from kiosk.ops.pin import hash_pin

FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # the tests' PINs: cheap to check

OK, WRONG, LOCKED = Outcome.OK, Outcome.WRONG, Outcome.LOCKED

# (seconds since start, PIN right?, outcome, tries left, minutes of lock left)
TABLE = [
    (0, False, WRONG, 4, 0),
    (1, False, WRONG, 3, 0),
    (2, True, OK, 0, 0),        # a right PIN resets the count
    (3, False, WRONG, 4, 0),
    (4, False, WRONG, 3, 0),
    (5, False, WRONG, 2, 0),
    (6, False, WRONG, 1, 0),
    (7, False, LOCKED, 0, 5),   # the fifth wrong PIN in a row locks
    (8, True, LOCKED, 0, 5),    # locked: even the right PIN is refused
    (7 + 241, True, LOCKED, 0, 1),
    (7 + 300, False, WRONG, 4, 0),  # the lock ran out: a fresh count
    (7 + 301, True, OK, 0, 0),
]


def step(state: PinLockout, now: float, right: bool):
    refused = state.refuse_if_locked(now)
    return (state, refused) if refused else state.after(right, now)


def test_lockout_table():
    state = PinLockout()
    for now, right, outcome, tries_left, minutes in TABLE:
        state, result = step(state, now, right)
        assert (result.outcome, result.tries_left, result.locked_minutes) == (outcome, tries_left, minutes), now


def test_clock_set_back_never_locks_longer_than_five_minutes():
    locked = PinLockout(0, 10_000.0 + LOCKOUT_SECONDS)
    assert locked.locked_for(10_000.0 - 86_400) == LOCKOUT_SECONDS


def test_messages_are_one_line_chinese_first():
    state = PinLockout()
    for now, right, *_ in TABLE:
        state, result = step(state, now, right)
        line = result.message()
        assert "\n" not in line and " / " in line
        zh, en = line.split(" / ")
        assert not zh.isascii() and en.isascii()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_restart_keeps_the_lock_and_the_state_file_is_private(tmp_path):
    clock, pin_hash = Clock(), hash_pin("246810", FAST)
    for _ in range(4):
        assert MaintenanceLogin(pin_hash, tmp_path, clock).login("000000").outcome is WRONG
    # a new process (a new object) still has one try left, not five
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("000000").outcome is LOCKED
    clock.now += LOCKOUT_SECONDS - 1
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("246810").outcome is LOCKED
    clock.now += 1
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("246810").ok
    state_file = tmp_path / "pin-lockout.json"
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600


def test_twelve_wrong_guesses_in_a_row_lock_after_the_fifth(tmp_path):
    clock, pin_hash = Clock(), hash_pin("246810", FAST)
    outcomes = [MaintenanceLogin(pin_hash, tmp_path, clock).login(f"{n:06d}").outcome for n in range(12)]
    assert outcomes == [WRONG] * 4 + [LOCKED] * 8
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("246810").outcome is LOCKED


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"wrong": -100, "locked_until": 0}',
                                     b'{"wrong": 0, "locked_until": "nan"}', b'{"wrong": 99, "locked_until": 0}',
                                     b"[]"])
def test_an_unreadable_count_is_a_lock_not_a_fresh_start(tmp_path, garbage):
    clock, pin_hash = Clock(), hash_pin("246810", FAST)
    (tmp_path / "pin-lockout.json").write_bytes(garbage)
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("246810").outcome is LOCKED
    clock.now += LOCKOUT_SECONDS  # the damaged state became a five-minute lock, not a lock for good
    assert MaintenanceLogin(pin_hash, tmp_path, clock).login("246810").ok


def test_the_count_is_not_kept_where_someone_else_can_change_it(tmp_path):
    """The kiosk user owns its state folder: a lockout folder it could rename
    or relink is refused, and so is a link in root's folder."""
    pin_hash = hash_pin("246810", FAST)
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(theirs, 4242, 4242)  # the kiosk user's folder
    else:
        theirs.chmod(0o777)
    with pytest.raises(AdminFolderError, match="expected this user's folder"):
        MaintenanceLogin(pin_hash, theirs, Clock()).login("000000")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(AdminFolderError, match="not a folder root can trust"):
        MaintenanceLogin(pin_hash, tmp_path / "link", Clock()).login("000000")
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    (mine / "pin-lockout.json").symlink_to(tmp_path / "elsewhere.json")
    assert MaintenanceLogin(pin_hash, mine, Clock()).login("246810").outcome is LOCKED  # a link is not a count
    assert not (tmp_path / "elsewhere.json").exists() and not (mine / "pin-lockout.json").is_symlink()


def test_a_legacy_pbkdf2_pin_is_rehashed_with_argon2id_on_login(tmp_path):
    import hashlib

    salt = bytes(16)
    legacy = f"pbkdf2_sha256$1000${salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'246810', salt, 1000).hex()}"
    stored: list[str] = []
    login = MaintenanceLogin(legacy, tmp_path, Clock(), rehash=stored.append)
    assert not login.login("135790").ok and stored == []
    assert login.login("246810").ok and stored == ["246810"]


def test_no_pin_set_and_a_card_are_refused_with_a_reason(tmp_path):
    with pytest.raises(KioskError, match="kiosk secrets init"):
        MaintenanceLogin("", tmp_path, Clock())
    with pytest.raises(KioskError, match="no staff card is enrolled"):
        MaintenanceLogin(hash_pin("246810", FAST), tmp_path, Clock()).login("246810", card_uid=b"\x04\xa1")


def test_with_staff_cards_enrolled_both_factors_count_under_one_lockout(tmp_path):
    from kiosk.ops.staff import staff_card_hash

    key, staff, stranger = b"k" * 32, bytes.fromhex("04A1B2C3D4E580"), bytes.fromhex("04FFFFFFFFFF01")
    login = MaintenanceLogin(hash_pin("246810", FAST), tmp_path, Clock(),
                             staff_cards=(staff_card_hash(staff, key),), card_key=key)
    with pytest.raises(KioskError, match="--card"):
        login.login("246810")  # the PIN alone is not enough here
    assert login.login("246810", staff).ok
    refused = login.login("246810", stranger)  # the right PIN with a card not enrolled
    assert refused.outcome is WRONG and refused.card_refused and "工作卡未在本终端登记" in refused.message()
    for _ in range(3):
        assert login.login("135790", staff).outcome is WRONG
    assert login.login("246810", stranger).outcome is LOCKED  # the fifth wrong try, whichever factor
    assert login.login("246810", staff).outcome is LOCKED


def test_cli_login_exit_codes_on_the_virtual_hut(hut, kiosk_cmd):
    def login(pin: str) -> subprocess.CompletedProcess:
        return subprocess.run([*kiosk_cmd, "maintenance", "login", "--config", str(hut.config_path)],
                              input=pin + "\n", capture_output=True, text=True, timeout=60)

    ok = login("246810")
    assert (ok.returncode, ok.stdout.strip()) == (0, "维护登录成功 / maintenance login OK"), ok.stderr
    for left in (4, 3, 2, 1):
        wrong = login("135790")
        assert wrong.returncode == 1 and f"还可尝试{left}次" in wrong.stderr and f"{left} tries left" in wrong.stderr
    locked = login("135790")
    assert locked.returncode == 3 and locked.stderr.strip() == (
        "维护登录已锁定，请5分钟后再试 / maintenance login locked, try again in 5 min")
    still = login("246810")  # every call is a new process: the lock is on disk
    assert still.returncode == 3 and "locked" in still.stderr and not still.stdout
    empty = login("")
    assert empty.returncode == 2 and "no PIN given" in empty.stderr and "Traceback" not in empty.stderr


@pytest.mark.pcsc
def test_cli_enrols_a_staff_card_and_then_asks_for_it(hut, kiosk_cmd):
    """``kiosk card uid --enrol`` on the hut's staff card reader, then the
    login wants the card and the PIN; a card not enrolled is refused."""
    def run(*args: str, pin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([*kiosk_cmd, *args, "--config", str(hut.config_path)], input=pin + "\n",
                              capture_output=True, text=True, timeout=90)

    hut.control("smartcard", "insert", card="staff")
    enrol = run("card", "uid", "--enrol")
    assert enrol.returncode == 0 and len(enrol.stdout.strip()) == 64 and "enrolled" in enrol.stderr, enrol.stderr
    ok = run("maintenance", "login", pin="246810")
    assert ok.returncode == 0 and "maintenance login OK" in ok.stdout, ok.stderr
    hut.control("smartcard", "remove", reader="staff")
    hut.control("smartcard", "insert", card="staff", uid="04FFFFFFFFFF01")
    stranger = run("maintenance", "login", pin="246810")
    assert stranger.returncode == 1 and "staff card not enrolled" in stranger.stderr


def test_maintenance_actions_log_in_first_and_are_audited(tmp_path, kiosk_cmd):
    """selftest / dead-letters / requeue: refused with a wrong PIN, done with
    the right one, and every action in the audit log (no resident data)."""
    import json

    from kiosk import config
    from kiosk.outbox.store import Outbox
    from kiosk.outbox.synthetic import fill
    from simulators.hut import Hut
    from tests.printer_fixtures import wait_jobs

    with Hut(tmp_path / "hut", only=["platform", "printer"]) as hut:
        def run(*args: str, pin: str = "246810") -> subprocess.CompletedProcess:
            return subprocess.run([*kiosk_cmd, "maintenance", *args, "--config", str(hut.config_path)],
                                  input=pin + "\n", capture_output=True, text=True, timeout=120)

        refused = run("selftest", pin="135790")
        assert refused.returncode == 1 and "wrong PIN" in refused.stderr and not refused.stdout
        tested = run("selftest", "printer")
        assert tested.returncode == 0 and tested.stdout.startswith("printer: OK"), tested.stdout + tested.stderr
        assert len(wait_jobs(hut["printer"], 1)) == 1  # the external self-test printed its slip

        settings = config.load(hut.config_path)
        outbox = Outbox.from_settings(settings)
        serial = fill(outbox, 1, settings.id_hash_keys, attachment_bytes=64)[0].serial
        outbox.dead_letter(outbox.next_due(), "VALIDATION")
        listed = run("dead-letters")
        assert listed.returncode == 0 and json.loads(listed.stdout)[0]["serial"] == serial
        assert run("requeue", serial).returncode == 0
        assert outbox.status()["dead"] == 0
        again = run("requeue", serial)
        assert again.returncode == 2 and "not a dead letter" in again.stderr
        outbox.close()
        text = (settings.admin_dir / "maintenance-audit.jsonl").read_text(encoding="utf-8")
        for action in ("self_test:external", "dead_letters", "requeue"):
            assert action in text
