"""诉求反映 (天大小事): a resident's request to the district, from its type to
the slip (``flow.RequestFlow``); its answer is read and rated in 进度查询."""

from __future__ import annotations

from typing import Any

from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step
from kiosk.identity import Evidence


def _flow(ctx: FlowContext, service: Service) -> ServiceFlow[Any, Any]:
    from kiosk.services.request.flow import RequestFlow

    return RequestFlow(ctx, service)


SERVICE = Service(
    "request", N_("Requests"),
    (Step.REQUEST_TYPE, Step.REQUEST_PLACE, Step.REQUEST_TEXT, Step.REQUEST_PHOTOS, Step.REQUEST_WHO, Step.IDENTIFY,
     Step.REQUEST_CONTACT, Step.REQUEST_REVIEW, Step.REQUEST_DONE), order=40,
    optional=frozenset({Step.IDENTIFY}),
    needs=Needs(identity=frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), devices=("slip",)),
    lines={
        ("request_type", ""): N_("What would you like to tell the district? Choose the kind of request"),
        ("request_type", "topic"): N_("What is it about? Choose a topic"),
        ("request_type", "not_here"): N_("The hut cannot take this. Here is where to go instead"),
        ("request_type", "no_catalog"): N_("Requests cannot be taken now: the platform cannot be reached. Please "
                                           "try again later or ask the staff"),
        ("request_type", "refused"): N_("The list of topics has changed. Please choose the topic again; what you "
                                        "wrote is kept"),
        ("request_place", ""): N_("Where is it? Choose the building and unit, type the place, or touch Not a "
                                       "place"),
        ("request_text", ""): N_("Describe what happened. You can touch a common phrase to add it"),
        ("request_photos", ""): N_("You may add up to three photos, or go on without"),
        ("request_photos", "shooting"): N_("Put the photo or paper under the camera, or hold it up, then touch "
                                           "Take photo"),
        ("request_photos", "camera_lost"): N_("The camera is not working. Your request goes on without the photo"),
        ("request_who", ""): N_("Place your card so the answer can be found with it, or send it anonymously"),
        ("request_contact", ""): N_("You may leave a phone number for the department to call you back"),
        ("request_review", ""): N_("Please check your request, then touch Submit"),
        ("request_review", "submit_failed"): N_("The request could not be saved. Please ask the staff"),
        ("request_review", "not_accepted"): N_("The platform did not accept the request. Please ask the staff"),
        ("request_done", ""): N_("Your request is received. Please take your slip"),
        ("request_done", "done_queued"): N_("Your request is saved and will be sent automatically. Please take "
                                            "your slip"),
    },
    flow=_flow,
)
