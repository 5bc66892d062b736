"""Filing a matter against the virtual hut, with real touches on the filing screens.

One app process runs every scenario in turn (a resident each): the happy
path (the ID card scanned under the hut's camera, retaken, a second page;
the household register not at hand), the card taken away mid-flow, the printer out of paper at the end,
the platform down (local number, sent later by the outbox worker running
here as a thread), the camera missing (the papers-to-bring list) and the
idle timeout in the middle of a form (nothing of it left in memory).  The
choose-matter and conditions steps belong to other screens: the script
moves through them with the flow's intents and touches only the filing
screens, the identify screen's Continue and the frame's buttons.
"""

import gc
import sys
import threading
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import Until, laid_out, run, shown, tap, texts, to_identify  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from simulators.demo.script import FastForwardClock  # noqa: E402 - after the sys.path line above

clock = FastForwardClock()
PHONE = "13812345678"


NO_PAGE = "未检测到文件"   # the first gate's words while the tray is empty


def start_filing(app, hut, code):
    """Home -> matter -> conditions -> identify (card placed) -> Continue tapped -> the form."""
    app.go_home("resident")
    yield Until(lambda: not app.card_on_reader, "the previous resident's card to be taken", 10)
    yield from to_identify(app, code)
    identify = app.screens["identify"]
    hut.control("idcard", "place_card", card="resident")
    yield Until(lambda: identify.state == "identified", "the card to be read", 15)
    tap(identify.ids.proceed)
    yield Until(lambda: app.sm.current == "form", "the form", 5)


def editing(form, name):
    return Until(lambda: form.current is not None and form.current.name == name and form.keyboard,
                 f"the {name} field's editor")


def fill_certificate_form(app, form, facts=None):
    """SQ-001: a choice, a common phrase, a phone number on the keypad.  The
    rows and the phrases are in scroll views: Kivy releases a tap there 0.2 s
    later (it tells a tap from a scroll), so each tap waits for what it does."""
    tap(form.rows["certificate"])
    yield editing(form, "certificate")
    tap(next(b for b in form.choice_buttons if b.value == "居住证明"))
    yield Until(lambda: form.rows["certificate"].display == "居住证明", "the certificate chosen")
    tap(form.rows["purpose"])
    yield editing(form, "purpose")
    tap(form.ids.phrases_button)
    yield Until(lambda: form.phrases_open and form.ids.phrases.children, "the common phrases")
    tap(next(b for b in form.ids.phrases.children if b.text == "办理银行业务"))
    yield Until(lambda: form.rows["purpose"].display == "办理银行业务", "the phrase entered")
    tap(form.rows["phone"])
    yield editing(form, "phone")
    for digit in "1381234567":
        tap(form.ids.keypad.ids[f"key{digit}"])
    tap(form.ids.enter)   # one digit short
    yield Until(lambda: form.rows["phone"].problem, "the phone number's problem")
    if facts is not None:
        facts["phone_problem"] = form.rows["phone"].problem
        facts["typed_visible"] = form.ids.typed.text
    tap(form.ids.keypad.ids.key8)
    tap(form.ids.enter)
    yield Until(lambda: not form.rows["phone"].problem and form.rows["phone"].display, "the phone number taken")


def scan_papers(app, hut, papers, facts):
    """SQ-001 under the hut's camera: the ID card taken, retaken, a second page
    added; the household register not at hand (the matter takes it later)."""
    scan_work = app.terminal.flow("approval").papers.scan
    preview = papers.ids.preview
    scan = facts["scan"] = {"mode": papers.mode, "paper": papers.paper_name}
    yield Until(lambda: papers.camera_ready, "the live preview", 20)
    yield Until(lambda: preview.frames >= 3 and papers.ids.gates.text, "frames shown live, with the gate's words", 10)
    scan["words_without_page"] = papers.ids.gates.text
    scan["preview_frames"] = preview.frames
    scan["preview_textures"] = preview.textures_made

    outlines = scan["outline_corners"] = []

    def page_taken(count):
        outlines.append(len(preview.corners))   # the outline on the live preview
        return papers.reviewing >= 0 and papers.pages == count

    def taken(count):
        hut.control("camera", "place_page")
        yield Until(lambda: page_taken(count), f"page {count} to be taken", 30)
        hut.control("camera", "remove_page")
        yield laid_out()   # the check's buttons appear (their widths change): a tap lands where they are drawn

    def looking_at_the_empty_tray():
        """The camera back, and the tray shown empty (the page lifted) before the next one is laid down."""
        yield Until(lambda: papers.reviewing < 0 and papers.camera_ready, "the camera again", 10)
        shown = preview.frames
        yield Until(lambda: preview.frames >= shown + 3 and papers.gate_words.startswith(NO_PAGE),
                    "the empty tray on the preview", 10)

    yield from taken(1)
    scan["camera_stopped_for_review"] = not scan_work.running and not scan_work.wanted
    scan["review_text"] = texts(papers)
    tap(papers.ids.retake)
    yield from looking_at_the_empty_tray()
    yield from taken(1)
    scan["pages_after_retake"] = papers.pages
    tap(papers.ids.more)
    yield from looking_at_the_empty_tray()
    yield from taken(2)
    scan["pages_after_more"] = papers.pages
    scan["thumbnails"] = len(papers.ids.pages.children)
    scan["preview_textures_at_end"] = preview.textures_made
    scan["preview_frames_at_end"] = preview.frames
    tap(papers.ids.proceed)
    yield Until(lambda: papers.paper_name == "户口簿", "the next paper", 10)
    tap(papers.ids.dont_have)
    yield Until(lambda: papers.paper is None, "the papers listed", 10)
    scan["bring_later"] = papers.ids.bring_later.text
    scan["listing_text"] = texts(papers)
    tap(papers.ids.proceed)


def to_done(app, hut):
    """Papers (the camera's papers not at hand, or the papers to bring) -> review -> consent -> submit -> done."""
    papers, review = app.screens["papers"], app.screens["review"]
    approval = app.terminal.flow("approval")
    yield Until(lambda: app.sm.current == "papers", "the papers", 5)
    while papers.mode == "scan" and papers.paper is not None:
        paper = papers.paper_name
        tap(papers.ids.dont_have)
        yield Until(lambda paper=paper: papers.paper is None or papers.paper_name != paper, f"the paper after {paper}")
    tap(papers.ids.proceed)
    yield Until(lambda: app.sm.current == "review", "the review", 5)
    tap(review.ids.consent)
    yield Until(lambda: review.consent_given, "the consent given")
    tap(review.ids.submit)
    yield Until(lambda: approval.state.value == "done", "the application to be filed", 20)


def script(hut):
    def walk(app, facts):
        terminal = app.terminal
        approval, progress = terminal.flow("approval"), terminal.flow("progress")
        yield Until(lambda: app.sm is not None and app.sm.current == "home" and app.ready, "the app to be ready", 20)
        yield Until(lambda: app.availability.online and app.availability.slip and app.availability.id_card
                    and app.availability.scan, "the platform, printer, reader and camera to be up", 30)
        yield Until(lambda: terminal.catalog() is not None, "the catalog from the platform", 20)
        form, papers = app.screens["form"], app.screens["papers"]
        review, done = app.screens["review"], app.screens["done"]

        # -- the happy path -------------------------------------------------------------
        yield from start_filing(app, hut, "SQ-001")
        facts["form_rows"] = list(form.rows)
        facts["form_title_frame"] = texts(form.ids.frame.ids.heading)
        yield from fill_certificate_form(app, form, facts)
        facts["form_displays"] = {name: row.display for name, row in form.rows.items()}
        facts["form_problems"] = {name: row.problem for name, row in form.rows.items()}
        tap(form.ids.proceed)
        yield Until(lambda: app.sm.current == "papers", "the papers", 5)
        yield from scan_papers(app, hut, papers, facts)
        yield Until(lambda: app.sm.current == "review", "the review", 5)
        facts["review_submit_disabled_before_consent"] = review.ids.submit.disabled
        facts["review_text"] = texts(review)
        facts["review_thumbnails"] = len(review.ids.pages.children)
        tap(review.ids.privacy)                     # 个人信息保护说明, beside the consent boxes
        yield Until(lambda: app.privacy._is_open, "the privacy notice over the review")
        yield laid_out()
        facts["review_privacy"] = [app.sm.current, "个人信息保护说明" in texts(app.privacy)]
        tap(app.privacy.ids.back)
        yield Until(lambda: not app.privacy._is_open, "the notice closed")
        yield laid_out()
        facts["review_privacy"].append(app.sm.current)
        tap(review.ids.consent)
        yield Until(lambda: review.consent_given, "the consent given")
        facts["review_submit_disabled_after_consent"] = review.ids.submit.disabled
        tap(review.ids.submit)
        yield Until(lambda: approval.state.value == "done", "the application to be filed", 20)
        yield Until(lambda: done.slip in ("printed", "note_number"), "the slip", 15)
        facts["happy"] = {"confirmed": done.confirmed, "number": done.number, "slip": done.slip,
                          "number_shown": done.ids.number.text, "text": texts(done),
                          "card_on_reader": app.card_on_reader,
                          "navigation": {name: (shown(done.ids.frame.ids[name]), done.ids.frame.ids[name].disabled)
                                         for name in ("back", "home")}}
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
        facts["happy"]["text_after_card"] = texts(done)
        tap(done.ids.finish)
        yield Until(lambda: app.sm.current == "home", "home after Finish", 5)
        facts["happy"]["session_after"] = terminal.session.active

        # -- 进度查询 with the slip just printed, held under the document camera -----------------
        # the simulator lists a job once it has drawn it (on its own process: seconds on a loaded machine)
        printed: dict = {}
        yield Until(lambda: bool(printed.update(jobs=hut.control("printer", "jobs")["jobs"]) or printed["jobs"]),
                    f"the slip among the printer's jobs (the done screen said {done.slip!r})", 20)
        slip_png = Path(printed["jobs"][-1]["png"])
        yield Until(slip_png.exists, "the slip on paper", 10)
        tap(app.screens["home"].tiles["progress"])
        yield Until(lambda: progress.view.state.value == "waiting", "the progress step", 5)
        hut.control("camera", "show_image", path=str(slip_png))
        yield Until(lambda: progress.view.state.value in ("results", "nothing_found", "unavailable"),
                    "the answer to the slip", 30)
        facts["by_slip"] = {"state": progress.view.state.value, "proof": progress.view.proof,
                            "numbers": [item.number for item in progress.view.items],
                            "camera_let_go": not progress.slips.running}
        hut.control("camera", "remove_page")
        app.go_home("resident")

        # -- the card taken away mid-flow ----------------------------------------------------
        yield from start_filing(app, hut, "SQ-001")
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
        facts["card_away"] = {"screen": app.sm.current, "rows": list(form.rows)}
        yield from fill_certificate_form(app, form)
        tap(form.ids.proceed)
        yield from to_done(app, hut)
        facts["card_away"]["done"] = approval.state.value
        facts["card_away"]["text"] = texts(done)
        tap(done.ids.finish)

        # -- the printer out of paper at the end ---------------------------------------------
        hut.control("printer", "set_paper", state="end")
        yield from start_filing(app, hut, "SQ-001")
        yield from fill_certificate_form(app, form)
        tap(form.ids.proceed)
        yield from to_done(app, hut)
        yield Until(lambda: done.slip in ("printed", "note_number"), "the slip", 20)
        facts["no_paper"] = {"slip": done.slip, "number": done.number, "number_shown": done.ids.number.text,
                             "number_font": done.ids.number.font_size, "text": texts(done)}
        hut.control("printer", "set_paper", state="ok")
        hut.control("idcard", "remove_card")
        tap(done.ids.finish)

        # -- the platform down: a local number, sent later by the worker -------------------------
        hut.control("platform", "down")
        yield Until(lambda: not app.availability.online, "the worker to find the platform down", 30)
        yield from start_filing(app, hut, "SQ-001")
        yield from fill_certificate_form(app, form)
        tap(form.ids.proceed)
        yield from to_done(app, hut)
        facts["offline"] = {"confirmed": done.confirmed, "number": done.number, "text": texts(done)}
        outbox = terminal.outbox
        before = outbox.status()["pending"]
        hut.control("idcard", "remove_card")
        tap(done.ids.finish)
        hut.control("platform", "up")
        yield Until(lambda: outbox.status()["pending"] == 0, "the worker to send it", 40)
        facts["offline"]["pending_before"] = before
        facts["offline"]["platform_applications"] = hut.control("platform", "stats").get("applications")

        # -- the camera missing: the papers to bring -----------------------------------------------
        hut.control("camera", "unplug")
        yield Until(lambda: not app.availability.scan, "the camera to be missed", 20)
        yield from start_filing(app, hut, "SQ-001")
        yield from fill_certificate_form(app, form)
        tap(form.ids.proceed)
        yield Until(lambda: app.sm.current == "papers", "the papers", 5)
        facts["no_camera"] = {"mode": papers.mode, "bring_today": papers.ids.bring_today.text,
                              "text": texts(papers), "continue_disabled": papers.ids.proceed.disabled}
        hut.control("idcard", "remove_card")
        app.go_home("resident")

        # -- the idle timeout in the middle of a form -------------------------------------------------
        yield from start_filing(app, hut, "SQ-001")
        tap(form.rows["phone"])
        yield editing(form, "phone")
        for digit in PHONE[:5]:
            tap(form.ids.keypad.ids[f"key{digit}"])
        tap(form.rows["certificate"])
        yield editing(form, "certificate")
        tap(next(b for b in form.choice_buttons if b.value == "家庭关系证明"))
        yield Until(lambda: form.rows["certificate"].display == "家庭关系证明", "the certificate chosen")
        filing_form = weakref.ref(approval.form.form)
        identity = weakref.ref(terminal.session.identity)
        facts["idle"] = {"form_held": filing_form() is not None, "row_display": form.rows["certificate"].display}

        def timed_out():
            clock.offset += max(0.0, terminal.idle.timeout_after + 0.5 - terminal.idle.idle_for())
            return app.sm.current == "home"

        yield Until(timed_out, "the idle timeout", 15)
        gc.collect()
        facts["idle"].update(form_alive=filing_form() is not None, record_alive=identity() is not None,
                             session_active=terminal.session.active, rows=list(form.rows),
                             keypad=form.ids.keypad.value, state=approval.state.value,
                             form_text=texts(form))
        hut.control("idcard", "remove_card")
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
            run(script(hut), clock)
        finally:
            worker.stopping.set()
            thread.join(5)


if __name__ == "__main__":
    main()
