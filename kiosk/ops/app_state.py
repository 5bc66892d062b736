"""What the running app says about itself, for the metrics and for updates.

The app leaves ``app-state.json`` in the state folder (as it leaves
``devices.json``): sessions started per flow, the UI's frame times as a
histogram, whether a resident session or a print is in progress, and the
last call for the staff (呼叫工作人员: when, on which screen, and whether it
is still pending).  The metrics endpoint (``kiosk metrics serve``) exposes
it to Prometheus, ``kiosk update`` reads it so it never restarts the kiosk
under a resident, the outbox worker sends the staff call with the heartbeat
and ``kiosk doctor`` shows it.  It holds counts, flags and screen names
only, nothing about a resident.

:class:`AppStats` is the bookkeeping (no clock, no I/O); the app feeds it
each frame's duration from the Kivy clock and writes it on every session
change and every few seconds.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.storage import atomic_write
from kiosk.terminal.staff_call import StaffCall

log = logging.getLogger(__name__)

APP_STATE_NAME = "app-state.json"
MODES = ("idle", "in_use", "staff", "closed")
WRITE_EVERY_SECONDS = 5.0
# Frame time buckets, seconds: 120, 60, 30, 20, 10, 4, 2, 1 frames per second and worse.
FRAME_BUCKETS = (0.008, 0.016, 0.033, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class AppStats:
    sessions: dict[str, int] = field(default_factory=dict)
    frame_buckets: list[int] = field(default_factory=lambda: [0] * len(FRAME_BUCKETS))
    frame_count: int = 0
    frame_sum: float = 0.0
    session_active: bool = False
    printing: bool = False
    staff_calls: int = 0                   # 呼叫工作人员 pressed (a new call) since the app started
    staff_call: StaffCall | None = None    # the last one
    mode: str = "idle"                     # idle, in_use, staff, closed (Terminal.mode(): the heartbeat's state)

    def frame(self, seconds: float) -> None:
        """One frame took ``seconds`` (Kivy's dt between frames)."""
        self.frame_count += 1
        self.frame_sum += seconds
        index = bisect.bisect_left(FRAME_BUCKETS, seconds)
        if index < len(FRAME_BUCKETS):
            self.frame_buckets[index] += 1

    def session_started(self, flow: str) -> None:
        self.sessions[flow] = self.sessions.get(flow, 0) + 1

    def cumulative_buckets(self) -> list[tuple[str, int]]:
        """Prometheus' ``le`` buckets: cumulative counts, ending with +Inf."""
        out, total = [], 0
        for bound, count in zip(FRAME_BUCKETS, self.frame_buckets, strict=True):
            total += count
            out.append((repr(bound), total))
        out.append(("+Inf", self.frame_count))
        return out

    def as_dict(self, now: float) -> dict[str, Any]:
        return {"written_at": now, "sessions": dict(self.sessions), "frame_buckets": list(self.frame_buckets),
                "frame_count": self.frame_count, "frame_sum": round(self.frame_sum, 6),
                "session_active": self.session_active, "printing": self.printing, "staff_calls": self.staff_calls,
                "staff_call": self.staff_call.as_dict() if self.staff_call is not None else None, "mode": self.mode}


def write_app_state(state_dir: Path, stats: AppStats, now: float | None = None) -> None:
    data = json.dumps(stats.as_dict(time.time() if now is None else now)).encode()
    try:
        atomic_write(Path(state_dir) / APP_STATE_NAME, data)
    except OSError as exc:  # a full disk must not stop a resident's visit
        log.warning("app state not written (%s): %s", state_dir, exc)


MAX_APP_STATE_BYTES = 64 * 1024
CLOCK_SLACK_SECONDS = 5.0


def read_app_state(state_dir: Path, max_age: float, now: float | None = None) -> tuple[AppStats, float] | None:
    """The app's last report and its age, or None when there is none, it is
    older than ``max_age`` (the app is not running), or it claims a time
    ahead of now: the kiosk user writes this file, and a report from the
    future is not fresh (it once held updates off for good).  Root reads it
    (``kiosk update``): no link followed, no FIFO waited on, 64 KiB at most."""
    now = time.time() if now is None else now
    try:
        fd = os.open(Path(state_dir) / APP_STATE_NAME, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            raw = fh.read(MAX_APP_STATE_BYTES + 1)
        if len(raw) > MAX_APP_STATE_BYTES:
            return None
        data = json.loads(raw.decode("utf-8"))
        age = now - float(data["written_at"])
        if not -CLOCK_SLACK_SECONDS <= age:
            return None
        stats = AppStats(sessions={str(k): int(v) for k, v in dict(data["sessions"]).items()},
                         frame_buckets=[int(n) for n in data["frame_buckets"]], frame_count=int(data["frame_count"]),
                         frame_sum=float(data["frame_sum"]), session_active=bool(data["session_active"]),
                         printing=bool(data["printing"]), staff_calls=int(data.get("staff_calls", 0)),
                         staff_call=StaffCall.from_dict(data.get("staff_call")),
                         mode=str(data.get("mode", "idle")) if data.get("mode") in MODES else "idle")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not age <= max_age or len(stats.frame_buckets) != len(FRAME_BUCKETS):
        return None
    return stats, age
