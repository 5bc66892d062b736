"""诉求反映 end to end in process: the terminal files requests into a real
encrypted outbox, a real outbox worker sends them to the reference platform
(which checks them against its request catalog), the department answers
through the admin endpoints, and the resident reads the answer at the hut
(by card, or by the anonymous request's slip) and rates it."""

from __future__ import annotations

from dataclasses import replace

from kiosk.devices.snapshot import write_platform_reach
from kiosk.flows.service import Step
from kiosk.outbox.store import Outbox
from kiosk.services.progress.flow import ProgressState
from kiosk.services.request.flow import RequestState
from simulators.platform.testing import admin, client_for
from tests.kiosk.terminal.test_filing_platform import Worker
from tests.terminal_kit import DEVICES, TerminalKit, card, identify, page_scene

R, PS = RequestState, ProgressState


def file_one(kit, kind, topic, *, anonymous=False, photo=False, phone=""):
    flow = kit.terminal.flow("request")
    kit.terminal.open_service("request")
    kit.run_until(lambda: flow.state is R.TYPE, "the platform's request catalog", 15)
    assert flow.choose_type(kind) and flow.choose_topic(topic)
    address = flow.view.community.addresses[0]
    assert flow.choose_building(address.building) and flow.choose_unit(address.units[0])
    assert flow.place_done()
    assert flow.set_text("楼道灯不亮，已经一个星期了") and flow.text_done()
    if photo:
        kit.camera.show(page_scene())
        assert flow.shoot("document")
        kit.run_until(lambda: flow.shots["document"].running, "the camera")
        assert flow.take()
        kit.run_until(lambda: flow.state is R.PHOTOS and flow.view.photos, "the photo")
    assert flow.photos_done()
    if anonymous:
        assert flow.go_anonymous()
    else:
        assert flow.by_card()
        kit.at(Step.IDENTIFY)
        identify(kit)
    for digit in phone:
        flow.type_digit(digit)
    if phone:
        flow.set_consent(True)
    assert flow.contact_done()
    assert flow.submit()
    kit.run_until(lambda: flow.state is R.DONE, "filed", 20)
    kit.run_until(lambda: flow.view.slip in ("printed", "note_number"), "the slip")
    qr = next(block for block in kit.printer.printed[-1].blocks if type(block).__name__ == "QR")
    number = flow.view.number
    kit.terminal.home("done")
    kit.reader.take()
    kit.settle()
    return number, flow.view, qr.data


def test_requests_reach_the_platform_are_answered_read_and_rated(make_settings, platform, terminal, tmp_path):
    folder = tmp_path / "state" / "outbox"
    settings = make_settings(DEVICES)
    settings = replace(settings, secrets=replace(settings.secrets, id_hash_keys=terminal.id_hash_keys))
    settings.paths.state_dir.mkdir(parents=True, exist_ok=True)
    write_platform_reach(settings.paths.state_dir, True)
    outbox = Outbox(folder, terminal.outbox_key, terminal.id)
    client = client_for(platform.url, terminal, state_dir=settings.paths.state_dir)   # it caches the catalogs
    with Worker(folder, terminal, platform.url), \
            TerminalKit(settings, outbox=outbox, client=client, wait_seconds=8.0) as kit:
        kit.terminal.refresh_availability()
        identified, _view, _qr = file_one(kit, "help", "roads_lighting", photo=True, phone="13812345678")
        anonymous, _view, slip_qr = file_one(kit, "complaint", "sanitation", anonymous=True)
        assert "-" not in identified and "-" not in anonymous       # the platform's numbers, not local serials

        listed = {r["number"]: r for r in admin(platform, "GET", "/v1/admin/requests").json()["requests"]}
        assert listed[identified]["type"] == "help" and listed[identified]["phone"] == "13812345678"
        assert listed[anonymous]["type"] == "complaint" and not listed[anonymous].get("phone")
        for number in (identified, anonymous):
            for move in ({"to": "派单"}, {"to": "办理"}, {"to": "答复", "note": "已处理，请查看。"}):
                assert admin(platform, "POST", f"/v1/admin/requests/{number}/transition",
                             json={**move, "actor": "test"}).status_code == 200

        # By card: the identified request with every step and the answer; rated 满意, it is closed.
        progress = kit.terminal.flow("progress")
        kit.terminal.open_service("progress")
        kit.reader.place(card())
        kit.run_until(lambda: progress.state is PS.RESULTS, "the resident's requests", 15)
        (mine,) = [r for r in progress.view.requests if r.number == identified]
        assert anonymous not in {r.number for r in progress.view.requests}   # only its slip finds it
        assert mine.state == "答复" and mine.answer == "已处理，请查看。" and mine.rateable
        assert [s.state_zh for s in mine.steps][:4] == ["已受理", "已派单", "办理中", "已答复"]
        assert progress.ask_rating(identified) and progress.choose_rating("satisfied")
        assert progress.confirm_rating()
        kit.run_until(lambda: progress.state is PS.RESULTS and progress.view.notice, "rated", 15)
        assert progress.view.notice == "rated"
        kit.terminal.home("done")
        kit.reader.take()
        kit.settle()

        # By the anonymous request's slip: unsatisfied, with a reason; the platform reopens it.
        kit.terminal.open_service("progress")
        assert progress.slip_read(slip_qr)
        kit.run_until(lambda: progress.state is PS.RESULTS, "the slip's request", 15)
        (theirs,) = progress.view.requests
        assert theirs.number == anonymous and theirs.rateable
        assert progress.ask_rating(anonymous) and progress.choose_rating("unsatisfied")
        assert progress.choose_reason("not_solved") and progress.confirm_rating()
        kit.run_until(lambda: progress.state is PS.RESULTS and progress.view.notice, "rated", 15)
        kit.terminal.home("done")

        states = {r["number"]: r["state"] for r in admin(platform, "GET", "/v1/admin/requests").json()["requests"]}
        assert states[identified] == "办结" and states[anonymous] == "办理"
    outbox.close()
