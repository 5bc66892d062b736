"""The outbox worker: a separate process (`kiosk outbox worker`, its own
systemd service) that moves submissions to the platform.

Per submission: if an earlier POST may have reached the platform, ask by
serial first; otherwise upload the attachments (content-addressed, so a
repeat is a no-op), mark the submission "sent", POST it with its frozen
body and Idempotency-Key, and on the platform's acknowledgement keep only the
minimal record.  Transient failures back off exponentially with full jitter
(AWS architecture blog, "Exponential Backoff and Jitter"), capped, and never
sooner than the platform's Retry-After.  Refusals go to the dead letters.

Only one worker may run per outbox (an flock), and SIGKILL at any instant
is safe: every step is either idempotent on the platform or recorded first.

A resident may withdraw an application while it waits here
(``kiosk.outbox.withdrawals``): the worker looks again before each upload and
takes the "sent" mark only while it is still pending, so a withdrawn one is
never sent; a withdrawal request naming an application of this outbox waits
until that application has reached the platform.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kiosk.central import signing
from kiosk.central.client import CentralClient, NeedsStaff, RetryLater
from kiosk.errors import KioskError
from kiosk.outbox.sealing import SealError
from kiosk.outbox.store import DEAD, PENDING, WITHDRAWN, Item, Outbox
from kiosk.outbox.withdrawals import target_application, withdrawal_target

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.terminal.staff_call import StaffCall

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0
# Refusals of the terminal, not of the submission (wrong clock, key, revoked,
# TLS trust): staff must fix the terminal; the submissions stay queued.
TERMINAL_PROBLEMS = frozenset({signing.SIGNATURE_MISSING, signing.SIGNATURE_MALFORMED, signing.SIGNATURE_INVALID,
                               signing.TIMESTAMP_SKEW,
                               signing.NONCE_REPLAYED, signing.TERMINAL_UNKNOWN, signing.TERMINAL_REVOKED, "TLS",
                               "CONFIG"})


_RNG = random.Random()


def full_jitter(failures: int, base: float, cap: float, rng: random.Random = _RNG) -> float:
    """Delay before the next try after ``failures`` failed tries."""
    return rng.uniform(0.0, min(cap, base * (2 ** min(failures, 30))))


class WorkerBusy(KioskError):
    """Another worker already drains this outbox."""


CALL_RETRY_SECONDS = 10.0   # a staff call the platform has not heard of yet: the next try


class OutboxWorker:
    """Owns the only link between the outbox and the platform, so that
    ordering, backoff and the ask-by-serial rule live in one place."""

    def __init__(self, outbox: Outbox, client: CentralClient, *, max_backoff: float = 600.0,
                 base_delay: float = 1.0, retention_days: int = 30, idle_poll: float = 2.0,
                 heartbeat_seconds: float | None = None, state_dir: Path | None = None):
        """``heartbeat_seconds`` (with ``state_dir``, where the app leaves its
        device snapshot) makes the worker also send the terminal's heartbeat."""
        self.outbox, self.client = outbox, client
        self.heartbeat_seconds, self.state_dir = heartbeat_seconds, state_dir
        self._last_heartbeat = 0.0
        self._call_told: tuple[float, str] | None = None   # the staff call the platform last heard of
        self._call_retry_at = 0.0
        self._call_read_at, self._call_read = 0.0, cast("StaffCall | None", None)
        self._mode_read: str | None = None   # the app's mode for the heartbeat's state (idle, in_use, staff, closed)
        self.max_backoff, self.base_delay = max_backoff, base_delay
        self.retention_days, self.idle_poll = retention_days, idle_poll
        self.stopping = threading.Event()
        self.sent = self.failed = 0
        self._lock_fd: int | None = None
        self._last_purge = 0.0
        self._outage: dict[str, float] | None = None  # since, retries: one log line per outage
        self.id_hash_key_version: int | None = None  # the terminal's; the heartbeat's answer says the district's

    def lock(self) -> None:
        path = Path(self.outbox.folder) / "worker.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WorkerBusy(f"another outbox worker is running on {self.outbox.folder} "
                             "(systemctl status kiosk-outbox); stop it first") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())

    # -- one submission -------------------------------------------------------
    def process(self, item: Item) -> str:
        """Move one submission as far as possible; returns its new state."""
        try:
            if item.kind == "withdrawal" and (waiting := self._withdrawal_waits(item)):
                return waiting
            if item.sent:
                ack = self.client.submission(item.serial)
                if ack is not None:
                    self.outbox.confirm(item, ack)
                    self.sent += 1
                    self._reached()
                    log.info("outbox %s: the platform had it already, as %s", item.serial, ack.get("number"))
                    return "confirmed"
            for att in item.attachments:
                if att.uploaded:
                    continue
                if not self.outbox.still_pending(item):
                    return self._withdrawn(item)
                data = self.outbox.open_attachment(att)
                if hashlib.sha256(data).hexdigest() != att.sha256:
                    raise SealError("attachment does not match its hash")
                self.client.put_attachment(att.sha256, data)
                self.outbox.mark_uploaded(att.id)
            body = self.outbox.open_payload(item)
            if not item.sent and not self.outbox.mark_sent(item):
                return self._withdrawn(item)
            ack = self.client.submit(item.kind, body, item.idem_key)
        except RetryLater as exc:
            delay = max(exc.retry_after or 0.0, full_jitter(item.attempts, self.base_delay, self.max_backoff))
            self.outbox.reschedule(item, delay, exc.code or "RETRY")
            self.failed += 1
            self._retrying(exc.code or "RETRY")
            log.debug("outbox %s: retry in %.1f s (%s)", item.serial, delay, exc.code)
            return "retry"
        except NeedsStaff as exc:
            self._reached()  # a refusal is an answer: the outage, if any, is over
            if exc.code in TERMINAL_PROBLEMS:
                self.outbox.reschedule(item, self.max_backoff, exc.code)
                held = self.outbox.hold_all(self.max_backoff, exc.code)
                self.failed += 1
                log.error("outbox: the platform refuses this terminal (%s): %s; %d submission(s) stay queued "
                          "(`kiosk outbox retry` once fixed)", exc.code, exc, held)
                return "retry"
            if exc.code == "ATTACHMENT_MISSING":  # platform lost it: upload again, then retry
                self.outbox.reupload(item)
                self.outbox.reschedule(item, full_jitter(item.attempts, self.base_delay, self.max_backoff),
                                       exc.code)
                return "retry"
            self.outbox.dead_letter(item, exc.code or f"HTTP_{exc.status}")
            log.warning("outbox %s: refused by the platform (%s); moved to dead letters", item.serial, exc.code)
            return "dead"
        except (SealError, FileNotFoundError):
            if not self.outbox.still_pending(item):   # withdrawn while its pages were being read
                return self._withdrawn(item)
            self.outbox.dead_letter(item, "UNREADABLE")
            log.error("outbox %s: stored data cannot be read (wrong outbox_key or damaged); dead letter",
                      item.serial)
            return "dead"
        self.outbox.confirm(item, ack)
        self.sent += 1
        self._reached()
        log.info("outbox %s: confirmed as %s", item.serial, ack.get("number"))
        return "confirmed"

    def _withdrawn(self, item: Item) -> str:
        log.info("outbox %s: withdrawn by the resident before it was sent; not sent", item.serial)
        return "withdrawn"

    def _withdrawal_waits(self, item: Item) -> str:
        """A withdrawal of an application of this outbox goes after it: while that
        one is still pending it waits (no failure counted); if it never reached
        the platform (refused, or taken back unsent) there is nothing to
        withdraw there, and the withdrawal is done here.  "": send it now."""
        found = target_application(self.outbox, withdrawal_target(self.outbox, item.serial))
        if found is None:
            return ""
        state, next_attempt = found
        if state == PENDING:
            self.outbox.reschedule(item, max(0.0, next_attempt - time.time()) + self.base_delay,
                                   "WAITING_FOR_APPLICATION", failed=False)
            return "retry"
        if state in (DEAD, WITHDRAWN):
            self.outbox.confirm(item, {"number": "", "status": "撤回"})
            log.info("outbox %s: its application never reached the platform; nothing to withdraw there", item.serial)
            return "confirmed"
        return ""

    def _retrying(self, code: str) -> None:
        """During an outage every pending submission fails in turn; one line
        when it starts and one with the count when it ends keep the journal
        readable (five short outages once wrote a thousand lines)."""
        if self._outage is None:
            self._outage = {"since": time.monotonic(), "retries": 0}
            log.warning("outbox: platform not available (%s); submissions stay queued and are retried with "
                        "backoff", code)
        self._outage["retries"] += 1

    def _reached(self) -> None:
        if self._outage is not None:
            log.warning("outbox: platform available again after %.0f s; %d send(s) were retried",
                        time.monotonic() - self._outage["since"], int(self._outage["retries"]))
            self._outage = None

    def _process_guarded(self, item: Item) -> str:
        """``process`` for the service loop: a bug or a surprise answer on one
        submission backs that submission off instead of killing the worker,
        which systemd would restart into the same item until it gives up,
        leaving every other resident's submission waiting.  Only the type is
        logged: an exception's text may quote the data."""
        try:
            return self.process(item)
        except Exception as exc:
            self.outbox.reschedule(item, full_jitter(item.attempts, self.base_delay, self.max_backoff),
                                   "INTERNAL:" + type(exc).__name__)
            self.failed += 1
            log.error("outbox %s: unexpected %s while sending; will retry", item.serial, type(exc).__name__)
            return "retry"

    # -- loops --------------------------------------------------------------
    def run(self, until_empty: bool = False, deadline: float | None = None) -> dict:
        """Work until stopped; with ``until_empty`` return when nothing is pending."""
        while not self.stopping.is_set():
            if deadline is not None and time.monotonic() > deadline:
                break
            now = time.time()
            if now - self._last_purge > PURGE_EVERY_SECONDS:
                self.outbox.purge(self.retention_days, now)
                self._last_purge = now
            self._maybe_heartbeat(now)
            item = self.outbox.next_due(now)
            if item is not None:
                self._process_guarded(item)
                continue
            wake = self.outbox.next_wakeup()
            if wake is None and until_empty:
                break
            pause = self.idle_poll if wake is None else min(self.idle_poll, max(0.0, wake - time.time()))
            self.stopping.wait(max(pause, 0.01))
        return self.outbox.status()

    def _maybe_heartbeat(self, now: float) -> None:
        """Every ``heartbeat_seconds``, and at once when a resident called the
        staff (or the call changed): staff should not wait for the next one."""
        if not self.heartbeat_seconds:
            return
        call = self._staff_call(now)
        news = call is not None and call.key() != self._call_told and now >= self._call_retry_at
        if now - self._last_heartbeat < self.heartbeat_seconds and not news:
            return
        self._last_heartbeat = now
        if not self.send_heartbeat(now) and news:
            self._call_retry_at = now + CALL_RETRY_SECONDS

    def _staff_call(self, now: float) -> StaffCall | None:
        """The app's last staff call (its state file, read at most once a second)."""
        if self.state_dir is None:
            return None
        if now - self._call_read_at >= 1.0 or now < self._call_read_at:
            from kiosk.ops.app_state import read_app_state

            report = read_app_state(self.state_dir, 3 * (self.heartbeat_seconds or 60.0), now)
            self._call_read_at, self._call_read = now, report[0].staff_call if report is not None else None
            self._mode_read = report[0].mode if report is not None else None
        return self._call_read

    def send_heartbeat(self, now: float | None = None) -> bool:
        """Device statuses (from the app's snapshot), outbox depth, counters,
        and the last staff call (from the app's state file).  A failed
        heartbeat is only logged: it never holds up a submission."""
        from kiosk.devices.snapshot import read_snapshot, write_platform_reach

        now = time.time() if now is None else now
        max_age = 3 * (self.heartbeat_seconds or 60.0)
        devices = read_snapshot(self.state_dir, max_age, now) if self.state_dir else {}
        status = self.outbox.status(now)
        outbox = {"depth": status["pending"], "dead": status["dead"],
                  "oldest_pending_seconds": status["oldest_pending_seconds"]}
        self._call_read_at = 0.0
        call = self._staff_call(now)
        try:
            answer = self.client.heartbeat(devices, outbox, {"submissions_sent": self.sent, "send_failures": self.failed},
                                           help_request=call.heartbeat() if call is not None else None,
                                           state=self._mode_read)
        except KioskError as exc:
            log.warning("heartbeat not delivered: %s", exc)
            if self.state_dir:
                write_platform_reach(self.state_dir, False, now)
            return False
        if self.state_dir:
            write_platform_reach(self.state_dir, True, now)
        if call is not None:
            if call.key() != self._call_told:
                log.info("the platform was told of the staff call (%s)", call.state.value)
            self._call_told = call.key()
        self._notice_key_rotation(answer)
        return True

    def _notice_key_rotation(self, answer: Any) -> None:
        """The district rotated its ID hash key: say so once (root fetches the
        new set with `kiosk secrets upgrade`; until then the previous key
        still finds and files, the platform indexes under both)."""
        district = answer.get("id_hash_key_version") if isinstance(answer, dict) else None
        if isinstance(district, int) and self.id_hash_key_version is not None and district > self.id_hash_key_version:
            log.warning("the district's ID hash key is at version %d, this terminal holds %d: "
                        "run `kiosk secrets upgrade` as root", district, self.id_hash_key_version)
            self.id_hash_key_version = district

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: float) -> "OutboxWorker":
        s = settings
        options: dict[str, Any] = {"heartbeat_seconds": s.platform.heartbeat_seconds, "state_dir": s.paths.state_dir}
        options.update(overrides)
        worker = cls(Outbox.from_settings(s, durable=False), CentralClient.from_settings(s),
                     max_backoff=s.outbox.max_backoff_seconds, retention_days=s.outbox.retention_days, **options)
        worker.id_hash_key_version = s.id_hash_keys.version
        return worker
