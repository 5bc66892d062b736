"""The home screen: the hut (name, date and time, hours, help line, the
privacy notice) and the resident services as large tiles."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

from kiosk.services import registered
from screens.widgets.bilingual import ServiceTile

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HomeScreen(Screen):
    """The services as tiles; the layout (kv) puts three or two in a row."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tiles: dict[str, ServiceTile] = {}
        for service in registered():
            tile = ServiceTile(key=service.key, msgid=service.title)   # its colour: the kv rule, by key
            tile.bind(on_release=self._tile_pressed)
            self.ids.tiles.add_widget(tile)
            self.tiles[service.key] = tile

    def _tile_pressed(self, tile: ServiceTile) -> None:
        App.get_running_app().open_service(tile.key)
