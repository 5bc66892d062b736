"""Every screen in the three windows, in English, large text, high contrast (tests/screens/layout_suite.py: what is measured)."""

from tests.screens.layout_suite import *  # noqa: F401,F403 - the tests and their fixtures, for this way of reading

WAY = "english"
