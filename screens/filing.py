"""The filing screens (face check, form, papers, review, done) and the steps they present.

``app.py`` registers them with one call, so the app's own module does not
grow with every screen: ``STEPS`` is merged into ``STEP_SCREENS`` and
``add_filing_screens(app)`` builds the screens on the app's approval flow.
"""

from __future__ import annotations

import threading
from typing import Any

from kiosk.flows.services import Step

STEPS: dict[str, str] = {Step.FACE_CHECK: "face_check", Step.FORM: "form", Step.PAPERS: "papers", Step.REVIEW: "review",
                         Step.SUBMIT: "done", Step.DONE: "done"}


def add_filing_screens(app: Any) -> list[Any]:
    """Build the filing screens on ``app.approval`` and add them to ``app.sm``.

    The pinyin candidate engine takes seconds to build (jieba's 349,046
    words): a thread builds it at start-up and hands it to the form's
    keyboard, which keeps letters typed meanwhile and looks them up then.
    """
    from kivy.clock import Clock

    from kiosk.terminal.typing_pinyin import PinyinEngine
    from screens.done import DoneScreen
    from screens.face_check import FaceCheckScreen
    from screens.form import FormScreen
    from screens.papers import PapersScreen
    from screens.review import ReviewScreen

    form = FormScreen(name="form", flow=app.approval)

    def build_engine() -> None:
        engine = PinyinEngine.build()
        Clock.schedule_once(lambda _dt: setattr(form.ids.pinyin, "engine", engine))

    threading.Thread(target=build_engine, name="pinyin-engine", daemon=True).start()
    made = [FaceCheckScreen(name="face_check", flow=app.approval, camera=app.front_camera),
            form,
            PapersScreen(name="papers", flow=app.approval),
            ReviewScreen(name="review", flow=app.approval),
            DoneScreen(name="done", flow=app.approval)]
    for screen in made:
        app.sm.add_widget(screen)
    return made
