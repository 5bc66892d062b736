"""Where the appliance keeps things, under a root: "/" on a terminal, a
staging folder for `kiosk provision --root` and `kiosk update --root` and in
the tests.  One table of the paths both commands use (the same /etc/kiosk,
/var/lib/kiosk and /opt/kiosk as the systemd units and the docs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.peripherals import RULES_NAME


@dataclass(frozen=True)
class Layout:
    """The system paths, under ``root``."""

    root: Path

    def at(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    @property
    def real(self) -> bool:
        return self.root.resolve() == Path("/")

    # -- configuration (/etc) ---------------------------------------------------------
    @property
    def config(self) -> Path:
        return self.at("/etc/kiosk/kiosk.toml")

    @property
    def secrets(self) -> Path:
        return self.at("/etc/kiosk/secrets.toml")

    @property
    def public_key(self) -> Path:
        """The key releases are signed with (kiosk/ops/updater.py)."""
        return self.at("/etc/kiosk/release-key.pub")

    @property
    def units_dir(self) -> Path:
        return self.at("/etc/systemd/system")

    @property
    def rules(self) -> Path:
        return self.at("/etc/udev/rules.d/" + RULES_NAME)

    # -- state (/var/lib) ---------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        return self.at("/var/lib/kiosk")

    @property
    def admin_dir(self) -> Path:
        """root's records (provisioning report, update history): kiosk/ops/admin_files.py."""
        return self.at("/var/lib/kiosk-admin")

    # -- releases (/opt) -----------------------------------------------------------------
    @property
    def releases(self) -> Path:
        return self.at("/opt/kiosk/releases")

    @property
    def current(self) -> Path:
        return self.at("/opt/kiosk/current")
