"""Nothing lost, nothing twice: the worker against a platform that is down,
failing, slow, dropping connections or answering garbage."""

import random
import threading
import time

import pytest

from kiosk.outbox.synthetic import fill, synthetic_application
from kiosk.outbox.worker import full_jitter
from simulators.platform.server import PlatformServer, free_port
from simulators.platform.testing import admin

pytestmark = pytest.mark.slow


def _stats(platform):
    return admin(platform, "GET", "/v1/admin/stats").json()


def _assert_each_once(platform, queued):
    counts = platform.store.serial_counts()
    assert {r.serial for r in queued} == set(counts)
    assert set(counts.values()) == {1}


def test_platform_down_for_the_whole_enqueue_then_up(tmp_path, terminal, outbox, make_worker, caplog):
    port = free_port()
    worker = make_worker(f"http://127.0.0.1:{port}", max_backoff=0.2)
    queued = fill(outbox, 20, terminal.id_hash_key, attachment_bytes=4096)
    # the worker tries while the platform is down: every attempt fails, nothing is lost
    with caplog.at_level("INFO", logger="kiosk.outbox.worker"):
        worker.run(deadline=time.monotonic() + 1.0)
    assert outbox.status()["pending"] == 20 and worker.failed >= 2
    # one line for the whole outage, not one per submission and try
    assert [r.getMessage() for r in caplog.records if "kiosk.outbox" in r.name] == [
        "outbox: platform not available (NETWORK); submissions stay queued and are retried with backoff"]
    assert {r["last_error"] for r in outbox.records()} == {"NETWORK"}
    server = PlatformServer(tmp_path / "platform.sqlite3", port=port)
    server.start()
    try:
        server.store.add_terminal(terminal.id, terminal.key.hex())
        caplog.clear()
        with caplog.at_level("WARNING", logger="kiosk.outbox.worker"):
            status = worker.run(until_empty=True)
        assert status["pending"] == 0 and status["confirmed"] == 20
        back = [r.getMessage() for r in caplog.records if "available again" in r.getMessage()]
        assert len(back) == 1 and f"; {worker.failed} send(s) were retried" in back[0]
        assert _stats(server)["applications"] == 20
        _assert_each_once(server, queued)
    finally:
        server.stop()


@pytest.mark.parametrize("mode,params", [
    ("error500", {}),
    ("status", {"code": 503, "retry_after": 0}),
    ("timeout", {"seconds": 1.5}),
    ("slow", {"seconds": 0.15}),
    ("drop", {}),
    ("malformed", {}),
])
def test_flaky_platform_loses_nothing_and_files_nothing_twice(platform, terminal, outbox, make_worker, mode, params):
    queued = fill(outbox, 12, terminal.id_hash_key, attachment_bytes=2048)
    platform.faults.set(mode, probability=0.5, **params)
    platform.faults._random.seed(7)
    worker = make_worker(platform.url, read_timeout=1.0)
    worker.run(deadline=time.monotonic() + 1.5)
    assert platform.faults.injected > 0
    platform.faults.clear()
    status = worker.run(until_empty=True)
    assert status["pending"] == 0 and status["dead"] == 0 and status["confirmed"] == 12
    assert _stats(platform)["applications"] == 12
    _assert_each_once(platform, queued)


def test_worker_keeps_backing_off_while_the_platform_fails(platform, terminal, outbox, make_worker):
    fill(outbox, 1, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("error500")
    worker = make_worker(platform.url, base_delay=0.05, max_backoff=0.4)
    worker.run(deadline=time.monotonic() + 2.0)
    tries = worker.failed
    # full jitter capped at 0.4 s: on average one try per 0.2 s, never a busy loop
    assert 3 <= tries <= 60
    assert outbox.status()["pending"] == 1
    platform.faults.clear()
    assert worker.run(until_empty=True)["confirmed"] == 1


def test_retry_after_delays_the_next_try(platform, terminal, outbox, make_worker):
    fill(outbox, 1, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("status", count=1, code=429, retry_after=30)
    worker = make_worker(platform.url, max_backoff=0.1)
    worker.process(outbox.next_due())
    wait = outbox.next_wakeup() - time.time()
    assert 29 <= wait <= 30.5


def test_full_jitter_is_capped():
    rng = random.Random(1)
    delays = [full_jitter(n, 1.0, 600.0, rng) for n in range(40) for _ in range(20)]
    assert max(delays) <= 600.0 and min(delays) >= 0.0
    assert max(full_jitter(3, 1.0, 600.0, rng) for _ in range(200)) <= 8.0


def test_enqueue_is_never_blocked_by_a_stuck_worker(platform, terminal, outbox, make_worker):
    """The UI process keeps enqueueing while the worker waits on a platform that does not answer."""
    fill(outbox, 3, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("timeout", seconds=3)
    worker = make_worker(platform.url, read_timeout=2.5)
    t = threading.Thread(target=worker.run, kwargs={"deadline": time.monotonic() + 2.5})
    t.start()
    try:
        deadline = time.monotonic() + 5
        while not platform.faults.injected:   # the worker's request is in, its answer held
            assert time.monotonic() < deadline, "the worker never sent its request"
            time.sleep(0.01)
        slowest = 0.0
        for i in range(10):
            started = time.monotonic()
            outbox.enqueue("application", *synthetic_application(100 + i, terminal.id_hash_key, 300 * 1024))
            slowest = max(slowest, time.monotonic() - started)
        # blocked would mean waiting out the worker's 2.5 s read timeout
        assert slowest < 2.0, f"enqueue took {slowest:.2f} s while the worker was stuck"
        assert t.is_alive() and platform.faults.injected >= 1  # the worker really was waiting
    finally:
        worker.stopping.set()
        t.join()
    platform.faults.clear()
    worker.stopping.clear()
    assert worker.run(until_empty=True)["confirmed"] == 13


def test_refused_submission_goes_to_dead_letters(platform, terminal, outbox, make_worker):
    body, atts = synthetic_application(1, terminal.id_hash_key, 1024)
    body["matter_code"] = "XX-404"
    queued = outbox.enqueue("application", body, atts)
    fill(outbox, 2, terminal.id_hash_key, attachment_bytes=1024)
    status = make_worker(platform.url).run(until_empty=True)
    assert status["dead"] == 1 and status["confirmed"] == 2
    assert status["dead_letters"] == [{"serial": queued.serial, "kind": "application", "error": "UNKNOWN_MATTER",
                                       "since": pytest.approx(time.time(), abs=30)}]


def test_ambiguous_failure_asks_by_serial_before_resubmitting(platform, terminal, outbox, make_worker):
    """The platform files the application but the answer is lost: the worker
    must learn the number by serial, not file it again."""
    [queued] = fill(outbox, 1, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("drop", count=1, path="/v1/applications")
    worker = make_worker(platform.url)
    assert worker.process(outbox.next_due()) == "retry"
    assert outbox.next_due(now=time.time() + 10).sent  # recorded as possibly delivered
    assert _stats(platform)["applications"] == 1
    assert worker.process(outbox.next_due(now=time.time() + 10)) == "confirmed"
    assert worker.sent == 1  # counted like any delivery (`kiosk outbox drain` reports it)
    stats = _stats(platform)
    assert stats["applications"] == 1 and stats["idempotent_replays"] == 0  # asked, did not resubmit
    assert outbox.records()[0]["number"] == platform.store.by_serial(terminal.id, queued.serial)["number"]


def test_ambiguous_failure_before_the_platform_acted_resubmits_once(platform, terminal, outbox, make_worker):
    [queued] = fill(outbox, 1, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("error500", count=1, path="/v1/applications")
    worker = make_worker(platform.url)
    assert worker.process(outbox.next_due()) == "retry"
    assert worker.process(outbox.next_due(now=time.time() + 10)) == "confirmed"
    assert _stats(platform)["applications"] == 1
    assert platform.store.serial_counts() == {queued.serial: 1}


def test_health_records_and_requests_go_through_too(platform, terminal, outbox, make_worker):
    from kiosk.outbox.store import Attachment
    outbox.enqueue("health_record", {"resident": {"id_hash": "cd" * 32},
                                     "consent": {"given": True, "at": "2026-11-26T08:00:00+00:00"},
                                     "measured_at": "2026-11-26T16:02:00+08:00",
                                     "observations": [{"kind": "pulse", "loinc": ["8867-4"], "value": 72,
                                                       "unit": "/min", "measured_at": "2026-11-26T16:02:00+08:00"}]})
    outbox.enqueue("request", {"type": "complaint", "topic": "heating", "text": "3号楼暖气不热",
                               "place": {"community": "xinmu", "building": "3"},
                               "resident": {"id_hash": "cd" * 32}},
                   [Attachment("photo", b"\xff\xd8photo")])
    make_worker(platform.url).run(until_empty=True)
    stats = _stats(platform)
    assert (stats["health_records"], stats["requests"], stats["attachments"]) == (1, 1, 1)
    assert {r["number"][:2] for r in outbox.records()} == {"JK", "SQ"}


def test_a_refused_terminal_keeps_its_submissions_queued(platform, terminal, outbox, make_worker):
    """A revoked terminal (or a wrong clock or key) is the terminal's problem,
    not the submissions': nothing goes to the dead letters."""
    fill(outbox, 5, terminal.id_hash_key, attachment_bytes=1024)
    platform.store.revoke(terminal.id)
    worker = make_worker(platform.url, max_backoff=60)
    worker.run(deadline=time.monotonic() + 0.5)
    status = outbox.status()
    assert (status["pending"], status["dead"]) == (5, 0)
    assert {r["last_error"] for r in outbox.records()} == {"TERMINAL_REVOKED"}
    assert outbox.next_wakeup() - time.time() > 50  # waits for staff, does not hammer
    assert _stats(platform)["rejected_signatures"] == 1  # one refusal holds them all, not one per submission
    platform.store.add_terminal(terminal.id, terminal.key.hex())  # re-enrolled
    assert outbox.retry_now() == 5  # the technician: `kiosk outbox retry`
    assert worker.run(until_empty=True)["confirmed"] == 5


def test_a_retried_submission_keeps_its_key_and_gets_a_new_signature(platform, terminal, outbox, make_worker):
    [queued] = fill(outbox, 1, terminal.id_hash_key, attachment_bytes=1024)
    platform.faults.set("error500", count=1, path="/v1/applications")
    worker = make_worker(platform.url)
    posts = []
    worker.client.session.hooks["response"].append(
        lambda r, *a, **k: posts.append(dict(r.request.headers)) if r.request.method == "POST" else None)
    assert worker.run(until_empty=True)["confirmed"] == 1
    first, retry = posts
    assert first["Idempotency-Key"] == retry["Idempotency-Key"]
    assert first["X-Kiosk-Nonce"] != retry["X-Kiosk-Nonce"]
    assert first["X-Kiosk-Signature"] != retry["X-Kiosk-Signature"]
    assert platform.store.serial_counts() == {queued.serial: 1}


def test_an_unexpected_error_backs_off_one_submission_not_the_worker(platform, terminal, outbox, make_worker,
                                                                     caplog):
    """A surprise on one submission must not kill the service (systemd would
    restart it into the same submission until it gives up on all of them)."""
    queued = fill(outbox, 3, terminal.id_hash_key, attachment_bytes=1024)
    worker = make_worker(platform.url)
    real_submit, calls = worker.client.submit, []

    def surprising(kind, body, key):
        calls.append(key)
        if len(calls) == 1:
            raise ValueError("could quote 230108195001011234")
        return real_submit(kind, body, key)

    worker.client.submit = surprising
    with caplog.at_level("INFO"):
        status = worker.run(until_empty=True)
    assert (status["confirmed"], status["pending"], status["dead"]) == (3, 0, 0)
    _assert_each_once(platform, queued)
    assert "unexpected ValueError" in caplog.text and "230108195001011234" not in caplog.text
