"""Every screen in the three windows, in normal text, in Chinese (tests/screens/layout_suite.py says what is measured)."""

from tests.screens.layout_suite import *  # noqa: F401,F403 - the tests and their fixtures, for this way of reading

WAY = "normal"
