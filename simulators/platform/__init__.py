"""The reference central platform (the district's side of kiosk/central/openapi.yaml)."""

from simulators.platform.server import PlatformServer, PlatformSimulator, serve

__all__ = ["PlatformServer", "PlatformSimulator", "serve"]
