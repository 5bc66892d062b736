"""证明打印: print a certificate the district issued the resident, on the A4
printer (``flow.CertificateFlow``; docs/certificates.md)."""

from __future__ import annotations

from typing import Any

from kiosk.flows.service import N_, FlowContext, Needs, Service, ServiceFlow, Step
from kiosk.identity import Evidence


def _flow(ctx: FlowContext, service: Service) -> ServiceFlow[Any, Any]:
    from kiosk.services.certificate.flow import CertificateFlow

    return CertificateFlow(ctx, service)


SERVICE = Service(
    "certificate", N_("Certificates"),
    (Step.IDENTIFY, Step.CERTIFICATES, Step.CERTIFICATE_PREVIEW, Step.CERTIFICATE_PRINT), order=60,
    needs=Needs(identity=frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), devices=("identify", "a4")),
    lines={
        ("certificates", ""): N_("Choose the certificate to print"),
        ("certificates", "listing"): N_("Looking up your certificates. Please wait"),
        ("certificates", "list"): N_("Choose the certificate to print"),
        ("certificates", "none_found"): N_("No certificate was found for you. Please ask at the counter"),
        ("certificates", "unavailable"): N_("The platform cannot be reached now. Please try again later"),
        ("certificate_preview", ""): N_("Check the certificate, then press Print"),
        ("certificate_preview", "fetching"): N_("Checking the certificate's seal. Please wait"),
        ("certificate_preview", "preview"): N_("Check the certificate, then press Print"),
        ("certificate_preview", "refused"): N_("This certificate cannot be printed here. Please go to the counter"),
        ("certificate_print", ""): N_("Printing. Please wait"),
        ("certificate_print", "printing"): N_("Printing. Please wait"),
        ("certificate_print", "done"): N_("Please take your papers from the printer"),
        ("certificate_print", "stopped"): N_("The printer has stopped. The staff have been told"),
        ("certificate_print", "stopped_media_empty"): N_("The printer is out of paper. Take the pages already "
                                                         "printed; the rest prints when paper is loaded"),
        ("certificate_print", "stopped_media_jam"): N_("Paper is jammed in the printer. Take the pages already "
                                                       "printed; the rest prints when the jam is cleared"),
        ("certificate_print", "stopped_door_open"): N_("The printer door is open. The rest prints when it is closed"),
        ("certificate_print", "print_failed"): N_("The certificate could not be printed now. Nothing is lost: "
                                                  "try again, or ask at the counter"),
        ("certificate_print", "print_failed_paused"): N_("The printer is paused. Please ask the staff"),
        ("certificate_print", "print_failed_no_cups"): N_("The printer service is not running. Please ask the staff"),
        ("certificate_print", "print_failed_stuck"): N_("The printer does not go on. Please ask the staff"),
    },
    flow=_flow,
)
