"""呼叫工作人员 end to end: the terminal records the call in the app's state
file, a real outbox worker (a thread, as its own process would) sees it and
sends a heartbeat at once, not a minute later; the reference platform keeps
the call and lists it for its back office; the visit's end reaches it too."""

from __future__ import annotations

import time

from kiosk.commands.doctor import doctor_report, render
from kiosk.devices.snapshot import write_snapshot
from kiosk.outbox.store import Outbox
from simulators.platform.testing import admin, client_for
from tests.kiosk.terminal.test_filing_platform import Worker
from tests.terminal_kit import DEVICES, TerminalKit, to_form


def wait_for(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not seen within {timeout} s: {what}"
        time.sleep(0.05)
    return found


def beat(platform, terminal):
    found = platform.store.last_heartbeat(terminal.id)
    return found["heartbeat"] if found else {}


def test_a_call_reaches_the_platform_at_once_and_its_end_with_the_visit(make_settings, platform, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal)
    settings = make_settings(DEVICES)
    with TerminalKit(settings, outbox=outbox, client=client) as kit, \
            Worker(folder, terminal, platform.url, settings.paths.state_dir):
        t = kit.terminal
        t.write_app_state()
        wait_for(lambda: beat(platform, terminal), "the first heartbeat")
        assert "help_request" not in beat(platform, terminal)          # no call: no field (as before)
        approval = to_form(kit)
        assert approval.form.set_field("phone", "13912345678") is None

        t.call_staff()                  # the heartbeat interval is 60 s: this one comes because of the call
        call = wait_for(lambda: beat(platform, terminal).get("help_request"), "the call in a heartbeat", 8)
        assert call["state"] == "pending" and call["screen"] == "form" and call["service"] == "approval"
        assert call["requested_at"].endswith("Z")
        t.call_staff()                  # pressed again: the same call
        t.close_staff_call()

        write_snapshot(settings.paths.state_dir, {})           # the app's device report: doctor reads the app
        report = doctor_report(settings, probe_platform=False)   # kiosk doctor at the terminal's shell
        assert report["needs_staff"][0] == "staff_called" and report["staff_call"]["state"] == "pending"
        assert "waiting for staff" in render(report)

        t.home("resident")
        t.discard_visit()               # the visit ends before anyone came: the platform hears it
        ended = wait_for(lambda: (c := beat(platform, terminal).get("help_request")) and c["state"] == "visit_ended"
                         and c, "the visit's end in a heartbeat", 8)
        assert ended["requested_at"] == call["requested_at"]

    listed = admin(platform, "GET", "/v1/admin/help-requests").json()["help_requests"]
    assert len(listed) == 1 and listed[0]["terminal_id"] == terminal.id
    assert listed[0]["help_request"]["state"] == "visit_ended"
    body = str(platform.store.last_heartbeat(terminal.id))
    for personal in ("王秀兰", "110105194412310023", "13912345678"):
        assert personal not in body
