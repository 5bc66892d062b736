"""What a maintenance worker may do from the shell (or the maintenance
screen): run each device's self-test, list and requeue the outbox's dead
letters.  (No reprint: the printer keeps no failed jobs, which would hold a
resident's data without use.)  Every action, allowed or refused, goes into an
audit log in root's admin folder first, so the district can tell who did what
to a terminal and when.

These are plain functions over a device owner and the settings; the
``kiosk maintenance`` command group (behind the PIN login) calls them.  They
hold no personal data: dead letters are listed by serial, kind and error
code only, and the audit log records the same.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from drivers.base import DeviceFailure, HealthLevel
from kiosk.config import Settings
from kiosk.devices.owner import DeviceOwner
from kiosk.errors import KioskError
from kiosk.ops.admin_files import append_line

AUDIT_NAME = "maintenance-audit.jsonl"


@dataclass(frozen=True)
class AuditEntry:
    at: float
    operator: str
    action: str
    target: str
    result: str


class AuditLog:
    """Append-only JSON lines (0600) in root's admin folder (Settings.admin_dir,
    never the kiosk user's state folder: kiosk/ops/admin_files.py); one line
    per action, written before the action's result is returned."""

    def __init__(self, admin_dir: Path):
        self.folder = Path(admin_dir)
        self.path = self.folder / AUDIT_NAME

    def record(self, operator: str, action: str, target: str, result: str) -> AuditEntry:
        entry = AuditEntry(time.time(), operator, action, target, result)
        append_line(self.folder, AUDIT_NAME, json.dumps(asdict(entry), ensure_ascii=False))
        return entry

    def entries(self) -> list[AuditEntry]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(AuditEntry(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return out


def run_self_tests(owner: DeviceOwner, audit: AuditLog, operator: str, names: list[str] | None = None,
                   level: HealthLevel = HealthLevel.EXTERNAL) -> dict[str, str]:
    """Each (or each named) enabled device's self-test; "OK..." when well.
    The device's exclusive use keeps a resident flow and the test apart."""
    records = owner.records()
    unknown = [n for n in names or [] if n not in records]
    if unknown:
        raise KioskError(f"no device named {', '.join(unknown)}; devices: {', '.join(records)}")
    results: dict[str, str] = {}
    for name, rec in records.items():
        if (names and name not in names) or not rec.enabled:
            continue
        try:
            results[name] = owner.check_health(name, level)
        except (DeviceFailure, KioskError) as exc:
            results[name] = f"failed: {exc}"
        audit.record(operator, f"self_test:{level.value}", name, results[name])
    return results


def dead_letters(settings: Settings) -> list[dict[str, Any]]:
    """Submissions the worker gave up on: serial, kind, error code, since."""
    from kiosk.outbox.store import Outbox

    outbox = Outbox.from_settings(settings)
    try:
        return list(outbox.status()["dead_letters"])
    finally:
        outbox.close()


def requeue(settings: Settings, serial: str, audit: AuditLog, operator: str) -> bool:
    """Send one dead letter again (the worker picks it up at once)."""
    from kiosk.outbox.store import Outbox

    outbox = Outbox.from_settings(settings)
    try:
        done = outbox.requeue(serial)
    finally:
        outbox.close()
    audit.record(operator, "requeue", serial, "requeued" if done else "not a dead letter")
    return done
