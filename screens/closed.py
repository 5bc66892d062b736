"""The closed screen: outside the hut's opening hours ([hut.hours]).

"暂停服务 / Closed" and when the hut opens again in large type, the week's
hours under it, the hut's name and its help line.  The terminal decides when
it shows (kiosk/terminal/terminal.py ``_follow_hours``) and when the
backlight goes off; a touch wakes the screen (the app forwards it as for
every screen).  The staff card works here as on the home screen.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ClosedScreen(Screen):
    reopens = StringProperty("")   # the terminal's minute the hut opens again ("" not known)
