"""Every screen in a 1920 x 1080 window (tests/screens/layout_suite.py says what is measured)."""

from tests.screens.layout_suite import *  # noqa: F401,F403 - the tests and their fixtures, for this window

WINDOW = "landscape"
