"""The access code the platform returns with an application: kept sealed
with the confirmed row, handed to the slip once, erased when nobody took it."""

from __future__ import annotations

import sqlite3
import time

from kiosk.outbox.store import ACCESS_CODE_SECONDS, Item, Outbox
from kiosk.privacy import id_lookup_hash

CODE = "0123456789abcdef"


def _queued(outbox):
    outbox.enqueue("application", {"matter_code": "MZ-003", "applicant": {"name": "王秀英",
                                   "id_number": "230108195001011234"}, "form": {}})
    item = outbox.next_due()
    assert isinstance(item, Item)
    return item


def test_the_code_is_sealed_on_disk_and_given_out_once(outbox):
    item = _queued(outbox)
    assert outbox.take_confirmation(item.serial) is None  # still pending
    outbox.confirm(item, {"number": "PF2026000001", "status": "受理", "access_code": CODE})
    raw = b"".join(bytes(row[0]) for row in outbox.db.execute("SELECT access_code FROM submissions"))
    assert raw and CODE.encode() not in raw
    assert CODE not in repr(outbox.records())
    first = outbox.take_confirmation(item.serial)
    assert (first.number, first.status, first.access_code) == ("PF2026000001", "受理", CODE)
    assert CODE not in repr(first)
    assert outbox.take_confirmation(item.serial).access_code == ""
    assert outbox.db.execute("SELECT access_code FROM submissions").fetchone()[0] is None


def test_a_code_nobody_took_is_erased_by_the_purge(outbox):
    item = _queued(outbox)
    outbox.confirm(item, {"number": "PF2026000002", "status": "受理", "access_code": CODE})
    outbox.purge(30, now=time.time() + ACCESS_CODE_SECONDS / 2)
    assert outbox.db.execute("SELECT access_code FROM submissions").fetchone()[0] is not None
    outbox.purge(30, now=time.time() + ACCESS_CODE_SECONDS + 1)
    assert outbox.take_confirmation(item.serial).access_code == ""


def test_a_malformed_code_is_not_kept(outbox):
    item = _queued(outbox)
    outbox.confirm(item, {"number": "PF2026000003", "status": "受理", "access_code": "not hex; DROP"})
    assert outbox.take_confirmation(item.serial).access_code == ""


def test_an_outbox_from_before_access_codes_gains_the_column(tmp_path, terminal):
    folder = tmp_path / "old"
    folder.mkdir()
    db = sqlite3.connect(folder / "outbox.sqlite3")
    db.execute("CREATE TABLE submissions (id INTEGER PRIMARY KEY, serial TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
               "idem_key TEXT NOT NULL, created_at REAL NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL "
               "DEFAULT 0, next_attempt_at REAL NOT NULL, sent INTEGER NOT NULL DEFAULT 0, last_error TEXT, "
               "payload BLOB, number TEXT, platform_status TEXT, finished_at REAL)")
    db.commit()
    db.close()
    box = Outbox(folder, terminal.outbox_key, terminal.id)
    item = _queued(box)
    box.confirm(item, {"number": "PF1", "status": "受理", "access_code": CODE})
    assert box.take_confirmation(item.serial).access_code == CODE
    box.close()


def test_the_worker_keeps_the_code_the_platform_returned(platform, terminal, outbox, make_worker):
    outbox.enqueue("application", {"matter_code": "MZ-003", "card": "id_card",
                                   "applicant": {"name": "王秀英", "id_number": "230108195001011234",
                                                 "id_hash": id_lookup_hash("230108195001011234",
                                                                           terminal.id_hash_key)},
                                   "form": {"birth_date": "1940-03-01", "phone": "13912345678"}})
    assert make_worker(platform.url).run(until_empty=True)["confirmed"] == 1
    serial = outbox.records()[0]["serial"]
    found = outbox.take_confirmation(serial)
    assert len(found.access_code) == 16
    client = make_worker(platform.url).client
    assert client.application_status(found.number, found.access_code)["serial"] == serial
