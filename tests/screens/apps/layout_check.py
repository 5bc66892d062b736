"""Measuring a screen on its widget tree: clipped or overlapping text, small or crowded targets.

What an elderly resident would notice, in numbers: a label whose rendered
text is larger than the label (cut-off words), two texts drawn over each
other, text outside the window, a touch target under 96 px or closer than
16 px to the next one, text under 32 px.  Hidden widgets (opacity 0 on them
or an ancestor, zero size, disabled targets) are not on screen and not
measured; widgets inside a scroll view are measured against each other, not
against the window (scrolling brings them in), and only the part the scroll
view shows is compared with other widgets.  And a target the resident sees
must be the one that takes a touch at its centre: a hidden (transparent,
collapsed) panel still takes touches in Kivy, and a disabled widget swallows
them, so a panel left lying over a button makes the button dead.

A text standing out of a scroll view at the side (one that scrolls only up
and down) is cut off for good, as is one wider than its own box.

Content longer than its scroll view must say so (``cue``): the resident sees
a "more below" line (``screens.widgets.scroll_box``: the box around the view
has a ``scroll_cue``) and a scroll bar, and the view shows enough of it to
read.  ``moved`` compares where widgets are before and after a message
appears (no layout shift); ``foreign_colours`` finds widgets still drawn in
the other palette after the high-contrast switch.
"""

from __future__ import annotations

from typing import Any


def _shown(widget: Any) -> bool:
    node = widget
    while node is not None:
        if getattr(node, "opacity", 1) <= 0.01:
            return False
        parent = node.parent
        if parent is node:
            break
        node = parent
    return widget.width > 1 and widget.height > 1


def _painted(widget: Any) -> bool:
    """Nothing above ``widget`` hides it (a transparent parent, a hidden Panel), whatever its size."""
    node = widget
    while node is not None:
        if getattr(node, "opacity", 1) <= 0.01 or getattr(node, "shown", True) is False:
            return False
        parent = node.parent
        if parent is node:
            break
        node = parent
    return True


def _in_scroll(widget: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            return True
        node = node.parent
    return False


def _rect(widget: Any) -> tuple[float, float, float, float]:
    """The part of ``widget`` a resident can see, in window coordinates: a
    scroll view clips what lies outside it (an empty rect when all of it)."""
    from kivy.uix.scrollview import ScrollView

    x, y = widget.to_window(widget.x, widget.y)
    rect = (x, y, x + widget.width, y + widget.height)
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            vx, vy = node.to_window(node.x, node.y)
            rect = (max(rect[0], vx), max(rect[1], vy), min(rect[2], vx + node.width), min(rect[3], vy + node.height))
        node = node.parent
    return rect


def _cut_sideways(widget: Any) -> str:
    """A widget in a scroll view that scrolls only up and down, standing out of
    it at the left or right: that part can never be brought into view."""
    from kivy.uix.scrollview import ScrollView

    x0, x1 = widget.to_window(widget.x, widget.y)[0], widget.to_window(widget.right, widget.y)[0]
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView) and not node.do_scroll_x:
            vx0, vx1 = node.to_window(node.x, node.y)[0], node.to_window(node.right, node.y)[0]
            if x0 < vx0 - 1 or x1 > vx1 + 1:
                return f"at x {x0:.0f}-{x1:.0f}, its scroll view {vx0:.0f}-{vx1:.0f}"
        node = node.parent
    return ""


def _visible(widget: Any) -> bool:
    x0, y0, x1, y1 = _rect(widget)
    return x1 - x0 > 1 and y1 - y0 > 1


def _overlap(a: tuple, b: tuple, slack: float = 1.0) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def _gap(a: tuple, b: tuple) -> float:
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return max(dx, dy)


def _name(widget: Any) -> str:
    text = getattr(widget, "text", "") or getattr(widget, "msgid", "")
    return f"{type(widget).__name__}({text.splitlines()[0][:30] if text else ''!r})"


def _taker(widget: Any, x: float, y: float) -> Any:
    """The widget that takes a touch at (x, y) (in ``widget``'s parent's
    coordinates), as Kivy's ``on_touch_down`` hands it down: a disabled
    widget swallows it, children first (the last added on top), then a
    button, a text input or a modal view itself."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.modalview import ModalView
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.textinput import TextInput

    if getattr(widget, "shown", True) is False:   # a hidden Panel (screens.widgets.panel) lets every touch by
        return None
    inside = widget.collide_point(x, y)
    if widget.disabled and inside:
        return widget
    if isinstance(widget, ScrollView) and not inside:
        return None
    cx, cy = widget.to_local(x, y)
    for child in widget.children[:]:
        taker = _taker(child, cx, cy)
        if taker is not None:
            return taker
    if isinstance(widget, ModalView) or (inside and isinstance(widget, (ButtonBehavior, TextInput))):
        return widget
    return None


def covered(target: Any) -> Any:
    """What takes a touch at ``target``'s centre instead of it (None: the target does)."""
    from kivy.core.window import Window

    x, y = target.to_window(*target.center)
    for root in Window.children[:]:
        taker = _taker(root, x, y)
        if taker is not None:
            return None if _inside(taker, target) else taker
    return target


def _inside(widget: Any, ancestor: Any) -> bool:
    node = widget
    while node is not None and node is not node.parent:
        if node is ancestor:
            return True
        node = node.parent
    return False


def measure(roots: list[Any], window_size: tuple[int, int], min_text: float, min_target: float,
            min_gap: float) -> list[str]:
    """Problems found under ``roots`` (the current screen, an open overlay)."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    problems: list[str] = []
    width, height = window_size
    texts, targets = [], []
    for root in roots:
        for widget in root.walk(restrict=True):
            if isinstance(widget, Label) and widget.text.strip() and _shown(widget):
                sideways = _cut_sideways(widget)   # wholly out at the side is not "visible": looked at first
                if sideways:
                    problems.append(f"cut off at the side: {_name(widget)} {sideways}")
            if not _shown(widget) or not _visible(widget):
                continue
            if isinstance(widget, ButtonBehavior) and not widget.disabled:
                targets.append(widget)
            if isinstance(widget, Label) and widget.text.strip():
                texts.append(widget)
    from kivy.uix.scrollview import ScrollView

    for root in roots:  # a list squeezed to nothing hides what it holds
        for view in root.walk(restrict=True):
            if isinstance(view, ScrollView) and view.children and _painted(view) \
                    and view.children[0].height > 1 and view.height < min_target - 0.5:
                problems.append(f"scroll area {view.height:.0f} px tall for {view.children[0].height:.0f} px of content")
            if isinstance(view, ScrollView) and _shown(view) and _visible(view):
                problems.extend(cue(view, min_target))
    for label in texts:
        rect = _rect(label)
        tw, th = label.texture_size
        if tw > label.width + 1 or th > label.height + 1:  # the label's own size, scrolled or not
            problems.append(f"clipped: {_name(label)} text {tw:.0f}x{th:.0f} in {label.width:.0f}x{label.height:.0f}")
        if label.font_size < min_text - 0.5:
            problems.append(f"small text: {_name(label)} {label.font_size:.0f} px")
        if not _in_scroll(label) and (rect[0] < -1 or rect[1] < -1 or rect[2] > width + 1 or rect[3] > height + 1):
            problems.append(f"outside the window: {_name(label)} at {[round(v) for v in rect]}")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if _overlap(_rect(a), _rect(b)):
                problems.append(f"overlap: {_name(a)} and {_name(b)}")
    for i, a in enumerate(targets):
        cover = covered(a) if _rect_holds_centre(a) else None
        if cover is not None:
            problems.append(f"covered: {_name(a)} does not take a touch, {_name(cover)} does")
        if a.height < min_target - 0.5:
            problems.append(f"small target: {_name(a)} {a.height:.0f} px tall")
        for b in targets[i + 1:]:
            if a in b.walk(restrict=True) or b in a.walk(restrict=True):
                continue
            gap = _gap(_rect(a), _rect(b))
            if gap < min_gap - 0.5:
                problems.append(f"crowded: {_name(a)} and {_name(b)} {gap:.0f} px apart")
    return problems


def drawn_stale(roots: list[Any]) -> list[str]:
    """Labels under ``roots`` whose drawn text is not what their words, font
    and size give now (a label of a screen kept off the window while 大字 or
    English was pressed, and never drawn again: ``screens/offscreen.py``).
    Each label is drawn once more to compare, so this is for some scenes only."""
    from kivy.uix.label import Label

    from screens import offscreen

    problems = [f"waiting to be drawn: {_name(label)}" for label in offscreen.waiting_in(roots)]
    for root in roots:
        for label in root.walk(restrict=True):
            if isinstance(label, Label) and label.text.strip():
                drawn = tuple(label.texture_size)
                label.texture_update()   # what its words, font and size give now
                if tuple(label.texture_size) != drawn:
                    problems.append(f"stale text: {_name(label)} drawn {drawn[0]:.0f}x{drawn[1]:.0f}, "
                                    f"now {label.texture_size[0]:.0f}x{label.texture_size[1]:.0f}")
    return problems


def _rect_holds_centre(widget: Any) -> bool:
    """The centre is in the part a scroll view shows (elsewhere the resident scrolls first)."""
    x0, y0, x1, y1 = _rect(widget)
    cx, cy = widget.to_window(*widget.center)
    return x0 <= cx <= x1 and y0 <= cy <= y1


def primary_buttons(roots: list[Any]) -> list[str]:
    """Visible, enabled primary buttons (a screen has at most one)."""
    return [_name(w) for root in roots for w in root.walk(restrict=True)
            if getattr(w, "primary", False) is True and _shown(w) and not w.disabled]


def cue(view: Any, min_target: float) -> list[str]:
    """A scroll view whose content is longer than it shows says so: its box's
    cue line ("more below") is on screen with words, its bar is drawn, and
    it shows at least two targets' height of the content."""
    content = view.children[0] if view.children else None
    if content is None:
        return []
    over_y, over_x = content.height > view.height + 1, content.width > view.width + 1
    if not (over_y or over_x):
        return []
    what = f"{content.height:.0f} px of content in {view.height:.0f} px" if over_y else \
        f"{content.width:.0f} px wide content in {view.width:.0f} px"
    found = []
    line = getattr(view.parent, "scroll_cue", None)
    if line is None or not (_shown(line) and _visible(line) and line.text.strip()):
        found.append(f"no cue: {_name(content)} scrolls ({what}) with nothing on screen saying so")
    if view.bar_width < 8 or view.bar_inactive_color[3] < 0.3:
        found.append(f"no scroll bar: {_name(content)} scrolls ({what}) and its bar is not shown")
    if over_y and view.height < 2 * min_target - 0.5:
        found.append(f"scroll area too low: {what}")
    return found


def place(widget: Any) -> list[int]:
    """Where ``widget`` is on the glass: x, y, width, height (window pixels)."""
    x, y = widget.to_window(widget.x, widget.y)
    return [round(x), round(y), round(widget.width), round(widget.height)]


def moved(before: dict[str, list[int]], after: dict[str, list[int]]) -> list[str]:
    """The widgets (by name) whose place changed between two ``place`` readings."""
    return [f"{name} moved from {before[name]} to {after.get(name)}" for name in before if after.get(name) != before[name]]


def foreign_colours(roots: list[Any], own: dict, other: dict) -> list[str]:
    """Shown widgets drawn with a colour of the ``other`` palette that the
    ``own`` one does not have (a kv rule that read ``theme.X`` once instead of
    ``app.palette.X``): text colours, button backgrounds and the canvas's
    Color instructions."""
    from kivy.graphics import Color
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    def flat(palette: dict) -> dict[tuple, str]:
        out = {}
        for key, value in palette.items():
            for sub, rgba in (value.items() if isinstance(value, dict) else [("", value)]):
                out[tuple(round(c, 3) for c in rgba)] = f"{key}.{sub}" if sub else key
        return out

    own_colours, other_colours = flat(own), flat(other)
    foreign = {rgba: name for rgba, name in other_colours.items() if rgba not in own_colours and rgba[3] > 0}

    def check(widget: Any, what: str, rgba: Any) -> None:
        key = tuple(round(c, 3) for c in rgba)
        if key in foreign:
            found.append(f"{_name(widget)} {what} is the other palette's {foreign[key]}")

    found: list[str] = []
    for root in roots:
        for widget in root.walk(restrict=True):
            if not _shown(widget) or not _visible(widget):
                continue
            if isinstance(widget, Label) and widget.text.strip():
                check(widget, "text", widget.color)
            if isinstance(widget, Button) or hasattr(widget, "background_color"):   # a button, a dialog
                check(widget, "background", widget.background_color)
            for group, canvas in (("before", widget.canvas.before), ("after", widget.canvas.after)):
                for instruction in canvas.children:
                    if isinstance(instruction, Color):
                        check(widget, f"canvas.{group} colour", instruction.rgba)
    return found
