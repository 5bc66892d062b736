"""诉求反映 (天大小事): a resident's request to the district (being prepared:
no flow yet, so the tile says so and asks for no card)."""

from __future__ import annotations

from kiosk.flows.service import N_, Needs, Service, Step
from kiosk.identity import Evidence

SERVICE = Service(
    "request", N_("Requests"), (Step.IDENTIFY, Step.REQUEST_FORM, Step.REVIEW, Step.SUBMIT), order=40,
    needs=Needs(identity=frozenset({Evidence.ID_CARD}), devices=("identify", "slip")),
)
