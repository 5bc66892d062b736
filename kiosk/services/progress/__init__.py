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
        ("progress", "results_requests"): N_("These are your requests and how far they have got"),
        ("progress", "results_both"): N_("Your applications and requests, and what to do next"),
        ("progress", "requests_unavailable"): N_("Your requests cannot be looked up now. These are your "
                                                 "applications"),
        ("progress", "rating"): N_("How satisfied are you with the answer?"),
        ("progress", "rating_sending"): N_("Sending your rating. Please wait"),
        ("progress", "rated"): N_("Thank you. Your rating is recorded"),
        ("progress", "rating_sent"): N_("Thank you. Your rating will be sent automatically"),
        ("progress", "rating_failed"): N_("The rating could not be recorded. Please ask the staff"),
        ("progress", "nothing_found"): N_("No application was found"),
        ("progress", "unavailable"): N_("The platform cannot be reached now. Please try again later"),
        ("progress", "local_slip"): N_("This slip has a local number. Please place your ID card to find its number"),
        ("progress", "not_arrived"): N_("The platform has not received this application yet. An application filed "
                                        "while the hut was offline is sent by itself: please try again later, or "
                                        "place your ID card"),
        ("progress", "partial"): N_("The platform cannot be reached now. These are the applications this hut "
                                    "still holds"),
        ("progress", "confirm_withdraw"): N_("Do you want to withdraw this application?"),
        ("progress", "withdrawing"): N_("Withdrawing the application. Please wait"),
        ("progress", "withdrawn"): N_("The application is withdrawn"),
        ("progress", "withdraw_sent"): N_("Your withdrawal is recorded and will be sent to the platform by itself"),
        ("progress", "withdraw_refused"): N_("It could not be withdrawn: the department has already taken it up. "
                                             "Please ask at the counter"),
        ("progress", "withdraw_failed"): N_("The withdrawal could not be recorded. Please ask the staff"),
        ("progress", "not_withdrawable"): N_("This application can no longer be withdrawn here: the department has "
                                             "taken it up. Please ask at the counter"),
    },
    flow=_flow,
)
