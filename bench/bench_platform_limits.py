"""Peak memory of the reference platform under hostile and heavy bodies at once.

Ten unsigned 100 MB bodies (five declared by Content-Length to /v1/heartbeat,
five chunked, with no declared size, to /v1/attachments) and ten signed 10 MB
attachments arrive together.  The platform runs as its own process
(``python -m simulators.platform``); its peak resident memory is the
kernel's high-water mark (VmHWM in /proc/<pid>/status), read after the storm.
Each round starts a fresh platform; the figure is the median over rounds,
also as a ratio to the same process's resident memory when idle.

Goal: peak under 150 MB, every unsigned body refused (413 or 401) without
being read, every signed attachment stored (201).

    PYTHONPATH=. .venv/bin/python bench/bench_platform_limits.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.central import signing  # noqa: E402
from simulators.platform.server import free_port  # noqa: E402
from simulators.platform.store import PlatformStore  # noqa: E402

TERMINAL = "HUT-BENCH-LIMITS"
UNSIGNED_BYTES = 100 * 1000 * 1000
ATTACHMENT_BYTES = 10 * 1000 * 1000
GOAL_MB = 150


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def unsigned_body(port: int, method: str, path: str, chunked: bool) -> tuple[int | None, int]:
    """Send headers, then up to 100 MB of body while no answer has come;
    return (status, body bytes sent before the answer)."""
    piece = b"x" * (1024 * 1024)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {UNSIGNED_BYTES}"
    content_type = "application/octet-stream" if "attachments" in path else "application/json"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n"
                     .encode())
        answer = b""
        while sent < UNSIGNED_BYTES:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except OSError:  # the platform answered and closed: that is the point
                break
            sent += len(piece)
        try:
            answer = sock.recv(4096)
        except OSError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return status, sent


def signed_attachment(url: str, key: bytes, data: bytes) -> int:
    put = f"{url}/v1/attachments/{hashlib.sha256(data).hexdigest()}"
    r = requests.put(put, data=data, timeout=120, headers={**signing.sign(key, "PUT", put, data, TERMINAL),
                                                            "Content-Type": "application/octet-stream"})
    return r.status_code


def one_round(folder: Path) -> dict:
    db = folder / "platform" / "platform.sqlite3"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "simulators.platform", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/openapi.json", timeout=1).raise_for_status()
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("platform process did not start") from None
                time.sleep(0.1)
        key = os.urandom(32)
        store = PlatformStore(db)
        store.add_terminal(TERMINAL, key.hex())
        store.close()
        assert signed_attachment(url, key, os.urandom(1000)) == 201  # warm: every code path loaded once
        idle_kb = _kb(proc.pid, "VmRSS")
        attachments = [os.urandom(ATTACHMENT_BYTES) for _ in range(10)]
        results: dict[str, list] = {"unsigned": [], "signed": []}
        lock = threading.Lock()

        def attack(method: str, path: str, chunked: bool) -> None:
            outcome = unsigned_body(port, method, path, chunked)
            with lock:
                results["unsigned"].append(outcome)

        def upload(data: bytes) -> None:
            status = signed_attachment(url, key, data)
            with lock:
                results["signed"].append(status)

        threads = [threading.Thread(target=attack, args=("POST", "/v1/heartbeat", False)) for _ in range(5)]
        threads += [threading.Thread(target=attack, args=("PUT", f"/v1/attachments/{'0' * 64}", True))
                    for _ in range(5)]
        threads += [threading.Thread(target=upload, args=(data,)) for data in attachments]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - started
        peak_kb = _kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(10)
    statuses = sorted(str(s) for s, _ in results["unsigned"])
    return {"idle_mb": round(idle_kb / 1024, 1), "peak_mb": round(peak_kb / 1024, 1),
            "seconds": round(seconds, 2), "unsigned_statuses": statuses,
            "unsigned_mb_sent_before_answer": round(max(sent for _, sent in results["unsigned"]) / 1e6, 1),
            "signed_statuses": sorted(results["signed"])}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    rounds = []
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-limits-", dir=args.dir) as tmp:
            result = one_round(Path(tmp))
        print(f"round {i + 1}: {json.dumps(result)}", flush=True)
        rounds.append(result)
    peak = statistics.median(r["peak_mb"] for r in rounds)
    idle = statistics.median(r["idle_mb"] for r in rounds)
    print(f"median peak {peak:.1f} MB (idle {idle:.1f} MB, ratio {peak / idle:.2f}); goal < {GOAL_MB} MB")
    refused = all(set(r["unsigned_statuses"]) <= {"401", "413"} for r in rounds)
    stored = all(r["signed_statuses"] == [201] * 10 for r in rounds)
    ok = peak < GOAL_MB and refused and stored
    print("goals met" if ok else f"GOAL MISSED (unsigned refused: {refused}, signed stored: {stored})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
