"""The terminal-wide half of ``kiosk doctor``: outbox, platform, clock, disk.

Each check returns a small JSON-able dict and never raises: doctor runs
when something is already wrong, and one broken check must not hide the
others.  Findings are keys of ``kiosk.devices.advice.TERMINAL``.
"""

from __future__ import annotations

import email.utils
import os
import shutil
import sqlite3
import time
from typing import Any

from kiosk.config import Settings
from kiosk.devices.snapshot import read_platform_reach
from kiosk.errors import KioskError

DISK_LOW_BYTES = 200 * 1024 * 1024
DISK_LOW_FRACTION = 0.02
CLOCK_OFF_SECONDS = 60.0
OUTBOX_OLD_SECONDS = 3600.0


def app_report_age(settings: Settings, now: float | None = None) -> float | None:
    """Seconds since the kiosk app last wrote its device snapshot (None: never)."""
    import json

    from kiosk.devices.snapshot import SNAPSHOT_NAME

    try:
        data = json.loads((settings.paths.state_dir / SNAPSHOT_NAME).read_text(encoding="utf-8"))
        return (time.time() if now is None else now) - float(data["written_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def outbox_status(settings: Settings, now: float | None = None) -> dict[str, Any]:
    """Depth, dead letters and the oldest pending age, read without creating
    the outbox (a terminal that never queued anything has none yet)."""
    db_path = settings.paths.state_dir / "outbox" / "outbox.sqlite3"
    now = time.time() if now is None else now
    if not db_path.exists():
        return {"pending": 0, "dead": 0, "oldest_pending_seconds": None}
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            counts = dict(db.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
            oldest = db.execute("SELECT MIN(created_at) FROM submissions WHERE state='pending'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as exc:
        return {"error": f"outbox unreadable: {exc}"}
    return {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0),
            "oldest_pending_seconds": None if oldest is None else round(now - oldest, 1)}


def platform_status(settings: Settings, probe: bool = True) -> dict[str, Any]:
    """What the outbox worker last found, and (``probe``) a signed request of
    our own: reachable or why not, and the clock offset from the answer's
    ``Date`` header (whole seconds; enough to catch a terminal a day off)."""
    from kiosk.central.client import CentralClient

    worker = read_platform_reach(settings.paths.state_dir, 3 * settings.platform.heartbeat_seconds)
    out: dict[str, Any] = {"url": settings.platform.url, "worker_reached": worker}
    if not probe:
        return out
    try:
        with CentralClient.from_settings(settings) as client:
            sent = time.time()
            answer = client.request("GET", "/v1/catalog", expect=(304,))
            received = time.time()
    except KioskError as exc:
        # An answer with a status (refused, busy) still means the network is fine.
        out.update(reachable=getattr(exc, "status", None) is not None, error=str(exc))
        return out
    out.update(reachable=True, round_trip_seconds=round(received - sent, 3))
    date = answer.headers.get("Date")
    if date:
        try:
            server = email.utils.parsedate_to_datetime(date).timestamp()
            # Date has whole seconds: compare with the middle of the exchange.
            out["clock_offset_seconds"] = round((sent + received) / 2 - server, 1)
        except (TypeError, ValueError):
            pass
    return out


def disk_status(settings: Settings) -> dict[str, Any]:
    folder = settings.paths.state_dir
    probe = folder if folder.exists() else folder.parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError as exc:
        return {"path": str(folder), "error": str(exc)}
    return {"path": str(folder), "free_bytes": usage.free, "total_bytes": usage.total,
            "writable": os.access(probe, os.W_OK)}


def findings(settings: Settings, outbox: dict[str, Any], platform: dict[str, Any], disk: dict[str, Any],
             app_stopped: bool) -> tuple[list[str], list[str]]:
    """(what stops the kiosk from serving, what needs staff), as
    kiosk.devices.advice.TERMINAL keys.  ``app_stopped``: the app reported before
    and has stopped (a terminal where it never ran yet is being set up)."""
    fatal: list[str] = []
    staff: list[str] = []
    if not settings.secrets.terminal_key:
        fatal.append("not_enrolled")
    free, total = disk.get("free_bytes"), disk.get("total_bytes")
    if free is not None and total and (free < DISK_LOW_BYTES or free / total < DISK_LOW_FRACTION):
        fatal.append("disk_low")
    if disk.get("writable") is False or "error" in disk:
        fatal.append("state_unwritable")
    if app_stopped:
        staff.append("app_not_running")
    if platform.get("reachable") is False or (platform.get("reachable") is None
                                              and platform.get("worker_reached") is False):
        staff.append("platform_unreachable")
    if abs(platform.get("clock_offset_seconds") or 0) > CLOCK_OFF_SECONDS:
        staff.append("clock_off")
    if (outbox.get("oldest_pending_seconds") or 0) > OUTBOX_OLD_SECONDS:
        staff.append("outbox_old")
    if outbox.get("dead") or "error" in outbox:
        staff.append("outbox_dead")
    return fatal, staff
