"""`kiosk outbox ...` as a technician runs it, and what reaches the logs."""

import json
import os
import subprocess
import sys

import pytest
import tomli_w

from kiosk.config import load, write_secrets_file
from kiosk.outbox.store import Attachment, Outbox
from simulators.platform.server import PlatformServer

pytestmark = pytest.mark.procs

NAME = "赵淑珍"
ID_NUMBER = "230108194005061238"
PHONE = "13612345678"


@pytest.fixture
def hut(tmp_path):
    platform = PlatformServer(tmp_path / "platform.sqlite3")
    platform.start()
    key = os.urandom(32)
    write_secrets_file(tmp_path / "secrets.toml", terminal_key=key)
    config = tmp_path / "kiosk.toml"
    config.write_text(tomli_w.dumps({
        "terminal": {"id": "HUT-CLI-01"}, "platform": {"url": platform.url, "read_timeout": 2.0},
        "paths": {"state_dir": str(tmp_path / "state"), "secrets_file": str(tmp_path / "secrets.toml")},
        "outbox": {"max_backoff_seconds": 1}}))
    platform.store.add_terminal("HUT-CLI-01", key.hex())
    yield config, platform
    platform.stop()


def kiosk(config, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), "--log-level", "DEBUG",
                           "outbox", *args], capture_output=True, text=True, timeout=timeout)


def test_fill_status_drain(hut):
    config, platform = hut
    r = kiosk(config, "fill", "--synthetic", "5")
    assert r.returncode == 0 and "enqueued 5 synthetic applications" in r.stdout
    status = json.loads(kiosk(config, "status", "--json").stdout)
    assert status["pending"] == 5 and status["oldest_pending_seconds"] >= 0
    text = kiosk(config, "status").stdout
    assert "pending    5" in text and "oldest pending:" in text
    r = kiosk(config, "drain", "--timeout", "30")
    assert r.returncode == 0 and "sent 5; pending 0, dead 0" in r.stdout
    assert platform.store.stats()["applications"] == 5
    assert json.loads(kiosk(config, "status", "--json").stdout)["confirmed"] == 5


def test_personal_data_never_reaches_the_logs(hut):
    config, platform = hut
    settings = load(config)
    outbox = Outbox.from_settings(settings)
    good = {"matter_code": "MZ-003", "applicant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE,
                                                   "id_hash": settings.id_hash_keys.filing_hash(ID_NUMBER)[0]},
            "form": {"birth_date": "1940-05-06", "phone": PHONE}}
    outbox.enqueue("application", good, [Attachment("id_card", f"{NAME}{ID_NUMBER}".encode())])
    bad = dict(good, form={"birth_date": NAME, "phone": ID_NUMBER})  # refused: FORM_INVALID, a dead letter
    dead = outbox.enqueue("application", bad)
    outbox.close()
    platform.faults.set("error500", count=1)
    r = kiosk(config, "drain", "--timeout", "30")
    logs = r.stdout + r.stderr
    assert "FORM_INVALID" in logs and dead.serial in logs  # the technician learns what and which
    for secret in (NAME, ID_NUMBER, PHONE, ID_NUMBER[-6:]):
        assert secret not in logs
    status = kiosk(config, "status").stdout
    assert f"dead letter {dead.serial} (application): FORM_INVALID" in status
    assert NAME not in status and ID_NUMBER not in status


def test_requeue_and_errors_a_technician_can_act_on(hut, tmp_path):
    config, _ = hut
    r = kiosk(config, "requeue", "NOPE-1")
    assert r.returncode == 2 and "no dead letter with serial NOPE-1" in r.stderr and "Traceback" not in r.stderr
    assert "0 waiting submission(s)" in kiosk(config, "retry").stdout
    r = kiosk(config, "fill", "--synthetic", "0")
    assert r.returncode == 2 and "positive number" in r.stderr


def _flocked_by(path, pid: int) -> bool:
    """Whether process ``pid`` holds a flock on ``path`` (Linux's /proc/locks)."""
    try:
        inode = os.stat(path).st_ino
    except FileNotFoundError:
        return False
    with open("/proc/locks", encoding="ascii") as locks:
        for line in locks:
            fields = line.split()   # 1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF
            if fields[1] == "FLOCK" and fields[4] == str(pid) and fields[5].endswith(f":{inode}"):
                return True
    return False


def test_only_one_worker_per_outbox(hut):
    config, _ = hut
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(config), "outbox", "worker"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        import time
        deadline = time.monotonic() + 15
        lock = load(config).paths.state_dir / "outbox" / "worker.lock"
        while not _flocked_by(lock, proc.pid):
            assert time.monotonic() < deadline and proc.poll() is None, "the worker never took its lock"
            time.sleep(0.05)
        r = kiosk(config, "drain", "--timeout", "5")
        assert r.returncode == 2 and "another outbox worker is running" in r.stderr
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0  # SIGTERM: a clean stop
