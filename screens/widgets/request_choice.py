"""Widgets the 诉求反映 screens share: a large choice button for catalog words
(a type with its example, a topic, a building), and the pinyin engine built
once in the background for the description and the typed place."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.button import Button

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

_engine: Any = None
_waiting: list[Callable[[Any], None]] = []
_lock = threading.Lock()


class RequestChoice(Button):
    """One catalog choice: its words in the resident's language over the other (``catalog_text.bilingual``)."""

    key = StringProperty("")
    selected = BooleanProperty(False)


def with_engine(use: Callable[[Any], None]) -> None:
    """``use(engine)`` on Kivy's thread once the pinyin engine is built (at once when it is)."""
    global _engine
    with _lock:
        if _engine is not None:
            engine = _engine
            Clock.schedule_once(lambda _dt: use(engine))
            return
        _waiting.append(use)
        if len(_waiting) > 1:
            return

    def build() -> None:
        global _engine
        from kiosk.terminal.typing_pinyin import PinyinEngine

        engine = PinyinEngine.build()
        with _lock:
            _engine = engine
            waiting = list(_waiting)
            _waiting.clear()
        for fn in waiting:
            Clock.schedule_once(lambda _dt, fn=fn: fn(engine))

    threading.Thread(target=build, name="pinyin-engine-request", daemon=True).start()
