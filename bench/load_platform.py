"""Load test of the reference platform (issue 27): how many huts one machine carries.

Locust (headless, as a library), each simulated terminal enrolled with its
own key (through the store's enrol(), the code path of POST /v1/enrolment,
whose HTTP form allows 10 tries a minute per address) and signing every
request with kiosk/central/signing.py, on the issue's mix per terminal:

    heartbeat                      every 60 s
    application, two 300 KB pages  every 10 min (PUT, PUT, POST: distinct random pages)
    health record                  every 5 min
    progress query (applications)  every 2 min
    catalog fetch with its ETag    every 5 min (a 304 after the first)

Each activity starts at a random phase, so the load is steady.  Each hut
connects from its own loopback address and closes its connection after each
request (Connection: close), as the platform sees huts behind a TLS proxy.  For each
backend the number of terminals steps up (--steps); each step runs
--seconds after a warm-up, with fresh statistics; a step "holds" when p99
over all requests stays under 500 ms with no errors.  The CPU seconds of
the platform's processes, PostgreSQL's and the load generator's own during
each step say where the time goes.  Then one terminal's outbox drains
--drain applications to each backend (the drain rate, applications/s).

Backends: SQLite (1 worker) and PostgreSQL (2 workers, a throwaway
cluster with PostgreSQL's durable defaults), platform, database and load
generator on this machine.

Run: .venv/bin/python bench/load_platform.py [--steps 250,500,1000,2000] [--seconds 60]
     [--backends sqlite,postgresql] [--drain 100]   (make bench-load)
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.central import signing  # noqa: E402
from kiosk.privacy import id_lookup_hash  # noqa: E402
from simulators.platform.pgcluster import ThrowawayCluster  # noqa: E402
from simulators.platform.server import free_port  # noqa: E402
from simulators.platform.store import PlatformStore  # noqa: E402

PAGE = 300 * 1024
P99_LIMIT_MS = 500
EVERY = {"heartbeat": 60.0, "application": 600.0, "health": 300.0, "progress": 120.0, "catalog": 300.0}
KIOSK = [sys.executable, "-m", "kiosk.cli", "platform"]


# -- the platform under test ---------------------------------------------------------
class Backend:
    def __init__(self, kind: str, folder: Path, workers: int):
        self.kind, self.folder, self.workers = kind, folder, workers
        self.cluster: ThrowawayCluster | None = None
        self.env = dict(os.environ)
        if kind == "postgresql":
            self.cluster = ThrowawayCluster(durable=True, max_connections=60).start()
            self.db = self.cluster.create_database("platform")
            self.attachments = folder / "attachments"
            self.env["KIOSK_PLATFORM_DB"] = self.db
            subprocess.run([*KIOSK, "migrate"], env=self.env, check=True, capture_output=True)
        else:
            self.db = str(folder / "platform.sqlite3")
            self.attachments = folder / "platform.sqlite3.attachments"
            self.env["KIOSK_PLATFORM_DB"] = self.db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([*KIOSK, "serve", "--port", str(self.port), "--workers", str(workers),
                                      *(["--attachments", str(self.attachments)] if self.cluster else [])],
                                     env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not _up(self.url):
            if time.monotonic() > deadline:
                raise RuntimeError("the platform did not start")
            time.sleep(0.2)
        self.store = PlatformStore(self.db if self.cluster else Path(self.db), self.attachments if self.cluster else None,
                                   migrate=False, pool_size=2)
        self.id_hash_key = bytes.fromhex(self.store.id_hash_keys()[0]["key"])
        self.terminals: list[tuple[str, bytes]] = []

    def enrol(self, count: int) -> None:
        while len(self.terminals) < count:
            code, _ = self.store.new_enrolment_code()
            found = self.store.enrol(code, f"load {len(self.terminals)}")
            assert found is not None
            self.terminals.append((found[0], bytes.fromhex(found[1])))

    def pids(self) -> dict[str, list[int]]:
        platform = [self.proc.pid, *_descendants(self.proc.pid)]
        database: list[int] = []
        if self.cluster:
            pid = int((self.cluster.data / "postmaster.pid").read_text().split()[0])
            database = [pid, *_descendants(pid)]
        return {"platform": platform, "database": database, "load generator": [os.getpid()]}

    def stop(self) -> None:
        self.store.close()
        self.proc.terminate()
        self.proc.wait(30)
        if self.cluster:
            self.cluster.drop()


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _descendants(pid: int) -> list[int]:
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split() if Path(f"/proc/{pid}").exists() else []:
        found += [int(child), *_descendants(int(child))]
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


# -- one simulated hut ------------------------------------------------------------------
class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.x.y.z): each simulated hut
    has its own, as real huts do, so the platform's share per client address
    (64 connections) applies per hut, not to the whole load generator."""

    def __init__(self, address: str):
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def make_user(backend: Backend) -> type[HttpUser]:
    pool = list(backend.terminals)
    random.shuffle(pool)

    class Hut(HttpUser):
        host = backend.url
        wait_time = constant(0)

        def on_start(self) -> None:
            self.terminal_id, self.key = pool.pop()
            n = len(pool) + 1
            self.client.mount("http://", FromAddress(f"127.{1 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"))
            now = time.time()
            self.due = {name: now + random.uniform(0, every) for name, every in EVERY.items()}
            self.etag: str | None = None
            self.id_number = f"11010119{random.randint(40, 99)}0101{random.randint(1000, 9999)}"
            self.id_hash = id_lookup_hash(self.id_number, backend.id_hash_key)

        def _send(self, method: str, path: str, body: bytes = b"", name: str = "", **headers: str):
            url = backend.url + path
            # Connection: close: the platform sits behind a TLS proxy that keeps the huts' connections and
            # reuses a few of its own (docs/platform-deployment.md); hut-to-platform keep-alives would instead
            # hold one idle connection per hut against the platform's 512 per worker (connections.py)
            headers = {**signing.sign(self.key, method, url, body, self.terminal_id), "Connection": "close",
                       **headers}
            return self.client.request(method, path, data=body or None, headers=headers, name=name or path)

        @task
        def next_activity(self) -> None:
            name = min(self.due, key=self.due.__getitem__)
            gevent.sleep(max(0.0, self.due[name] - time.time()))
            self.due[name] += EVERY[name]
            getattr(self, name)()

        def heartbeat(self) -> None:
            body = json.dumps({"software_version": "load", "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "devices": {}, "counters": {},
                               "outbox": {"depth": 0, "dead": 0, "oldest_pending_seconds": 0}}).encode()
            self._send("POST", "/v1/heartbeat", body, **{"Content-Type": "application/json"})

        def application(self) -> None:
            refs = []
            for _ in range(2):
                page = b"\xff\xd8\xff\xe0" + os.urandom(PAGE - 4)
                sha = signing.body_sha256(page)
                self._send("PUT", f"/v1/attachments/{sha}", page, "PUT /v1/attachments/{sha}",
                           **{"Content-Type": "application/octet-stream"})
                refs.append({"sha256": sha, "size": len(page), "content_type": "image/jpeg"})
            body = json.dumps({"serial": uuid.uuid4().hex[:20], "matter_code": "SQ-001", "attachments": refs,
                               "applicant": {"name": "李四", "id_number": self.id_number, "id_hash": self.id_hash},
                               "form": {"certificate": "居住证明", "purpose": "入学", "phone": "13800000000"}},
                              ensure_ascii=False).encode()
            self._send("POST", "/v1/applications", body, **{"Content-Type": "application/json",
                                                            "Idempotency-Key": uuid.uuid4().hex})

        def health(self) -> None:
            at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
            body = json.dumps({"serial": uuid.uuid4().hex[:20], "resident": {"id_hash": self.id_hash},
                               "consent": {"given": True, "at": at}, "measured_at": at,
                               "observations": [{"kind": "temperature", "loinc": ["8310-5"], "value": 36.6,
                                                 "unit": "Cel", "measured_at": at}]}).encode()
            self._send("POST", "/v1/health-records", body, **{"Content-Type": "application/json",
                                                              "Idempotency-Key": uuid.uuid4().hex})

        def progress(self) -> None:
            self._send("GET", f"/v1/applications?id_hash={self.id_hash}", name="GET /v1/applications?id_hash")

        def catalog(self) -> None:
            headers = {"If-None-Match": self.etag} if self.etag else {}
            r = self._send("GET", "/v1/catalog", **headers)
            self.etag = r.headers.get("ETag", self.etag)

    return Hut


# -- a run -------------------------------------------------------------------------------------
def run_steps(backend: Backend, steps: list[int], seconds: float, warmup: float) -> list[dict]:
    backend.enrol(max(steps))
    env = Environment(user_classes=[make_user(backend)])
    runner = env.create_local_runner()
    results = []
    try:
        for users in steps:
            runner.start(users, spawn_rate=max(50, users / 10))
            while runner.user_count < users:
                gevent.sleep(0.5)
            gevent.sleep(warmup)
            env.stats.reset_all()
            pids = backend.pids()
            cpu_before = {k: _cpu_seconds(v) for k, v in pids.items()}
            started = time.monotonic()
            gevent.sleep(seconds)
            elapsed = time.monotonic() - started
            cpu = {k: round(_cpu_seconds(v) - cpu_before[k], 1) for k, v in backend.pids().items()}
            total = env.stats.total
            endpoints = {}
            for (name, method), entry in sorted(env.stats.entries.items()):
                if entry.num_requests:
                    endpoints[f"{method} {name}" if not name.startswith(method) else name] = {
                        "n": entry.num_requests, "p50": entry.get_response_time_percentile(0.5),
                        "p99": entry.get_response_time_percentile(0.99), "failures": entry.num_failures}
            p99 = total.get_response_time_percentile(0.99) or 0
            step = {"terminals": users, "requests_per_s": round(total.num_requests / elapsed, 1),
                    "p50_ms": total.get_response_time_percentile(0.5), "p99_ms": p99,
                    "failures": total.num_failures, "cpu_seconds": cpu, "seconds": round(elapsed, 1),
                    "holds": bool(total.num_requests) and p99 < P99_LIMIT_MS and total.num_failures == 0,
                    "endpoints": endpoints}
            errors = {f"{v.method} {v.name}: {v.error}"[:200]: v.occurrences for v in env.stats.errors.values()}
            if errors:
                step["errors"] = dict(list(errors.items())[:5])
            print(json.dumps({"backend": backend.kind, **step}, ensure_ascii=False), flush=True)
            results.append(step)
            if not step["holds"]:
                break
    finally:
        runner.quit()
    return results


def storage(backend: Backend) -> dict:
    """What the run left: rows by kind, the database's bytes (PostgreSQL: the
    whole database, indexes included; SQLite: the file and its WAL after a
    checkpoint) and the attachment folder's, per submission."""
    kinds = dict(backend.store.db.execute("SELECT kind, COUNT(*) FROM submissions GROUP BY kind").fetchall())
    if backend.cluster:
        db_bytes = int(backend.store.db.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    else:
        backend.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db_bytes = sum(p.stat().st_size for p in Path(backend.db).parent.glob(Path(backend.db).name + "*") if p.is_file())
    files = [p for p in backend.attachments.rglob("*") if p.is_file()]
    submissions = sum(kinds.values()) or 1
    return {"rows": kinds, "db_bytes": db_bytes, "db_bytes_per_submission": db_bytes // submissions,
            "attachment_files": len(files), "attachment_bytes": sum(p.stat().st_size for p in files)}


def drain_rate(backend: Backend, count: int) -> dict:
    """One terminal's outbox, ``count`` applications (two 300 KB pages each), drained."""
    from kiosk.central.client import CentralClient
    from kiosk.outbox.store import Outbox
    from kiosk.outbox.synthetic import synthetic_application
    from kiosk.outbox.worker import OutboxWorker

    terminal_id, key = backend.terminals[0]
    folder = Path(tempfile.mkdtemp(prefix="drain-", dir=backend.folder))
    outbox_key = os.urandom(32)
    box = Outbox(folder, outbox_key, terminal_id, durable=False)
    for i in range(count):
        body, atts = synthetic_application(i, backend.id_hash_key, PAGE, random.Random(i))
        box.enqueue("application", body, atts)
    worker = OutboxWorker(box, CentralClient(backend.url, terminal_id, key))
    started = time.perf_counter()
    status = worker.run(until_empty=True)
    seconds = time.perf_counter() - started
    worker.client.close()
    box.close()
    assert status["confirmed"] == count, status
    return {"apps": count, "seconds": round(seconds, 2), "apps_per_s": round(count / seconds, 1)}


def main() -> int:
    # SIGTERM ends the run like Ctrl-C: through the finally blocks that stop the platform and the cluster
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="250,500,1000,2000")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--drain", type=int, default=100)
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]
    summary = {}
    for kind in args.backends.split(","):
        folder = Path(tempfile.mkdtemp(prefix=f"load-{kind}-"))
        backend = Backend(kind, folder, workers=2 if kind == "postgresql" else 1)
        try:
            steps_done = run_steps(backend, steps, args.seconds, args.warmup)
            stored = storage(backend)
            drain = drain_rate(backend, args.drain) if args.drain else None
        finally:
            backend.stop()
            shutil.rmtree(folder, ignore_errors=True)
        held = [s["terminals"] for s in steps_done if s["holds"]]
        summary[kind] = {"sustained_terminals": max(held) if held else 0, "drain": drain, "storage": stored}
        print(json.dumps({"backend": kind, **summary[kind]}), flush=True)
    print("summary:", json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
