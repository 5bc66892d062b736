"""The terminal's heartbeat: the app leaves its device statuses in a snapshot,
the outbox worker sends them with the outbox depth to the platform; an app
that stopped reporting shows as unknown, never as "all well"."""

from __future__ import annotations

import time

from drivers.base import Action, Device, DeviceInfo, Status
from kiosk.devices.snapshot import read_snapshot, write_snapshot
from kiosk.outbox.synthetic import fill
from simulators.platform.testing import admin


class Reader(Device):
    device_class = "idcard"

    def _open(self):
        self._set_info(DeviceInfo("SAM-X", "S-42", "2.1", frozenset({"fingerprint"})))
        self._set_state(Status.ONLINE, card_present=False)

    def _close(self):
        self._set_state(Status.OFFLINE)

    def _check_health(self, level):
        return "OK"


def _last_heartbeat(platform, terminal) -> dict:
    return admin(platform, "GET", f"/v1/admin/terminals/{terminal.id}/heartbeat").json()["heartbeat"]


def _snapshot(state_dir, *devices, now=None):
    """What the device owner leaves for the worker (tests/kiosk/test_device_owner.py
    covers the owner writing it on every change)."""
    views = {d.name: {**d.state.as_dict(), "info": d.info.as_dict(), "counters": d.counters.snapshot(),
                      "last_error": None} for d in devices}
    write_snapshot(state_dir, views, now)


def test_snapshot_follows_status_changes(tmp_path, make_settings):
    from kiosk.devices.owner import DeviceOwner

    reader = Reader("idcard")
    owner = DeviceOwner(make_settings(), snapshot_dir=tmp_path)
    owner.attach(reader)
    reader.open()
    assert read_snapshot(tmp_path, max_age=60)["idcard"]["status"] == "online"
    reader._report_error("SAM self-test failed: call an engineer", Action.MAINTENANCE)
    reader._set_state(Status.HARDWARE_ERROR)
    seen = read_snapshot(tmp_path, max_age=60)["idcard"]
    assert seen["status"] == "hardware_error"
    assert seen["last_error"] == {"what": "SAM self-test failed: call an engineer", "action": "maintenance"}
    assert seen["info"]["serial"] == "S-42"
    owner.stop()


def test_stale_snapshot_reports_unknown(tmp_path):
    reader = Reader("idcard")
    reader.open()
    _snapshot(tmp_path, reader)
    later = time.time() + 600
    seen = read_snapshot(tmp_path, max_age=180, now=later)["idcard"]
    assert seen["status"] == "unknown" and "not running" in seen["detail"]["reason"]
    assert read_snapshot(tmp_path / "nowhere", max_age=180) == {}
    (tmp_path / "devices.json").write_text("{garbage")
    assert read_snapshot(tmp_path, max_age=180) == {}


def test_worker_sends_device_statuses_and_outbox_depth(tmp_path, platform, terminal, outbox, make_worker):
    reader = Reader("idcard")
    reader.open()
    reader.counters.incr("reads", 7)
    _snapshot(tmp_path / "state", reader)
    fill(outbox, 2, terminal.id_hash_key, attachment_bytes=1024)

    worker = make_worker("http://127.0.0.1:9", heartbeat_seconds=60, state_dir=tmp_path / "state")
    assert worker.send_heartbeat() is False  # platform unreachable: logged, nothing raised

    worker = make_worker(platform.url, heartbeat_seconds=60, state_dir=tmp_path / "state")
    assert worker.send_heartbeat() is True
    beat = _last_heartbeat(platform, terminal)
    assert beat["devices"]["idcard"]["status"] == "online"
    assert beat["devices"]["idcard"]["counters"] == {"reads": 7}
    assert beat["outbox"]["depth"] == 2
    worker.run(until_empty=True, deadline=time.monotonic() + 60)
    assert worker.send_heartbeat() is True
    assert _last_heartbeat(platform, terminal)["outbox"]["depth"] == 0
