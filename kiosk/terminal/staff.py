"""The staff's own screen on the kiosk (maintenance mode), without Kivy.

Entering: the staff card on the staff card reader (checked by the gate:
the hut's allow-list and the platform's revocation list), or a long press in
the top-left corner and the maintenance PIN (the lockout that exists).  Only
when no resident session is active: the terminal never hands a visit's
screen over (kiosk/terminal/terminal.py decides).  Leaving: 退出, the card
taken off the reader (when it came in by card), or the idle timeout.

What it shows (:class:`StaffView`): every device with its state, the advice
in ``kiosk doctor``'s words (kiosk.devices.advice), its counters and last
error; the outbox (pending, sending, dead letters, last success) and the
platform link (the worker's last heartbeat, and a probe: reachable, clock
offset, as doctor's ``platform_status``); disk and uptime; the software
version and the update state.  What it does: a self-test per device (the
printer prints its test slip, a card reader reads the card in it, a health
device takes a measurement, the document camera shows its live picture with
the page outline), requeue the dead letters, restart the app, and reboot
after a second confirmation.  Every action goes to the maintenance audit log
with the operator (the staff card's keyed hash, shortened, or "PIN").

Runs on the terminal's thread; blocking work (the PIN's Argon2 check, the
platform's list and probe, a self-test) goes through the terminal's jobs.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from drivers.base import DeviceEvent, DeviceFailure, HealthLevel
from kiosk.devices import advice
from kiosk.devices.health_log import EVENTS_NAME, counter_words, last_problem, read_entries
from kiosk.devices.kinds import kind_of
from kiosk.devices.kinds import words as kind_words
from kiosk.errors import KioskError
from kiosk.flows.jobs import Jobs, JobSlot
from kiosk.flows.service import N_
from kiosk.ops.maintenance import Outcome
from kiosk.ops.staff_gate import CardVerdict, StaffGate

log = logging.getLogger(__name__)

MEASURE_TIMEOUT = 120.0   # a health device's self-test: the staff member's own measurement


class StaffPhase(enum.StrEnum):
    NONE = "none"           # no staff session
    CHECKING = "checking"   # a staff card or a PIN being checked
    PIN = "pin"             # the long press opened the PIN keypad
    OPEN = "open"           # the staff screen
    REFUSED = "refused"     # the card or PIN was refused: why, and 返回


class Confirm(enum.StrEnum):
    NONE = ""
    RESTART = "restart"
    REBOOT = "reboot"
    REBOOT_AGAIN = "reboot_again"   # the second confirmation


# What the staff screen says (gettext msgids; screens translate them, Chinese first).
NOT_STAFF = N_("This card is not a staff card of this hut")
REVOKED = N_("This staff card has been revoked by the platform")
LIST_STALE = N_("The staff card list could not be checked with the platform for too long: log in with the PIN")
GATE_UNAVAILABLE = N_("Staff login is not available on this terminal: use kiosk maintenance at the shell")
WRONG_PIN = N_("Wrong PIN, {tries} tries left")
LOCKED = N_("Maintenance login is locked: try again in {minutes} minutes")
IN_USE = N_("{device} is in use by a resident: try again when the visit has ended")
TESTING = N_("Self-test of {device} running")
TEST_DONE = N_("Self-test of {device}: {result}")
MEASURE_NOW = N_("Take a measurement with {device} now")
CAMERA_LIVE = N_("Live picture of {device}: lay a page on the tray")
REQUEUED = N_("{count} submissions queued again")
NOTHING_TO_REQUEUE = N_("No dead letters to queue again")
CONFIRM_RESTART = N_("Restart the kiosk app?")
CONFIRM_REBOOT = N_("Reboot the terminal?")
CONFIRM_REBOOT_AGAIN = N_("Really reboot now? The kiosk is out of service for about two minutes.")
COMMAND_FAILED = N_("The command failed: {reason}")


@dataclass(frozen=True)
class DeviceLine:
    """One device as the staff screen shows it; ``advice_*`` in kiosk doctor's words."""

    name: str
    kind: str
    kind_zh: str
    kind_en: str
    status: str
    advice_zh: str
    advice_en: str
    who: str
    counters: tuple[tuple[str, str, int], ...] = ()   # (中文, English, value)
    last_error: str = ""
    last_error_at: float | None = None
    test: str = ""                                    # the last self-test's line ("" none yet)

    @property
    def well(self) -> bool:
        return self.who == "none"


@dataclass(frozen=True)
class OutboxLine:
    pending: int = 0
    sending: int = 0          # posted to the platform, its answer not yet stored
    dead: int = 0
    dead_letters: tuple[tuple[str, str, str], ...] = ()   # (serial, kind, error code): no personal data
    last_success: float | None = None
    oldest_pending_seconds: float | None = None
    error: str = ""


@dataclass(frozen=True)
class PlatformLine:
    url: str = ""
    reachable: bool | None = None          # the probe's answer (None: not probed yet)
    worker_reached: bool | None = None     # what the outbox worker last found
    last_heartbeat: float | None = None    # when the worker last reached the platform (wall clock)
    clock_offset: float | None = None
    error: str = ""


@dataclass(frozen=True)
class SystemLine:
    free_bytes: int | None = None
    total_bytes: int | None = None
    uptime_seconds: float | None = None     # the terminal's (since boot)
    app_seconds: float = 0.0                # the kiosk app's
    version: str = ""
    update: str = ""                        # the last update's outcome ("" none recorded)


@dataclass(frozen=True)
class StaffView:
    phase: StaffPhase = StaffPhase.NONE
    operator: str = ""              # "card 1a2b3c4d5e6f" or "PIN"
    by_card: bool = False
    notice: str = ""                # a msgid above, with notice_args
    notice_args: tuple[tuple[str, Any], ...] = ()
    detail: str = ""                # a device's own words (Chinese / English), under the notice
    pin_length: int = 0
    devices: tuple[DeviceLine, ...] = ()
    outbox: OutboxLine = OutboxLine()
    platform: PlatformLine = PlatformLine()
    system: SystemLine = SystemLine()
    testing: str = ""               # the device whose self-test runs
    camera: str = ""                # the camera whose live picture is shown
    confirm: Confirm = Confirm.NONE
    revision: int = 0

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.notice_args)


@dataclass
class Power:
    """Restart and reboot as the appliance does them: the app exits and
    systemd starts it again (kiosk.service: Restart=always); a reboot through
    logind (``systemctl reboot``, allowed to the seat's active session).
    ``run``: subprocess.run, or a test's recorder."""

    restart_app: Callable[[], None] = field(default=lambda: None)
    reboot_command: Sequence[str] = ("systemctl", "reboot")
    run: Callable[..., Any] = subprocess.run

    def reboot(self) -> str:
        """"" when the command was accepted, else why not."""
        try:
            result = self.run(list(self.reboot_command), check=False, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            return str(exc)
        code = getattr(result, "returncode", 0)
        return "" if code == 0 else (getattr(result, "stderr", "") or f"exit {code}").strip()[:200]


class StaffSession:
    """One staff session at a time.  ``owner``: the device owner; ``gate``:
    the login and the audit log; ``changed``: the terminal republishes;
    ``left``: the session ended (the terminal goes home)."""

    class Job(enum.Enum):
        CARD = "staff-card"
        PIN = "staff-pin"
        PROBE = "staff-probe"
        TEST = "staff-test"

    def __init__(self, settings: Any, owner: Any, gate: StaffGate, jobs: Jobs, *, post: Callable[[Any], None],
                 client: Callable[[], Any] = lambda: None, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, power: Power | None = None,
                 changed: Callable[[], None] = lambda: None, left: Callable[[str], None] = lambda _r: None,
                 revocations: Any = None):
        self.settings, self.owner, self.gate, self.post = settings, owner, gate, post
        self.client, self.clock, self.wall = client, clock, wall
        self.power = power or Power()
        self.changed, self.left = changed, left
        self.revocations = revocations if revocations is not None else getattr(gate, "revocations", None)
        self.login_slot, self.probe_slot, self.test_slot = JobSlot(jobs), JobSlot(jobs), JobSlot(jobs)
        self.view = StaffView()
        self.started_at = clock()
        self._pin = ""
        self._results: dict[str, str] = {}
        self._platform = PlatformLine(url=settings.platform.url)
        self._measuring: tuple[str, float] | None = None   # device, deadline
        self.live: Any = None                              # the camera test's LiveScan
        self._revision = 0

    # -- state ------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.view.phase is not StaffPhase.NONE

    @property
    def open(self) -> bool:
        return self.view.phase is StaffPhase.OPEN

    @property
    def busy(self) -> bool:
        """A check or a self-test is running (a measurement, the live picture): the idle timer waits."""
        return self.view.phase is StaffPhase.CHECKING or bool(self.view.testing or self.view.camera)

    def _set(self, **changes: Any) -> None:
        self._revision += 1
        self.view = replace(self.view, revision=self._revision, **changes)
        self.changed()

    def _say(self, notice: str, detail: str = "", **args: Any) -> None:
        self._set(notice=notice, notice_args=tuple(args.items()), detail=detail)

    # -- entering ---------------------------------------------------------------------------
    def card_presented(self, uid: bytes) -> None:
        """A card on the staff card reader (the terminal calls this only when
        no resident session is active).  The platform's list is refreshed
        first when it is older than a quarter of an hour."""
        if self.open:
            return
        self._set(phase=StaffPhase.CHECKING, notice="", notice_args=(), detail="", pin_length=0)
        revocations, client = self.revocations, self.client()

        def check() -> Any:
            if revocations is not None and client is not None and revocations.needs_refresh():
                try:
                    revocations.refresh(client)
                except KioskError as exc:
                    log.info("staff card list not refreshed (offline?): %s", exc)
            return self.gate.card(uid)

        self.login_slot.start(self.Job.CARD, check, self._card_checked)

    def card_unreadable(self) -> None:
        """A card on the staff reader that gave no UID: not a staff card."""
        if not self.open:
            self._refuse(NOT_STAFF)

    def _card_checked(self, check: Any) -> None:
        if check is None or check.verdict == CardVerdict.UNAVAILABLE:
            self._refuse(GATE_UNAVAILABLE)
            return
        if check.ok:
            self._enter(check.operator, by_card=True, how=f"card (list version {check.list_version})")
            return
        words = {CardVerdict.NOT_STAFF: NOT_STAFF, CardVerdict.REVOKED: REVOKED, CardVerdict.LIST_STALE: LIST_STALE}
        if check.verdict in (CardVerdict.REVOKED, CardVerdict.LIST_STALE):
            self._audit(check.operator, "enter", "staff screen", f"refused: {check.verdict}")
        log.info("staff card refused: %s", check.verdict)
        self._refuse(words.get(check.verdict, NOT_STAFF))

    def _refuse(self, notice: str, **args: Any) -> None:
        """Say why, until 返回, the card taken away or the idle timeout (``leave``)."""
        self._set(phase=StaffPhase.REFUSED, operator="", by_card=False, notice=notice,
                  notice_args=tuple(args.items()), detail="", pin_length=0)

    def request_pin(self) -> None:
        """The long press in the top-left corner: the PIN keypad."""
        if self.active:
            return
        self._pin = ""
        self._set(phase=StaffPhase.PIN, notice="", notice_args=(), detail="", pin_length=0)

    def pin_key(self, key: str) -> None:
        """A key of the PIN keypad: a digit, "back" or "ok"."""
        if self.view.phase is not StaffPhase.PIN:
            return
        if key == "back":
            self._pin = self._pin[:-1]
        elif key == "ok":
            self.submit_pin(self._pin)
            return
        elif key.isdigit() and len(key) == 1 and len(self._pin) < 12:
            self._pin += key
        self._set(pin_length=len(self._pin))

    def submit_pin(self, pin: str) -> None:
        self._pin = ""
        self._set(phase=StaffPhase.CHECKING, pin_length=0)

        def check() -> Any:
            try:
                return self.gate.pin(pin)
            except (KioskError, OSError) as exc:
                log.warning("maintenance PIN not checked: %s", exc)
                return None

        self.login_slot.start(self.Job.PIN, check, self._pin_checked)

    def _pin_checked(self, result: Any) -> None:
        if result is None:
            self._refuse(GATE_UNAVAILABLE)
            return
        if result.ok:
            self._enter("PIN", by_card=False, how="PIN")
            return
        self._audit("PIN", "enter", "staff screen", f"refused: {result.outcome.value}")
        if result.outcome is Outcome.LOCKED:
            self._refuse(LOCKED, minutes=result.locked_minutes)
        else:
            self._pin = ""
            self._set(phase=StaffPhase.PIN, notice=WRONG_PIN, notice_args=(("tries", result.tries_left),),
                      pin_length=0)

    def _enter(self, operator: str, by_card: bool, how: str) -> None:
        self._audit(operator, "enter", "staff screen", f"by {how}")
        log.info("staff screen opened (%s)", operator)
        self._results.clear()
        self._set(phase=StaffPhase.OPEN, operator=operator, by_card=by_card, notice="", notice_args=(), detail="",
                  confirm=Confirm.NONE, testing="", camera="")
        self.refresh(probe=True)

    # -- leaving ----------------------------------------------------------------------------
    def leave(self, reason: str = "exit") -> None:
        """退出, the card taken off the reader, or the idle timeout."""
        if not self.active:
            return
        if self.open:
            self._audit(self.view.operator, "leave", "staff screen", reason)
        self._stop_tests()
        for slot in (self.login_slot, self.probe_slot, self.test_slot):
            slot.forget()
        self._pin = ""
        log.info("staff screen left (%s)", reason)
        self.view = StaffView(revision=self._revision + 1)
        self._revision += 1
        self.changed()
        self.left(reason)

    def card_removed(self) -> None:
        if (self.view.by_card and self.open) or self.view.phase is StaffPhase.REFUSED:
            self.leave("card removed")

    # -- what it shows ------------------------------------------------------------------------
    def refresh(self, probe: bool = False) -> None:
        """Read everything again (devices, outbox, disk, uptime); ``probe``: ask the platform too."""
        if not self.open:
            return
        self._set(devices=self.device_lines(), outbox=outbox_line(self.settings, self.wall()),
                  platform=replace(self._platform, **worker_reach(self.settings)), system=self.system_line())
        if probe and not self.probe_slot.busy:
            settings = self.settings

            def run() -> Any:
                from kiosk.ops.terminal_checks import platform_status

                return platform_status(settings, probe=True)

            self.probe_slot.start(self.Job.PROBE, run, self._probed)

    def _probed(self, status: Any) -> None:
        if not isinstance(status, dict):
            return
        self._platform = PlatformLine(url=str(status.get("url", "")), reachable=status.get("reachable"),
                                      worker_reached=status.get("worker_reached"),
                                      clock_offset=status.get("clock_offset_seconds"),
                                      error=str(status.get("error", ""))[:200])
        if self.open:
            self._set(platform=replace(self._platform, **worker_reach(self.settings)))

    def device_lines(self) -> tuple[DeviceLine, ...]:
        """Every configured device as doctor reports it (the owner's records,
        doctor's advice, the counters' words, the event log's last problem)."""
        events = read_entries(self.settings.paths.state_dir / EVENTS_NAME)
        words = counter_words()
        lines = []
        for name, rec in self.owner.records().items():
            driver = self.settings.devices[name].driver if name in self.settings.devices else rec.driver
            kind = kind_of(str(driver))
            options = self.settings.devices[name].options if name in self.settings.devices else {}
            kind_zh, kind_en = kind_words(kind, options)
            error = rec.last_error.as_dict() | {"code": rec.last_error.code} if rec.last_error is not None else None
            tip = advice.for_device(rec.status, rec.detail, error, kind=kind)
            problem = last_problem(events, name)
            last_at = rec.last_error.at if rec.last_error is not None else (problem.at if problem else None)
            counters = tuple((words.get(k, (k, k))[0], words.get(k, (k, k))[1], int(v))
                             for k, v in sorted(rec.counters.items()))
            lines.append(DeviceLine(
                name=name, kind=kind, kind_zh=kind_zh, kind_en=kind_en, status=rec.status, advice_zh=tip.zh,
                advice_en=tip.en, who=tip.who, counters=counters,
                last_error=rec.last_error.what if rec.last_error is not None else (problem.error if problem else ""),
                last_error_at=last_at, test=self._results.get(name, "")))
        return tuple(lines)

    def system_line(self) -> SystemLine:
        from kiosk import __version__
        from kiosk.ops.terminal_checks import disk_status

        disk = disk_status(self.settings)
        return SystemLine(free_bytes=disk.get("free_bytes"), total_bytes=disk.get("total_bytes"),
                          uptime_seconds=system_uptime(), app_seconds=max(0.0, self.clock() - self.started_at),
                          version=__version__, update=last_update(self.settings))

    # -- what it does -------------------------------------------------------------------------
    def self_test(self, name: str) -> None:
        """The device's own self-test, refused while a resident flow (or
        another test) holds the device: exclusive use."""
        if not self.open or self.test_slot.busy or self._measuring is not None:
            return
        device = self.owner.device(name)
        record = self.owner.record(name)
        if device is None or record is None or not record.enabled:
            self._record_test(name, "failed: not loaded")
            return
        if getattr(device, "holder", None) is not None:
            self._audit(self.view.operator, "self_test", name, f"refused: in use by {device.holder}")
            self._say(IN_USE, device=name)
            return
        kind = kind_of(str(record.driver))
        if hasattr(device, "start_measurement"):
            self._measure(name, device)
            return
        if kind == "camera" and hasattr(device, "latest"):
            self._camera(name, device)
            return
        self._set(testing=name)
        self._say(TESTING, device=name)

        def run() -> str:
            try:
                return str(self.owner.check_health(name, HealthLevel.EXTERNAL))
            except (DeviceFailure, KioskError) as exc:
                return f"failed: {exc}"

        self.test_slot.start(self.Job.TEST, run, lambda line: self._record_test(name, line or "failed"))

    def _record_test(self, name: str, line: str) -> None:
        self._results[name] = line
        self._audit(self.view.operator, "self_test:external", name, line)
        self._set(testing="", devices=self.device_lines())
        self._say(TEST_DONE, detail=line, device=name, result="OK" if line.startswith("OK") else line)

    def _measure(self, name: str, device: Any) -> None:
        try:
            device.start_measurement()
        except (DeviceFailure, KioskError) as exc:
            self._record_test(name, f"failed: {exc}")
            return
        self._measuring = (name, self.clock() + MEASURE_TIMEOUT)
        self._set(testing=name)
        self._say(MEASURE_NOW, device=name)

    def _camera(self, name: str, device: Any) -> None:
        from kiosk.filing.live_scan import LiveScan

        def page(_data: bytes, _fingerprint: Any, _shot: Any) -> None:
            self._results[name] = "OK (page found and taken)"
            self._audit(self.view.operator, "self_test:camera", name, "page found")
            self._set(devices=self.device_lines())
            self._say(TEST_DONE, detail=self._results[name], device=name, result="OK")

        self._stop_tests()
        self.live = LiveScan(lambda: device, self.post, page)
        self.live.aim("a4", None)
        self.live.want(True)
        self._set(camera=name)
        self._say(CAMERA_LIVE, device=name)

    def close_camera(self) -> None:
        if self.view.camera:
            name = self.view.camera
            if name not in self._results:
                self._results[name] = "shown (no page taken)"
                self._audit(self.view.operator, "self_test:camera", name, "live picture shown")
            self._stop_tests()
            self._set(camera="", devices=self.device_lines())

    def _stop_tests(self) -> None:
        if self.live is not None:
            self.live.want(False)
            self.live = None
        if self._measuring is not None:
            name = self._measuring[0]
            self._measuring = None
            device = self.owner.device(name)
            cancel = getattr(device, "cancel_measurement", None)
            if cancel is not None:
                cancel()

    def device_event(self, event: Any) -> None:
        """A device's event while the staff screen is open (a health device's measurement)."""
        if self._measuring is None or not isinstance(event, DeviceEvent) or event.device != self._measuring[0]:
            return
        if event.kind == "measurement":
            self._measuring = None
            self._record_test(event.device, "OK: " + ", ".join(_reading(r) for r in event.data or ()))
        elif event.kind == "measurement_failed":
            self._measuring = None
            self._record_test(event.device, f"failed: {getattr(event.data, 'what', event.data)}")

    def tick(self) -> None:
        if self._measuring is not None and self.clock() >= self._measuring[1]:
            name = self._measuring[0]
            self._stop_tests()
            self._record_test(name, "failed: no measurement within 2 minutes")

    def requeue_dead(self) -> None:
        """Every dead letter back to the worker (it sends them at once)."""
        if not self.open:
            return
        from kiosk.outbox.store import Outbox

        serials = [serial for serial, _kind, _error in self.view.outbox.dead_letters]
        if not serials:
            self._say(NOTHING_TO_REQUEUE)
            return
        outbox = Outbox.from_settings(self.settings)
        try:
            done = [serial for serial in serials if outbox.requeue(serial)]
        finally:
            outbox.close()
        for serial in serials:
            self._audit(self.view.operator, "requeue", serial, "requeued" if serial in done else "not a dead letter")
        self._set(outbox=outbox_line(self.settings, self.wall()))
        self._say(REQUEUED, count=len(done))

    def ask_restart(self) -> None:
        if self.open:
            self._set(confirm=Confirm.RESTART)
            self._say(CONFIRM_RESTART)

    def ask_reboot(self) -> None:
        if self.open:
            self._set(confirm=Confirm.REBOOT)
            self._say(CONFIRM_REBOOT)

    def cancel_confirm(self) -> None:
        if self.view.confirm is not Confirm.NONE:
            self._set(confirm=Confirm.NONE, notice="", notice_args=(), detail="")

    def confirm(self) -> None:
        """Yes on the question: restart at once; a reboot asks a second time."""
        asked = self.view.confirm
        if not self.open or asked is Confirm.NONE:
            return
        if asked is Confirm.REBOOT:
            self._set(confirm=Confirm.REBOOT_AGAIN)
            self._say(CONFIRM_REBOOT_AGAIN)
            return
        operator = self.view.operator
        self._set(confirm=Confirm.NONE)
        if asked is Confirm.RESTART:
            self._audit(operator, "restart", "kiosk app", "requested")
            self.leave("restart")
            self.power.restart_app()
            return
        reason = self.power.reboot()
        self._audit(operator, "reboot", "terminal", "requested" if not reason else f"failed: {reason}")
        if reason:
            self._say(COMMAND_FAILED, reason=reason)

    # -- the audit log --------------------------------------------------------------------------
    def _audit(self, operator: str, action: str, target: str, result: str) -> None:
        try:
            self.gate.audit(operator or "unknown", action, target, result)
        except (KioskError, OSError) as exc:
            log.error("maintenance audit log not written (%s %s): %s", action, target, exc)


def _reading(record: Any) -> str:
    value = getattr(record, "value", None)
    kind = getattr(getattr(record, "kind", None), "value", "?")
    return f"{kind} {value:g} {getattr(record, 'unit', '')}".strip() if isinstance(value, (int, float)) else kind


def outbox_line(settings: Any, now: float) -> OutboxLine:
    """Read-only, as doctor's outbox check: no outbox is created by looking."""
    db_path = settings.paths.state_dir / "outbox" / "outbox.sqlite3"
    if not db_path.exists():
        return OutboxLine()
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            counts = dict(db.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
            sending = db.execute("SELECT COUNT(*) FROM submissions WHERE state='pending' AND sent=1").fetchone()[0]
            oldest = db.execute("SELECT MIN(created_at) FROM submissions WHERE state='pending'").fetchone()[0]
            last = db.execute("SELECT MAX(finished_at) FROM submissions WHERE state='confirmed'").fetchone()[0]
            dead = db.execute("SELECT serial, kind, COALESCE(last_error, '') FROM submissions WHERE state='dead' "
                              "ORDER BY id LIMIT 50").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return OutboxLine(error=f"outbox unreadable: {exc}")
    pending = int(counts.get("pending", 0))
    return OutboxLine(pending=pending - int(sending), sending=int(sending), dead=int(counts.get("dead", 0)),
                      dead_letters=tuple((str(s), str(k), str(e)) for s, k, e in dead),
                      last_success=None if last is None else float(last),
                      oldest_pending_seconds=None if oldest is None else round(now - oldest, 1))


def worker_reach(settings: Any) -> dict[str, Any]:
    """What the outbox worker last found (kiosk.devices.snapshot's platform.json) and when."""
    from kiosk.devices.snapshot import PLATFORM_NAME

    try:
        data = json.loads((settings.paths.state_dir / PLATFORM_NAME).read_text(encoding="utf-8"))
        reachable, at = data["reachable"], float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return {"worker_reached": None}
    return {"worker_reached": reachable if isinstance(reachable, bool) else None,
            "last_heartbeat": at if reachable is True else None}


def system_uptime() -> float | None:
    try:
        with open("/proc/uptime", encoding="ascii") as fh:
            return float(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def last_update(settings: Any) -> str:
    """The last line of root's update log (kiosk update), e.g. "installed 0.2.0"; "" when none."""
    path = settings.admin_dir / "updates.jsonl"
    try:
        if not os.access(path, os.R_OK):
            return ""
        lines = path.read_text(encoding="utf-8").splitlines()
        entry = json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError, IndexError):
        return ""
    if not isinstance(entry, Mapping):
        return ""
    words = [str(entry[k]) for k in ("outcome", "result", "event", "version") if k in entry]
    return " ".join(words)[:120]
