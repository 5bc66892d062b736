"""Filing end to end: the approval flow enqueues in a real outbox on disk, a
real outbox worker (in a thread, as its own process would) sends to the
reference platform; the slip and the progress query read the number back."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kiosk.filing.submission import parse_slip_qr
from kiosk.flows.approval import ApprovalState
from kiosk.flows.progress import ProgressState
from kiosk.outbox.store import Outbox
from kiosk.outbox.worker import OutboxWorker
from simulators.platform.testing import Terminal, client_for, start_platform
from tests.kiosk.filing.filing_parts import SlipPrinter, card, to_review


class Worker:
    """The outbox worker process, as a thread with its own outbox connection."""

    def __init__(self, folder, terminal, url):
        self.worker = OutboxWorker(Outbox(folder, terminal.outbox_key, terminal.id, durable=False),
                                   client_for(url, terminal, read_timeout=2.0), base_delay=0.05, max_backoff=0.3,
                                   idle_poll=0.05)
        self.thread = threading.Thread(target=self.worker.run, name="outbox-worker", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.worker

    def __exit__(self, *exc):
        self.worker.stopping.set()
        self.thread.join(5)
        self.worker.outbox.close()
        self.worker.client.close()


def file_one(kiosk, code="MZ-003"):
    to_review(kiosk, code)
    kiosk.approval.consent(True)
    kiosk.run(kiosk.approval, kiosk.approval.submit())
    assert kiosk.approval.state is ApprovalState.DONE
    return kiosk.approval.view


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_online_the_resident_gets_the_platforms_number_and_a_slip_that_opens_its_progress(
        make_kiosk, platform, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal)
    kiosk = make_kiosk(outbox=outbox, client=client, id_hash_key=terminal.id_hash_keys, wait_seconds=15.0)
    with Worker(folder, terminal, platform.url):
        view = file_one(kiosk)
    assert view.confirmed and view.slip == "printed" and not view.number.startswith(terminal.id)
    slip = repr(kiosk.printer.printed[0])
    proof = parse_slip_qr(next(part for part in slip.split("'") if part.startswith("HUTAPP:")))
    assert proof.number == view.number and len(proof.access_code) == 16
    assert "个工作日内办结" in slip
    # The code went to the slip and nowhere else: the outbox gives it once.
    serial = outbox.records()[0]["serial"]
    again = outbox.take_confirmation(serial)
    assert again.number == view.number and again.access_code == ""
    assert proof.access_code not in repr(again)

    kiosk.visit.home()
    kiosk.visit.choose("progress")
    p = kiosk.progress
    assert p.state is ProgressState.WAITING and p.view.items == ()  # nothing before a proof
    kiosk.run(p, p.slip_read(f"HUTAPP:{proof.number}:{'0' * 16}"))
    assert p.state is ProgressState.NOTHING_FOUND and p.view.items == ()  # a wrong code tells nothing
    kiosk.run(p, p.slip_read(f"HUTAPP:{proof.number}:{proof.access_code}"))
    assert p.state is ProgressState.RESULTS and p.view.proof == "slip"
    (item,) = p.view.items
    assert (item.number, item.matter, item.status_zh, item.status_en) == (view.number, "高龄津贴申请", "已受理",
                                                                          "Received")
    assert item.next_zh and item.meaning_en
    outbox.close()
    client.close()


def test_offline_the_local_serial_then_the_worker_sends_it_by_itself(make_kiosk, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    kiosk = make_kiosk(outbox=outbox, id_hash_key=terminal.id_hash_keys, wait_seconds=15.0, online=False,
                       printer=SlipPrinter(fail=True))
    started = time.monotonic()
    view = file_one(kiosk)
    assert time.monotonic() - started < 5  # queued mode does not wait for a platform it cannot reach
    assert not view.confirmed and view.number.startswith(terminal.id) and view.slip == "note_number"
    slip = repr(kiosk.printer.printed[0])  # the print was tried, failed: the number is shown to note down
    assert "自动提交" in slip and f"HUTAPP:{view.number}" in slip

    server = start_platform(tmp_path / "platform", terminal)
    try:
        with Worker(folder, terminal, server.url) as worker:
            deadline = time.monotonic() + 10
            while worker.outbox.status()["confirmed"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
        record = outbox.records()[0]
        assert record["serial"] == view.number and record["state"] == "confirmed" and record["number"]

        # A slip with a local serial cannot open the progress; the card can, at any hut of the district.
        other = Terminal(id="HUT-TEST-02", id_hash_key=terminal.id_hash_key)
        server.store.add_terminal(other.id, other.key.hex(), "test")
        client = client_for(server.url, other)
        there = type(kiosk)(None, client, other.id_hash_keys, None, 0.0, kiosk.availability)
        there.visit.choose("progress")
        assert there.progress.slip_read(f"HUTAPP:{view.number}") is None
        assert there.progress.state is ProgressState.LOCAL_SLIP
        there.run(there.progress, there.progress.card_read(card()))
        assert there.progress.state is ProgressState.RESULTS and there.progress.view.masked_name == "王**"
        assert [i.number for i in there.progress.view.items] == [record["number"]]
        client.close()
    finally:
        server.stop()
        outbox.close()


def test_progress_says_when_the_platform_cannot_answer_and_asks_again(make_kiosk, terminal):
    client = client_for(f"http://127.0.0.1:{closed_port()}", terminal, connect_timeout=0.5, read_timeout=0.5)
    kiosk = make_kiosk(client=client, id_hash_key=terminal.id_hash_keys)
    kiosk.visit.choose("progress")
    p = kiosk.progress
    assert p.slip_read("a shop's QR code") is None and p.view.hint == "not_a_slip"
    kiosk.run(p, p.card_read(card()))
    assert p.state is ProgressState.UNAVAILABLE and p.view.items == ()
    job = p.retry()
    assert p.state is ProgressState.QUERYING
    kiosk.visit.home()  # the resident gave up: a late answer must not reopen anything
    p.job_done(job, job.run())
    assert p.state is ProgressState.CLOSED and p.view.masked_name == ""
    client.close()


@pytest.mark.parametrize("text,expected", [
    ("HUTAPP:PF2026000123:0123456789abcdef", ("PF2026000123", "0123456789abcdef")),
    ("HUTAPP:HUT-TEST-01-261130-00001A3", ("HUT-TEST-01-261130-00001A3", "")),
    ("HUTAPP:PF1:0123456789ABCDEF", None),      # the platform's codes are lower-case hex
    ("HUTAPP:../admin:0123456789abcdef", None),
    ("https://example.com/HUTAPP:PF1", None),
    ("", None),
])
def test_slip_qr_codes(text, expected):
    proof = parse_slip_qr(text)
    assert (None if proof is None else (proof.number, proof.access_code)) == expected


def test_a_matter_with_a_face_check_sends_its_outcome_and_the_platform_takes_it(make_kiosk, platform, terminal,
                                                                                 tmp_path):
    from kiosk.flows.approval import FACE_CHECK_KEY
    from kiosk.flows.face_check import SESSION_KEY

    assert FACE_CHECK_KEY == SESSION_KEY
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    kiosk = make_kiosk(outbox=outbox, id_hash_key=terminal.id_hash_keys, online=False)
    # 低保: face check (passed on the way, as the runner reports it), and sensitive (income, bank card)
    to_review(kiosk, "MZ-001", record=card(photo_bmp=b"BM" + bytes(100)))
    assert kiosk.session.data[SESSION_KEY]["passed"] is True
    kiosk.approval.consent(True), kiosk.approval.consent_sensitive(True)
    kiosk.run(kiosk.approval, kiosk.approval.submit())
    payload = outbox.open_payload(outbox.next_due())
    assert b'"face_check":{"performed":true' in payload and b'"score":0.41' in payload
    with Worker(folder, terminal, platform.url) as worker:
        deadline = time.monotonic() + 10
        while worker.outbox.status()["confirmed"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert outbox.records()[0]["state"] == "confirmed"  # the platform took the outcome in the contract's shape
    outbox.close()
