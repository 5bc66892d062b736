"""进度查询 with requests, in process: a resident's requests beside their
applications (by card, or by the slip's QR), each state in words with every
step and its date, the department's answer; the rating of an answered
request through the outbox (满意 / 基本满意 / 不满意 with a reason), and what
the resident sees when the platform cannot list the requests."""

from __future__ import annotations

import pytest

from kiosk.services.progress.flow import ProgressState
from tests.request_kit import MemoryOutbox, RequestPlatform, request_status
from tests.terminal_kit import card

PS = ProgressState


class Platform(RequestPlatform):
    """Requests from the fake; one application too, so both lists show."""

    def __init__(self, *args, requests_down=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests_down = requests_down

    def applications_for(self, id_hashes, budget=None):
        return [{"application_number": "A20261130-0042", "matter_code": "MZ-003", "status": "审核中",
                 "received_at": "2026-11-30T10:00:00"}]

    def requests_for(self, id_hashes, budget=None):
        if self.requests_down:
            from kiosk.central.client import RetryLater

            raise RetryLater("no answer", "NETWORK")
        return super().requests_for(id_hashes, budget)


@pytest.fixture
def progress_kit(make_kit):
    from kiosk.privacy import IdHashKeys

    def make(requests=(), **options):
        client = options.setdefault("client", Platform())
        client.requests = list(requests)
        options.setdefault("outbox", MemoryOutbox())
        return make_kit(id_hash_keys=IdHashKeys(1, b"k" * 32), **options)

    return make


def by_card(kit):
    kit.terminal.open_service("progress")
    flow = kit.terminal.flow("progress")
    kit.reader.place(card())
    kit.run_until(lambda: flow.state in (PS.RESULTS, PS.NOTHING_FOUND, PS.UNAVAILABLE), "the answer")
    return flow


def test_requests_show_beside_applications_with_every_step_and_the_answer(progress_kit):
    kit = progress_kit([request_status(), request_status("SQ20261120000003", "办理", rateable=False,
                                                             overdue=True, answer=None)])
    flow = by_card(kit)
    assert flow.state is PS.RESULTS
    assert [i.number for i in flow.view.items] == ["A20261130-0042"]
    answered, handling = flow.view.requests
    assert (answered.type_zh, answered.topic_zh, answered.state_zh) == ("求助", "道路照明", "已答复")
    assert [(s.state_zh, s.on, s.note) for s in answered.steps] == [
        ("已受理", "2026-12-01", ""), ("已派单", "2026-12-01", "已派给物业公司"), ("办理中", "2026-12-02", "物业已安排电工"),
        ("已答复", "2026-12-04", "灯已修好")]
    assert answered.answer.startswith("二号楼三单元楼道灯已于12月4日更换") and answered.department_zh == "物业公司"
    assert answered.rateable and answered.due_date == "2026-12-15"
    assert handling.overdue and not handling.rateable and handling.answer == ""
    asked = [a for a in kit.terminal.flow("progress").client.asked if a[0] == "requests_for"]
    assert asked and all(len(h) == 64 for h in asked[0][1])   # keyed hashes, never the ID number
    assert kit.terminal.last_spoken == "Your applications and requests, and what to do next"


@pytest.mark.parametrize("rating,reason,state", [("satisfied", "", "办结"), ("basically_satisfied", "", "办结"),
                                                 ("unsatisfied", "not_solved", "办理")])
def test_rating_an_answer_goes_through_the_outbox_once(progress_kit, rating, reason, state):
    outbox = MemoryOutbox(rating_status=state)
    kit = progress_kit([request_status()], outbox=outbox, online=True, wait_seconds=2.0)
    flow = by_card(kit)
    assert flow.ask_rating("SQ20261201000007")
    assert flow.state is PS.RATING
    assert {c for c, _zh, _en in flow.view.reasons} == {"not_solved", "slow", "wrong_department"}
    assert not flow.confirm_rating()      # nothing chosen yet
    assert flow.choose_rating(rating)
    if reason:
        assert flow.choose_reason(reason)
    else:
        assert not flow.choose_reason("slow")   # a reason goes with 不满意 only
    assert flow.confirm_rating()
    assert not flow.confirm_rating()      # a double tap rates once
    kit.run_until(lambda: flow.state is PS.RESULTS, "rated")
    [(kind, body, attachments)] = outbox.of_kind("request_rating")
    assert body["number"] == "SQ20261201000007" and body["rating"] == rating
    assert body["proof"] and all(len(h) == 64 for h in body["proof"])   # the card's look-up hashes
    assert body.get("reason", "") == reason and attachments == []
    assert flow.view.notice == "rated"
    (item,) = flow.view.requests
    assert item.rating == rating and not item.rateable and item.state == state
    assert not flow.ask_rating("SQ20261201000007")   # rated: not offered again
    assert kit.terminal.last_spoken == "Thank you. Your rating is recorded"


def test_a_rating_offline_is_sent_by_itself(progress_kit):
    outbox = MemoryOutbox(rating_status=None)
    kit = progress_kit([request_status()], outbox=outbox)
    flow = by_card(kit)
    assert flow.ask_rating("SQ20261201000007") and flow.choose_rating("satisfied") and flow.confirm_rating()
    kit.run_until(lambda: flow.state is PS.RESULTS, "rated")
    assert flow.view.notice == "rating_sent" and len(outbox.of_kind("request_rating")) == 1


def test_a_request_not_answered_cannot_be_rated_and_back_leaves_the_rating(progress_kit):
    kit = progress_kit([request_status(state="办理", rateable=False), request_status("SQ2", rateable=True)])
    flow = by_card(kit)
    assert not flow.ask_rating("SQ20261201000007")
    assert flow.ask_rating("SQ2")
    kit.terminal.back()
    assert flow.state is PS.RESULTS and flow.view.rating_key == ""


def test_the_slip_finds_an_anonymous_request_and_its_code_rates_it(progress_kit):
    client = Platform()
    kit = progress_kit([request_status(serial="HUT-0001-261201-00007C", anonymous=True)], client=client)
    kit.terminal.open_service("progress")
    flow = kit.terminal.flow("progress")
    assert flow.slip_read("HUTAPP:HUT-0001-261201-00007C:0123456789abcdef")
    kit.run_until(lambda: flow.state is PS.RESULTS, "the request")
    assert ("request_by_slip", "HUT-0001-261201-00007C", "0123456789abcdef") in client.asked
    (item,) = flow.view.requests
    assert item.anonymous and flow.view.items == ()
    assert kit.terminal.last_spoken == "These are your requests and how far they have got"   # not "applications"
    assert flow.ask_rating(item.key) and flow.choose_rating("satisfied") and flow.confirm_rating()
    kit.run_until(lambda: flow.state is PS.RESULTS, "rated")
    assert flow.ctx.outbox.of_kind("request_rating")[0][1]["proof"] == "0123456789abcdef"


def test_the_requests_not_answering_still_shows_the_applications_and_says_so(progress_kit):
    kit = progress_kit([request_status()], client=Platform(requests_down=True))
    flow = by_card(kit)
    assert flow.state is PS.RESULTS and flow.view.items and flow.view.requests == ()
    assert flow.view.hint == "requests_unavailable"
    assert kit.terminal.last_spoken == "Your requests cannot be looked up now. These are your applications"
