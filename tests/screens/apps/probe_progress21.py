"""进度查询 after issue 21 in the virtual hut, touched like a resident: the ID
card lists the resident's applications; one whose papers are due at the
counter says what to bring, where and by when; 撤回 on another asks once
("No, keep it" first), then withdraws it through the outbox worker.

The hut runs the reference platform, the printer and the ID card reader; the
outbox worker runs beside the app as on a terminal.  The platform holds three
applications of the hut's "resident" card before the app starts: 居民证明开具
with the household register due at the counter, 就业失业登记 (still
withdrawable) and 城乡居民医疗保险参保登记 (taken up: under review).
"""

import hashlib
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from layout_check import measure  # noqa: E402 - after the sys.path line above
from probe_common import Until, into_view, labels_of, press_switch, run, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above


def laid_out():
    """Two frames later the screen is laid out (touches land where widgets are drawn)."""
    from kivy.clock import Clock

    target = Clock.frames + 2
    return Until(lambda: Clock.frames >= target, "the screen laid out")


def seed(hut):
    """The resident's applications on the platform, as a terminal filed them."""
    from simulators.idcard.cards import CARDS

    store = hut["platform"].server.store
    applicant = {"name": CARDS["resident"]["name"], "id_number": CARDS["resident"]["id_number"]}
    filed = {}
    for serial, matter, form, extra, days in (
            ("SEED-A", "SQ-001", {"certificate": "居住证明", "purpose": "办理子女入学", "phone": "13800000000"},
             {"papers_later": ["hukou"]}, 2),
            ("SEED-B", "RS-001", {"registration": "失业登记", "education": "初中", "phone": "13800000000"}, {}, 5),
            ("SEED-C", "YB-001", {"category": "老年居民", "start_month": "2026-12-01", "phone": "13800000000"}, {}, 3)):
        body = {"serial": serial, "matter_code": matter, "applicant": applicant, "form": form, **extra}
        raw = json.dumps(body, ensure_ascii=False).encode()
        ack = store.create_submission(hut.terminal_id, "application", f"application:{serial}",
                                      hashlib.sha256(raw).hexdigest(), body, matter, None, days)
        filed[matter] = ack["number"]
    store.move(filed["YB-001"], "审核中", "")
    return filed


def frames(count):
    from kivy.clock import Clock

    target = Clock.frames + count
    return Until(lambda: Clock.frames >= target, f"{count} frames")


def shown(widget):
    """Visible: neither it nor a parent is transparent, and it takes touches."""
    if widget.disabled:
        return False
    while widget is not None and widget is not widget.parent:
        if widget.opacity == 0:
            return False
        widget = widget.parent
    return True


def picture(name):
    """A screenshot beside the facts (for a person looking at what the resident saw)."""
    yield frames(3)
    screenshot(Path(sys.argv[2]).parent / f"{name}.png")


def texts(widget):
    return [lab.text for lab in labels_of(widget) if lab.text]


def script(hut, filed, worker):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        def problems(screen):
            return measure([screen], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)

        terminal, home = app.terminal, app.screens["home"]
        flow = terminal.flow("progress")
        yield Until(lambda: terminal.identify.view.reader_available, "the reader to come online", 20)
        yield Until(lambda: (terminal.refresh_availability(), app.availability.online)[1],
                    "the worker's heartbeat (the platform reachable)", 30)

        # -- the card lists the applications -------------------------------------------------------
        tap(home.tiles["progress"])
        yield Until(lambda: app.sm.current == "progress", "the progress step")
        screen = app.screens["progress"]
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: flow.view.state.value == "results" and len(flow.view.items) == 3, "the applications", 30)
        yield laid_out()
        cards = {card.key: card for card in screen.ids.item_list.children}
        facts["numbers"] = sorted(cards) == sorted(filed.values())
        due = cards[filed["SQ-001"]]
        facts["due_next_step"] = due.ids.next_step.text
        facts["due_office"] = due.ids.office.text
        facts["due_promised"] = due.ids.promised.text
        facts["due_texts"] = texts(due)
        facts["withdraw_shown"] = {matter: shown(cards[n].ids.withdraw) for matter, n in filed.items()}
        facts["results_problems"] = problems(screen)
        yield from picture("progress-papers-due")

        # -- 撤回: asked once; "No, keep it" first ------------------------------------------------------
        target = cards[filed["RS-001"]]
        yield from into_view(screen.ids.item_scroll, target.ids.withdraw)
        tap(target.ids.withdraw)
        yield Until(lambda: flow.view.state.value == "confirm_withdraw", "the question")
        yield laid_out()
        facts["question_headline"] = screen.ids.headline.ids.first.text
        facts["question"] = screen.question_panel.ids.question.text
        facts["question_problems"] = problems(screen)
        yield from picture("progress-withdraw-question")
        facts["keep_is_main"] = screen.question_panel.ids.keep.primary and not screen.question_panel.ids.confirm_withdraw.primary
        tap(screen.question_panel.ids.keep)
        yield Until(lambda: flow.view.state.value == "results", "the list again")
        facts["after_keep"] = flow.view.state.value
        yield laid_out()
        target = next(c for c in screen.ids.item_list.children if c.key == filed["RS-001"])
        yield from into_view(screen.ids.item_scroll, target.ids.withdraw)
        tap(target.ids.withdraw)
        yield Until(lambda: flow.view.state.value == "confirm_withdraw", "the question again")
        yield laid_out()
        tap(screen.question_panel.ids.confirm_withdraw)
        yield Until(lambda: flow.view.state.value == "results" and flow.view.notice, "the withdrawal's outcome", 30)
        yield laid_out()
        facts["notice"] = flow.view.notice
        facts["withdrawn_headline"] = screen.ids.headline.ids.first.text
        target = next(c for c in screen.ids.item_list.children if c.key == filed["RS-001"])
        facts["withdrawn_status"] = target.ids.status.text
        facts["withdrawn_button_gone"] = not shown(target.ids.withdraw)
        facts["platform_status"] = hut["platform"].server.store.application(filed["RS-001"])["status"]

        # -- English: the papers due in English, Chinese below ---------------------------------------
        yield from press_switch(screen.ids.frame, "language")
        yield Until(lambda: app.lang == "en", "English")
        yield laid_out()
        due = next(c for c in screen.ids.item_list.children if c.key == filed["SQ-001"])
        facts["due_next_step_en"] = due.ids.next_step.text
        facts["due_office_en"] = due.ids.office.text
        facts["due_texts_en"] = texts(due)
        facts["english_problems"] = problems(screen)
        yield from picture("progress-english")

        tap(screen.ids.frame.ids.home)
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
        facts["session_after_home"] = terminal.session.active

        # -- 办事指南 in English: the catalog's English, and the office of the counter steps ----------
        tap(home.tiles["guide"])
        yield Until(lambda: app.sm.current == "choose_matter", "the matter list")
        choose = app.screens["choose_matter"]
        yield from press_switch(choose.ids.frame, "language")
        yield Until(lambda: app.lang == "en", "English")
        yield laid_out()
        facts["categories_en"] = [b.text for b in reversed(choose.ids.categories.children)]
        terminal.flow("guide").choice.choose("SQ-001")
        yield Until(lambda: app.sm.current == "guide", "the guide")
        yield laid_out()
        guide = app.screens["guide"]
        details = guide.ids.details.ids
        facts["guide_conditions_en"] = details.conditions.text
        facts["guide_facts_en"] = details.facts.text
        facts["guide_office_en"] = details.office.text
        facts["guide_problems_en"] = problems(guide)
        yield from picture("guide-english")
        yield from press_switch(guide.ids.frame, "language")
        yield Until(lambda: app.lang == "zh_CN", "Chinese")
        yield laid_out()
        facts["guide_office_zh"] = details.office.text
        facts["guide_conditions_zh"] = details.conditions.text
        tap(guide.ids.frame.ids.home)
        yield Until(lambda: app.sm.current == "home", "home")
    return walk


def main() -> None:
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["idcard", "printer", "platform"]) as hut:
        filed = seed(hut)
        sys.argv[1:3] = [str(hut.config_path), out]
        from kiosk.config import load
        from kiosk.outbox.worker import OutboxWorker

        worker = OutboxWorker.from_settings(load(hut.config_path), base_delay=0.05, idle_poll=0.05)
        thread = threading.Thread(target=worker.run, name="outbox-worker", daemon=True)
        thread.start()   # what `kiosk sim` runs beside the app
        try:
            run(script(hut, filed, worker))
        finally:
            worker.stopping.set()
            thread.join(5)


if __name__ == "__main__":
    main()
