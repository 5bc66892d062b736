"""Widgets shared by the kiosk's screens; importing the package loads their kv rules."""

from screens.widgets import bilingual, confirm_home, frame, idle_warning, panel, scroll_box  # noqa: F401  (registers the widgets)
