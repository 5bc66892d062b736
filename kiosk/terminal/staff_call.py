"""呼叫工作人员 (Call staff): the resident's call for the hut's staff, as the
terminal records it and the heartbeat carries it to the platform.

A call says when it was made, on which screen and in which service, and
whether the resident still waits: never who made it (no name, no ID, nothing
typed).  The terminal keeps the last call in the app's state file, so the
outbox worker sends it with the heartbeat even after the visit it was made
in has ended, and sends a heartbeat at once when a call starts or changes
(staff should not wait a whole heartbeat interval to hear of it).

States: ``pending`` (the resident waits), ``cancelled`` (cancelled on the
screen, by the resident or by the staff member who came), ``visit_ended``
(the visit ended by 首页, 完成 or the idle timeout while the call was
pending: someone asked for help and may still be standing there).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, replace
from typing import Any

from kiosk.flows.service import N_

# What the speaker says to the staff (always in Chinese: the hut's staff), then
# to the resident in their language; what the resident hears on cancelling.
STAFF_ALERT = N_("Staff, please come to the self-service terminal: a resident needs help")
CALLED_LINE = N_("Staff have been called, please wait a moment")
CANCELLED_LINE = N_("The call to the staff is cancelled")

_NAME = re.compile(r"[a-z_]{0,40}")


class CallState(enum.StrEnum):
    PENDING = "pending"
    CANCELLED = "cancelled"
    VISIT_ENDED = "visit_ended"


@dataclass(frozen=True)
class StaffCall:
    """One call: wall-clock times (seconds since the epoch), the screen's name
    (a step, ``home`` or ``preparing``) and the service's key ("" at home)."""

    requested_at: float
    screen: str
    service: str = ""
    state: CallState = CallState.PENDING
    changed_at: float = 0.0

    @property
    def pending(self) -> bool:
        return self.state is CallState.PENDING

    def moved(self, state: CallState, at: float) -> StaffCall:
        return replace(self, state=state, changed_at=at)

    def as_dict(self) -> dict[str, Any]:
        """For the app's state file."""
        return {"requested_at": self.requested_at, "screen": self.screen, "service": self.service,
                "state": self.state.value, "changed_at": self.changed_at or self.requested_at}

    @classmethod
    def from_dict(cls, data: Any) -> StaffCall | None:
        """The call in the app's state file; None when there is none or it is
        not one (the file is the kiosk user's: read it as untrusted)."""
        if not isinstance(data, dict):
            return None
        try:
            requested = float(data["requested_at"])
            changed = float(data.get("changed_at") or requested)
            screen, service, state = str(data["screen"]), str(data.get("service", "")), CallState(data["state"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (_NAME.fullmatch(screen) and _NAME.fullmatch(service)) or not (0 < requested < 1e11 and 0 < changed < 1e11):
            return None
        return cls(requested, screen, service, state, changed)

    def heartbeat(self) -> dict[str, Any]:
        """The heartbeat's ``help_request`` (kiosk/central/openapi.yaml)."""
        return {"requested_at": _iso(self.requested_at), "screen": self.screen, "service": self.service,
                "state": self.state.value, "changed_at": _iso(self.changed_at or self.requested_at)}

    def key(self) -> tuple[float, str]:
        """What the platform has to hear again when it changes."""
        return (self.requested_at, self.state.value)


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
