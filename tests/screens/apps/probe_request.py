"""诉求反映 in the virtual hut, touched like a resident, then played through
by the department and read back at the hut.

1. A request with a photo: 求助 → 道路照明, building and unit from the picker,
   a common phrase and a few typed words, a page photographed under the
   document camera, the ID card, a phone typed on the keypad (masked after)
   with its consent, the review, 提交: the platform's number, the time limit,
   the slip (masked phone, the QR).
2. The department (the platform's admin endpoints, as the back office):
   派单 to a department, 办理, 答复 with its answer.
3. Back at the hut: 进度查询 with the card lists the request beside the
   applications, every step with its date and the answer; 评价 满意 goes
   through the outbox worker and the platform closes the request (办结).

The hut runs the reference platform, the printer, the ID card reader and the
document camera; the outbox worker runs beside the app as on a terminal.
"""

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import measure  # noqa: E402 - after the sys.path line above
from probe_common import Until, frames, into_view, labels_of, laid_out, run, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above

PHONE = "13812345678"


def picture(name):
    yield frames(3, "the screen drawn")
    screenshot(Path(sys.argv[2]).parent / f"{name}.png")


def texts(widget):
    return [lab.text for lab in labels_of(widget) if lab.text]


def child(box, key):
    return next(c for c in box.children if getattr(c, "key", None) == key)


def admin(hut, method, path, **kw):
    import requests

    server = hut["platform"].server
    return requests.request(method, server.url + path, headers={"Authorization": f"Bearer {server.admin_token}"},
                            timeout=10, **kw)


def script(hut):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        def problems(screen):
            return measure([screen], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)

        terminal, home = app.terminal, app.screens["home"]
        flow = terminal.flow("request")
        yield Until(lambda: app.sm is not None and app.sm.current == "home" and app.ready, "the app to be ready", 20)
        yield Until(lambda: app.availability.online and app.availability.slip and app.availability.id_card
                    and app.availability.scan, "the platform, printer, reader and camera to be up", 30)

        def state():
            return flow.view.state.value

        # -- 1. the request -----------------------------------------------------------------------
        tap(home.tiles["request"])
        yield Until(lambda: state() == "type", "the request types from the platform", 20)
        yield laid_out()
        kinds = app.screens["request_type"]
        facts["type_texts"] = texts(kinds)
        facts["type_problems"] = problems(kinds)
        yield from picture("request-type")
        tap(child(kinds.ids.choices, "help"))
        yield Until(lambda: state() == "topic", "the topics")
        yield laid_out()
        facts["topic_texts"] = texts(kinds)
        topic = child(kinds.ids.choices, "roads_lighting")
        yield from into_view(kinds.ids.scroll, topic)
        tap(topic)
        yield Until(lambda: app.sm.current == "request_place", "the place")
        yield laid_out()
        place = app.screens["request_place"]
        facts["community"] = place.ids.community.text
        yield from into_view(place.ids.scroll, child(place.ids.buildings, "2"))
        tap(child(place.ids.buildings, "2"))
        yield Until(lambda: flow.view.building == "2", "the building")
        yield laid_out()
        yield from into_view(place.ids.scroll, child(place.ids.units, "3"))
        tap(child(place.ids.units, "3"))
        yield Until(lambda: flow.view.unit == "3", "the unit")
        yield laid_out()
        facts["place_problems"] = problems(place)
        yield from picture("request-place")
        tap(place.ids.go_on)
        yield Until(lambda: app.sm.current == "request_text", "the description")
        yield laid_out()
        text = app.screens["request_text"]
        phrase = child(text.ids.phrases, "楼道灯不亮")
        yield from into_view(text.ids.scroll, phrase)
        tap(phrase)
        yield Until(lambda: flow.view.text == "楼道灯不亮", "the phrase added")
        keyboard = text.ids.keyboard
        yield Until(lambda: keyboard.engine is not None, "the pinyin engine", 60)
        yield laid_out()
        yield from into_view(text.ids.keys_scroll, keyboard)
        for letter in "sange":
            tap(keyboard.letter_keys[letter])
        yield Until(lambda: bool(keyboard.candidates), "the candidates")
        yield laid_out()
        facts["candidates"] = list(keyboard.candidates)
        tap(keyboard.candidate_buttons[0])
        yield Until(lambda: flow.view.text.startswith("楼道灯不亮") and len(flow.view.text) > 5, "the words picked")
        yield laid_out()
        facts["typed"] = flow.view.text
        facts["count_shown"] = text.ids.count.text
        facts["text_problems"] = problems(text)
        yield from picture("request-text")
        tap(text.ids.go_on)
        yield Until(lambda: app.sm.current == "request_photos", "the photos")
        yield laid_out()
        photos = app.screens["request_photos"]
        hut.control("camera", "place_page")
        yield from into_view(photos.ids.scroll, photos.ids.document)
        tap(photos.ids.document)
        yield Until(lambda: photos.camera_ready, "the live picture", 20)
        yield laid_out()
        yield from picture("request-photo-live")
        tap(photos.ids.go_on)                      # 拍照
        yield Until(lambda: photos.photos == 1 and state() == "photos", "the photo taken", 20)
        yield laid_out()
        hut.control("camera", "remove_page")
        facts["photo_kinds"] = list(flow.view.photos)
        facts["photos_problems"] = problems(photos)
        yield from picture("request-photos")
        tap(photos.ids.go_on)
        yield Until(lambda: app.sm.current == "request_who", "who")
        yield laid_out()
        who = app.screens["request_who"]
        facts["who_texts"] = texts(who)
        tap(who.ids.by_card)
        yield Until(lambda: app.sm.current == "identify", "the card asked")
        hut.control("idcard", "place_card", card="resident")
        identify = app.screens["identify"]
        yield Until(lambda: not identify.ids.proceed.disabled, "the card read", 20)
        yield laid_out()
        tap(identify.ids.proceed)
        yield Until(lambda: app.sm.current == "request_contact", "the phone")
        yield laid_out()
        contact = app.screens["request_contact"]
        yield from into_view(contact.ids.scroll, contact.ids.keypad.ids.key0)
        for digit in PHONE:
            tap(contact.ids.keypad.ids[f"key{digit}"])
        yield Until(lambda: flow.view.phone_entry == PHONE, "the phone typed")
        yield laid_out()
        facts["phone_while_typed"] = contact.ids.number.text
        yield from into_view(contact.ids.scroll, contact.ids.consent)
        tap(contact.ids.consent)
        yield Until(lambda: flow.view.phone_consent, "the consent")
        yield laid_out()
        tap(contact.ids.go_on)
        yield Until(lambda: app.sm.current == "request_review", "the review")
        yield laid_out()
        review = app.screens["request_review"]
        facts["review_texts"] = texts(review)
        facts["review_problems"] = problems(review)
        yield from picture("request-review")
        tap(review.ids.submit)
        tap(review.ids.submit)                     # a double tap
        yield Until(lambda: state() == "done", "the request filed", 30)
        done = app.screens["request_done"]
        yield Until(lambda: done.slip in ("printed", "note_number"), "the slip", 20)
        yield laid_out()
        facts["done"] = {"number": flow.view.number, "confirmed": flow.view.confirmed, "texts": texts(done),
                         "slip": done.slip}
        facts["done_problems"] = problems(done)
        yield from picture("request-done")
        # the kiosk says "printed" once the printer took the job; the simulator lists it once drawn
        yield Until(lambda: hut.control("printer", "jobs")["jobs"], "the slip on the simulated printer", 20)
        jobs = hut.control("printer", "jobs")["jobs"]
        transcript = Path(jobs[-1]["transcript"])
        yield Until(transcript.exists, "the slip's transcript", 10)
        facts["slip_text"] = transcript.read_text(encoding="utf-8")
        hut.control("idcard", "remove_card")
        # the resident takes the card (the reader notices within its poll) before coming back with it
        yield Until(lambda: not terminal.view.card_on_reader, "the card taken off the reader", 10)
        tap(done.ids.finish)
        yield Until(lambda: app.sm.current == "home", "home")

        # -- 2. the department ------------------------------------------------------------------------
        number = flow.view.number or facts["done"]["number"]
        listed = admin(hut, "GET", "/v1/admin/requests").json()["requests"]
        mine = [r for r in listed if r["number"] == number]
        facts["platform_request"] = {k: mine[0].get(k) for k in ("type", "topic", "phone", "state", "place")} \
            if mine else {}
        facts["requests_on_platform"] = len(mine)
        for move in ({"to": "派单", "department": "housing"}, {"to": "办理", "note": "已安排电工上门"},
                     {"to": "答复", "note": "二号楼三单元楼道灯已更换，请查看。"}):
            answer = admin(hut, "POST", f"/v1/admin/requests/{number}/transition", json={**move, "actor": "demo"})
            facts.setdefault("moves", []).append(answer.status_code)

        # -- 3. back at the hut: read it and rate it -----------------------------------------------------
        progress = terminal.flow("progress")
        tap(home.tiles["progress"])
        yield Until(lambda: progress.view.state.value == "waiting", "the progress step")
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: progress.view.state.value in ("results", "nothing_found", "unavailable"), "the answer", 30)
        yield laid_out()
        screen = app.screens["progress"]
        requests_shown = [c for c in screen.ids.item_list.children if type(c).__name__ == "RequestCard"]
        facts["progress_state"] = progress.view.state.value
        facts["progress_requests"] = [{"number": r.number, "state": r.state, "answer": r.answer,
                                       "steps": [s.state_zh for s in r.steps], "rateable": r.rateable}
                                      for r in progress.view.requests]
        facts["progress_texts"] = texts(screen)
        facts["progress_problems"] = problems(screen)
        yield from picture("request-progress")
        card = next(c for c in requests_shown if c.key == number)
        yield from into_view(screen.ids.item_scroll, card.ids.rate)
        tap(card.ids.rate)
        yield Until(lambda: progress.view.state.value == "rating", "the rating asked")
        yield laid_out()
        panel = screen.rating_panel
        yield from into_view(screen.ids.item_scroll, panel.ids.satisfied)
        tap(panel.ids.satisfied)
        yield Until(lambda: progress.view.rating == "satisfied", "满意 chosen")
        yield laid_out()
        facts["rating_problems"] = problems(screen)
        yield from picture("request-rating")
        yield from into_view(screen.ids.item_scroll, panel.ids.send)
        tap(panel.ids.send)
        yield Until(lambda: progress.view.state.value == "results" and progress.view.notice, "the rating sent", 30)
        facts["rating_notice"] = progress.view.notice
        yield laid_out()
        yield from picture("request-rated")
        yield Until(lambda: terminal.outbox.status()["pending"] == 0, "the worker to send the rating", 30)
        after = [r for r in admin(hut, "GET", "/v1/admin/requests").json()["requests"] if r["number"] == number]
        facts["platform_after_rating"] = after[0].get("state") if after else ""
        hut.control("idcard", "remove_card")
        app.go_home("resident")
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    overrides = {"platform": {"heartbeat_seconds": 5}, "outbox": {"max_backoff_seconds": 2}}
    with hut_module.Hut(workdir, only=["platform", "printer", "idcard", "camera"], overrides=overrides) as hut:
        from kiosk.config import load
        from kiosk.outbox.worker import OutboxWorker

        worker = OutboxWorker.from_settings(load(hut.config_path), idle_poll=0.2, base_delay=0.5)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        sys.argv[1:3] = [str(hut.config_path), out]
        try:
            run(script(hut))
        finally:
            worker.stopping.set()
            thread.join(5)


if __name__ == "__main__":
    main()
