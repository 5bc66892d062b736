"""进度查询: a resident's applications by card or by the slip's QR code (``flow.ProgressFlow``)."""

from __future__ import annotations

from typing import Any

from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step
from kiosk.identity import Evidence


def _flow(ctx: FlowContext, service: Service) -> ServiceFlow[Any, Any]:
    from kiosk.services.progress.flow import ProgressFlow

    return ProgressFlow(ctx, service)


SERVICE = Service(
    "progress", N_("Progress"), (Step.PROGRESS,), order=50,
    # Progress identifies inside its own step: the ID card, the social security
    # card or the slip's QR code all prove the right to see an application, and
    # a slip holder never has to place a card.
    needs=Needs(identity=frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), devices=("identify", "scan")),
    lines={
        ("progress", ""): N_("Place your ID card or social security card, or show the QR code on your slip"),
        ("progress", "results"): N_("These are your applications and what to do next"),
        ("progress", "nothing_found"): N_("No application was found"),
        ("progress", "unavailable"): N_("The platform cannot be reached now. Please try again later"),
        ("progress", "local_slip"): N_("This slip has a local number. Please place your ID card to find its number"),
    },
    flow=_flow,
)
