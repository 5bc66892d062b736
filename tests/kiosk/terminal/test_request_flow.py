"""诉求反映 through the terminal, in process: every type to the slip, by card
and anonymously, with and without photos, and the bad input and failures a
resident meets (an empty or too long description, emoji, a refused topic, the
platform down, the idle timeout, a double tap, the camera unplugged)."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.flows.service import Step
from kiosk.services.request.flow import DRAFT, RequestState
from kiosk.terminal.view import TerminalState
from tests.request_kit import MemoryOutbox, RequestPlatform, catalog_doc
from tests.terminal_kit import card, identify, page_scene

R = RequestState
PHONE = "13812345678"


@pytest.fixture
def request_kit(make_kit):
    from kiosk.privacy import IdHashKeys

    def make(**options):
        options.setdefault("outbox", MemoryOutbox(number="SQ20261207000123"))
        options.setdefault("client", RequestPlatform())
        return make_kit(id_hash_keys=IdHashKeys(1, b"k" * 32), **options)

    return make


def open_request(kit):
    kit.terminal.open_service("request")
    flow = kit.terminal.flow("request")
    kit.run_until(lambda: flow.state is not R.LOADING, "the request catalog")
    return flow


def to_text(kit, kind="help", topic="lighting"):
    flow = open_request(kit)
    assert flow.state is R.TYPE and kit.step is Step.REQUEST_TYPE
    assert flow.choose_type(kind)
    assert flow.choose_topic(topic)
    assert kit.step is Step.REQUEST_PLACE
    assert flow.view.community is not None and flow.view.community.name == "东风社区"   # the hut's own, preselected
    assert flow.choose_building("2") and flow.choose_unit("3")
    assert flow.place_done()
    assert kit.step is Step.REQUEST_TEXT
    return flow


def take_photo(kit, flow, source="document"):
    assert flow.shoot(source)
    kit.run_until(lambda: flow.shots[source].running, "the camera to look")
    before = len(flow.view.photos)
    assert flow.take()
    kit.run_until(lambda: flow.state is R.PHOTOS and len(flow.view.photos) == before + 1, "the photo")


def to_review(kit, flow, anonymous=False, phone=""):
    assert flow.photos_done()
    assert kit.step is Step.REQUEST_WHO
    if anonymous:
        assert flow.go_anonymous()
    else:
        assert flow.by_card()
        kit.at(Step.IDENTIFY)
        identify(kit)
    assert kit.step is Step.REQUEST_CONTACT
    for digit in phone:
        assert flow.type_digit(digit)
    if phone:
        assert flow.set_consent(True)
    assert flow.contact_done()
    assert kit.step is Step.REQUEST_REVIEW
    return flow


def submit(kit, flow):
    assert flow.submit()
    kit.at(Step.REQUEST_DONE, "the request filed")
    kit.run_until(lambda: flow.view.slip in ("printed", "note_number"), "the slip")


@pytest.mark.parametrize("kind,topic,anonymous,photos", [
    ("consult", "social_security", False, 0),
    ("help", "lighting", False, 1),
    ("complaint", "sanitation", True, 2),
    ("complaint", "sanitation", False, 0),
    ("suggestion", "other", False, 0),
    ("report", "heating", True, 1),
    ("report", "heating", False, 3),
])
def test_every_type_reaches_the_outbox_with_its_slip(request_kit, kind, topic, anonymous, photos):
    kit = request_kit(online=True, wait_seconds=2.0)
    kit.camera.show(page_scene())
    flow = to_text(kit, kind, topic)
    assert flow.insert_phrase(flow.view.topic.phrases[0].text) if flow.view.topic.phrases else flow.set_text("想问一下")
    assert flow.set_text(flow.view.text + "，请尽快处理")
    assert flow.text_done()
    for _ in range(photos):
        take_photo(kit, flow)
    to_review(kit, flow, anonymous=anonymous, phone=PHONE)
    assert flow.view.phone_masked == "138****5678"
    submit(kit, flow)

    [(_kind, body, attachments)] = flow.ctx.outbox.of_kind("request")
    assert body["type"] == kind and body["topic"] == topic
    assert body["text"].endswith("请尽快处理")
    assert body["catalog_version"] == "2026-12-01" and len(body["slip_code_sha256"]) == 64
    assert body["place"] == {"community": "dongfeng", "building": "2", "unit": "3", "text": ""}
    assert body["phone"] == PHONE and body["phone_consent"] is True
    assert len(attachments) == photos and all(data[:2] == b"\xff\xd8" for _code, data in attachments)
    if anonymous:
        assert "resident" not in body
    else:
        assert body["resident"]["name"] == "王秀兰" and len(body["resident"]["id_hash"]) == 64
    limit = {"consult": 2, "help": 10, "complaint": 15, "suggestion": 10, "report": 15}[kind]
    assert flow.view.number == "SQ20261207000123" and flow.view.confirmed and flow.view.limit_days == limit
    slip = kit.printer.printed[-1]
    printed = "\n".join(str(block) for block in slip.blocks)
    assert "SQ20261207000123" in printed and f"{limit}个工作日" in printed
    assert "138****5678" in printed and PHONE not in printed
    assert ("匿名" in printed) is anonymous
    assert "HUTAPP:" in printed
    assert kit.terminal.session.get(DRAFT) is None      # in the outbox: the visit keeps no copy


def test_a_complaint_the_hut_cannot_take_says_where_to_go(request_kit):
    kit = request_kit()
    flow = open_request(kit)
    assert flow.choose_type("complaint")
    assert flow.choose_not_here("petition")
    assert flow.state is R.NOT_HERE and flow.view.refusal.where == "请到区信访接待中心"
    kit.terminal.back()
    assert flow.state is R.TOPIC and flow.view.refusal is None


def test_anonymous_only_for_complaints_and_reports(request_kit):
    kit = request_kit()
    flow = to_text(kit, "help")
    assert flow.set_text("楼道灯不亮") and flow.text_done() and flow.photos_done()
    assert not flow.go_anonymous()
    assert flow.view.notice == "anonymous_not_allowed" and flow.state is R.WHO


def test_a_question_needs_no_place(request_kit):
    kit = request_kit()
    flow = open_request(kit)
    assert flow.choose_type("consult") and flow.choose_topic("social_security")
    assert flow.view.no_place   # a topic without a place starts as "not a place"
    assert flow.place_done()
    assert flow.state is R.TEXT
    assert flow.set_text("养老金什么时候发") and flow.text_done() and flow.photos_done() and flow.by_card()
    kit.at(Step.IDENTIFY)
    identify(kit)
    assert flow.contact_done()
    submit(kit, flow)
    assert flow.ctx.outbox.of_kind("request")[-1][1]["place"] is None


def test_a_place_must_be_said_or_declined(request_kit):
    kit = request_kit()
    flow = open_request(kit)
    assert flow.choose_type("help") and flow.choose_topic("heating")
    assert not flow.place_done() and flow.view.notice == "choose_place"
    assert not flow.choose_building("9")
    assert flow.type_place("菜市场东门")
    assert flow.place_done()


@pytest.mark.parametrize("typed", ["", "     ", "\u3000\u3000", "\n"])
def test_an_empty_description_is_refused_with_words(request_kit, typed):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text(typed)
    assert not flow.text_done()
    assert flow.view.notice == "empty" and flow.state is R.TEXT


def test_501_characters_are_refused_and_the_500_kept(request_kit):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text("灯" * 500)
    assert flow.view.count == 500
    assert not flow.set_text("灯" * 501)
    assert flow.view.notice == "too_long" and flow.view.text == "灯" * 500
    assert not flow.insert_phrase("楼道灯不亮")   # a phrase that would not fit
    assert flow.view.text == "灯" * 500
    assert flow.text_done()


def test_emoji_and_control_characters_are_taken_out_and_said_so(request_kit):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text("楼道灯不亮\U0001F621\x07\u200b三天了")
    assert flow.view.text == "楼道灯不亮三天了" and flow.view.notice == "stripped"
    assert flow.set_text(flow.view.text + "。")
    assert flow.view.notice == ""


def test_going_back_and_forth_loses_nothing(request_kit):
    kit = request_kit()
    kit.camera.show(page_scene())
    flow = to_text(kit)
    assert flow.set_text("二号楼三单元楼道灯不亮")
    assert flow.text_done()
    take_photo(kit, flow)
    for _ in range(3):
        kit.terminal.back()
    assert flow.state is R.TOPIC
    assert flow.choose_topic("lighting")
    assert flow.view.building == "2" and flow.view.unit == "3" and flow.view.place_words == "2号楼3单元"
    assert flow.place_done()
    assert flow.view.text == "二号楼三单元楼道灯不亮"
    assert flow.text_done()
    assert flow.view.photos == ("page",)
    to_review(kit, flow, phone=PHONE)
    kit.terminal.back()
    assert flow.state is R.CONTACT and flow.view.phone_masked == "138****5678" and flow.view.phone_entry == ""
    assert flow.contact_done()
    assert flow.view.text == "二号楼三单元楼道灯不亮"


def test_photos_up_to_three_retake_and_delete(request_kit):
    kit = request_kit()
    kit.camera.show(page_scene())
    flow = to_text(kit)
    assert flow.set_text("暖气不热") and flow.text_done()
    for _ in range(3):
        take_photo(kit, flow)
    assert flow.view.photos == ("page", "page", "page")
    assert not flow.shoot("document") and flow.view.notice == "full"
    first = flow.photo(0)
    kit.camera.show(np.random.default_rng(2).integers(0, 255, (720, 1280, 3), dtype=np.uint8))   # no page in it
    assert flow.retake(0)
    kit.run_until(lambda: flow.shots["document"].running, "the camera")
    assert flow.take()
    kit.run_until(lambda: flow.state is R.PHOTOS, "the retaken photo")
    assert flow.view.photos == ("photo", "page", "page")   # not a page: kept as a photo
    assert flow.photo(0) != first and flow.photo(0)[:2] == b"\xff\xd8"
    assert flow.delete_photo(1)
    assert flow.view.photos == ("photo", "page")


def test_the_front_camera_takes_what_is_held_up(request_kit):
    kit = request_kit()
    kit.front_camera.show(np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8))
    flow = to_text(kit)
    assert flow.set_text("小区门口路灯坏了") and flow.text_done()
    take_photo(kit, flow, "front")
    assert flow.view.photos == ("photo",)


def test_the_camera_unplugged_mid_photo_is_said_and_the_request_goes_on(request_kit):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text("垃圾没有清运") and flow.text_done()
    assert flow.shoot("document")
    kit.camera.unplug()
    kit.run_until(lambda: flow.state is R.PHOTOS, "back to the photos")
    assert flow.view.notice == "camera_lost" and "document" not in flow.view.cameras
    assert kit.terminal.last_spoken == "The camera is not working. Your request goes on without the photo"
    to_review(kit, flow)
    submit(kit, flow)


def test_a_double_tap_files_one_request(request_kit):
    kit = request_kit(online=True, wait_seconds=1.0)
    flow = to_text(kit)
    assert flow.set_text("楼道灯不亮") and flow.text_done()
    to_review(kit, flow)
    assert flow.submit()
    assert not flow.submit()
    kit.run_until(lambda: flow.state is R.DONE, "filed")
    assert not flow.submit()
    assert len(flow.ctx.outbox.of_kind("request")) == 1


def test_the_platform_down_queues_it_with_the_local_number(request_kit):
    client = RequestPlatform()
    kit = request_kit(online=False, outbox=MemoryOutbox(number=None), client=client)
    flow = to_text(kit)       # the catalog of this first visit is kept
    kit.terminal.home("resident")
    client.down = True
    flow = to_text(kit)
    assert flow.set_text("暖气不热") and flow.text_done()
    to_review(kit, flow, anonymous=False)
    assert flow.view.submit_mode == "queued"
    submit(kit, flow)
    assert flow.view.number.startswith("HUT-0001-") and not flow.view.confirmed
    printed = "\n".join(str(b) for b in kit.printer.printed[-1].blocks)
    assert "网络恢复后将自动发送" in printed
    assert kit.terminal.last_spoken == "Your request is saved and will be sent automatically. Please take your slip"


def test_no_catalog_at_all_says_requests_cannot_be_taken_now(request_kit):
    client = RequestPlatform(down=True)
    kit = request_kit(client=client)
    flow = open_request(kit)
    assert flow.state is R.NO_CATALOG and kit.step is Step.REQUEST_TYPE
    client.down = False
    assert flow.retry_catalog()
    kit.run_until(lambda: flow.state is R.TYPE, "the catalog")


def test_an_unknown_topic_refreshes_the_catalog_and_asks_again_keeping_the_rest(request_kit):
    client = RequestPlatform()
    outbox = MemoryOutbox(refusal="UNKNOWN_TOPIC")
    kit = request_kit(online=True, wait_seconds=2.0, outbox=outbox, client=client)
    flow = to_text(kit)
    assert flow.set_text("楼道灯不亮两周了") and flow.text_done()
    to_review(kit, flow, phone=PHONE)
    newer = catalog_doc(version="2026-12-07")
    newer["topics"] = [t for t in newer["topics"] if t["code"] != "lighting"] + [
        {"code": "roads_lighting", "name": "道路和照明", "name_en": "Roads and lighting", "needs_place": True,
         "phrases": []}]
    client.doc = newer
    assert flow.submit()
    kit.run_until(lambda: flow.state is R.TOPIC and flow.view.catalog_version == "2026-12-07", "asked again")
    assert flow.view.notice == "refused"
    assert [t.code for t in flow.view.topics][-1] == "roads_lighting"
    outbox.refusal = ""
    outbox.number = "SQ20261207000124"
    assert flow.choose_topic("roads_lighting") and flow.place_done()
    assert flow.view.text == "楼道灯不亮两周了"
    assert flow.text_done() and flow.photos_done() and flow.by_card()
    kit.at(Step.IDENTIFY)
    identify(kit)
    assert flow.view.phone_masked == "138****5678"   # the phone typed before is kept too
    assert flow.contact_done()
    submit(kit, flow)
    assert outbox.of_kind("request")[-1][1]["topic"] == "roads_lighting"
    assert outbox.of_kind("request")[-1][1]["catalog_version"] == "2026-12-07"


def test_a_bad_phone_and_a_phone_without_consent_are_said(request_kit):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text("建议加长椅") and flow.text_done() and flow.photos_done() and flow.by_card()
    kit.at(Step.IDENTIFY)
    identify(kit, card())
    for digit in "1381234":
        flow.type_digit(digit)
    assert not flow.contact_done() and flow.view.notice == "bad_phone"
    for digit in "5678":
        flow.type_digit(digit)
    assert not flow.contact_done() and flow.view.notice == "consent_needed"
    assert flow.view.phone_masked == "138****5678" and flow.view.phone_entry == ""
    assert flow.clear_phone()
    assert flow.contact_done()


def test_the_idle_timeout_mid_description_warns_then_wipes_everything(request_kit):
    kit = request_kit()
    flow = to_text(kit)
    assert flow.set_text("楼上装修噪音很大，晚上十点还在施工")
    kit.clock.advance(kit.terminal.idle.warning_after + 1)
    kit.run_until(lambda: kit.view.idle_warning, "the warning first")
    assert flow.view.text   # nothing wiped yet
    kit.clock.advance(kit.terminal.idle.timeout_after)
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home")
    assert kit.terminal.session.get(DRAFT) is None
    assert flow.state is R.CLOSED and flow.view.text == "" and flow.view.photos == ()


def test_a_refusal_the_resident_cannot_mend_is_said_not_a_local_number(request_kit):
    outbox = MemoryOutbox(refusal="VALIDATION")
    kit = request_kit(online=True, wait_seconds=2.0, outbox=outbox)
    flow = to_text(kit)
    assert flow.set_text("楼道灯不亮") and flow.text_done()
    to_review(kit, flow)
    assert flow.submit()
    kit.run_until(lambda: flow.state is R.REVIEW, "back on the review")
    assert flow.view.notice == "not_accepted" and flow.view.number == ""
    assert kit.terminal.last_spoken == "The platform did not accept the request. Please ask the staff"


def test_the_huts_own_community_is_preselected_from_the_config(request_kit):
    from dataclasses import replace

    doc = catalog_doc()
    doc["communities"].append({"code": "xiyuan", "name": "西苑社区", "name_en": "Xiyuan community",
                               "addresses": [{"building": "8", "units": ["1"]}]})
    kit = request_kit(client=RequestPlatform(doc))
    settings = kit.terminal.settings
    flow = kit.terminal.flow("request")
    flow.ctx.settings = replace(settings, hut=settings.hut.model_copy(update={"community": "xiyuan"}))
    flow = open_request(kit)
    assert flow.view.community.code == "xiyuan"
