"""Labels off the glass are drawn again when they come back, not at every change.

Every step's screen is built once and kept (``KioskApp._build_rest``), and each
label's font size, colours and words follow the frame's switches (大字, 高对比,
English) through kv rules.  Kivy re-renders a label's text at every such
change whether or not the label is on the window, so pressing 大字 at home
rendered the text of some thirty screens the resident is not looking at: in the
layout probe, 95 of every 100 label renders were of labels off the window
(40,654 of 42,722 on four scenes), about a third of its CPU time.

Here a label's clock-driven render (Kivy's trigger, which passes the frame's
``dt``) is put off while the label has no window above it, and done when the
label's branch is added to a widget on the window (a screen the manager
shows, an overlay the window opens, a keyboard moved into a shown screen),
before the next frame is drawn.
The label's options (text, font size, colours) are still set at once, as Kivy
does; only the drawing of the text waits.  A render asked for by code
(``texture_update()`` without arguments) is always done at once, so code that
measures a label off the window still gets its size.

Kivy has no switch for this, hence the wrapper (as ``fonts.remember_text_extents``).
"""

from __future__ import annotations

import weakref
from typing import Any, Iterable

# Labels whose text changed while they were off the window (weak: a dropped screen's labels go).
_waiting: weakref.WeakSet[Any] = weakref.WeakSet()


def render_when_shown() -> None:
    """Install the wrappers (once per process; before the screens are built)."""
    from kivy.core.window import WindowBase
    from kivy.uix.label import Label
    from kivy.uix.widget import Widget

    if getattr(Label, "_renders_when_shown", False):
        return
    render = Label.texture_update

    def texture_update(label: Any, *largs: Any) -> None:
        if largs and label.get_root_window() is None:   # the clock's render, off the window
            _waiting.add(label)
            return
        _waiting.discard(label)
        render(label, *largs)

    # Kivy's clock holds the trigger's method weakly and looks it up by name.
    texture_update.__name__ = render.__name__
    Label.texture_update = texture_update
    Label._renders_when_shown = True
    Widget.add_widget = _catching_up(Widget.add_widget)
    WindowBase.add_widget = _catching_up(WindowBase.add_widget)


def _catching_up(add: Any) -> Any:
    def add_widget(parent: Any, widget: Any, *args: Any, **kwargs: Any) -> Any:
        result = add(parent, widget, *args, **kwargs)
        if _waiting and parent.get_root_window() is not None:
            catch_up(widget)
        return result

    add_widget.__name__ = add.__name__
    add_widget.__doc__ = add.__doc__
    return add_widget


def catch_up(root: Any) -> None:
    """Render, before the next frame, the labels in ``root``'s branch whose text
    changed while it was off the window.  Not at once: a render changes a
    label's size, and code adding widgets (a frame arranging its buttons)
    must not see sizes change in the middle of its own loop."""
    for widget in root.walk(restrict=True):
        if widget in _waiting:
            widget._trigger_texture()   # Kivy's own trigger: before the next frame, on the window now


def waiting_in(roots: Iterable[Any]) -> list[Any]:
    """Labels under ``roots`` still waiting for their render (a screen on the
    window has none: the layout probe checks every scene)."""
    return [widget for root in roots for widget in root.walk(restrict=True) if widget in _waiting]
