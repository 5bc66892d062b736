"""Maintenance login: the PIN check and its lockout rule.

A hut stands unattended; whoever guesses the maintenance PIN can open the
devices' self-tests and the outbox.  Five wrong PINs lock maintenance for
five minutes.  The count lives in a small file in root's admin folder, so
neither restarting the command nor anything the kiosk user does to its own
state folder hands out fresh tries; a count that cannot be read is a lock.

The rule (:class:`PinLockout`) is pure and takes the time as an argument, so
a test walks the whole table with a fake clock; :class:`MaintenanceLogin`
drives it with the stored PIN hash, the state file and a clock.  The clock is
wall time (``time.time``): the lock must survive a reboot, which resets the
monotonic clock.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from kiosk.errors import KioskError
from kiosk.ops.admin_files import AdminFolderError, admin_folder, read_file, replace_file
from kiosk.ops.pin import needs_rehash, verify_pin
from kiosk.ops.staff import staff_card_matches

log = logging.getLogger(__name__)

MAX_WRONG = 5
LOCKOUT_SECONDS = 300.0


class Outcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"      # wrong PIN (or a card not enrolled), tries left
    LOCKED = "locked"    # locked now (this try locked it, or it was locked already)


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    tries_left: int = 0
    locked_seconds: float = 0.0
    card_refused: bool = False  # the staff card is not on this terminal's list

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def locked_minutes(self) -> int:
        """Whole minutes to wait, rounded up (a screen says "1 minute", never "0")."""
        return math.ceil(self.locked_seconds / 60)

    def message(self) -> str:
        """One line, Chinese first, for the staff member at the terminal."""
        if self.outcome is Outcome.OK:
            return "维护登录成功 / maintenance login OK"
        if self.outcome is Outcome.WRONG and self.card_refused:
            return (f"工作卡未在本终端登记，还可尝试{self.tries_left}次 / "
                    f"staff card not enrolled on this terminal, {self.tries_left} tries left")
        if self.outcome is Outcome.WRONG:
            return f"PIN错误，还可尝试{self.tries_left}次 / wrong PIN, {self.tries_left} tries left"
        return (f"维护登录已锁定，请{self.locked_minutes}分钟后再试 / "
                f"maintenance login locked, try again in {self.locked_minutes} min")


@dataclass(frozen=True)
class PinLockout:
    """How many wrong PINs in a row, and until when (wall-clock seconds)
    maintenance is locked.  Immutable: each step returns the next state."""

    wrong: int = 0
    locked_until: float = 0.0

    def locked_for(self, now: float) -> float:
        """Seconds left of the lock, 0 when not locked.  Capped at the lockout
        length, so a clock set back by hours does not lock staff out for hours."""
        return min(max(self.locked_until - now, 0.0), LOCKOUT_SECONDS)

    def refuse_if_locked(self, now: float) -> LoginResult | None:
        """The answer without looking at the PIN while locked (no guess is
        even checked, so none can be confirmed during the lock)."""
        left = self.locked_for(now)
        return LoginResult(Outcome.LOCKED, 0, left) if left > 0 else None

    def after(self, pin_correct: bool, now: float) -> tuple[PinLockout, LoginResult]:
        """The state and the answer after one checked PIN (when not locked)."""
        if pin_correct:
            return PinLockout(), LoginResult(Outcome.OK)
        wrong = self.wrong + 1  # a lock that ran out left the count at 0
        if wrong >= MAX_WRONG:
            return PinLockout(0, now + LOCKOUT_SECONDS), LoginResult(Outcome.LOCKED, 0, LOCKOUT_SECONDS)
        return PinLockout(wrong, 0.0), LoginResult(Outcome.WRONG, MAX_WRONG - wrong)


LOCKOUT_NAME = "pin-lockout.json"


class LockoutFile:
    """The lockout state in the admin folder (root:root 0700, kiosk/ops/admin_files.py),
    where the kiosk user can neither rename nor rewrite it; one login at a
    time (an flock on a file beside it), so two processes cannot both use the
    last try.  A state that cannot be read (damaged, a link, a count out of
    range) counts as locked: it is replaced by a fresh five-minute lock."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with admin_folder(self.folder) as dir_fd:
            fd = os.open(LOCKOUT_NAME + ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=dir_fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def load(self, now: float) -> PinLockout:
        try:
            raw = read_file(self.folder, LOCKOUT_NAME, 4096)
            if raw is None:
                return PinLockout()
            data = json.loads(raw.decode("utf-8"))
            state = PinLockout(int(data["wrong"]), float(data["locked_until"]))
            if not (0 <= state.wrong < MAX_WRONG and math.isfinite(state.locked_until)):
                raise ValueError("count out of range")
            return state
        except (AdminFolderError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s: unreadable maintenance lockout state (%s); locked for %d s", self.folder / LOCKOUT_NAME,
                        exc, LOCKOUT_SECONDS)
            state = PinLockout(0, now + LOCKOUT_SECONDS)
            self.save(state)
            return state

    def save(self, state: PinLockout) -> None:
        data = {"wrong": state.wrong, "locked_until": state.locked_until}
        replace_file(self.folder, LOCKOUT_NAME, json.dumps(data).encode("utf-8"))


class MaintenanceLogin:
    """The maintenance login of one terminal: its PIN hash, its lockout file
    and a clock (injected for tests)."""

    def __init__(self, pin_hash: str, admin_dir: Path, clock: Callable[[], float],
                 staff_cards: tuple[str, ...] = (), card_key: bytes = b"",
                 rehash: Callable[[str], object] | None = None):
        """``admin_dir``: root's folder (Settings.admin_dir) for the lockout state.
        ``staff_cards``: keyed hashes of the enrolled staff cards (maintenance
        file); when there are any, a login needs the card and the PIN.
        ``rehash``: stores the PIN again (Argon2id) after a right PIN checked
        against a legacy hash."""
        if not pin_hash:
            raise KioskError("no maintenance PIN is set in the secrets file; "
                             "set one when writing it with `kiosk secrets init`")
        self.pin_hash = pin_hash
        self.staff_cards = tuple(staff_cards)
        self.card_key = card_key
        self.store = LockoutFile(admin_dir)
        self.clock = clock
        self.rehash = rehash

    @property
    def needs_card(self) -> bool:
        return bool(self.staff_cards)

    def login(self, pin: str, card_uid: bytes | None = None) -> LoginResult:
        """Check the staff card (when cards are enrolled) and ``pin`` under one
        lockout rule: a card not enrolled counts as a wrong try, like a wrong
        PIN, so neither factor can be guessed faster than the other."""
        if self.needs_card and card_uid is None:
            raise KioskError("this terminal needs the staff card as well as the PIN: "
                             "kiosk maintenance login --card")
        if not self.needs_card and card_uid is not None:
            raise KioskError("no staff card is enrolled on this terminal (kiosk card uid --enrol); "
                             "log in with the PIN alone")
        with self.store.locked():
            now = self.clock()
            state = self.store.load(now)
            refused = state.refuse_if_locked(now)
            if refused is not None:
                return refused
            card_ok = card_uid is None or staff_card_matches(card_uid, self.staff_cards, self.card_key)
            state_after, result = state.after(card_ok and verify_pin(pin, self.pin_hash), now)
            if not card_ok and result.outcome is Outcome.WRONG:
                result = LoginResult(Outcome.WRONG, result.tries_left, card_refused=True)
            if state_after != state:
                self.store.save(state_after)
        if result.ok and self.rehash is not None and needs_rehash(self.pin_hash):
            self.rehash(pin)
        # INFO: the services' journal keeps it; a one-shot command shows only its answer line.
        log.info("maintenance login: %s", result.outcome.value)
        return result
