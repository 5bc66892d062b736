"""What one kiosk process leaves for the other in the state folder.

``devices.json``: the app's device states, for the outbox worker's heartbeat.

The app owns the devices (exclusive use); the worker is the one process that
talks to the platform in the background.  A file between them keeps both
simple: no socket, no shared lock.  The app rewrites it on every change and
at least every half heartbeat interval, so a file older than a few intervals
says by its age that the app is not running.  It holds statuses, device info
and counters only: never a card event or anything else about a resident.

``platform.json``: whether the worker last reached the platform, for the
app's availability rules (online: the platform's number on the slip;
otherwise the local number and "it will be sent by itself").
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Mapping

from drivers.base import Status
from drivers.storage import atomic_write

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "devices.json"
PLATFORM_NAME = "platform.json"


def write_snapshot(state_dir: Path, devices: Mapping[str, Any], now: float | None = None) -> None:
    data = json.dumps({"written_at": time.time() if now is None else now, "devices": dict(devices)},
                      ensure_ascii=False).encode()
    try:
        atomic_write(Path(state_dir) / SNAPSHOT_NAME, data)
    except OSError as exc:  # a full disk must not stop a resident's visit
        log.warning("device snapshot not written (%s): %s", state_dir, exc)


def read_snapshot(state_dir: Path, max_age: float, now: float | None = None) -> dict[str, Any]:
    """The devices block of a heartbeat from the app's snapshot.

    When the app has not written for ``max_age`` seconds its devices are
    reported ``unknown`` with the reason: the worker cannot vouch for them,
    and "no news" must not look like "all well".
    """
    path = Path(state_dir) / SNAPSHOT_NAME
    now = time.time() if now is None else now
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        written, devices = float(data["written_at"]), dict(data["devices"])
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("device snapshot %s unreadable: %s", path, exc)
        return {}
    age = now - written
    if age > max_age:
        for view in devices.values():
            view["status"] = Status.UNKNOWN.value
            view["detail"] = {"reason": f"kiosk app not running (last report {int(age)} s ago)"}
    return devices


def write_platform_reach(state_dir: Path, reachable: bool, now: float | None = None) -> None:
    data = json.dumps({"reachable": bool(reachable), "at": time.time() if now is None else now}).encode()
    try:
        atomic_write(Path(state_dir) / PLATFORM_NAME, data)
    except OSError as exc:
        log.warning("platform state not written (%s): %s", state_dir, exc)


def read_platform_reach(state_dir: Path, max_age: float, now: float | None = None) -> bool | None:
    """True or False as the worker last found the platform; None when the
    worker has not said so within ``max_age`` seconds (or never)."""
    now = time.time() if now is None else now
    try:
        data = json.loads((Path(state_dir) / PLATFORM_NAME).read_text(encoding="utf-8"))
        reachable, at = data["reachable"], float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(reachable, bool) or now - at > max_age:
        return None
    return reachable
