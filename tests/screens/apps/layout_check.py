"""Measuring a screen on its widget tree: clipped or overlapping text, small or crowded targets.

What an elderly resident would notice, in numbers: a label whose rendered
text is larger than the label (cut-off words), two texts drawn over each
other, text outside the window, a touch target under 96 px or closer than
16 px to the next one, text under 32 px.  Hidden widgets (opacity 0 on them
or an ancestor, zero size, disabled targets) are not on screen and not
measured; widgets inside a scroll view are measured against each other, not
against the window (scrolling brings them in), and only the part the scroll
view shows is compared with other widgets.
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
            if not _shown(widget) or not _visible(widget):
                continue
            if isinstance(widget, ButtonBehavior) and not widget.disabled:
                targets.append(widget)
            if isinstance(widget, Label) and widget.text.strip():
                texts.append(widget)
    from kivy.uix.scrollview import ScrollView

    for root in roots:  # a list squeezed to nothing hides what it holds
        for view in root.walk(restrict=True):
            if isinstance(view, ScrollView) and view.children and view.opacity > 0.01 \
                    and view.children[0].height > 1 and view.height < min_target - 0.5:
                problems.append(f"scroll area {view.height:.0f} px tall for {view.children[0].height:.0f} px of content")
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
        if a.height < min_target - 0.5:
            problems.append(f"small target: {_name(a)} {a.height:.0f} px tall")
        for b in targets[i + 1:]:
            if a in b.walk(restrict=True) or b in a.walk(restrict=True):
                continue
            gap = _gap(_rect(a), _rect(b))
            if gap < min_gap - 0.5:
                problems.append(f"crowded: {_name(a)} and {_name(b)} {gap:.0f} px apart")
    return problems


def primary_buttons(roots: list[Any]) -> list[str]:
    """Visible, enabled primary buttons (a screen has at most one)."""
    return [_name(w) for root in roots for w in root.walk(restrict=True)
            if getattr(w, "primary", False) is True and _shown(w) and not w.disabled]
