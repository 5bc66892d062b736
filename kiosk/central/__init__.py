"""The kiosk's side of the central platform: contract (openapi.yaml), signing and client.

Other platforms fit behind the same boundary: the outbox and the flows talk
to ``CentralClient`` and its two error kinds, never to HTTP directly.
"""

from kiosk.central.client import CentralClient, CentralError, NeedsStaff, PlatformAcknowledgement, RetryLater

__all__ = ["CentralClient", "CentralError", "NeedsStaff", "PlatformAcknowledgement", "RetryLater"]
