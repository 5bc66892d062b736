"""The resident services shown as tiles on the home screen.

Pure data (no Kivy) so flows and tests can read it.  ``screen`` names the
Kivy screen of the service's flow once that flow exists (later issues set
it); until then the tile leads to the honest "being prepared" message.
A service whose flow is missing does not ask for the ID card: collecting a
resident's identity for a service that cannot be delivered would be data
collection without a purpose (PIPL's minimisation rule).
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(msgid: str) -> str:
    """Marks a msgid for translation where it is defined; translated where shown."""
    return msgid


@dataclass(frozen=True)
class Service:
    key: str
    title: str                    # msgid (English); Chinese in the zh_CN catalog
    needs_identity: bool
    screen: str | None = None     # the flow's screen name, None while not built


SERVICES: tuple[Service, ...] = (
    Service("approval", N_("Self-service"), needs_identity=True),
    Service("health", N_("Health check"), needs_identity=True),
    Service("guide", N_("Service guide"), needs_identity=False),
    Service("request", N_("Requests"), needs_identity=True),
    Service("progress", N_("Progress"), needs_identity=True),
)
BY_KEY = {s.key: s for s in SERVICES}
