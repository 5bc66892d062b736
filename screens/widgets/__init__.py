"""Widgets shared by the kiosk's screens; importing the package loads their kv rules."""

from screens.widgets import (  # noqa: F401  (registers the widgets)
    bilingual,
    confirm_home,
    frame,
    idle_warning,
    panel,
    privacy_notice,
    scroll_box,
    staff_call,
    two_lines,
)
