"""自助办事: filing a matter at the kiosk (``flow.ApprovalFlow`` and its steps)."""

from __future__ import annotations

from typing import Any

from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step
from kiosk.identity import Evidence


def _flow(ctx: FlowContext, service: Service) -> ServiceFlow[Any, Any]:
    from kiosk.services.approval.flow import ApprovalFlow

    return ApprovalFlow(ctx, service)


SERVICE = Service(
    "approval", N_("Self-service"),
    (Step.CHOOSE_MATTER, Step.CONDITIONS, Step.IDENTIFY, Step.FACE_CHECK, Step.FORM, Step.PAPERS, Step.SIGN,
     Step.REVIEW, Step.SUBMIT, Step.DONE),
    order=10, optional=frozenset({Step.FACE_CHECK, Step.SIGN}),
    # The social security card counts only for a matter whose catalog entry says so (CardRequest).
    needs=Needs(identity=frozenset({Evidence.ID_CARD}), devices=("identify", "scan", "slip", "face_check"),
                consents=("processing", "sensitive")),
    lines={
        ("choose_matter", ""): N_("Choose a category, or search the matter by its pinyin initials"),
        ("conditions", ""): N_("Check the conditions and the papers you need, then press Start"),
        ("conditions", "not_eligible"): N_("According to your card, you cannot file this matter. The reason is on "
                                           "the screen. You can choose another matter"),
        ("form", ""): N_("Please check what is filled in, and fill in the rest"),
        ("papers", ""): N_("Place the paper flat under the camera"),
        ("papers", "bring_to_counter"): N_("The camera cannot be used. Please hand these papers to the counter"),
        ("papers", "adjusting"): N_("Drag the four circles onto the four corners of the paper."),
        ("papers", "cannot_file"): N_("This matter cannot be filed without this paper. Please come back with it"),
        ("sign", ""): N_("Please read the declaration. If it is right, press Sign"),
        ("sign", "signing"): N_("Please sign your name in the box with your finger, then press Confirm"),
        ("sign", "empty"): N_("Nothing was signed. Please sign your name in the box"),
        ("sign", "dot"): N_("That was only a dot. Please write your name in the box"),
        ("sign", "short"): N_("That was only one short stroke. Please write your full name in the box"),
        ("sign", "outside"): N_("Most of it was outside the box. Please sign again inside the box"),
        ("sign", "signed"): N_("Signed. Press Continue, or sign again"),
        ("sign", "stale"): N_("What you signed has changed since (a page or a value). Please sign again."),
        ("review", ""): N_("Please check everything, agree, and submit"),
        ("submit", ""): N_("Submitting. Please wait a moment"),
        ("submit", "submit_failed"): N_("It could not be submitted. Please ask the staff for help"),
        ("done", ""): N_("Done. Please take your card"),
        ("done", "print"): N_("Done. Please take your card and your slip"),
        ("done", "note_number"): N_("Done. Please note down or photograph your number, and take your card"),
    },
    flow=_flow,
)
