"""Outbox benchmark (issue 5).

1. Enqueue: one application with two 300 KB attachments, sealed and fsynced
   (blob files, their folder, the WAL commit with synchronous=FULL), against
   the same bytes stored unsealed with the same fsyncs (call by call in the
   same run).  Goal: median <= 20 ms.
2. Drain: 1,000 queued applications (two 300 KB attachments each) drained by
   the outbox worker to the reference platform on loopback, against a bare
   loop of `requests` posting the same bytes (PUT, PUT, POST, signed) to a
   second, identical platform, in the same run, in chunks of 100 (the two
   take turns going first).  Each platform runs in its own process
   (`python -m simulators.platform`).  The bare loop's time
   counts only its HTTP calls; the drain's time is wall-clock for everything
   (decrypting, hashing, bookkeeping, deleting).  Goal: ratio >= 0.6.
3. Request enqueue (issue 23): one request (诉求) with three 300 KB photos,
   sealed and fsynced like the application, against the same bare store.
   Goal: median <= 50 ms.

Run: .venv/bin/python bench/bench_outbox.py [--apps 1000] [--enqueues 200] [--request-enqueues 200]
     (--apps 0 leaves the drain out)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.central import signing  # noqa: E402 - after the sys.path line above
from kiosk.central.client import CentralClient  # noqa: E402 - after the sys.path line above
from kiosk.outbox.store import Outbox  # noqa: E402 - after the sys.path line above
from kiosk.outbox.synthetic import synthetic_application, synthetic_request  # noqa: E402 - after the sys.path line above
from kiosk.outbox.worker import OutboxWorker  # noqa: E402 - after the sys.path line above
from simulators.platform.server import admin_token, free_port  # noqa: E402 - after the sys.path line above
from simulators.platform.store import PlatformStore  # noqa: E402 - after the sys.path line above

TERMINAL = "HUT-BENCH-01"
SIZE = 300 * 1024


def bench_enqueue(folder: Path, count: int, id_hash_key: bytes, kind: str = "application") -> dict:
    """The outbox's enqueue against the least any durable store must do with
    the same bytes in the same run: the pages (or photos) into one file
    (fsynced, folder fsynced) and the body in one WAL commit with
    synchronous=FULL, unsealed.  The two alternate call by call so disk noise
    falls on both.  ``kind``: application (two pages) or request (three photos)."""
    box = Outbox(folder / f"enqueue-{kind}-outbox", secrets.token_bytes(32), TERMINAL)
    bare_dir = folder / f"enqueue-{kind}-bare"
    bare_dir.mkdir()
    db = sqlite3.connect(bare_dir / "bare.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, body BLOB, blob TEXT)")
    apps = [synthetic_application(i, id_hash_key, SIZE, random.Random(i)) if kind == "application"
            else synthetic_request(i, id_hash_key, 3, SIZE, random.Random(i)) for i in range(count)]
    times, bare_times = [], []
    for body, atts in apps:
        started = time.perf_counter()
        box.enqueue(kind, body, atts)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        _bare_enqueue(db, bare_dir, body, atts)
        bare_times.append((time.perf_counter() - started) * 1000)
    box.close()
    db.close()
    times.sort()
    median, bare_median = statistics.median(times), statistics.median(bare_times)
    return {"count": count, "median_ms": round(median, 2), "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
            "max_ms": round(times[-1], 2), "bare_median_ms": round(bare_median, 2),
            "ratio": round(bare_median / median, 3)}


def _bare_enqueue(db: sqlite3.Connection, folder: Path, body: dict, atts: list) -> None:
    name = uuid.uuid4().hex
    fd = os.open(folder / f"{name}.bin", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"".join(a.data for a in atts))
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO s (body, blob) VALUES (?, ?)", (json.dumps(body, ensure_ascii=False).encode(), name))
    db.execute("COMMIT")


class PlatformProcess:
    def __init__(self, folder: Path, key: bytes):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "simulators.platform", "--db",
                                      str(folder / "platform.sqlite3"), "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.url + "/v1/admin/stats", timeout=1)
                break
            except requests.ConnectionError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError("platform process did not start") from exc
                time.sleep(0.1)
        # the terminal's key goes straight into the platform's database (the admin API has no call that
        # sets a key: a terminal gets one by enrolling); SQLite in WAL mode takes a second writer
        store = PlatformStore(folder / "platform.sqlite3")
        store.add_terminal(TERMINAL, key.hex())
        store.close()
        self.admin = {"Authorization": "Bearer " + admin_token(folder / "platform.sqlite3")}

    def stats(self) -> dict:
        return requests.get(self.url + "/v1/admin/stats", headers=self.admin, timeout=5).json()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def bench_drain(folder: Path, count: int, id_hash_key: bytes, chunk: int = 100) -> dict:
    """Alternate chunks (enqueue, then bare loop and drain taking turns to go
    first) so neither side profits from its place (warm caches, quieter disk
    writeback after the enqueue's fsyncs)."""
    key, outbox_key = secrets.token_bytes(32), secrets.token_bytes(32)
    box = Outbox(folder / "drain-outbox", outbox_key, TERMINAL)
    for name in ("bare", "outbox-target"):
        (folder / name).mkdir()
    bare, target = PlatformProcess(folder / "bare", key), PlatformProcess(folder / "outbox-target", key)
    session = requests.Session()
    # the worker has its own connection, as in the kiosk-outbox service
    worker = OutboxWorker(Outbox(folder / "drain-outbox", outbox_key, TERMINAL, durable=False),
                          CentralClient(target.url, TERMINAL, key))
    bare_seconds = drain_seconds = 0.0
    try:
        for first in range(0, count, chunk):
            apps = [synthetic_application(i, id_hash_key, SIZE, random.Random(i))
                    for i in range(first, min(count, first + chunk))]
            serials = [box.enqueue("application", body, atts).serial for body, atts in apps]
            # the exact body bytes the worker will send
            bodies = [box.sealer.open(box.db.execute("SELECT payload FROM submissions WHERE serial=?",
                                                     (serial,)).fetchone()[0], b"payload:" + serial.encode())
                      for serial in serials]

            # right after the enqueue the disk is still writing back: take turns going first
            for side in (("bare", "drain") if (first // chunk) % 2 == 0 else ("drain", "bare")):
                started = time.perf_counter()
                if side == "bare":
                    _bare_loop(session, bare.url, key, apps, bodies)
                    bare_seconds += time.perf_counter() - started
                else:
                    status = worker.run(until_empty=True)
                    drain_seconds += time.perf_counter() - started
        bare_stats, drain_stats = bare.stats(), target.stats()
    finally:
        session.close()
        worker.outbox.close()
        worker.client.close()
        box.close()
        bare.stop()
        target.stop()
    assert status["confirmed"] == count and status["pending"] == 0, status
    assert drain_stats["applications"] == count == bare_stats["applications"], (drain_stats, bare_stats)
    return {"apps": count, "bare_seconds": round(bare_seconds, 2), "drain_seconds": round(drain_seconds, 2),
            "bare_apps_per_s": round(count / bare_seconds, 1), "drain_apps_per_s": round(count / drain_seconds, 1),
            "ratio": round(bare_seconds / drain_seconds, 3)}


def _bare_loop(session: requests.Session, url: str, key: bytes, apps: list, bodies: list[bytes]) -> None:
    """What any client must do for the same submissions: PUT, PUT, POST, signed."""
    for (_, atts), body in zip(apps, bodies):
        for a in atts:
            put = f"{url}/v1/attachments/{signing.body_sha256(a.data)}"
            session.put(put, data=a.data, timeout=30, headers={
                **signing.sign(key, "PUT", put, a.data, TERMINAL),
                "Content-Type": "application/octet-stream"}).raise_for_status()
        post = url + "/v1/applications"
        session.post(post, data=body, timeout=30, headers={
            **signing.sign(key, "POST", post, body, TERMINAL), "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex}).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--enqueues", type=int, default=200)
    parser.add_argument("--request-enqueues", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-outbox-", dir=args.dir))
    id_hash_key = secrets.token_bytes(32)
    try:
        enqueue = bench_enqueue(folder, args.enqueues, id_hash_key) if args.enqueues else None
        print("enqueue:", json.dumps(enqueue), flush=True)
        request = bench_enqueue(folder, args.request_enqueues, id_hash_key, "request") if args.request_enqueues else None
        print("request enqueue (3 photos):", json.dumps(request), flush=True)
        drain = bench_drain(folder, args.apps, id_hash_key) if args.apps else None
        print("drain:", json.dumps(drain), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ok = ((enqueue is None or enqueue["median_ms"] <= 20) and (request is None or request["median_ms"] <= 50)
          and (drain is None or drain["ratio"] >= 0.6))
    print("goals met" if ok else "GOALS NOT MET: enqueue median <= 20 ms, request enqueue median <= 50 ms, "
                                 "drain ratio >= 0.6")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
