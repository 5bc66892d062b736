"""Maintenance from the shell: self-tests and dead letters, each
in the audit log, against the virtual hut."""

from __future__ import annotations

import time

import pytest

from kiosk import config as config_mod
from kiosk.devices.owner import DeviceOwner
from kiosk.errors import KioskError
from kiosk.ops.maintenance_tasks import AuditLog, dead_letters, requeue, run_self_tests
from kiosk.outbox.store import Outbox
from kiosk.outbox.synthetic import fill
from simulators.hut import Hut


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with Hut(tmp_path_factory.mktemp("maint-hut"), only=["platform", "printer", "idcard"]) as hut:
        settings = config_mod.load(hut.config_path)
        with DeviceOwner(settings) as owner:
            owner.wait_settled()
            yield hut, settings, owner, AuditLog(settings.admin_dir)


def test_self_tests_print_and_are_audited(site):
    hut, _settings, owner, audit = site
    before = len(hut.control("printer", "jobs")["jobs"])
    results = run_self_tests(owner, audit, "worker-07")
    assert set(results) == {"idcard", "printer"} and all(r.startswith("OK") for r in results.values())
    deadline = time.monotonic() + 10
    while len(hut.control("printer", "jobs")["jobs"]) == before:
        assert time.monotonic() < deadline, "no test slip came out"
        time.sleep(0.1)
    logged = [(e.operator, e.action, e.target) for e in audit.entries()]
    assert ("worker-07", "self_test:external", "printer") in logged
    with pytest.raises(KioskError, match="no device named camera"):
        run_self_tests(owner, audit, "worker-07", ["camera"])


def test_dead_letters_are_listed_and_requeued(site):
    _hut, settings, _owner, audit = site
    outbox = Outbox.from_settings(settings)
    try:
        receipt = fill(outbox, 1, settings.id_hash_keys, attachment_bytes=100)[0]
        outbox.dead_letter(outbox.next_due(), "VALIDATION")
    finally:
        outbox.close()
    letters = dead_letters(settings)
    assert [(d["serial"], d["error"]) for d in letters] == [(receipt.serial, "VALIDATION")]
    assert requeue(settings, receipt.serial, audit, "worker-07")
    assert dead_letters(settings) == []
    assert not requeue(settings, receipt.serial, audit, "worker-07")
    assert [e.result for e in audit.entries() if e.action == "requeue"] == ["requeued", "not a dead letter"]
    text = audit.path.read_text(encoding="utf-8")
    assert audit.path.stat().st_mode & 0o777 == 0o600 and "id_number" not in text
