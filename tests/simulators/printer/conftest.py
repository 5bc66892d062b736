"""The printer simulator fixture, defined once in tests/printer_fixtures.py."""

from tests.printer_fixtures import printer_sim  # noqa: F401  (a fixture: pytest finds it by name)
