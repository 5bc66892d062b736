"""Withdrawing an application (撤回) through the outbox, with the real worker
and the reference platform: unsent it leaves the outbox and the platform
never gets it; sent (or confirmed) a withdrawal request follows it; a
withdrawal racing the worker's send loses nothing and files nothing twice."""

from __future__ import annotations

import random
import secrets
import threading

from kiosk.outbox.store import WITHDRAWN
from kiosk.outbox.synthetic import synthetic_application, synthetic_id
from kiosk.outbox.withdrawals import local_applications, slip_application, slip_code_hash, withdraw
from kiosk.privacy import IdHashKeys


def keys(terminal):
    return IdHashKeys(1, terminal.id_hash_key)


def queue(outbox, terminal, n=1, code=None):
    body, pages = synthetic_application(n, keys(terminal), attachment_bytes=2048)
    if code:
        body["slip_code_sha256"] = slip_code_hash(code)
    return outbox.enqueue("application", body, pages).serial


def proof(terminal, n=1):
    id_hash, version = keys(terminal).filing_hash(synthetic_id(n))
    return {"id_hash": id_hash, "id_hash_version": version}


def platform_status(platform, terminal, serial, n=1):
    """The application of ``serial`` on the platform (None: never received), found by the card."""
    found = [a for a in platform.store.applications_by_id_hash(keys(terminal).lookup_hashes(synthetic_id(n)))
             if a["serial"] == serial]
    return found[0]["status"] if found else None


def test_an_unsent_application_leaves_the_outbox_and_the_platform_never_gets_it(
        platform, terminal, outbox, make_worker):
    code = secrets.token_hex(8)
    serial = queue(outbox, terminal, code=code)
    blobs = list(outbox.blob_dir.glob("*.bin"))
    assert [a.serial for a in local_applications(outbox, keys(terminal).lookup_hashes(synthetic_id(1)))] == [serial]
    assert withdraw(outbox, proof(terminal), serial=serial).outcome == "removed"
    assert withdraw(outbox, proof(terminal), serial=serial).outcome == "removed"      # twice: still just removed
    assert blobs and not any(b.exists() for b in blobs)                                 # the pages are gone
    (record,) = outbox.records()
    assert record["state"] == WITHDRAWN and outbox.next_due() is None
    assert slip_application(outbox, serial, code).state == WITHDRAWN                   # the slip says so
    assert local_applications(outbox, keys(terminal).lookup_hashes(synthetic_id(1))) == []
    make_worker(platform.url).run(until_empty=True)
    assert platform.store.serial_counts() == {}


def test_a_sent_application_is_followed_by_a_withdrawal_request(platform, terminal, outbox, make_worker):
    serial = queue(outbox, terminal)
    outbox.mark_sent(outbox.next_due())          # the worker took the "sent" mark, then stopped (or is posting)
    first = withdraw(outbox, proof(terminal), serial=serial)
    assert first.outcome == "requested" and first.serial != serial
    assert withdraw(outbox, proof(terminal), serial=serial) == first     # asked again: the same request
    make_worker(platform.url).run(until_empty=True)
    assert platform.store.serial_counts() == {serial: 1}
    assert platform_status(platform, terminal, serial) == "撤回"
    confirmation = outbox.take_confirmation(first.serial)
    assert confirmation.status == "撤回" and confirmation.number


def test_a_confirmed_application_is_withdrawn_by_its_platform_number(platform, terminal, outbox, make_worker):
    serial = queue(outbox, terminal)
    make_worker(platform.url).run(until_empty=True)
    number = outbox.take_confirmation(serial).number
    request = withdraw(outbox, proof(terminal), serial=serial)
    assert withdraw(outbox, proof(terminal), number=number) == request  # by number or by serial: the same one
    make_worker(platform.url).run(until_empty=True)
    assert platform_status(platform, terminal, serial) == "撤回"
    assert outbox.take_confirmation(request.serial).number == number


def test_a_withdrawal_waits_for_its_application_and_ends_here_if_it_never_arrives(
        platform, terminal, outbox, make_worker):
    serial = queue(outbox, terminal)
    outbox.mark_sent(outbox.next_due())
    request = withdraw(outbox, proof(terminal), serial=serial)
    outbox.dead_letter(outbox.next_due(), "FORM_INVALID")       # the platform refused the application itself
    make_worker(platform.url).run(until_empty=True)
    assert platform.store.serial_counts() == {}
    assert outbox.take_confirmation(request.serial).status == "撤回"   # nothing there to withdraw


class Racing:
    """The platform client the worker uses, with the resident's withdrawal
    made at one chosen moment of the send."""

    def __init__(self, client, when, act):
        self.client, self.when, self.act = client, when, act

    def __getattr__(self, name):
        return getattr(self.client, name)

    def put_attachment(self, sha, data):
        if self.when == "upload":
            self.act()
        return self.client.put_attachment(sha, data)

    def submit(self, kind, body, key):
        if self.when == "post" and kind == "application":
            self.act()
        return self.client.submit(kind, body, key)


def test_a_withdrawal_during_the_upload_keeps_the_application_from_being_sent(platform, terminal, outbox,
                                                                              make_worker):
    serial = queue(outbox, terminal)
    worker = make_worker(platform.url)
    outcomes = []
    worker.client = Racing(worker.client, "upload", lambda: outcomes.append(withdraw(outbox, proof(terminal),
                                                                                     serial=serial).outcome))
    worker.run(until_empty=True)
    assert outcomes == ["removed"] and platform.store.serial_counts() == {}
    assert worker.outbox.status()["withdrawn"] == 1 and worker.outbox.status()["dead"] == 0


def test_a_withdrawal_while_the_application_is_posted_follows_it(platform, terminal, outbox, make_worker):
    serial = queue(outbox, terminal)
    worker = make_worker(platform.url)
    outcomes = []
    worker.client = Racing(worker.client, "post", lambda: outcomes.append(withdraw(outbox, proof(terminal),
                                                                                   serial=serial).outcome))
    worker.run(until_empty=True)
    assert outcomes == ["requested"]
    assert platform.store.serial_counts() == {serial: 1} and platform_status(platform, terminal, serial) == "撤回"


def test_withdrawals_racing_the_worker_lose_nothing_and_file_nothing_twice(platform, terminal, outbox, make_worker):
    """The worker in its own thread (its own connection, as its own process),
    the resident withdrawing at random moments of its work."""
    rng = random.Random(21)
    worker = make_worker(platform.url)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    outcomes = {}
    try:
        for n in range(12):
            serial = queue(outbox, terminal, n)
            threading.Event().wait(rng.uniform(0.0, 0.06))
            outcomes[serial] = (n, withdraw(outbox, proof(terminal, n), serial=serial).outcome)
        deadline = threading.Event()
        for _ in range(200):
            if outbox.status()["pending"] == 0:
                break
            deadline.wait(0.05)
    finally:
        worker.stopping.set()
        thread.join(5)
    assert outbox.status()["pending"] == 0 and outbox.status()["dead"] == 0
    counts = platform.store.serial_counts()
    assert set(counts.values()) <= {1}                                   # nothing filed twice
    for serial, (n, outcome) in outcomes.items():
        if outcome == "removed":
            assert serial not in counts                                  # never sent
        else:
            assert platform_status(platform, terminal, serial, n) == "撤回"   # sent, then withdrawn
    assert {o for _n, o in outcomes.values()} <= {"removed", "requested"}   # (both sides: the two tests above)
