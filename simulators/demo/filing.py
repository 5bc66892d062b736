"""The demo's filing part: a resident files 最低生活保障申请 end to end in the virtual hut.

``simulators.demo.walkthrough`` calls ``filing_walkthrough`` after the browse
part.  It acts as the resident would (the card placed through the hut's
control API, the form's editors opened on the screen, a page laid under the
camera when the hut has one) and saves each filing screen as a PNG; the
demo's index lists them in name order.  Values go in through the flow's
intents (the UI tests tap the keys); the photos show each editor as the
resident sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from simulators.demo.script import SETTLE, FastForwardClock, Script, Until, hut_control, hut_devices, screenshot
from simulators.demo.signing import sign_declaration

MATTER = "MZ-001"   # 最低生活保障申请: keypad, amounts, choices, pinyin text, a sensitive consent


def filing_walkthrough(app: Any, clock: FastForwardClock, control_url: str, out: Path,
                       log: Callable[[str], None], shot: Callable[[str, str], None] | None = None,
                       card_picture: Callable[[], Path | None] = lambda: None) -> Script:
    """``shot(name, caption)`` saves a picture (the walk-through's, which lists
    it on the index page with its caption); ``card_picture()`` the picture the
    card's photo is made from (``kiosk demo`` gives the registry's; None: no photo)."""
    if shot is None:
        def shot(name: str, caption: str = "") -> None:
            screenshot(out / f"{name}.png")
            log(f"  {name}.png")

    devices = hut_devices(control_url) if control_url else {}
    if "idcard" not in devices:
        log("  skipped the filing walk-through: this hut has no ID card simulator")
        return
    yield Until(lambda: app.ready and app.terminal.catalog() is not None, "the platform's catalog", 20)
    app.go_home("resident")
    app.set_language("zh_CN")
    approval = app.terminal.flow("approval")
    app.open_service("approval")
    yield Until(lambda: approval.state.value == "choosing", "the matter list")
    approval.choice.choose(MATTER)
    approval.start()
    picture = card_picture() if "front_camera" in devices else None
    if picture is not None:  # the holder at the front camera, their card carrying the photo
        hut_control(control_url, "front_camera", "show", scene="holder")
        hut_control(control_url, "idcard", "place_card", card="resident", photo_image=str(picture))
    else:
        if "front_camera" in devices:
            log("  note: no face photographs from the registry: the card carries no photo, the face check is skipped")
        hut_control(control_url, "idcard", "place_card", card="resident")
    yield Until(lambda: app.screens["identify"].state == "identified", "the card to be read", 20)
    app.continue_service()
    yield Until(lambda: app.sm.current in ("form", "face_check"), "the face check or the form")
    if app.sm.current == "face_check":
        yield from face_check(app, shot)
    yield Until(lambda: app.sm.current == "form", "the form")
    form = app.screens["form"]
    yield SETTLE
    shot("60-filing-form-prefilled", "The form, pre-filled from the card (name and ID masked)")

    def edit(name: str) -> None:
        form.choose(next(f for f in form.fields if f.name == name))

    edit("household_size")
    for key in "3":
        form.ids.keypad.press(key)
    yield SETTLE
    shot("61-filing-form-keypad", "A number on the big keypad")
    form.enter_typed()
    edit("monthly_income")
    for key in "1850.5":
        form.ids.keypad.press(key)
    form.enter_typed()
    edit("reason")
    yield SETTLE
    shot("62-filing-form-choices", "A choice as big buttons")
    form.enter("年老无依")
    edit("address")
    for letter in "xiangfangqu":
        form.ids.pinyin.letter(letter)
    yield Until(lambda: bool(form.ids.pinyin.candidates), "pinyin candidates", 30)
    yield SETTLE
    shot("63-filing-form-pinyin-candidates", "Free text: the pinyin keyboard and its candidate bar")
    form.ids.pinyin.clear()
    edit("phone")
    for key in "1381234567":
        form.ids.keypad.press(key)
    form.enter_typed()
    yield SETTLE
    shot("64-filing-form-phone-problem", "A phone number one digit short: the problem in plain words")
    form.ids.keypad.press("8")
    form.enter_typed()
    yield SETTLE
    shot("65-filing-form-complete", "The form complete")
    app.go_home("resident")   # 首页 with a form filled in: asked once, the safe answer is the main button
    yield Until(lambda: app.terminal.view.confirm_home, "the discard question")
    yield SETTLE
    shot("65a-filing-discard-question", "首页 in the middle of an application: asked once before anything is thrown away")
    app.terminal.keep_visit()
    yield Until(lambda: not app.terminal.view.confirm_home and app.sm.current == "form", "the form again")
    form.done()
    yield Until(lambda: app.sm.current == "papers", "the papers")
    papers = app.screens["papers"]
    yield SETTLE
    if papers.mode == "scan" and "camera" in devices:
        yield from scan_papers(app, papers, control_url, shot, log)
    else:
        shot("66-filing-papers-to-bring", "Papers: what to hand in at the counter")
        papers.proceed()
    yield Until(lambda: app.sm.current in ("sign", "review"), "the signing or the review")
    if app.sm.current == "sign":   # the property declaration, signed on the touchscreen
        yield from sign_declaration(app, out, shot, log)
    yield Until(lambda: app.sm.current == "review", "the review")
    review = app.screens["review"]
    yield SETTLE
    shot("70-filing-review", "Review: every field, the ID masked, the pages")
    review.toggle_consent()
    review.toggle_sensitive()
    yield SETTLE
    shot("71-filing-review-consents", "Review: the consent and the separate consent for sensitive information")
    review.submit()
    yield Until(lambda: approval.state.value == "done", "the application to be filed", 30)
    done = app.screens["done"]
    yield Until(lambda: done.slip in ("printed", "note_number"), "the slip", 20)
    yield SETTLE
    shot("72-filing-done-take-your-card", "Filed: the number, and take your card (still on the reader)")
    hut_control(control_url, "idcard", "remove_card")
    yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)
    yield SETTLE
    shot("73-filing-done", "Filed: take your card and your slip")
    if "printer" in devices:
        hut_control(control_url, "printer", "set_paper", state="end")
        yield from file_again(app, control_url)
        yield Until(lambda: done.slip == "note_number", "the slip to fail", 20)
        yield SETTLE
        shot("74-filing-done-note-the-number", "The printer is out of paper: note the number down or photograph it")
        hut_control(control_url, "printer", "set_paper", state="ok")
        yield Until(lambda: done.can_reprint, "重新打印 once the paper is back", 20)
        yield SETTLE
        shot("75-filing-done-reprint", "Paper refilled: 重新打印 (print again) is offered on the done screen")
        done.reprint()
        yield Until(lambda: done.slip == "printed", "the slip printed again", 20)
        yield SETTLE
        shot("76-filing-done-reprinted", "The slip printed after all")
        hut_control(control_url, "idcard", "remove_card")
    app.go_home("resident")


def scan_papers(app: Any, papers: Any, control_url: str, shot: Callable[[str, str], None],
                log: Callable[[str], None]) -> Script:
    """Every paper under the hut's camera: the page is laid down, taken by itself, reviewed."""
    first = True
    while papers.paper is not None:
        hut_control(control_url, "camera", "place_page")
        try:
            yield Until(lambda: papers.reviewing >= 0, "the page to be taken", 30)
        except TimeoutError as exc:
            log(f"  note: {exc}; the paper is marked as not at hand")
            papers.dont_have()
            continue
        yield SETTLE
        if first:
            shot("67-filing-papers-review", "A page taken by itself: review, retake or more pages")
            first = False
        hut_control(control_url, "camera", "remove_page")
        papers.next_paper()
        yield SETTLE
    if app.sm.current == "papers":
        shot("68-filing-papers-done", "Papers: every page taken")
        papers.proceed()


FACE_CAPTIONS = {"consent": "consent first, in plain words", "passed": "passed, on to the form",
                 "retry": "not passed, try again", "counter": "go to the counter",
                 "no_photo": "the card photo cannot be read here: skipped, and said so",
                 "no_camera": "no front camera here: go to the counter"}


def face_check(app: Any, shot: Callable[[str, str], None]) -> Script:
    """人证核验: consent, a prompt with the mirror, the outcome; then on to the form."""
    screen = app.screens["face_check"]
    yield SETTLE
    shot(f"57-face-check-{screen.state.replace('_', '-')}", "Face check: " + FACE_CAPTIONS[screen.state])
    if screen.state == "consent":
        screen.agree()
        yield Until(lambda: app.terminal.flow("approval").face.view.challenge != "" or screen.state != "challenge",
                    "the first prompt", 60)
        yield Until(lambda: screen.camera_ready or screen.state != "challenge", "the mirror", 10)
        yield SETTLE
        shot("58-face-check-prompt", "Face check: the prompt spoken and shown, the camera as a mirror")
        yield Until(lambda: screen.state != "challenge", "the face check to end", 60)
        yield SETTLE
        shot(f"59-face-check-{screen.state.replace('_', '-')}", "Face check: " + FACE_CAPTIONS[screen.state])
    if screen.state in ("passed", "no_photo"):
        screen.go_on()


def file_again(app: Any, control_url: str) -> Script:
    """A second filing straight through the flows' intents (for the printer-out picture)."""
    app.go_home("resident")
    approval = app.terminal.flow("approval")
    app.open_service("approval")
    yield Until(lambda: approval.state.value == "choosing", "the matter list")
    approval.choice.choose("SQ-001")
    approval.start()
    hut_control(control_url, "idcard", "place_card", card="resident")
    yield Until(lambda: app.screens["identify"].state == "identified", "the card to be read", 20)
    app.continue_service()
    yield Until(lambda: approval.state.value == "form", "the form")
    for name, value in (("certificate", "居住证明"), ("purpose", "办理银行业务"), ("phone", "13812345678")):
        approval.form.set_field(name, value)
    approval.form.done()
    yield Until(lambda: approval.state.value == "papers", "the papers")
    while approval.papers.view.current_paper:
        approval.papers.dont_have()
    approval.papers.proceed()
    yield Until(lambda: approval.state.value == "review", "the review")
    approval.submission.consent(True)
    approval.submission.submit()
    yield Until(lambda: approval.state.value == "done", "the application to be filed", 30)
