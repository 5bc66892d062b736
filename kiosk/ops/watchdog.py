"""Telling systemd how the kiosk is: ``READY=1``, ``STATUS=`` and ``WATCHDOG=1``.

``kiosk.service`` is ``Type=notify`` with ``WatchdogSec=``: systemd considers
the kiosk started only when it says ``READY=1`` (sent once the home screen is
up, not when the process exists) and restarts it when the pings stop.  The
pings come from the Kivy main loop (``screens/app.py`` schedules
:meth:`ServiceNotifier.tick` on the Kivy clock), so a frozen UI stops them
and is restarted even though the process is alive.

:class:`ServiceNotifier` is the rule (what to send when); it never touches a
socket or a clock.  :class:`NotifySocket` sends the datagrams.  The protocol
is one ``AF_UNIX`` datagram of ``KEY=value`` lines to the socket named in
``$NOTIFY_SOCKET`` (abstract when it starts with ``@``); it is small and
stable, so it is written here rather than pulling in systemd-python (which
needs libsystemd-dev and a compiler on the terminal).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Mapping

# Without WatchdogSec (a developer's `kiosk run`) nothing pings.
DEFAULT_PING_FRACTION = 0.5


def watchdog_interval(env: Mapping[str, str], pid: int) -> float | None:
    """The watchdog interval systemd set for this process, in seconds, or None.

    systemd passes ``WATCHDOG_USEC`` and, so that a child does not ping in its
    parent's name, ``WATCHDOG_PID``; a PID that is not ours means "not for you".
    """
    usec = env.get("WATCHDOG_USEC", "")
    owner = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if owner and (not owner.isdigit() or int(owner) != pid):
        return None
    return int(usec) / 1_000_000


@dataclass
class ServiceNotifier:
    """What to tell systemd on each main-loop tick.

    ``READY=1`` once, the first tick after the home screen is up; ``STATUS=``
    whenever the human line changes; ``WATCHDOG=1`` every half interval
    (systemd's own advice), counted from the last ping.
    """

    watchdog_seconds: float | None
    ready_sent: bool = False
    last_status: str = ""
    last_ping: float | None = None

    @property
    def ping_every(self) -> float | None:
        return None if self.watchdog_seconds is None else self.watchdog_seconds * DEFAULT_PING_FRACTION

    def tick(self, now: float, *, home_up: bool, status: str) -> list[str]:
        """The notification lines to send now (maybe none)."""
        lines: list[str] = []
        if home_up and not self.ready_sent:
            self.ready_sent = True
            lines.append("READY=1")
        if status and status != self.last_status:
            self.last_status = status
            lines.append("STATUS=" + status.replace("\n", " "))
        every = self.ping_every
        if every is not None and self.ready_sent and (self.last_ping is None or now - self.last_ping >= every):
            self.last_ping = now
            lines.append("WATCHDOG=1")
        return lines

    def stopping(self, status: str = "stopping") -> list[str]:
        return ["STOPPING=1", "STATUS=" + status]


class NotifySocket:
    """Sends notification datagrams to ``$NOTIFY_SOCKET``; does nothing without one.

    A lost datagram is not an error the kiosk can act on (systemd is gone or
    restarting), so sending never raises.
    """

    def __init__(self, address: str | None = None):
        address = os.environ.get("NOTIFY_SOCKET", "") if address is None else address
        if address.startswith("@"):
            address = "\0" + address[1:]
        self.address = address
        self._sock: socket.socket | None = None
        if address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def send(self, lines: list[str]) -> bool:
        if self._sock is None or not lines:
            return False
        try:
            self._sock.sendto("\n".join(lines).encode(), self.address)
        except OSError:
            return False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def status_line(statuses: Mapping[str, str], home_up: bool) -> str:
    """The one human line ``systemctl status kiosk`` shows, e.g.
    ``serving; devices: 2 online, 1 no_device (printer)``."""
    if not home_up:
        return "starting the touchscreen app"
    enabled = {name: s for name, s in statuses.items() if s != "disabled"}
    if not enabled:
        return "serving; no devices configured"
    online = sum(1 for s in enabled.values() if s == "online")
    others = sorted((s, name) for name, s in enabled.items() if s != "online")
    parts = [f"{online} online"] + [f"{s} ({name})" for s, name in others]
    return "serving; devices: " + ", ".join(parts)
