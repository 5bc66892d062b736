"""Filing end to end: the terminal enqueues in a real outbox on disk, a real
outbox worker (in a thread, as its own process would) sends to the reference
platform; the slip and the progress query read the number back."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kiosk.filing.submission import parse_slip_qr
from kiosk.flows.face_check import OUTCOME
from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.outbox.worker import OutboxWorker
from kiosk.services.progress.flow import ProgressState
from simulators.platform.testing import Terminal, client_for, start_platform
from tests.terminal_kit import DEVICES, TerminalKit, card, empty_tray, page_scene, to_review


class Worker:
    """The outbox worker process, as a thread with its own outbox connection
    (``state_dir``: it also sends the heartbeat and says the platform is reachable)."""

    def __init__(self, folder, terminal, url, state_dir=None):
        self.worker = OutboxWorker(Outbox(folder, terminal.outbox_key, terminal.id, durable=False),
                                   client_for(url, terminal, read_timeout=2.0), base_delay=0.05, max_backoff=0.3,
                                   idle_poll=0.05, heartbeat_seconds=60.0 if state_dir else None, state_dir=state_dir)
        self.thread = threading.Thread(target=self.worker.run, name="outbox-worker", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.worker

    def __exit__(self, *exc):
        self.worker.stopping.set()
        self.thread.join(5)
        self.worker.outbox.close()
        self.worker.client.close()



def wait_confirmed(worker, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while worker.outbox.status()["confirmed"] < count:
        assert time.monotonic() < deadline, "the worker did not get the platform's confirmation"
        time.sleep(0.05)


def file_one(kit, code="MZ-003", record=None):
    review = to_review(kit, code, record=record).submission
    review.consent(True)
    review.consent_sensitive(True)
    assert review.submit()
    kit.run_until(lambda: kit.step is Step.DONE and review.view.slip not in ("", "printing"), "the number and slip",
                  timeout=20)
    return review.view


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_resident_files_a_matter_from_the_home_tile_to_the_slip(make_settings, platform, terminal, tmp_path):
    """The whole visit as a resident makes it, in process: the tile, the pinyin
    search, the card on the reader, the form, each paper laid under the camera
    (the real page detector and auto-capture), the consent, the platform's
    number within the wait, the printed slip, home."""
    from kiosk.flows.identify import IdentifyState
    from kiosk.services.approval.views import PapersState, SubmitState

    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal)
    settings = make_settings(DEVICES)
    with Worker(folder, terminal, platform.url, settings.paths.state_dir), \
            TerminalKit(settings, outbox=outbox, client=client, wait_seconds=8.0) as kit:
        t = kit.terminal
        # The worker's first heartbeat reached the platform: the kiosk files online.
        kit.run_until(lambda: (t.refresh_availability(), kit.view.availability.online)[1], "the platform reachable")
        t.open_service("approval")
        assert kit.step is Step.CHOOSE_MATTER and kit.view.total == -1  # "step 1": the matter decides the total
        kit.here.search("gljt")                          # 高龄津贴 by its pinyin initials
        assert [m.code for m in kit.view.step_view.matters] == ["MZ-003"]
        kit.here.choose("MZ-003")
        assert kit.step is Step.CONDITIONS
        kit.here.start()
        assert kit.step is Step.IDENTIFY and kit.view.step_view.state is IdentifyState.WAITING
        kit.reader.place(card())
        kit.run_until(lambda: kit.view.step_view.state is IdentifyState.IDENTIFIED, "the card to be read")
        assert kit.view.step_view.masked_name == "王**"
        assert t.continue_()
        assert kit.step is Step.FORM
        form = kit.here
        assert {f.name: f.display for f in form.view.fields}["birth_date"] == "1944-12-31"   # from the card
        assert form.set_field("phone", "13912345678") is None
        form.done()
        assert kit.step is Step.PAPERS
        papers = kit.here
        for seed in (2, 3, 11):                           # id_card, hukou, bank_card: one page each (three forms)
            kit.camera.show(page_scene(seed))
            kit.run_until(lambda: papers.state is PapersState.CHECKING, "a page to be taken", timeout=20)
            kit.camera.show(empty_tray())
            papers.next_paper()
        assert kit.step is Step.REVIEW
        review = kit.here
        review.consent(True)
        assert review.submit()
        kit.run_until(lambda: kit.step is Step.DONE, "the number", timeout=15)
        done = kit.view.step_view
        assert done.state is SubmitState.DONE and done.confirmed and done.number
        kit.run_until(lambda: kit.view.step_view.slip == "printed", "the slip")
        (qr,) = [block.data for block in kit.printer.printed[-1].blocks if type(block).__name__ == "QR"]
        assert parse_slip_qr(qr).number == done.number      # the slip's QR opens this application's progress
        t.home("done")
        assert kit.view.screen == "home" and not t.session.active


def test_online_the_resident_gets_the_platforms_number_and_a_slip_that_opens_its_progress(
        make_kit, platform, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal)
    kit = make_kit(outbox=outbox, client=client, id_hash_keys=terminal.id_hash_keys, wait_seconds=15.0, online=True)
    with Worker(folder, terminal, platform.url):
        view = file_one(kit)
    assert view.confirmed and view.slip == "printed" and not view.number.startswith(terminal.id)
    slip = repr(kit.printer.printed[0])
    proof = parse_slip_qr(next(part for part in slip.split("'") if part.startswith("HUTAPP:")))
    assert proof.number == view.number and len(proof.access_code) == 16
    assert "个工作日内办结" in slip
    # The code went to the slip and nowhere else: the outbox gives it once.
    serial = outbox.records()[0]["serial"]
    again = outbox.take_confirmation(serial)
    assert again.number == view.number and again.access_code == ""
    assert proof.access_code not in repr(again)

    t = kit.terminal
    t.home()
    kit.reader.take()
    t.open_service("progress")
    p = t.flow("progress")
    assert p.state is ProgressState.WAITING and p.view.items == ()  # nothing before a proof
    p.slip_read(f"HUTAPP:{proof.number}:{'0' * 16}")
    kit.run_until(lambda: p.state is ProgressState.NOTHING_FOUND, "the answer")
    assert p.view.items == ()                                      # a wrong code tells nothing
    p.slip_read(f"HUTAPP:{proof.number}:{proof.access_code}")
    kit.run_until(lambda: p.state is ProgressState.RESULTS, "the answer")
    assert p.view.proof == "slip"
    (item,) = kit.view.step_view.items
    assert (item.number, item.matter, item.status_zh, item.status_en) == (view.number, "高龄津贴申请", "已受理",
                                                                          "Received")
    assert item.next_zh and item.meaning_en
    outbox.close()
    client.close()


def test_offline_the_local_serial_then_the_worker_sends_it_by_itself(make_kit, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox, id_hash_keys=terminal.id_hash_keys, wait_seconds=15.0)
    kit.printer.fail = True
    started = time.monotonic()
    view = file_one(kit)
    assert time.monotonic() - started < 10  # queued mode does not wait for a platform it cannot reach
    assert not view.confirmed and view.number.startswith(terminal.id) and view.slip == "note_number"
    slip = repr(kit.printer.printed[0])  # the print was tried, failed: the number is shown to note down
    assert "自动提交" in slip and f"HUTAPP:{view.number}" in slip

    server = start_platform(tmp_path / "platform", terminal)
    try:
        with Worker(folder, terminal, server.url) as worker:
            wait_confirmed(worker)
        record = outbox.records()[0]
        assert record["serial"] == view.number and record["state"] == "confirmed" and record["number"]

        # A slip with a local serial cannot open the progress; the card can, at any hut of the district.
        other = Terminal(id="HUT-TEST-02", id_hash_key=terminal.id_hash_key)   # the district's key, delivered to both huts
        server.store.add_terminal(other.id, other.key.hex(), "test")
        client = client_for(server.url, other)
        there = make_kit(client=client, id_hash_keys=other.id_hash_keys)
        there.terminal.open_service("progress")
        progress = there.terminal.flow("progress")
        assert not progress.slip_read(f"HUTAPP:{view.number}") and progress.state is ProgressState.LOCAL_SLIP
        there.reader.place(card())
        there.run_until(lambda: progress.state is ProgressState.RESULTS, "the resident's applications")
        assert progress.view.masked_name == "王**"
        assert [i.number for i in progress.view.items] == [record["number"]]
        client.close()
    finally:
        server.stop()
        outbox.close()


def test_progress_says_when_the_platform_cannot_answer_and_asks_again(make_kit, terminal):
    client = client_for(f"http://127.0.0.1:{closed_port()}", terminal, connect_timeout=0.5, read_timeout=0.5)
    kit = make_kit(client=client, id_hash_keys=terminal.id_hash_keys)
    t = kit.terminal
    t.open_service("progress")
    p = t.flow("progress")
    assert not p.slip_read("a shop's QR code") and p.view.hint == "not_a_slip"
    kit.reader.place(card())
    kit.run_until(lambda: p.state is ProgressState.UNAVAILABLE, "the platform's silence")
    assert p.view.items == () and kit.view.step_view.state is ProgressState.UNAVAILABLE
    assert p.retry() and p.state is ProgressState.QUERYING
    t.home()  # the resident gave up: a late answer must not reopen anything
    kit.run_until(lambda: t.jobs.pending == 0, "the late answer")
    kit.settle()
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


def test_a_matter_with_a_face_check_sends_its_outcome_and_the_platform_takes_it(make_kit, platform, terminal,
                                                                                 tmp_path):
    folder = tmp_path / "state" / "outbox"
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    kit = make_kit(outbox=outbox, id_hash_keys=terminal.id_hash_keys, terminal_id=terminal.id)
    # 低保: face check (passed on the way, as the runner reports it), and sensitive (income, bank card)
    review = to_review(kit, "MZ-001", record=card(photo_bmp=b"BM" + bytes(100))).submission
    assert kit.terminal.session.get(OUTCOME)["passed"] is True
    review.consent(True), review.consent_sensitive(True)
    assert review.submit()
    kit.run_until(lambda: kit.step is Step.DONE, "the filing")
    payload = outbox.open_payload(outbox.next_due())
    assert b'"face_check":{"performed":true' in payload and b'"score":0.41' in payload
    with Worker(folder, terminal, platform.url) as worker:
        wait_confirmed(worker)
    assert outbox.records()[0]["state"] == "confirmed"  # the platform took the outcome in the contract's shape
    outbox.close()
