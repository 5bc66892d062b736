"""The demo's 诉求反映 part: a request filed with a photo, the department's
answer played through the platform's admin endpoints, the resident reading it
at the hut and rating it; photographed.

The resident (the hut's "resident" card) reports a stair light out: 求助 →
the first topic with a place, the hut's community's second building and its
unit, a common phrase, a page laid under the document camera as the photo,
the card, a phone (masked from then on), the review, the slip.  The outbox
worker (``drained``) takes it to the platform; the back office moves it
(派单, 办理, 答复 with its answer) as a department would, through
``/v1/admin/requests/<number>/transition`` with the platform's admin token;
back at the hut, 进度查询 by card shows every step and the answer, and 满意
goes back through the outbox.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until, hut_control

ANSWER = "您反映的楼道灯已于今天更换，请查看。如仍有问题，请再次反映。"


def _admin(app: Any, method: str, path: str, body: dict | None = None) -> Any:
    """The platform's back office (its admin token sits beside its database in the hut's folder)."""
    settings = app.terminal.settings
    token = (Path(settings.source).parent / "platform" / "platform.sqlite3.admin-token").read_text("ascii").strip()
    request = urllib.request.Request(settings.platform.url.rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def request_walkthrough(app: Any, control_url: str, shot: Callable[[str, str], None], devices: dict[str, Any],
                        drained: Callable[[], Script], log: Callable[[str], None]) -> Script:
    needed = {"idcard", "camera", "printer", "platform"}
    if not needed <= set(devices):
        log(f"  skipped the request: this hut has no {', '.join(sorted(needed - set(devices)))}")
        return
    terminal = app.terminal
    flow = terminal.flow("request")

    def state() -> str:
        return str(flow.view.state.value)

    def control(device: str, action: str, **params: Any) -> None:
        hut_control(control_url, device, action, **params)

    app.go_home("resident")
    app.open_service("request")
    yield Until(lambda: state() != "loading", "the request catalog", 20)
    if state() != "type":
        log("  skipped the request: the platform serves no request catalog")
        app.go_home("resident")
        return
    yield SETTLE
    shot("50-request-types", "诉求反映: five kinds of request, each with an example")
    flow.choose_type("help")
    yield SETTLE
    shot("51-request-topics", "The topic from the district's catalog; what the hut cannot take is listed apart")
    topic = next(t for t in flow.view.topics if t.needs_place and t.phrases)
    flow.choose_topic(topic.code)
    community = flow.view.community
    if community is not None and community.addresses:
        address = community.addresses[min(1, len(community.addresses) - 1)]
        flow.choose_building(address.building)
        if address.units:
            flow.choose_unit(address.units[-1])
    else:
        flow.type_place("小区东门")
    yield SETTLE
    shot("52-request-place", "Where: the hut's own community, the building and unit from its addresses")
    flow.place_done()
    yield Until(lambda: app.sm.current == "request_text", "the description")
    flow.insert_phrase(topic.phrases[0].text)
    flow.set_text(flow.view.text + "，已经一个星期了，晚上老人上下楼看不见")
    yield SETTLE
    shot("53-request-text", "What happened: a common phrase tapped in, the pinyin keyboard, 500 characters counted")
    flow.text_done()
    control("camera", "place_page")
    flow.shoot("document")
    yield Until(lambda: flow.shots["document"].running, "the camera", 10)
    yield 1.0
    flow.take()
    yield Until(lambda: state() == "photos" and len(flow.view.photos) == 1, "the photo", 20)
    control("camera", "remove_page")
    yield SETTLE
    shot("54-request-photo", "A photo under the document camera (up to three), each with retake and delete")
    flow.photos_done()
    flow.by_card()
    control("idcard", "place_card", card="resident")
    yield Until(lambda: terminal.identify.view.state.value == "identified", "the card read", 20)
    terminal.continue_()
    yield Until(lambda: state() == "contact", "the phone")
    for digit in "13812345678":
        flow.type_digit(digit)
    flow.set_consent(True)
    flow.contact_done()
    yield Until(lambda: app.sm.current == "request_review", "the review")
    yield SETTLE
    shot("55-request-review", "The review: the phone masked, the time limit for the answer")
    flow.submit()
    yield Until(lambda: state() == "done", "the request filed", 30)
    yield Until(lambda: flow.view.slip in ("printed", "note_number"), "the slip", 20)
    yield SETTLE
    shot("56-request-done", "The number and the slip (the QR finds it again; the phone masked)")
    serial = flow.view.number
    app.go_home("done")
    control("idcard", "remove_card")
    yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)

    yield from drained()
    found = [r for r in _admin(app, "GET", "/v1/admin/requests").get("requests", [])
             if serial in (r.get("serial"), r.get("number"))]
    if not found:
        log("  the request did not reach the platform; the department's part is skipped")
        return
    number = found[0]["number"]
    for move in ({"to": "派单"}, {"to": "办理", "note": "已安排电工上门"}, {"to": "答复", "note": ANSWER}):
        _admin(app, "POST", f"/v1/admin/requests/{number}/transition", {**move, "actor": "演示部门"})
    log(f"  the department answered request {number}")

    progress = terminal.flow("progress")
    app.open_service("progress")
    control("idcard", "place_card", card="resident")
    yield Until(lambda: progress.view.state.value == "results", "the resident's requests", 30)
    yield SETTLE
    shot("56a-request-answer-at-the-hut", "进度查询: the request beside the applications, every step and the answer")
    progress.ask_rating(number)
    progress.choose_rating("satisfied")
    yield SETTLE
    shot("56b-request-rating", "Rating the answer: 满意 / 基本满意 / 不满意 (a reason for 不满意)")
    progress.confirm_rating()
    yield Until(lambda: progress.view.state.value == "results" and bool(progress.view.notice), "the rating", 30)
    yield SETTLE
    shot("56c-request-rated", "The rating goes through the outbox; the platform closes the request")
    app.go_home("done")
    control("idcard", "remove_card")
    yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
    yield from drained()
