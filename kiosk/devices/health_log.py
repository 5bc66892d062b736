"""Device health over time: the event log and the lifetime counters' names.

The device owner keeps, beside each device's current record, a bounded log
of what happened to it (time, device, status, error, action), persisted in
the state folder so that ``kiosk doctor`` and the maintenance screens can
answer "since when has the printer been out of paper, and how often this
week" after a restart.  The log holds statuses and error lines only, never
a card event or anything else about a resident.

:func:`counter_words` names the lifetime counters the drivers keep (in
their own words: ``jobs``, ``reads``...) for people, in Chinese and English,
from the kinds' manifests; doctor and the maintenance guide read it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

from drivers.storage import atomic_write
from kiosk.devices.kinds import all_kinds

log = logging.getLogger(__name__)

EVENTS_NAME = "device-events.jsonl"
DEFAULT_LIMIT = 500
UPTIME_COUNTER = "online_seconds"

# The owner's own counter (it counts each device's time online), beside the
# counters the drivers keep, whose words are in their kinds' manifests.
OWN_COUNTERS: dict[str, tuple[str, str]] = {UPTIME_COUNTER: ("在线时长(秒)", "time online (s)")}


def counter_words() -> dict[str, tuple[str, str]]:
    """Lifetime counter -> (中文, English), for every counter a driver or the owner keeps."""
    out: dict[str, tuple[str, str]] = {}
    for k in all_kinds():
        for name, words in k.counters.items():
            out.setdefault(name, words)
    return {**out, **OWN_COUNTERS}


def counter_label(name: str) -> str:
    zh, en = counter_words().get(name, (name, name))
    return f"{zh} {en}" if zh != en else name


@dataclass(frozen=True)
class HealthEntry:
    at: float
    device: str
    status: str
    error: str = ""
    action: str = ""


class DeviceHealthLog:
    """The last ``limit`` entries, in memory and in a JSON-lines file.

    Appends are one short line each (cheap on a busy day); when the file
    holds twice the limit it is rewritten atomically with the newest
    ``limit``, so it never grows without bound.  An unreadable line (a
    power cut mid-append) is skipped, not fatal.
    """

    def __init__(self, path: Path | None, limit: int = DEFAULT_LIMIT, clock: Callable[[], float] = time.time):
        self.path = path
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: deque[HealthEntry] = deque(read_entries(path, limit) if path else (), maxlen=limit)
        self._lines_in_file = len(self._entries)

    def record(self, device: str, status: str, error: str = "", action: str = "") -> HealthEntry:
        entry = HealthEntry(self._clock(), device, status, error, action)
        with self._lock:
            self._entries.append(entry)
            self._append(entry)
        return entry

    def entries(self, device: str | None = None) -> list[HealthEntry]:
        with self._lock:
            return [e for e in self._entries if device is None or e.device == device]

    def _append(self, entry: HealthEntry) -> None:
        if self.path is None:
            return
        try:
            if self._lines_in_file >= 2 * self.limit:
                atomic_write(self.path, "".join(_line(e) for e in self._entries).encode())
                self._lines_in_file = len(self._entries)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(_line(entry))
            self._lines_in_file += 1
        except OSError as exc:  # a full disk must not stop a resident's visit
            log.warning("device event not logged (%s): %s", self.path, exc)


def _line(entry: HealthEntry) -> str:
    return json.dumps(asdict(entry), ensure_ascii=False) + "\n"


def read_entries(path: Path, limit: int = DEFAULT_LIMIT) -> list[HealthEntry]:
    """The newest ``limit`` entries of a log file (doctor reads the app's)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("device event log %s unreadable: %s", path, exc)
        return []
    out: list[HealthEntry] = []
    for line in lines[-limit:]:
        try:
            data = json.loads(line)
            out.append(HealthEntry(float(data["at"]), str(data["device"]), str(data["status"]),
                                   str(data.get("error", "")), str(data.get("action", ""))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def last_problem(entries: Iterable[HealthEntry], device: str) -> HealthEntry | None:
    """The newest entry of a device that carries an error."""
    found = None
    for e in entries:
        if e.device == device and e.error:
            found = e
    return found
