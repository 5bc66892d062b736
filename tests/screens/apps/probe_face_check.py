"""The face check step on the touch screen, against the virtual hut.

One app process, the hut's platform, ID card reader (cards carrying a photo
the stand-in WLT library decodes) and front camera.  Residents: the holder
who does what is asked (the hut's cooperative resident: the real engine, the
landmarks moved as asked), a printed photo held up (three failures offered
as "try again", the resident chooses the counter), and the front camera
unplugged (the counter, no camera step).  Touches only; the matter and the
conditions are chosen with the flow's intents as in probe_filing.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import Until, laid_out, run, tap, texts, to_identify  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from kiosk.flows.face_check import OUTCOME  # noqa: E402 - after the sys.path line above

held: dict = {}


def pictures_in(folder, card_photo):
    """Files under ``folder`` holding the card photo's pixels or a JPEG (a camera frame)."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if card_photo[-512:] in data or b"JFIF" in data or b"\xff\xd8\xff" in data:
                found.append(str(path.relative_to(folder)))
    return found


def to_face_check(app, hut, card_picture):
    app.go_home("resident")
    yield from to_identify(app, "MZ-001")   # 低保: its catalog entry asks for the face check
    identify = app.screens["identify"]
    hut.control("idcard", "place_card", card="resident", photo_image=str(card_picture))
    yield Until(lambda: identify.state == "identified", "the card to be read", 15)
    tap(identify.ids.proceed)
    yield Until(lambda: app.sm.current == "face_check", "the face check", 5)


def script(hut, samples):
    def walk(app, facts):
        terminal = app.terminal
        held["app"] = app
        yield Until(lambda: app.sm is not None and app.sm.current == "home" and app.ready, "the app to be ready", 20)
        yield Until(lambda: terminal.catalog() is not None, "the catalog from the platform", 20)
        yield Until(lambda: hut.control("front_camera", "status")["faces"] == "ready", "the hut's faces", 120)
        yield Until(lambda: app.availability.face_camera and app.availability.id_card, "reader and front camera", 30)
        screen = app.screens["face_check"]
        approval = terminal.flow("approval")
        spoken = facts["spoken"] = []
        approval.face.subscribe(lambda v: spoken.append(terminal.last_spoken))

        # -- the holder, who does what is asked ----------------------------------------------
        hut.control("front_camera", "show", scene="holder")
        yield from to_face_check(app, hut, samples / "obama.jpg")
        holder = facts["holder"] = {"step": (app.step_index, app.step_total), "consent_text": texts(screen),
                                    "buttons": [b.text for b in (screen.ids.primary, screen.ids.secondary)],
                                    "mirror_before": screen.ids.mirror.frames}
        tap(screen.ids.privacy)                                       # 个人信息保护说明, beside 同意
        yield Until(lambda: app.privacy._is_open, "the privacy notice over the face check")
        yield laid_out()
        holder["privacy"] = [app.sm.current, "个人信息保护说明" in texts(app.privacy)]
        tap(app.privacy.ids.back)
        yield Until(lambda: not app.privacy._is_open, "the notice closed")
        yield laid_out()
        holder["privacy"] += [app.sm.current, screen.state]
        tap(screen.ids.primary)                                       # 同意
        yield Until(lambda: screen.state == "challenge", "the challenge", 5)
        yield Until(lambda: approval.face.view.challenge != "", "the first prompt", 30)
        holder["first_prompt"] = texts(screen.ids.headline)
        holder["primary_disabled_in_challenge"] = screen.ids.primary.disabled
        yield Until(lambda: screen.state != "challenge", "the check to end", 60)
        holder["mirror_frames"] = screen.ids.mirror.frames
        holder["mirror_cleared"] = screen.ids.mirror.texture is None
        holder["state"] = screen.state
        holder["text"] = texts(screen)
        holder["result"] = dict(terminal.session.get(OUTCOME) or {})
        held["photo"] = bytes(terminal.session.identity.photo_bmp)
        tap(screen.ids.primary)                                       # 继续
        yield Until(lambda: app.sm.current == "form", "the form", 5)
        holder["form_step"] = (app.step_index, app.step_total)
        holder["runner_holds_card"] = approval.face_runner.holding_card
        app.go_home("resident")
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)

        # -- a printed photo held up ---------------------------------------------------------
        hut.control("front_camera", "show", scene="printed_photo")
        yield from to_face_check(app, hut, samples / "obama.jpg")
        tap(screen.ids.primary)
        printed = facts["printed"] = {}
        yield Until(lambda: screen.state == "retry", "the first failure", 60)
        printed["retry_text"] = texts(screen)
        printed["result"] = dict(terminal.session.get(OUTCOME) or {})
        tap(screen.ids.primary)                                       # 再试一次
        yield Until(lambda: screen.state == "challenge", "the second try", 5)
        yield Until(lambda: screen.state == "retry", "the second failure", 60)
        printed["tries_left"] = screen.attempts_left
        tap(screen.ids.secondary)                                     # 改到服务台办理
        yield Until(lambda: screen.state == "counter", "the counter", 5)
        printed["counter_text"] = texts(screen)
        printed["counter_button"] = screen.ids.primary.text
        tap(screen.ids.primary)                                       # 首页
        yield Until(lambda: app.sm.current == "home", "home", 5)
        printed["session_after"] = terminal.session.active
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_on_reader, "the card to be taken", 10)

        # -- the front camera unplugged ------------------------------------------------------
        hut.control("front_camera", "unplug")
        yield Until(lambda: not app.availability.face_camera, "the front camera to be missed", 30)
        yield from to_face_check(app, hut, samples / "obama.jpg")
        facts["unplugged"] = {"state": screen.state, "text": texts(screen), "button": screen.ids.primary.text}
        hut.control("front_camera", "replug")
        app.go_home("resident")
        hut.control("idcard", "remove_card")
        yield Until(lambda: app.availability.face_camera and not app.card_on_reader,
                    "the front camera back and the card taken (the device states written)", 30)
        facts["files_with_pictures"] = pictures_in(Path(app.settings.paths.state_dir), held["photo"])
    return walk


def main():
    from simulators.face.samples import fetch

    samples = fetch()
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    overrides = {"face_check": {"time_limit_seconds": 4}}
    with hut_module.Hut(workdir, only=["platform", "idcard", "front_camera"], overrides=overrides) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        from simulators.face.cooperative import in_the_hut

        def challenge():
            app = held.get("app")
            return app.terminal.flow("approval").face.view.challenge if app is not None and app.ready else ""

        run(script(hut, samples), face_engine=in_the_hut(hut.control, challenge))


if __name__ == "__main__":
    main()
