"""The app's screens by step name, each step's screen built the first time it is needed.

A kiosk shows home within a second of starting; the steps' screens (about
forty, a few thousand widgets) were all built right after.  Most of them a
restarted kiosk shows to nobody for hours, and every one of them kept
answering the frame's switches (大字, English, 高对比) while off the window.
The shelf builds a step's screen when the terminal first shows that step
(or code asks for it by name), and the app builds the rest one at a time
while the kiosk stands idle at home (``build_next``): a resident who comes
after that finds every screen built, one who comes in the first seconds
after a start may wait for one screen (up to a quarter of a second,
docs/PERFORMANCE.md).  A screen once built is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ScreenShelf:
    """``shelf[name]``: the screen presenting step (or screen) ``name``, built
    on first use and added to the screen manager; ``name in shelf``: whether
    some screen presents it; ``built()``: the screens made so far."""

    def __init__(self, add: Callable[[Any], None]) -> None:
        self._add = add                              # puts a new screen into the screen manager
        self._screens: dict[str, Any] = {}           # built, by every name each presents
        self._makers: dict[str, Callable[[], Any]] = {}
        self._names: dict[str, tuple[str, ...]] = {}  # a maker's key -> every name its screen presents
        self._on_built: list[Callable[[Any], None]] = []

    def put(self, screen: Any, *names: str) -> None:
        """A screen built by its owner, under its own name (and ``names``)."""
        self._add(screen)
        for name in (screen.name, *names):
            self._screens[name] = screen

    def offer(self, names: tuple[str, ...], make: Callable[[], Any]) -> None:
        """``make()`` builds the screen presenting ``names`` when one of them is first asked for."""
        for name in names:
            if name not in self._screens:
                self._makers[name] = make
                self._names[name] = names

    def when_built(self, call: Callable[[Any], None]) -> None:
        """``call(screen)`` for each screen the shelf builds from now on (the app relabels it)."""
        self._on_built.append(call)

    def __contains__(self, name: object) -> bool:
        return name in self._screens or name in self._makers

    def __getitem__(self, name: str) -> Any:
        found = self._screens.get(name)
        if found is not None:
            return found
        make = self._makers.get(name)
        if make is None:
            raise KeyError(name)
        screen = make()
        names = self._names[name]
        for presented in names:
            self._makers.pop(presented, None)
            self._names.pop(presented, None)
        self.put(screen, *names)
        for call in self._on_built:
            call(screen)
        return screen

    def pending(self) -> int:
        """How many offered screens are not built yet."""
        return len({id(make) for make in self._makers.values()})

    def build_next(self) -> bool:
        """Build one offered screen not built yet; False when there is none."""
        name = next(iter(self._makers), None)
        if name is None:
            return False
        self[name]
        return True

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def built(self) -> list[Any]:
        """Every screen made so far, once each."""
        return list({id(screen): screen for screen in self._screens.values()}.values())

