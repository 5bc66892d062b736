"""进度查询 after issue 21, through the terminal in process with a real outbox,
the real worker and the reference platform on 127.0.0.1:

* item 6: a slip printed while the application was queued carries the
  hut's serial and a slip code; it says "sent from this hut, not yet
  received" until the platform has it, then finds it with both numbers, at
  this hut and at another;
* item 7: an application whose papers are due at the counter says what to
  bring, where and by when (working days), and the promised date;
* 撤回: the card's holder withdraws an application the department has not
  taken up: out of the outbox when never sent, else through a withdrawal
  request; refused with words once it was taken up.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from kiosk.filing.submission import parse_slip_qr
from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.services.progress.flow import ProgressState
from simulators.platform.store import add_working_days
from simulators.platform.testing import Terminal, admin, client_for, start_platform
from tests.kiosk.terminal.test_filing_platform import Worker, wait_confirmed
from tests.terminal_kit import JPEG, card, fill_form, to_form, to_review

PS = ProgressState


def file(kit, code="MZ-003", later=()):
    """File ``code`` (the papers in ``later``: "I don't have it with me") and return the done view and the slip's QR."""
    kit.terminal.home()
    kit.reader.take()
    kit.settle()
    if later:
        approval = to_form(kit, code)
        fill_form(approval)
        papers = approval.papers
        while papers.view.current_paper:
            if papers.view.current_paper in later:
                papers.dont_have()
            else:
                assert papers.page_taken(JPEG)
                papers.next_paper()
        if kit.step is Step.PAPERS:
            assert papers.proceed()
        review = approval.submission
    else:
        review = to_review(kit, code).submission
    assert kit.step is Step.REVIEW
    review.consent(True)
    review.consent_sensitive(True)
    assert review.submit()
    kit.run_until(lambda: kit.step is Step.DONE and review.view.slip not in ("", "printing"), "the number and slip",
                  timeout=20)
    (qr,) = [b.data for b in kit.printer.printed[-1].blocks if type(b).__name__ == "QR"]
    return review.view, qr


def progress(kit):
    t = kit.terminal
    t.home()
    kit.reader.take()
    kit.settle()
    t.open_service("progress")
    return t.flow("progress")


def by_slip(kit, qr):
    p = progress(kit)
    assert p.slip_read(qr)
    kit.run_until(lambda: p.state in (PS.RESULTS, PS.NOTHING_FOUND, PS.UNAVAILABLE), "the answer to the slip")
    return p


def by_card(kit, record=None):
    p = progress(kit)
    kit.reader.place(record or card())
    kit.run_until(lambda: p.state in (PS.RESULTS, PS.NOTHING_FOUND, PS.UNAVAILABLE), "the answer to the card")
    return p


@pytest.fixture
def hut(make_kit, terminal, tmp_path):
    """A terminal filing into a real outbox; ``hut.platform()`` starts the reference platform when wanted."""
    class Hut:
        folder = tmp_path / "state" / "outbox"
        outbox = Outbox(folder, terminal.outbox_key, terminal.id)
        server = None

        def platform(self):
            self.server = self.server or start_platform(tmp_path / "platform", terminal)
            return self.server

        def kit(self, online=False, at=terminal, **kw):
            """A terminal of this hut (``at``: another hut's terminal, with its own outbox)."""
            server = self.platform()
            client = client_for(server.url, at)
            self.clients.append(client)
            outbox = self.outbox
            if at is not terminal:
                outbox = Outbox(tmp_path / at.id / "outbox", at.outbox_key, at.id)
                self.outboxes.append(outbox)
            return make_kit(outbox=outbox, client=client, id_hash_keys=terminal.id_hash_keys,
                            wait_seconds=8.0 if online else 0.0, online=online, **kw)

        def worker(self):
            return Worker(self.folder, terminal, self.platform().url)

        clients: list = []
        outboxes: list = []

    made = Hut()
    yield made
    for c in made.clients + made.outboxes:
        c.close()
    if made.server is not None:
        made.server.stop()
    made.outbox.close()


# -- item 6: the queued slip ----------------------------------------------------------------------
def test_a_queued_slip_says_sent_from_this_hut_then_finds_the_application_with_both_numbers(hut, terminal):
    kit = hut.kit()
    done, qr = file(kit)
    assert not done.confirmed
    slip = parse_slip_qr(qr)
    assert slip.number == done.number and slip.local and len(slip.access_code) == 16
    # the application carries only the code's hash
    payload = hut.outbox.open_payload(hut.outbox.next_due())
    assert slip.access_code.encode() not in payload and b'"slip_code_sha256":"' in payload

    p = by_slip(kit, qr)                                        # not sent yet: this hut's outbox answers
    (item,) = p.view.items
    assert (item.status, item.status_zh, item.status_en) == ("queued", "待送达", "Not received yet")
    assert item.meaning_en == "Sent from this hut, not yet received by the platform"
    assert item.next_en.startswith("It will be sent by itself") and item.serial == done.number and item.number == ""
    assert not p.view.can_withdraw                             # a slip reads; only the card withdraws

    with hut.worker() as worker:
        wait_confirmed(worker)
    number = hut.outbox.records()[0]["number"]
    p = by_slip(kit, qr)                                        # sent: the platform answers, both numbers
    (item,) = p.view.items
    assert (item.number, item.serial, item.status_zh) == (number, done.number, "已受理")

    # at another hut of the district the slip finds it too
    other = Terminal(id="HUT-TEST-02", id_hash_key=terminal.id_hash_key)
    hut.server.store.add_terminal(other.id, other.key.hex(), "test")
    p = by_slip(hut.kit(at=other), qr)
    assert [(i.number, i.serial) for i in p.view.items] == [(number, done.number)]


def test_a_wrong_slip_code_answers_like_an_unknown_serial_and_never_says_which(hut):
    kit = hut.kit()
    done, qr = file(kit)
    with hut.worker() as worker:
        wait_confirmed(worker)
    wrong = by_slip(kit, f"HUTAPP:{done.number}:{'0' * 16}")
    unknown = by_slip(kit, f"HUTAPP:HUT-TEST-01-261130-99999FF:{parse_slip_qr(qr).access_code}")
    for p in (wrong, unknown):
        assert (p.state, p.view.items, p.view.hint) == (PS.NOTHING_FOUND, (), "not_arrived")


# -- item 7: papers due at the counter ----------------------------------------------------------
def test_papers_due_say_what_to_bring_where_and_by_when_and_the_promised_date(hut):
    kit = hut.kit(online=True)
    with hut.worker():
        done, _qr = file(kit, "SQ-001", later=("hukou",))     # 居民证明开具: 户口簿 "I don't have it with me"
        assert done.confirmed
    receipt = repr(kit.printer.printed[-1])
    for words in ("请在2个工作日内将以下材料交到窗口：户口簿", "友协街道社区服务中心", "0451-86509300", "周六 9:00-12:00"):
        assert words in receipt, words
    p = by_card(kit)
    (item,) = p.view.items
    due = add_working_days(dt.date.today(), 2)
    assert item.papers_due == (("户口簿", "Household register"),) and item.papers_due_by == due.isoformat()
    assert item.promised_by == due.isoformat()
    weekday = "一二三四五六日"[due.weekday()]
    assert item.next_zh == f"请于{due.year}年{due.month}月{due.day}日（星期{weekday}）前将户口簿交到友协街道社区服务中心"
    assert item.next_en == (f"Bring Household register to Youxie Subdistrict Community Service Centre by "
                            f"{due:%A} {due.day} {due:%B %Y}")
    assert "请耐心等待" not in item.next_zh and item.office.phone == "0451-86509300"
    # the staff received them: the usual words again
    admin(hut.server, "POST", f"/v1/admin/applications/{item.number}/papers-received")
    (item,) = by_card(kit).view.items
    assert item.papers_due == () and item.next_zh == "请耐心等待，无需再次提交"


# -- 撤回 -------------------------------------------------------------------------------------------
def test_an_unsent_application_is_withdrawn_out_of_the_outbox(hut):
    kit = hut.kit()
    done, qr = file(kit)
    p = by_card(kit)                            # the platform has nothing yet: the outbox's one
    (item,) = p.view.items
    assert item.local and item.status == "queued" and item.withdrawable and p.view.can_withdraw
    assert p.ask_withdraw(item.key) and p.state is PS.CONFIRM_WITHDRAW
    assert kit.terminal.view.step_view.item_in_question == item
    kit.terminal.back()                         # 返回 on the question: no
    assert p.state is PS.RESULTS and kit.terminal.view.screen != "home"
    assert p.ask_withdraw(item.key) and p.confirm_withdraw()
    kit.run_until(lambda: p.state is PS.RESULTS, "the withdrawal")
    assert p.view.notice == "withdrawn" and p.view.items[0].status_zh == "已撤回"
    assert not p.view.items[0].withdrawable
    assert hut.outbox.records()[0]["state"] == "withdrawn"
    with hut.worker() as worker:
        worker.run(until_empty=True, deadline=time.monotonic() + 5)
    assert hut.server.store.serial_counts() == {}                        # the platform never got it
    (item,) = by_slip(kit, qr).view.items
    assert item.status_en == "Withdrawn"                                  # the slip says so too


def test_a_received_application_is_withdrawn_through_the_platform(hut):
    kit = hut.kit(online=True)
    with hut.worker():
        done, _qr = file(kit)
        p = by_card(kit)
        (item,) = p.view.items
        assert item.number == done.number and item.withdrawable and not item.local
        assert p.ask_withdraw(item.key) and p.confirm_withdraw()
        kit.run_until(lambda: p.state is PS.RESULTS, "the platform's answer", timeout=20)
    assert p.view.notice == "withdrawn" and p.view.items[0].status == "撤回"
    (item,) = by_card(kit).view.items
    assert (item.status_zh, item.withdrawable) == ("已撤回", False)


@pytest.mark.slow  # waits out real intervals: make test, not make check
def test_a_withdrawal_offline_is_sent_by_itself_and_said_so(hut):
    kit = hut.kit(online=True)
    with hut.worker():
        file(kit)
    p = by_card(kit)
    (item,) = p.view.items
    kit.terminal.refresh_availability()
    assert p.ask_withdraw(item.key) and p.confirm_withdraw()   # no worker now: the request waits in the outbox
    kit.run_until(lambda: p.state is PS.RESULTS, "the withdrawal recorded", timeout=20)
    assert p.view.notice in ("withdraw_sent",) and p.view.items[0].status == "withdrawing"
    assert not p.view.items[0].withdrawable
    (item,) = by_card(kit).view.items                          # asked again: withdrawing, not offered twice
    assert item.status == "withdrawing" and not item.withdrawable
    with hut.worker() as worker:
        wait_confirmed(worker, count=2)
    assert by_card(kit).view.items[0].status == "撤回"


def test_once_the_department_took_it_up_the_withdrawal_is_refused_with_words(hut):
    kit = hut.kit(online=True)
    with hut.worker():
        done, _qr = file(kit)
        admin(hut.server, "POST", f"/v1/admin/applications/{done.number}/status", json={"status": "审核中"})
        p = by_card(kit)
        (item,) = p.view.items
        assert not item.withdrawable
        assert not p.ask_withdraw(item.key) and p.state is PS.RESULTS and p.view.notice == "not_withdrawable"
        # taken up between the list and the withdrawal: the platform's answer says so
        second, _ = file(kit)
        p = by_card(kit)
        (item,) = [i for i in p.view.items if i.number == second.number]
        assert p.ask_withdraw(item.key)
        admin(hut.server, "POST", f"/v1/admin/applications/{second.number}/status", json={"status": "审核中"})
        assert p.confirm_withdraw()
        kit.run_until(lambda: p.state is PS.RESULTS, "the platform's answer", timeout=20)
    assert p.view.notice == "withdraw_refused"
    (shown,) = [i for i in p.view.items if i.number == second.number]
    assert shown.status_zh == "审核中" and not shown.withdrawable
    # asked again later: what the platform says (the answered withdrawal no longer shows it as withdrawing)
    (again,) = [i for i in by_card(kit).view.items if i.number == second.number]
    assert again.status == "审核中"


def test_an_answer_from_an_older_platform_shows_what_it_has():
    """No withdrawable, papers_due or promised_by (contract 1.1): not withdrawable, nothing due, the usual words."""
    from kiosk.services.progress.items import from_platform
    from tests.terminal_kit import CATALOG

    item = from_platform({"application_number": "PF1", "serial": "X-1", "status": "受理", "matter_code": "SQ-001"},
                         CATALOG)
    assert (item.withdrawable, item.papers_due, item.promised_by) == (False, (), "")
    assert item.next_zh == "请耐心等待，无需再次提交" and item.matter == "居民证明开具"
    odd = from_platform({"application_number": "PF2", "status": "补正中"}, CATALOG)   # a status it does not know
    assert (odd.status_zh, odd.status_en) == ("处理中", "In progress")
