"""The terminal in process (``tests.terminal_kit``) as a fixture, and the platform's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.devices.snapshot import write_platform_reach
from kiosk.privacy import IdHashKeys
from tests.platform_fixtures import platform, terminal  # noqa: F401  (fixtures, found by name)
from tests.terminal_kit import DEVICES, TerminalKit


@pytest.fixture
def make_kit(make_settings):
    """``make_kit(online=False, unplugged=(), terminal_id="", **TerminalKit options)``: a started
    terminal with its fake devices (those in ``unplugged`` gone), stopped after the test."""
    made = []

    def make(online: bool = False, unplugged: tuple[str, ...] = (), id_hash_keys: IdHashKeys | None = None,
             devices_toml: str = DEVICES, terminal_id: str = "", **options):
        settings = make_settings(devices_toml)
        if terminal_id:   # the enrolled terminal's id (a signing record names it; the platform checks it)
            settings = replace(settings, terminal=settings.terminal.model_copy(update={"id": terminal_id}))
        if id_hash_keys is not None:   # the district's keys, as enrolment delivers them to every hut
            settings = replace(settings, secrets=replace(settings.secrets, id_hash_keys=id_hash_keys))
        if online:
            settings.paths.state_dir.mkdir(parents=True, exist_ok=True)
            write_platform_reach(settings.paths.state_dir, True)
        kit = TerminalKit(settings, **options).__enter__()
        made.append(kit)
        for name in unplugged:
            kit.devices[name].unplug()
        kit.settle()
        kit.terminal.refresh_availability()
        return kit

    yield make
    for kit in made:
        kit.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def no_listener_fails(caplog):
    """A flow's or the terminal's listener that raises is only logged in the
    app (the kiosk keeps running); here it fails the test."""
    yield
    failed = [r.getMessage() for r in caplog.records if r.name == "drivers.listeners" and r.levelname == "ERROR"]
    assert not failed, failed
