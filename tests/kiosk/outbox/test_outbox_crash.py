"""Crash safety: SIGKILL the worker process at 30 random moments while it
drains 300 submissions; the platform must end with each exactly once."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import tomli_w

from kiosk.config import load, write_secrets_file
from kiosk.outbox.store import Outbox
from kiosk.outbox.synthetic import fill
from simulators.platform.server import PlatformServer
from simulators.platform.testing import admin

KILLS = 30
SUBMISSIONS = 300


def _hut_config(tmp_path, url):
    secrets = tmp_path / "secrets.toml"
    key = os.urandom(32)
    write_secrets_file(secrets, terminal_key=key)
    config = tmp_path / "kiosk.toml"
    config.write_text(tomli_w.dumps({
        "terminal": {"id": "HUT-CRASH-01"},
        "platform": {"url": url, "connect_timeout": 1.0, "read_timeout": 2.0},
        "paths": {"state_dir": str(tmp_path / "state"), "secrets_file": str(secrets)},
        "outbox": {"max_backoff_seconds": 1},
    }))
    return config, key


@pytest.mark.procs
def test_sigkill_at_random_moments_loses_nothing_and_files_nothing_twice(tmp_path):
    _crash_run(tmp_path, SUBMISSIONS, KILLS, attachment_bytes=2048, fault=("timeout", {"seconds": 0.03}))


@pytest.mark.soak
def test_soak_sigkill_with_full_size_pages(tmp_path):
    """make soak: 1,000 applications with two 300 KB pages, 100 kills."""
    _crash_run(tmp_path, 1000, 100, attachment_bytes=300 * 1024, fault=("timeout", {"seconds": 0.03}),
               life=(0.3, 1.0))


def _crash_run(tmp_path, submissions, kills, attachment_bytes, fault, life=(0.3, 0.9)):
    platform = PlatformServer(tmp_path / "platform.sqlite3")
    platform.start()
    worker = None
    try:
        config, key = _hut_config(tmp_path, platform.url)
        settings = load(config)
        platform.store.add_terminal(settings.terminal.id, key.hex())
        outbox = Outbox.from_settings(settings)
        queued = fill(outbox, submissions, settings.id_hash_keys, attachment_bytes=attachment_bytes)
        # every answer held a moment after the platform acted: kills land mid-upload, between steps and
        # where the platform has filed a submission but the worker has not recorded it (about 1 kill in 3)
        platform.faults.set(fault[0], **fault[1])
        cmd = [sys.executable, "-m", "kiosk.cli", "--config", str(config), "--log-level", "WARNING", "outbox"]
        rng = random.Random(20261126)
        progress = []
        for _ in range(kills):
            asked = platform.faults.injected
            worker = subprocess.Popen(cmd + ["worker"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # Each kill comes a random moment after the worker's first request reaches
            # the platform: a worker at work, however long this machine took to start it.
            deadline = time.monotonic() + 60
            while platform.faults.injected == asked:
                assert worker.poll() is None, worker.stderr.read().decode()
                assert time.monotonic() < deadline, "the worker sent nothing within 60 s"
                time.sleep(0.005)
            time.sleep(rng.uniform(*life))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            assert worker.returncode == -signal.SIGKILL, worker.stderr.read().decode()
            worker.stderr.close()
            progress.append(outbox.status()["confirmed"])
        assert progress[-1] < submissions, f"the drain finished before the last kill: {progress}"
        # most kills hit a worker at work, not one still importing its modules
        working = sum(after > before for before, after in zip([0] + progress, progress))
        assert working >= kills * 2 // 3, f"too few kills landed mid-drain: {progress}"
        platform.faults.clear()
        drain = subprocess.run(cmd + ["drain", "--timeout", "600"], capture_output=True, text=True, timeout=700)
        assert drain.returncode == 0, drain.stdout + drain.stderr
        status = outbox.status()
        assert (status["pending"], status["dead"], status["confirmed"]) == (0, 0, submissions)
        assert list(outbox.blob_dir.iterdir()) == []
        stats = admin(platform, "GET", "/v1/admin/stats").json()
        assert stats["applications"] == submissions
        # the hard case happened: the platform filed it, the kill lost the answer, the restart asked by serial
        assert platform.store.counter("serial_lookups_found") >= 1
        counts = platform.store.serial_counts()
        assert set(counts) == {r.serial for r in queued} and set(counts.values()) == {1}
        numbers = [r["number"] for r in outbox.records()]
        assert len(set(numbers)) == submissions and all(n.startswith("PF") for n in numbers)
        outbox.close()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        platform.stop()
