"""The honest answer for a service whose flow is not built yet.

A tile that led to a mock-up would waste an elderly resident's time and
trust; this screen says plainly that the service is not available here yet
and that the staff can help.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class PreparingScreen(Screen):
    service_title = StringProperty("")
