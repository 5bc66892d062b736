"""健康自测: a guided visit through the hut's health devices (being prepared:
the devices, the classification and the health-record endpoint exist; the
visit's flow and screens do not yet, so the tile says so and asks for no card)."""

from __future__ import annotations

from kiosk.flows.service import N_, Needs, Service, Step
from kiosk.identity import Evidence

SERVICE = Service(
    "health", N_("Health check"), (Step.CONSENT, Step.IDENTIFY, Step.MEASURE, Step.RESULT), order=20,
    needs=Needs(identity=frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), devices=("measure", "slip"),
                consents=("health",)),
)
