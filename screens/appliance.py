"""The app's side of the appliance: the devices the owner holds, what they
allow now, and what the app tells systemd and the metrics.

A mixin of ``screens.app.KioskApp`` (which owns ``owner``, ``identify_flow``,
``settings``, ``notifier``, ``notify_socket``, ``stats``, ``session`` and
``sm``); split out so the app module stays the app's life cycle and
navigation.  Device events arrive on driver threads and are only scheduled
onto the Kivy clock here; the flows take them there.
"""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock

from drivers.base import DeviceEvent, StatusChanged
from kiosk.devices.availability import decide
from kiosk.devices.snapshot import read_platform_reach
from kiosk.ops.app_state import write_app_state
from kiosk.ops.watchdog import status_line


class ApplianceLink:
    """Mixed into KioskApp (annotations only: no attribute is created here)."""

    owner: Any
    identify_flow: Any
    settings: Any
    notifier: Any
    notify_socket: Any
    stats: Any
    session: Any
    sm: Any
    idle: Any
    availability: Any

    def _write_app_state(self) -> None:
        """For the metrics and for kiosk update (which never restarts under a resident)."""
        self.stats.session_active = self.session.active
        self.stats.printing = any(d.status == "busy" for d in self.owner.devices_offering("slip"))
        write_app_state(self.settings.paths.state_dir, self.stats)

    # -- systemd -------------------------------------------------------------
    def _notify_systemd(self, _dt: float) -> None:
        """On the Kivy clock, so the pings stop when the main loop freezes."""
        home_up = self.notifier.ready_sent or (self.sm is not None and self.sm.current == "home")
        statuses = {name: rec.status for name, rec in self.owner.records().items()}
        self.notify_socket.send(self.notifier.tick(time.monotonic(), home_up=home_up,
                                                   status=status_line(statuses, home_up)))

    # -- devices -------------------------------------------------------------
    def on_device_event(self, event: Any) -> None:
        """Called on a driver's thread: hand the event to the Kivy thread."""
        Clock.schedule_once(lambda _dt: self._handle_device_event(event))

    def identity_readers(self) -> list[Any]:
        """The readers a resident identifies with: ID card readers, and smart
        card readers that read social security cards (not the staff card's)."""
        return [*self.owner.devices_offering("id_card"), *self.owner.devices_offering("social_security")]

    def _handle_device_event(self, event: Any) -> None:
        if isinstance(event, StatusChanged):
            self._update_availability()
        if not any(reader.name == event.device for reader in self.identify_flow.readers):
            return
        if isinstance(event, DeviceEvent):
            self.idle.touch()  # placing or taking a card is the resident acting
        self.identify_flow.handle(event)

    def _update_availability(self) -> None:
        reach = read_platform_reach(self.settings.paths.state_dir, 3 * self.settings.platform.heartbeat_seconds)
        self.availability = decide(self.owner.records().values(), reach)

    def _printer(self) -> Any:
        return self.owner.first_offering("slip")

    def front_camera(self) -> Any:
        return self.owner.first_offering("face_check")

