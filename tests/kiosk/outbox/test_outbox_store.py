"""The outbox on disk: serials at enqueue, encryption at rest, minimal records, retention, dead letters."""

import os
import sqlite3
import time

import pytest

from kiosk.outbox.sealing import SealError
from kiosk.outbox.store import Attachment, Outbox
from kiosk.privacy import id_lookup_hash

NAME = "王秀英"
ID_NUMBER = "230108195001011234"


def _application(terminal, name=NAME, id_number=ID_NUMBER):
    body = {"matter_code": "MZ-003", "card": "id_card",
            "applicant": {"name": name, "id_number": id_number, "phone": "13912345678",
                          "id_hash": id_lookup_hash(id_number, terminal.id_hash_key)},
            "form": {"birth_date": "1940-03-01", "phone": "13912345678"}}
    # the scanned pages carry the same text a real ID card scan would
    page = (f"姓名 {name} 公民身份号码 {id_number}".encode("utf-8") + os.urandom(1000))
    return body, [Attachment("id_card", page), Attachment("hukou", page[::-1])]


def _all_bytes(folder):
    blobs = []
    for root, _dirs, files in os.walk(folder):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                blobs.append(fh.read())
    return b"\n".join(blobs)


def test_enqueue_returns_a_receipt_number_at_once(outbox, terminal):
    queued = outbox.enqueue("application", *_application(terminal))
    assert queued.serial.startswith(terminal.id + "-")
    status = outbox.status()
    assert status["pending"] == 1 and status["oldest_pending_seconds"] >= 0
    other = outbox.enqueue("application", *_application(terminal))
    assert other.serial != queued.serial


def test_no_name_or_id_number_on_disk_in_any_encoding(tmp_path, outbox, terminal):
    outbox.enqueue("application", *_application(terminal))
    outbox.enqueue("request", {"type": "complaint", "topic": "heating", "text": f"{NAME}家暖气不热，身份证{ID_NUMBER}",
                               "resident": {"name": NAME, "id_hash": "ab" * 32}, "phone": "13912345678",
                               "phone_consent": True})
    raw = _all_bytes(tmp_path / "state" / "outbox")
    assert os.path.exists(tmp_path / "state" / "outbox" / "outbox.sqlite3-wal")
    assert len(raw) > 2000
    for text in (NAME, ID_NUMBER, ID_NUMBER[-8:], "13912345678"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-16", "gb18030"):
            needle = text.encode(encoding)
            if encoding == "utf-16":
                needle = needle[2:]  # without the BOM
            assert needle not in raw, (text, encoding)
    # and it is really there, sealed: the worker can read it back
    item = outbox.next_due()
    assert NAME in outbox.open_payload(item).decode("utf-8")
    assert ID_NUMBER.encode() in outbox.open_attachment(item.attachments[0])


def test_the_outbox_folder_is_private(tmp_path, outbox):
    assert (tmp_path / "state" / "outbox").stat().st_mode & 0o077 == 0


def test_a_wrong_key_cannot_open_the_outbox(tmp_path, outbox, terminal):
    outbox.enqueue("application", *_application(terminal))
    other = Outbox(tmp_path / "state" / "outbox", os.urandom(32), terminal.id)
    item = other.next_due()
    with pytest.raises(SealError):
        other.open_payload(item)
    with pytest.raises(SealError):
        other.open_attachment(item.attachments[0])
    other.close()


def test_confirm_keeps_only_the_minimal_record(tmp_path, outbox, terminal):
    queued = outbox.enqueue("application", *_application(terminal))
    item = outbox.next_due()
    outbox.confirm(item, {"number": "PF20261126000001", "status": "受理"})
    assert list((tmp_path / "state" / "outbox" / "blobs").iterdir()) == []
    db = sqlite3.connect(tmp_path / "state" / "outbox" / "outbox.sqlite3")
    assert db.execute("SELECT payload FROM submissions").fetchone() == (None,)
    assert db.execute("SELECT COUNT(*) FROM attachments").fetchone() == (0,)
    [record] = outbox.records()
    assert (record["serial"], record["number"], record["state"]) == (queued.serial, "PF20261126000001",
                                                                     "confirmed")
    assert outbox.status()["pending"] == 0 and outbox.status()["confirmed"] == 1


def test_retention_purges_minimal_records_and_dead_letters(outbox, terminal):
    outbox.enqueue("application", *_application(terminal))
    outbox.enqueue("application", *_application(terminal))
    outbox.confirm(outbox.next_due(), {"number": "PF1"})
    outbox.dead_letter(outbox.next_due(), "UNKNOWN_MATTER")
    assert outbox.purge(30) == 0
    assert outbox.purge(30, now=time.time() + 31 * 86400) == 2
    assert outbox.records() == [] and list(outbox.blob_dir.iterdir()) == []


def test_orphan_files_from_an_interrupted_enqueue_are_swept(outbox):
    orphan = outbox.blob_dir / "deadbeef.bin"
    orphan.write_bytes(b"sealed")
    outbox.purge(30)
    assert orphan.exists()  # may belong to an enqueue still in progress
    outbox.purge(30, now=time.time() + 3600)
    assert not orphan.exists()


def test_dead_letters_are_listed_and_can_be_requeued(outbox, terminal):
    queued = outbox.enqueue("application", *_application(terminal))
    outbox.dead_letter(outbox.next_due(), "FORM_INVALID")
    status = outbox.status()
    assert status["dead"] == 1 and status["dead_letters"][0]["serial"] == queued.serial
    assert status["dead_letters"][0]["error"] == "FORM_INVALID"
    assert outbox.requeue(queued.serial) and outbox.status()["pending"] == 1
    assert not outbox.requeue(queued.serial)


def test_body_bytes_are_frozen_at_enqueue(outbox, terminal):
    outbox.enqueue("application", *_application(terminal))
    item = outbox.next_due()
    assert outbox.open_payload(item) == outbox.open_payload(outbox.next_due())


def test_a_crash_between_confirm_and_unlink_leaves_no_file_behind(outbox, terminal, monkeypatch):
    outbox.enqueue("application", *_application(terminal))
    item = outbox.next_due()
    monkeypatch.setattr(outbox, "_empty_trash", lambda blobs=None: None)  # "killed" right after the commit
    outbox.confirm(item, {"number": "PF1"})
    assert len(list(outbox.blob_dir.iterdir())) == 1
    monkeypatch.undo()
    outbox.purge(30)  # what the next worker does first
    assert list(outbox.blob_dir.iterdir()) == []


def test_second_attachment_reads_back(outbox, terminal):
    body, atts = _application(terminal)
    outbox.enqueue("application", body, atts)
    item = outbox.next_due()
    assert [outbox.open_attachment(a) for a in item.attachments] == [a.data for a in atts]


def test_the_ui_side_commits_durably_and_the_worker_side_survives_a_crash(tmp_path, outbox, terminal):
    """WAL with synchronous=FULL for enqueue (the receipt number is shown only
    after an fsynced commit); the worker's NORMAL survives a process crash."""
    assert outbox.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert outbox.db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    worker_side = Outbox(tmp_path / "state" / "outbox", terminal.outbox_key, terminal.id, durable=False)
    assert worker_side.db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    worker_side.close()


def test_a_failed_enqueue_leaves_neither_row_nor_file(outbox, terminal, monkeypatch):
    """One transaction: if the commit cannot happen, no serial, no half record, no sealed file."""
    body, atts = _application(terminal)
    real = outbox.sealer.seal
    monkeypatch.setattr(outbox.sealer, "seal", lambda data, ctx: (_ for _ in ()).throw(OSError("disk full"))
                        if ctx.startswith(b"payload:") else real(data, ctx))
    with pytest.raises(OSError):
        outbox.enqueue("application", body, atts)
    assert outbox.records() == [] and list(outbox.blob_dir.iterdir()) == []
    assert outbox.db.execute("SELECT COUNT(*) FROM attachments").fetchone() == (0,)


def test_a_job_reading_the_queue_while_the_screen_enqueues_neither_crashes_nor_mixes_transactions(outbox, terminal):
    """The progress step reads the queue on a job's thread while the UI's
    thread enqueues (a rating, an application): each thread has its own
    connection, so one thread's statements never land in the other's
    transaction and nothing steps one statement from two threads."""
    import threading

    from kiosk.outbox.withdrawals import local_applications

    wanted = [id_lookup_hash(ID_NUMBER, terminal.id_hash_key)]
    seen: list[list[int]] = [[], [], []]
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(counts: list[int]) -> None:
        try:
            while not stop.is_set():
                counts.append(len(local_applications(outbox, wanted)))
        except BaseException as exc:  # pragma: no cover - the failure this test looks for
            errors.append(exc)

    def writer() -> None:  # another job enqueues at the same time (its own transactions)
        try:
            for _ in range(15):
                outbox.enqueue("application", *_application(terminal))
        except BaseException as exc:  # pragma: no cover - the failure this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(counts,)) for counts in seen]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    try:
        for _ in range(15):
            outbox.enqueue("application", *_application(terminal))
    finally:
        threads[-1].join(30)
        stop.set()
        for t in threads:
            t.join(10)
    assert errors == []
    for counts in seen:  # a reader only ever sees whole, committed applications, never one vanishing
        assert counts and counts == sorted(counts) and counts[-1] <= 30
    assert len(local_applications(outbox, wanted)) == 30


def test_each_thread_has_its_own_connection_and_a_closed_outbox_opens_no_more(outbox):
    import threading

    other: list[object] = []
    t = threading.Thread(target=lambda: other.append(outbox.db))
    t.start()
    t.join()
    assert other[0] is not outbox.db
    outbox.close()
    with pytest.raises(sqlite3.ProgrammingError):
        outbox.db.execute("SELECT 1")
