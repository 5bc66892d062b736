"""The pcscd + vpcd fixtures, defined once in tests/smartcard_fixtures.py."""

from tests.smartcard_fixtures import slots, smartcard_sim  # noqa: F401  (fixtures: pytest finds them by name)
