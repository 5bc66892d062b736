"""健康自测: a guided visit through the hut's health devices (``flow.HealthFlow``)."""

from __future__ import annotations

from typing import Any

from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step
from kiosk.identity import Evidence


def _flow(ctx: FlowContext, service: Service) -> ServiceFlow[Any, Any]:
    from kiosk.services.health.flow import HealthFlow

    return HealthFlow(ctx, service)


def _guides() -> dict[tuple[str, str], str]:
    from kiosk.services.health.items import ITEMS

    return {("measure", f"guide:{item.key}"): item.guidance for item in ITEMS}


SERVICE = Service(
    "health", N_("Health check"),
    (Step.HEALTH_START, Step.CONSENT, Step.HEALTH_ITEMS, Step.MEASURE, Step.RESULT), order=20,
    optional=frozenset({Step.CONSENT}),
    needs=Needs(identity=frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), devices=("measure", "slip"),
                consents=("health",)),
    lines={
        ("health_start", ""): N_("Place your ID card or social security card to keep the results in your health "
                                 "record, or measure without identifying"),
        ("consent", ""): N_("Your results are health information. May the hut send them to your health record? "
                            "You can also measure without saving"),
        ("health_items", ""): N_("Choose what to measure, then touch Start"),
        ("measure", ""): N_("Follow the picture on the screen to measure"),
        ("measure", "rest:blood_pressure"): N_("Before blood pressure, sit quietly for five minutes. You can skip "
                                               "the rest"),
        ("measure", "context"): N_("When did you last eat?"),
        ("measure", "waist:waist"): N_("Put the tape around your waist at the navel, level all round, breathe out "
                                       "gently, then type the number"),
        **_guides(),
        ("measure", "interval"): N_("Stay seated and rest your arm. The next reading comes in one minute"),
        ("measure", "failed"): N_("The measurement did not succeed. Please try again"),
        ("measure", "failed_staff"): N_("The measurement did not succeed again. Please ask the staff for help"),
        ("measure", "item_done"): N_("Done. Touch Next to go on"),
        ("result", ""): N_("These are your results. They are for reference only, not a diagnosis"),
        ("result", "results"): N_("These are your results. They are for reference only, not a diagnosis"),
        ("result", "results_urgent"): N_("One of your results needs a doctor today. Please see a doctor today; the "
                                         "staff can help you"),
        ("result", "wiped"): N_("Your card was taken away, so your results were cleared to protect your privacy"),
    },
    flow=_flow,
)
