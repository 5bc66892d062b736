"""The A4 printer's reading of CUPS's IPP attributes (no I/O)."""

from __future__ import annotations

import pytest

from drivers.a4printer.codec import JobState, parse_url, read_job, read_queue, split_reason
from drivers.base import Status


def test_an_idle_queue_is_online():
    reading = read_queue("hut-a4", {"printer-state": 3, "printer-state-reasons": ["none"],
                                    "printer-is-accepting-jobs": True})
    assert reading.status is Status.ONLINE and reading.problem is None
    assert reading.detail == {"queue": "hut-a4", "printer_state": "idle", "reasons": []}


@pytest.mark.parametrize("reasons, state, code, status", [
    (["media-empty-error"], 4, "media_empty", Status.USER_ERROR),
    (["media-needed"], 4, "media_empty", Status.USER_ERROR),
    (["media-jam-error"], 4, "media_jam", Status.USER_ERROR),
    (["door-open-error"], 4, "door_open", Status.USER_ERROR),
    (["offline-report"], 3, None, Status.ONLINE),          # a report is information only
    (["offline"], 3, "offline", Status.OFFLINE),            # no suffix: an error, as CUPS reads it
    (["paused"], 5, "paused", Status.OFFLINE),
    (["toner-empty-error"], 5, "toner_empty", Status.USER_ERROR),
])
def test_reasons_become_the_manifest_problems(reasons, state, code, status):
    reading = read_queue("q", {"printer-state": state, "printer-state-reasons": reasons})
    assert reading.status is status
    assert reading.detail.get("problem") == code


def test_the_worst_problem_wins_and_warnings_are_notices():
    reading = read_queue("q", {"printer-state": 5, "printer-state-reasons": ["paused", "toner-low-warning",
                                                                             "media-jam-error"]})
    assert reading.detail["problem"] == "media_jam"
    assert reading.detail["toner"] == "low" and reading.notices == ("toner_low",)


def test_a_low_tray_is_a_notice_on_a_working_printer():
    reading = read_queue("q", {"printer-state": 3, "printer-state-reasons": ["media-low-report"]})
    assert reading.status is Status.ONLINE and reading.detail["paper"] == "near_end"


def test_a_stopped_queue_without_a_named_reason_and_a_rejecting_one():
    stopped = read_queue("q", {"printer-state": 5, "printer-state-reasons": ["none"],
                               "printer-state-message": "/usr/lib/cups/backend/x failed"})
    assert stopped.detail["problem"] == "stopped" and stopped.status is Status.HARDWARE_ERROR
    assert "failed" in stopped.detail["message"]
    rejecting = read_queue("q", {"printer-state": 3, "printer-is-accepting-jobs": False})
    assert rejecting.detail["problem"] == "not_accepting"


def test_split_reason():
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("toner-low-warning") == ("toner-low", "warning")
    assert split_reason("paused") == ("paused", "error")


def test_job_readings():
    job = read_job(7, {"job-state": 9, "job-state-reasons": "job-completed-successfully",
                       "job-impressions-completed": 2})
    assert job.state is JobState.COMPLETED and job.state.finished and job.impressions == 2
    assert read_job(8, {"job-state": 42}).state is JobState.PENDING   # a state IPP does not have


@pytest.mark.parametrize("url, where", [
    ("unix:/run/cups/cups.sock", ("/run/cups/cups.sock", 0)),
    ("unix:///run/cups/cups.sock", ("/run/cups/cups.sock", 0)),
    ("ipp://127.0.0.1:631", ("127.0.0.1", 631)),
    ("http://localhost:6310/printers/x", ("localhost", 6310)),
    ("ipp://localhost", ("localhost", 631)),
])
def test_cups_addresses(url, where):
    assert parse_url(url) == where


@pytest.mark.parametrize("url", ["tcp://1.2.3.4:9100", "unix:relative.sock", "ipp://host:99999", "ipp://host:x"])
def test_bad_cups_addresses_are_refused(url):
    with pytest.raises(ValueError):
        parse_url(url)
