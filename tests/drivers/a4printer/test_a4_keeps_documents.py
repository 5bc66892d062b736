"""The A4 printer's health check says when the terminal's own CUPS keeps
printed documents (a certificate names the resident; docs/certificates.md)."""

from __future__ import annotations

import pytest

from drivers.a4printer.codec import QueueReading
from drivers.a4printer.device import A4Printer, preserved_job_files
from drivers.base import Status


@pytest.mark.parametrize("conf, kept", [
    ("LogLevel warn\nMaxJobs 500\n", "86400"),                    # absent: CUPS's default, a day
    ("PreserveJobHistory Yes\nPreserveJobFiles No\n", None),
    ("  preservejobfiles   off  \n", None),
    ("# PreserveJobFiles No\n", "86400"),                         # a comment says nothing
    ("PreserveJobFiles No\nPreserveJobFiles 3600\n", "3600"),     # the last one counts
    ("PreserveJobFiles Yes\n", "Yes"),
])
def test_what_cupsd_conf_keeps(conf, kept):
    assert preserved_job_files(conf) == kept


def printer(tmp_path, conf: str | None, url: str = "unix:/run/cups/cups.sock") -> A4Printer:
    path = tmp_path / ("cupsd.conf" if conf is not None else "missing.conf")
    if conf is not None:
        path.write_text(conf, encoding="utf-8")
    device = A4Printer("a4_printer", url=url, options={"queue": "hut-a4", "cupsd_conf": str(path)})
    device.read = lambda: QueueReading(Status.ONLINE, {})   # type: ignore[method-assign]  # a working queue
    return device


def test_the_terminals_own_cups_keeping_documents_is_what_the_health_check_says(tmp_path):
    said = printer(tmp_path, "LogLevel warn\n").check_health("internal")
    assert "PreserveJobFiles No" in said and "restart cups" in said and "86400" in said
    assert printer(tmp_path, "PreserveJobFiles No\n").check_health("internal") == "OK"
    assert printer(tmp_path, "LogLevel warn\n", url="ipp://127.0.0.1:631").check_health("external") != "OK"
    assert "cannot read" in printer(tmp_path, None).check_health("internal")


def test_a_configuration_this_user_may_not_read_is_no_finding(tmp_path, monkeypatch):
    """cupsd rewrites its file root:lp 0640: the kiosk app's user cannot tell (root's doctor can)."""
    from pathlib import Path

    device = printer(tmp_path, "LogLevel warn\n")

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refused)
    assert device.check_health("internal") == "OK"


def test_another_servers_configuration_is_not_the_terminals_to_judge(tmp_path):
    # the virtual hut's CUPS, on its own socket and port: its cupsd.conf is not /etc/cups's
    assert printer(tmp_path, "LogLevel warn\n", url="unix:/tmp/hut/cups.sock").check_health("internal") == "OK"
    assert printer(tmp_path, "LogLevel warn\n", url="ipp://127.0.0.1:8631").check_health("internal") == "OK"
